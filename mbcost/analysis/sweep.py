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
from ..arch.scaling import BATCH, WIDTH_MULTIPLIER, Resolution, parse_resolution
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
    resolution: Resolution
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
    batch: int = 1  # images per inference: MACs and memory are of the whole batch
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
    """`1,0.75,0.5` or ranges `0.25:1:0.05` (start:stop:step, both ends included), mixed freely; with
    `integer` (resolutions), also HEIGHTxWIDTH values (`224,512x1024`), as Resolutions. Raises FieldError
    saying what is wrong; the caller names the option."""
    values: list = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise FieldError(f"empty value in {text!r}; write values separated by commas, e.g. 1,0.75,0.5")
        if integer and "x" in item.lower():  # one non-square input size; ranges stay square
            if len(values) >= MAX_POINTS:
                raise FieldError(f"the list has more than {MAX_POINTS} values")
            values.append(parse_resolution(item))
            continue
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
                steps = (stop - start) / step
            except DecimalException:  # e.g. a step of 1e-999999
                raise FieldError(f"range {item!r} has more than {MAX_POINTS} values") from None
            if steps >= MAX_POINTS:  # compared before int(): int(1e999999) would build a million digits
                raise FieldError(f"range {item!r} has more than {MAX_POINTS} values")
            count = int(steps) + 1
            if count > MAX_POINTS:
                raise FieldError(f"range {item!r} has more than {MAX_POINTS} values")
            if len(values) + count > MAX_POINTS:  # counted before it is built, whatever the number of ranges
                raise FieldError(f"the list has more than {MAX_POINTS} values")
            values += [start + i * step for i in range(count)]
        else:
            raise FieldError(f"{item!r} is not a number or a range start:stop:step")
    out = []
    for value in values:
        if isinstance(value, Resolution):
            out.append(value)
        elif integer:
            if value.adjusted() > 9:  # 10 digits or more, far past MAX_RESOLUTION: int() of 1e999999999 would not end
                raise FieldError(f"{value} is far above the limit of {MAX_RESOLUTION} pixels (MAX_RESOLUTION)")
            if value != value.to_integral_value():
                raise FieldError(f"expected a whole number of pixels, got {value}")
            out.append(Resolution.of(int(value)))
        else:
            out.append(WIDTH_MULTIPLIER.convert(float(value)))
    seen = set()
    for value in out:
        if value in seen:
            raise FieldError(f"{value if integer else format(value, 'g')} is listed twice")
        seen.add(value)
    return tuple(out)


class _Totals:
    """MACs and params of one Net at any resolution, by the shape rule and cost rule of each node's op, as
    `graph.infer_shapes` and `cost.analyze` apply them, remembered where resolutions meet.

    A *cut* is a point where one tensor is all that later nodes read (between blocks, in these nets): what
    follows it depends on the resolution only through that tensor's shape. The nodes between two cuts (a
    *piece*) are costed once per (their ops and wiring, entry shape), in `pieces`, which the nets of every
    width share: channel rounding gives the early layers the same ops at many widths. After each node that
    shrinks the spatial size, the totals from there to the end are remembered per (cut, shape), so a
    resolution is walked only until it reaches a size seen before: deep stages have equal sizes at many
    resolutions. tests/test_sweep.py checks every point against `analyze`; benchmarks/workloads.py times a
    10,000- and a 100,000-point sweep."""

    def __init__(self, net: Net, resolution: Resolution, pieces: dict, kinds: dict[tuple, int]):
        self.net = net
        self.pieces = pieces  # (kind of piece, entry shape) -> (exit shape, MACs, params)
        cuts = _cuts(net)
        # Each piece's ops and wiring as a small integer, equal for equal pieces (across widths too).
        self.kinds = [kinds.setdefault(_signature(net, *piece), len(kinds)) for piece in zip(cuts, cuts[1:])]
        self.spans = cuts[:-1]
        shrinks = {n.name for n in infer_shapes(net, resolution).nodes if n.output_shape[1:] != n.input_shapes[0][1:]}
        # The stretches of pieces walked between two look-ups of `rest`: each ends after a shrinking node.
        ends = [j + 1 for j, (_, (k, _)) in enumerate(zip(cuts, cuts[1:])) if net.nodes[k - 1].name in shrinks]
        bounds = sorted({0, *ends, len(self.kinds)})
        self.stretches = [range(a, b) for a, b in zip(bounds, bounds[1:])]
        self.rest: dict[tuple[int, Shape], tuple[int, int]] = {}  # (stretch, entry shape) -> totals from there on

    def resolution(self, resolution: Resolution) -> tuple[int, int]:
        """MACs and params of one image at `resolution`."""
        shape = Shape(self.net.spec.input.channels, resolution.height, resolution.width)
        walked = []
        macs = params = 0
        for s, stretch in enumerate(self.stretches):
            hit = self.rest.get((s, shape))
            if hit is not None:
                macs, params = hit
                break
            key, stretch_macs, stretch_params = (s, shape), 0, 0
            for j in stretch:
                piece = self.pieces.get((self.kinds[j], shape))
                if piece is None:
                    piece = self.pieces[self.kinds[j], shape] = self._piece(j, shape, resolution)
                shape = piece[0]
                stretch_macs += piece[1]
                stretch_params += piece[2]
            walked.append((key, stretch_macs, stretch_params))
        for key, stretch_macs, stretch_params in reversed(walked):
            macs += stretch_macs
            params += stretch_params
            self.rest[key] = (macs, params)
        return macs, params

    def _piece(self, j: int, entry: Shape, resolution: Resolution) -> tuple[Shape, int, int]:
        """The exit shape, MACs and params of piece `j` entered with `entry`."""
        (first, entry_name), (end, exit_name) = self.spans[j], (self.spans + [(len(self.net.nodes), "")])[j + 1]
        shapes = {entry_name: entry}
        macs = params = 0
        for node in self.net.nodes[first:end]:
            inputs = tuple(shapes[name] for name in node.inputs)
            try:
                out = node.op.output_shape(inputs)
            except ValueError:  # the full inference reports it with file, line and field
                infer_shapes(self.net, resolution)
                raise
            cost = node.op.cost(inputs, out)
            shapes[node.name] = out
            macs += cost.macs
            params += cost.params
        return shapes.get(exit_name, entry), macs, params


def _cuts(net: Net) -> list[tuple[int, str]]:
    """The cuts of `net`: (position k, before node k; the one tensor live there), and (len(nodes), "")
    at the end. A tensor is live from the node that makes it until its last reader."""
    last_read = {}
    for i, node in enumerate(net.nodes):
        for name in node.inputs:
            last_read[name] = i
    made = {INPUT: -1} | {node.name: i for i, node in enumerate(net.nodes)}
    starts: dict[int, list[str]] = {}  # position k -> tensors live from there
    for name in last_read:
        starts.setdefault(made[name] + 1, []).append(name)
    live: set[str] = set()
    cuts = []
    for k in range(len(net.nodes)):
        live.update(starts.get(k, ()))
        live = {name for name in live if last_read[name] >= k}
        if len(live) == 1:
            cuts.append((k, next(iter(live))))
    return [*cuts, (len(net.nodes), "")]


def _signature(net: Net, start: tuple[int, str], end: tuple[int, str]) -> tuple:
    """A piece's ops and wiring, with tensors named by position in the piece (the entry is -1)."""
    (first, entry), (last, exit_name) = start, end
    local = {entry: -1} | {node.name: k for k, node in enumerate(net.nodes[first:last])}
    return tuple((node.op, tuple(local[name] for name in node.inputs)) for node in net.nodes[first:last]), local.get(exit_name)


def _stored(net: Net, resolution: Resolution) -> Stored:
    """The stored weights and biases (batch norm folded) of `net`: the width decides them, not the resolution."""
    return sum((stored(node.op.cost(node.input_shapes, node.output_shape)) for node in infer_shapes(net, resolution).nodes), Stored())


def sweep(
    spec: Spec,
    widths: tuple[float, ...],
    resolutions: tuple[Resolution | int, ...],
    max_macs: int | None = None,
    max_params: int | None = None,
    max_memory: int | None = None,
    max_weight_bytes: int | None = None,
    dtype: str = "fp32",
    fused: bool = False,
    on_point: Callable[[], None] | None = None,
    depth: float | None = None,
    batch: int = 1,
    device: Device | None = None,
    max_latency: Fraction | None = None,
) -> Sweep:
    """Cost every (width, resolution) point for `batch` images; with limits, a point fits when it meets
    every one of them. `dtype` is the element type of memory and weight bytes, `fused` picks the
    fused-bottleneck peak; `on_point` is called after each point (a progress bar). With a `device`, each
    point's roofline latency (mbcost/latency), which `max_latency` limits."""
    if len(widths) * len(resolutions) > MAX_POINTS:
        raise SpecError(f"the grid has {len(widths) * len(resolutions)} points, more than {MAX_POINTS}", field="--alpha x --resolution")
    bytes_per_element(dtype)  # an unknown dtype fails before any work
    batch = BATCH.convert(batch)
    if max_latency is not None and device is None:
        raise SpecError("a latency budget needs a device: give --device NAME|FILE (`mbcost devices` lists them)", field="max_latency")
    resolutions = tuple(Resolution.of(r) for r in resolutions)
    result = Sweep(
        spec.model, (), max_macs, max_params, max_memory, max_weight_bytes, dtype, fused, batch, max_latency,
        device.name if device else "",
    )
    budgeted = result.budgeted
    points = []
    pieces: dict = {}  # shared by the widths (_Totals)
    kinds: dict = {}
    for width in widths:
        net = expand(spec, width, depth)  # the width decides the ops; each resolution only re-infers shapes
        at = _Totals(net, resolutions[0], pieces, kinds)
        weight_bytes = _stored(net, resolutions[0]).bytes(dtype) if max_weight_bytes is not None else None
        for resolution in resolutions:
            macs, params = at.resolution(resolution)
            macs *= batch  # each image costs the same work; the params are stored once
            graph = infer_shapes(net, resolution, batch) if max_memory is not None or device is not None else None
            memory = peak(graph, dtype, fused) if max_memory is not None else None
            latency = of_graph(graph, device, dtype).total_s if device is not None else None
            fits = None
            if budgeted:
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
