"""`mbcost check` as a Document: one row per limit of each spec, its costliest blocks, the verdict, and
a finding (an annotation on the spec's line) per exceeded limit."""

from __future__ import annotations

from typing import Any

from ...analysis.budget import LABELS, Check, Outcome
from ...analysis.data import inputs, inputs_text
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
                "limits": [
                    {
                        "metric": o.limit.metric,
                        "actual": o.actual,
                        "limit": o.limit.limit,
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


def _costliest(c: Check) -> tuple[Any, ...]:
    note: tuple[Any, ...] = (Code(c.model), Detail(f" ({c.file})"), ": ", Detail(f"{c.macs:,} MACs, {c.params:,} params; "), "costliest", Detail(":"), " ")
    for i, x in enumerate(c.costliest):
        note += ((", ",) if i else ()) + (Code(x.block), f" (line {x.line}) {human(x.amount)} {LABELS[x.metric]}")
    return note


def _finding(c: Check, o: Outcome) -> Finding:
    x = c.costliest_for(o.limit.metric)
    message = (
        f"{c.model} (alpha {c.width_multiplier:g}, {inputs_text(c, ', ')}) has {o.actual:,} {LABELS[o.limit.metric]} ({human(o.actual)}), "
        f"over the limit of {o.limit.limit:,} ({human(o.limit.limit)}) from {o.limit.source} by {o.excess:,} ({100 * o.used - 100:.1f}%); "
        f"the costliest block is {x.block} (line {x.line}, {human(x.amount)})"
    )
    return Finding(c.file, o.limit.line, f"mbcost: {LABELS[o.limit.metric]} over budget", message)


def _label(c: Check, metric: str) -> str:
    """Weight bytes depend on the element type, so their row names it."""
    return f"{LABELS[metric]} {c.dtype}" if metric == "weight_bytes" else LABELS[metric]


def document(checks: tuple[Check, ...]) -> Document:
    rows = tuple(
        (c.model, c.width_multiplier, c.resolution, _label(c, o.limit.metric), o.actual, o.limit.limit, o.used, o.limit.source, o.ok)
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
