"""Results counted in another unit of work: the MAC figures of an analysis, a sweep or a check at
`unit.per_mac` each (FLOPs: 2 per MAC, counts.py). Only those figures change, for a report to show;
report/units.py names them in the unit. Params, other ops, memory and shares are untouched."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..arch.counts import Cost, Unit
from .cost import Analysis, LayerCost, PairCost

if TYPE_CHECKING:  # `analyze` needs neither: a command imports only what it reports
    from .budget import Check, Costliest, Outcome
    from .sweep import Sweep


def _cost(cost: Cost, unit: Unit) -> Cost:
    return dataclasses.replace(cost, macs=unit(cost.macs))


def analysis_in(a: Analysis, unit: Unit) -> Analysis:
    """`a` with every MAC count (layers, pairs, totals, the as-standard-convs model) in `unit`."""
    if unit.per_mac == 1:
        return a
    return Analysis(
        a.graph,
        tuple(LayerCost(layer.node, _cost(layer.cost, unit)) for layer in a.layers),
        tuple(PairCost(p.pair, p.block, _cost(p.cost, unit), _cost(p.standard, unit)) for p in a.pairs),
        _cost(a.total, unit),
        _cost(a.standard, unit),
        a.dtype,
        _cost(a.separable, unit),
        _cost(a.separable_standard, unit),
    )


def sweep_in(s: Sweep, unit: Unit) -> Sweep:
    """`s` with each point's MACs and the MAC limit in `unit`. Which points fit, and the best (most MACs,
    then most params), do not change: every point's MACs are scaled alike."""
    if unit.per_mac == 1:
        return s
    points = tuple(dataclasses.replace(p, macs=unit(p.macs)) for p in s.points)
    return dataclasses.replace(s, points=points, max_macs=None if s.max_macs is None else unit(s.max_macs))


def check_in(c: Check, unit: Unit) -> Check:
    """`c` with its MACs, its MAC limits and outcomes and its costliest block by MACs in `unit`."""
    if unit.per_mac == 1:
        return c
    from .budget import Outcome

    def outcome(o: Outcome) -> Outcome:
        if o.limit.metric != "macs":
            return o
        return Outcome(dataclasses.replace(o.limit, limit=unit(o.limit.limit)), unit(o.actual))

    def costliest(x: Costliest) -> Costliest:
        return dataclasses.replace(x, amount=unit(x.amount)) if x.metric == "macs" else x

    return dataclasses.replace(
        c, macs=unit(c.macs), outcomes=tuple(map(outcome, c.outcomes)), costliest=tuple(map(costliest, c.costliest))
    )
