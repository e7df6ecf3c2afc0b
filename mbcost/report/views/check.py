"""`mbcost check` as a Document: one row per limit of each spec, its costliest blocks, the verdict, and
a finding (an annotation on the spec's line) per exceeded limit."""

from __future__ import annotations

from typing import Any

from ...analysis.budget import LABELS, Check, Outcome
from ...analysis.data import inputs, inputs_text
from ...quantity import show_seconds
from ..document import (
    EXACT,
    INTEGER,
    NUMBER,
    PERCENT,
    SCHEMA_VERSION,
    STATUS,
    Code,
    Column,
    Detail,
    Document,
    Finding,
    Table,
    Verdict,
)
from ..numbers import human


def to_dict(checks: tuple[Check, ...]) -> dict[str, Any]:
    """The JSON of `mbcost check --format json` (schema_version 1), documented in the README."""
    return {
        "schema_version": SCHEMA_VERSION,
        "ok": all(c.ok for c in checks),
        "specs": [
            {
                "file": c.file,
                "model": c.model,
                "alpha": c.width_multiplier,
                **inputs(c),
                "macs": c.macs,
                "params": c.params,
                "memory_bytes": c.memory,
                "weight_bytes": c.weight_bytes,
                "dtype": c.dtype,
                "fused": c.fused,
                "ok": c.ok,
                **({"device": c.device, "latency_s": c.latency} if c.device else {}),
                "limits": [
                    {
                        "metric": o.limit.metric,
                        "actual": o.actual,
                        "limit": float(o.limit.limit) if o.limit.metric == "latency" else o.limit.limit,
                        "source": o.limit.source,
                        "line": o.limit.line,
                        "ok": o.ok,
                        "used": round(o.used, 6),
                    }
                    for o in c.outcomes
                ],
                "costliest": {x.metric: {"block": x.block, "line": x.line, "amount": x.amount} for x in c.costliest},
            }
            for c in checks
        ],
    }


COLUMNS = (
    Column("model"),
    Column("alpha", NUMBER),
    Column("resolution", INTEGER),
    Column("metric"),
    Column("actual", EXACT),
    Column("limit", EXACT),
    Column("used", PERCENT),
    Column("limit from"),
    Column("status", STATUS),
)
OPTIONAL = (1, 2, 7, 0)  # narrow outputs lose alpha, resolution, the limit's source, then the model


def _verdict(checks: tuple[Check, ...]) -> Verdict:
    over = sum(not o.ok for c in checks for o in c.outcomes)
    total = sum(len(c.outcomes) for c in checks)
    text = f"over budget: {over} of {total} limits exceeded" if over else f"within budget: {total} limits met"
    return Verdict(all(c.ok for c in checks), text)


def _amount(metric: str, amount: Any) -> str:
    """A count at a glance; a latency (seconds) in its unit."""
    return show_seconds(float(amount)) if metric == "latency" else human(amount)


def _exact(metric: str, amount: Any) -> Any:
    """A cell or a message's exact figure: counts as integers, a latency in its unit."""
    return show_seconds(float(amount)) if metric == "latency" else amount


def _costliest(c: Check) -> tuple[Any, ...]:
    note: tuple[Any, ...] = (Code(c.model), Detail(f" ({c.file})"), ": ", Detail(f"{c.macs:,} MACs, {c.params:,} params; "), "costliest", Detail(":"), " ")
    for i, x in enumerate(c.costliest):
        note += ((", ",) if i else ()) + (Code(x.block), f" (line {x.line}) {_amount(x.metric, x.amount)} {LABELS[x.metric]}")
    return note


def _finding(c: Check, o: Outcome) -> Finding:
    x = c.costliest_for(o.limit.metric)
    metric = o.limit.metric
    if metric == "latency":
        has = f"an estimated latency of {show_seconds(o.actual)} on {c.device}"
        over = f"over the limit of {show_seconds(float(o.limit.limit))} from {o.limit.source} by {show_seconds(float(o.excess))}"
    else:
        has = f"{o.actual:,} {LABELS[metric]} ({human(o.actual)})"
        over = f"over the limit of {o.limit.limit:,} ({human(o.limit.limit)}) from {o.limit.source} by {o.excess:,}"
    message = (
        f"{c.model} (alpha {c.width_multiplier:g}, {inputs_text(c, ', ')}) has {has}, {over} ({100 * o.used - 100:.1f}%); "
        f"the costliest block is {x.block} (line {x.line}, {_amount(metric, x.amount)})"
    )
    return Finding(c.file, o.limit.line, f"mbcost: {LABELS[o.limit.metric]} over budget", message)


def _label(c: Check, metric: str) -> str:
    """Weight bytes depend on the element type, so their row names it; latency names its device."""
    if metric == "latency":
        return f"latency on {c.device}"
    return f"{LABELS[metric]} {c.dtype}" if metric == "weight_bytes" else LABELS[metric]


def document(checks: tuple[Check, ...]) -> Document:
    rows = tuple(
        (
            c.model, c.width_multiplier, c.resolution, _label(c, o.limit.metric), _exact(o.limit.metric, o.actual),
            _exact(o.limit.metric, o.limit.limit), o.used, o.limit.source, o.ok,
        )
        for c in checks
        for o in c.outcomes
    )
    batches = sorted({c.batch for c in checks} - {1})
    title = "mbcost check" + "".join(f"  batch {b}" for b in batches)  # named only when not 1
    return Document(
        "check",
        title,
        (Table(title, COLUMNS, rows, optional=OPTIONAL),),
        notes=tuple(_costliest(c) for c in checks),
        verdict=_verdict(checks),
        findings=tuple(_finding(c, o) for c in checks for o in c.outcomes if not o.ok),
        data=to_dict(checks),
    )
