"""Sweep: MACs and params over a grid of width multipliers (alpha) x input resolutions, as the v1 paper's
Tables 6-7; with budgets, which points fit and the largest that fits.

The spec is read once. For each alpha the graph is built once (alpha decides every channel count and op);
each resolution then only re-runs shape inference and costing over those ops (resolution decides only
spatial sizes), so a 1,000-point grid costs 1,000 cheap passes, not 1,000 spec expansions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, DecimalException
from functools import cached_property

from ..arch.counts import Shape
from ..arch.scaling import RESOLUTION, WIDTH_MULTIPLIER
from ..errors import SpecError
from ..fields import FieldError
from ..graph import INPUT, Graph, build_graph
from ..limits import MAX_RESOLUTION
from ..spec.records import Spec

MAX_POINTS = 100_000  # a grid this large is almost surely a typo in a range


@dataclass(frozen=True)
class Point:
    width_multiplier: float
    resolution: int
    macs: int
    params: int
    fits: bool | None  # None: no budget given


@dataclass(frozen=True)
class Sweep:
    model: str
    points: tuple[Point, ...]  # alpha-major, in the order the values were given
    max_macs: int | None
    max_params: int | None

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


class _Costing:
    """The ops of one alpha's graph, costed at any input resolution: shapes re-inferred, ops unchanged.

    A node's output and cost depend only on its op and its input shapes, so they are remembered per
    (op, input shapes): repeated blocks are identical ops on identical shapes, and deep stages have the
    same size at many resolutions (ceil(220/32) = ceil(224/32)).
    """

    def __init__(self, graph: Graph, op_ids: dict, memo: dict):
        self.graph = graph
        index = {INPUT: -1}
        # Equal ops (frozen dataclasses) share one id, also across alphas (alpha 0.25 and 0.27 round alike),
        # so memo keys are plain integers.
        plan = []
        for i, node in enumerate(graph.nodes):
            index[node.name] = i
            plan.append((op_ids.setdefault(node.op, len(op_ids)), node.op, tuple(index[name] for name in node.inputs)))
        self.plan = tuple(plan)
        self.memo = memo

    def totals(self, resolution: int) -> tuple[int, int]:
        channels = self.graph.input_shape.channels
        shapes: list = [None] * (len(self.plan) + 1)
        shapes[-1] = (Shape(channels, resolution, resolution), (channels, resolution, resolution))  # index -1: the input
        memo = self.memo
        macs = params = 0
        for i, (op_id, op, sources) in enumerate(self.plan):
            if len(sources) == 1:
                shape, key = shapes[sources[0]]
                key = (op_id, *key)
            else:
                key = (op_id, *(n for j in sources for n in shapes[j][1]))
            hit = memo.get(key)
            if hit is None:
                inputs = tuple(shapes[j][0] for j in sources)
                out = op.output_shape(inputs)
                cost = op.cost(inputs, out)
                hit = memo[key] = (out, (out.channels, out.height, out.width), cost.macs, cost.params)
            shapes[i] = (hit[0], hit[1])
            macs += hit[2]
            params += hit[3]
        return macs, params


def sweep(
    spec: Spec,
    alphas: tuple[float, ...],
    resolutions: tuple[int, ...],
    max_macs: int | None = None,
    max_params: int | None = None,
) -> Sweep:
    if len(alphas) * len(resolutions) > MAX_POINTS:
        raise SpecError(f"the grid has {len(alphas) * len(resolutions)} points, more than {MAX_POINTS}", field="--alpha x --resolution")
    budgeted = max_macs is not None or max_params is not None
    points = []
    op_ids: dict = {}
    memo: dict[tuple, tuple[Shape, tuple[int, int, int], int, int]] = {}
    for alpha in alphas:
        costing = _Costing(build_graph(spec, alpha, resolutions[0]), op_ids, memo)
        for resolution in resolutions:
            try:
                macs, params = costing.totals(resolution)
            except ValueError:
                # A shape rule refused this size: the full expansion reports it with file, line and field.
                build_graph(spec, alpha, resolution)
                raise
            fits = None
            if budgeted:
                fits = (max_macs is None or macs <= max_macs) and (max_params is None or params <= max_params)
            points.append(Point(alpha, resolution, macs, params, fits))
    return Sweep(spec.model, tuple(points), max_macs, max_params)
