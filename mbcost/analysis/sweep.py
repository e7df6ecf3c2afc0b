"""Sweep: MACs and params over a grid of width multipliers (alpha) x input resolutions, as the v1 paper's
Tables 6-7; with budgets, which points fit every limit (MACs, params, activation memory, weight bytes:
the limits `mbcost check` applies) and the largest that fits.

The spec is read once and expanded once per width multiplier (`graph.expand`: the width decides the ops);
each resolution then only infers shapes and costs those ops (`_Totals`). Activation memory needs the
whole graph, so it is inferred (`graph.infer_shapes` + `memory.peak`) only when a memory limit is in force.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal, DecimalException
from fractions import Fraction
from functools import cached_property
from typing import Callable

from ..arch.counts import Shape, Stored, stored
from ..arch.scaling import RESOLUTION, WIDTH_MULTIPLIER
from ..errors import SpecError
from ..fields import FieldError
from ..graph import INPUT, Net, expand, infer_shapes
from ..latency.profile import Device
from ..latency.roofline import of_graph
from ..limits import MAX_RESOLUTION
from ..spec.records import Spec
from .memory import bytes_per_element, peak

MAX_POINTS = 100_000  # a grid this large is almost surely a typo in a range


@dataclass(frozen=True)
class Point:
    width_multiplier: float
    resolution: int
    macs: int
    params: int
    fits: bool | None  # None: no budget given
    memory: int | None = None  # peak live activation bytes at the sweep's dtype; None: no memory limit
    weight_bytes: int | None = None  # stored weights at the sweep's dtype; None: no weight-bytes limit
    latency: float | None = None  # seconds estimated on the sweep's device; None: no device


@dataclass(frozen=True)
class Sweep:
    model: str
    points: tuple[Point, ...]  # alpha-major, in the order the values were given
    max_macs: int | None
    max_params: int | None
    max_memory: int | None = None
    max_weight_bytes: int | None = None
    dtype: str = "fp32"  # element type of memory and weight bytes
    fused: bool = False  # memory is the fused-bottleneck peak (v2 paper, Section 5)
    max_latency: Fraction | None = None  # seconds
    device: str = ""  # the device profile's name; "" without one

    @property
    def budgeted(self) -> bool:
        limits = (self.max_macs, self.max_params, self.max_memory, self.max_weight_bytes, self.max_latency)
        return any(limit is not None for limit in limits)

    @cached_property
    def best(self) -> Point | None:
        """The largest point that fits: most MACs, ties broken by most params, then by grid order
        (`max` keeps the first of equal keys)."""
        fitting = [p for p in self.points if p.fits]
        return max(fitting, key=lambda p: (p.macs, p.params)) if fitting else None


def parse_values(text: str, integer: bool) -> tuple:
    """`1,0.75,0.5` or ranges `0.25:1:0.05` (start:stop:step, both ends included), mixed freely.
    Raises FieldError saying what is wrong; the caller names the option."""
    values: list = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise FieldError(f"empty value in {text!r}; write values separated by commas, e.g. 1,0.75,0.5")
        parts = item.split(":")
        try:
            numbers = [Decimal(p) for p in parts]
            if not all(n.is_finite() for n in numbers):
                raise FieldError(f"{item!r} is not a finite number")
        except DecimalException:
            raise FieldError(f"{item!r} is not a number or a range start:stop:step") from None
        if len(parts) == 1:
            if len(values) >= MAX_POINTS:
                raise FieldError(f"the list has more than {MAX_POINTS} values")
            values.append(numbers[0])
        elif len(parts) == 3:
            start, stop, step = numbers
            if step <= 0 or stop < start:
                raise FieldError(f"range {item!r} needs start <= stop and a positive step")
            try:
                count = int((stop - start) / step) + 1
            except DecimalException:  # e.g. a step of 1e-999999
                raise FieldError(f"range {item!r} has more than {MAX_POINTS} values") from None
            if count > MAX_POINTS:
                raise FieldError(f"range {item!r} has more than {MAX_POINTS} values")
            if len(values) + count > MAX_POINTS:  # counted before it is built, whatever the number of ranges
                raise FieldError(f"the list has more than {MAX_POINTS} values")
            values += [start + i * step for i in range(count)]
        else:
            raise FieldError(f"{item!r} is not a number or a range start:stop:step")
    out = []
    for value in values:
        if integer:
            if value.adjusted() > 9:  # 10 digits or more, far past MAX_RESOLUTION: int() of 1e999999999 would not end
                raise FieldError(f"{value} is far above the limit of {MAX_RESOLUTION} pixels (MAX_RESOLUTION)")
            if value != value.to_integral_value():
                raise FieldError(f"expected a whole number of pixels, got {value}")
            out.append(RESOLUTION.convert(int(value)))
        else:
            out.append(WIDTH_MULTIPLIER.convert(float(value)))
    seen = set()
    for value in out:
        if value in seen:
            raise FieldError(f"{value:g} is listed twice")
        seen.add(value)
    return tuple(out)


class _Totals:
    """MACs and params of one Net at any resolution: the shape rule and cost rule of each node's op, as
    `graph.infer_shapes` and `cost.analyze` apply them, remembered per (node, input shapes). Deep stages
    have equal sizes at many resolutions, and making the Graph's node records costs more than the rules:
    benchmarks/workloads.py's 10,000-point sweep takes about a third of the time it takes through
    `analyze(infer_shapes(net, r))`. tests/test_sweep.py checks every point against `analyze`."""

    def __init__(self, net: Net):
        self.net = net
        self.memo: dict[tuple[int, tuple[Shape, ...]], tuple[Shape, int, int]] = {}

    def resolution(self, resolution: int) -> tuple[int, int]:
        shapes = {INPUT: Shape(self.net.spec.input.channels, resolution, resolution)}
        memo, macs, params = self.memo, 0, 0
        for i, node in enumerate(self.net.nodes):
            inputs = tuple(shapes[name] for name in node.inputs)
            hit = memo.get((i, inputs))
            if hit is None:
                try:
                    out = node.op.output_shape(inputs)
                except ValueError:  # the full inference reports it with file, line and field
                    infer_shapes(self.net, resolution)
                    raise
                cost = node.op.cost(inputs, out)
                hit = memo[i, inputs] = (out, cost.macs, cost.params)
            shapes[node.name] = hit[0]
            macs += hit[1]
            params += hit[2]
        return macs, params


def _stored(net: Net, resolution: int) -> Stored:
    """The stored weights and biases (batch norm folded) of `net`: the width decides them, not the resolution."""
    return sum((stored(node.op.cost(node.input_shapes, node.output_shape)) for node in infer_shapes(net, resolution).nodes), Stored())


def sweep(
    spec: Spec,
    widths: tuple[float, ...],
    resolutions: tuple[int, ...],
    max_macs: int | None = None,
    max_params: int | None = None,
    max_memory: int | None = None,
    max_weight_bytes: int | None = None,
    dtype: str = "fp32",
    fused: bool = False,
    on_point: Callable[[], None] | None = None,
    depth: float | None = None,
    device: Device | None = None,
    max_latency: Fraction | None = None,
) -> Sweep:
    """Cost every (width, resolution) point; with limits, a point fits when it meets every one of them.
    `dtype` is the element type of memory and weight bytes, `fused` picks the fused-bottleneck peak;
    `on_point` is called after each point (a progress bar). With a `device`, each point's roofline latency
    (mbcost/latency), which `max_latency` limits."""
    if len(widths) * len(resolutions) > MAX_POINTS:
        raise SpecError(f"the grid has {len(widths) * len(resolutions)} points, more than {MAX_POINTS}", field="--alpha x --resolution")
    bytes_per_element(dtype)  # an unknown dtype fails before any work
    if max_latency is not None and device is None:
        raise SpecError("a latency budget needs a device: give --device NAME|FILE (`mbcost devices` lists them)", field="max_latency")
    result = Sweep(
        spec.model, (), max_macs, max_params, max_memory, max_weight_bytes, dtype, fused, max_latency, device.name if device else ""
    )
    points = []
    for width in widths:
        net = expand(spec, width, depth)  # the width decides the ops; each resolution only re-infers shapes
        at = _Totals(net)
        weight_bytes = _stored(net, resolutions[0]).bytes(dtype) if max_weight_bytes is not None else None
        for resolution in resolutions:
            macs, params = at.resolution(resolution)
            graph = infer_shapes(net, resolution) if max_memory is not None or device is not None else None
            memory = peak(graph, dtype, fused) if max_memory is not None else None
            latency = of_graph(graph, device, dtype).total_s if device is not None else None
            fits = None
            if result.budgeted:
                fits = all(
                    limit is None or actual <= limit
                    for actual, limit in (
                        (macs, max_macs), (params, max_params), (memory, max_memory), (weight_bytes, max_weight_bytes), (latency, max_latency)
                    )
                )
            points.append(Point(width, resolution, macs, params, fits, memory, weight_bytes, latency))
            if on_point is not None:
                on_point()
    return dataclasses.replace(result, points=tuple(points))
