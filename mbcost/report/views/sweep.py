"""A sweep as a Document: one row per (alpha, resolution), as the v1 paper's Tables 6-7 and TF-slim's
checkpoint table, with which points fit the budget and the largest that does."""

from __future__ import annotations

from typing import Any

from ...analysis.sweep import Point, Sweep
from ...quantity import show_seconds
from ..document import BYTES, DURATION, EXACT, INTEGER, MILLIONS, SCHEMA_VERSION, Column, Document, Records, Table
from ..numbers import human, human_bytes


def alpha_label(alpha: float) -> str:
    """1 -> '1.0', 0.75 -> '0.75': as the papers write width multipliers."""
    text = f"{alpha:g}"
    return text if "." in text or "e" in text else text + ".0"


def to_dict(s: Sweep) -> dict[str, Any]:
    """The JSON of `mbcost sweep --format json` (schema_version 1), documented in the README."""
    best = s.best
    # With a device (only then, so reports without one keep their keys): its name, the latency limit and
    # each point's estimate.
    device = {"device": s.device, "max_latency_s": None if s.max_latency is None else float(s.max_latency)} if s.device else {}
    return {
        "schema_version": SCHEMA_VERSION,
        "model": s.model,
        "max_macs": s.max_macs,
        "max_params": s.max_params,
        "max_memory": s.max_memory,
        "max_weight_bytes": s.max_weight_bytes,
        "dtype": s.dtype,
        "fused": s.fused,
        **({"batch": s.batch} if s.batch != 1 else {}),
        **device,
        "rows": [
            {
                "alpha": p.width_multiplier, "resolution": p.resolution.as_json(), "macs": p.macs, "params": p.params,
                "memory_bytes": p.memory, "weight_bytes": p.weight_bytes, **({"latency_s": p.latency} if s.device else {}),
                "fits": p.fits, "best": p is best,
            }
            for p in s.points
        ],
        "best": None if best is None else {
            "alpha": best.width_multiplier, "resolution": best.resolution.as_json(), "macs": best.macs, "params": best.params
        },
    }


def _budget_line(s: Sweep) -> str:
    parts = []
    if s.max_macs is not None:
        parts.append(f"MACs <= {s.max_macs:,} ({human(s.max_macs)})")
    if s.max_params is not None:
        parts.append(f"params <= {s.max_params:,} ({human(s.max_params)})")
    if s.max_memory is not None:
        peak = "fused peak" if s.fused else "peak"
        parts.append(f"{peak} memory {s.dtype} <= {s.max_memory:,} bytes ({human_bytes(s.max_memory)})")
    if s.max_weight_bytes is not None:
        parts.append(f"weights {s.dtype} <= {s.max_weight_bytes:,} bytes ({human_bytes(s.max_weight_bytes)})")
    if s.max_latency is not None:
        parts.append(f"latency on {s.device} <= {show_seconds(float(s.max_latency))}")
    if not parts:
        return ""
    best = s.best
    fitting = sum(1 for p in s.points if p.fits)
    tail = (
        f"largest that fits: {alpha_label(best.width_multiplier)} {s.model}-{best.resolution} ({human(best.macs)} MACs, {human(best.params)} params)"
        if best
        else "no point fits"
    )
    return f"budget: {' and '.join(parts)}; {fitting} of {len(s.points)} points fit; {tail}"


def _mark(p: Point, best: Point | None) -> str:
    if p.fits is None:
        return ""
    if p is best:
        return "yes, largest"
    return "yes" if p.fits else "no"


COLUMNS = (
    Column("model"),
    Column("alpha", right=True),
    Column("resolution", INTEGER),
    Column("million MACs", MILLIONS, digits=1),
    Column("million params", MILLIONS, digits=2),
    Column("MACs", EXACT),
    Column("params", EXACT),
)
OPTIONAL = (6, 5, 0)  # narrow outputs lose the exact counts first, then the model label


def _judged(s: Sweep) -> tuple[tuple[Column, str, str], ...]:
    """The columns beyond MACs and params that a limit judges by: (column, record name, Point field)."""
    out = []
    if s.max_memory is not None:
        out.append((Column(f"{'fused ' if s.fused else ''}memory {s.dtype}", BYTES), "memory_bytes", "memory"))
    if s.max_weight_bytes is not None:
        out.append((Column(f"weights {s.dtype}", BYTES), "weight_bytes", "weight_bytes"))
    if s.device:  # shown with a device, limited or not
        out.append((Column(f"latency {s.device}", DURATION), "latency_s", "latency"))
    return tuple(out)


def document(s: Sweep) -> Document:
    best = s.best
    budgeted = s.budgeted
    judged = _judged(s)
    rows = []
    for p in s.points:
        row = (
            f"{alpha_label(p.width_multiplier)} {s.model}-{p.resolution}",  # as "1.0 MobileNet-224" (v1 paper, Table 6)
            alpha_label(p.width_multiplier),
            p.resolution,
            p.macs,
            p.params,
            p.macs,
            p.params,
        )
        row += tuple(getattr(p, field) for _, _, field in judged)
        rows.append(row + ((_mark(p, best),) if budgeted else ()))
    emphasis = tuple("best" if p is best else ("muted" if p.fits is False else None) for p in s.points)
    text = f"{s.model}: width multiplier x resolution" + (f", batch {s.batch}" if s.batch != 1 else "")
    table = Table(
        text, COLUMNS + tuple(column for column, _, _ in judged) + ((Column("fits"),) if budgeted else ()), tuple(rows),
        optional=OPTIONAL, items="points", emphasis=emphasis, figures=True,
    )
    budget = _budget_line(s)
    records = tuple(
        (p.width_multiplier, p.resolution, p.macs, p.params, *(getattr(p, field) for _, _, field in judged), p.fits, p is best)
        for p in s.points
    )
    return Document(
        "sweep",
        text,
        (table,),
        notes=((budget,),) if budget else (),
        records=Records(("alpha", "resolution", "macs", "params", *(name for _, name, _ in judged), "fits", "best"), records),
        data=to_dict(s),
    )
