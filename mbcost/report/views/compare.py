"""A comparison of A and B as a Document: totals, by op kind and by stage, with B - A and the relative
change (B - A) / A."""

from __future__ import annotations

from typing import Any

from ...analysis.compare import METRICS, Comparison, Row, Side, StageRow
from ...analysis.data import inputs
from ...quantity import show_seconds
from ..document import (
    CHANGE,
    COUNT,
    DURATION,
    EXACT,
    SCHEMA_VERSION,
    SIGNED_COUNT,
    SIGNED_EXACT,
    Column,
    Document,
    Records,
    Table,
)
from .analysis import KIND_LABELS

LABELS = {
    "macs": "MACs",
    "params": "params",
    "peak_memory_bytes": "peak memory (B)",
    "peak_memory_fused_bytes": "peak memory, fused (B)",
    "largest_tensor_bytes": "largest tensor (B)",
}


def _side(s: Side) -> dict[str, Any]:
    g = s.analysis.graph
    return {"label": s.label, "model": g.model, "file": s.file, "alpha": g.width_multiplier, **inputs(g)}


def _relative(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _row_dict(key: str, row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {key: row.name}
    if isinstance(row, StageRow):
        out["size"] = {"a": row.size_a, "b": row.size_b}
    out["a"] = {m: getattr(row.a, m) for m in METRICS}
    out["b"] = {m: getattr(row.b, m) for m in METRICS}
    out["delta"] = {m: row.delta(m) for m in METRICS}
    out["relative"] = {m: _relative(row.relative(m)) for m in METRICS}
    return out


def to_dict(c: Comparison) -> dict[str, Any]:
    """The JSON of `mbcost compare --format json` (schema_version 1), documented in the README."""
    total = _row_dict("name", c.total)
    del total["name"]
    total["a"], total["b"] = c.total.a.as_dict(), c.total.b.as_dict()
    out = {
        "schema_version": SCHEMA_VERSION,
        "a": _side(c.a),
        "b": _side(c.b),
        "total": total,
        "by_op": [_row_dict("op", row) for row in c.by_kind],
        "by_stage": [_row_dict("stage", row) for row in c.by_stage],
        "dtype": c.a.analysis.dtype,
        "memory": {m.name: {"a": m.a, "b": m.b, "delta": m.delta, "relative": _relative(m.relative)} for m in c.memory},
    }
    if c.a.latency is not None:  # with --device only: the reports without one keep their keys
        a, b = c.a.latency.total_s, c.b.latency.total_s
        out["device"] = c.a.latency.device.name
        out["latency_s"] = {"a": a, "b": b, "delta": b - a, "relative": _relative((b - a) / a if a else None)}
    return out


def _records(c: Comparison) -> Records:
    """One row per (section, name, metric), exact integers."""
    rows = [
        (section, row.name, m, getattr(row.a, m), getattr(row.b, m), row.delta(m), _relative(row.relative(m)))
        for section, group in (("total", (c.total,)), ("op", c.by_kind), ("stage", c.by_stage))
        for row in group
        for m in METRICS
    ]
    rows += [("memory", c.a.analysis.dtype, m.name, m.a, m.b, m.delta, _relative(m.relative)) for m in c.memory]
    return Records(("section", "name", "metric", "a", "b", "delta", "relative"), tuple(rows))


def _change(value: float | None) -> float | str:
    return "new" if value is None else value


TOTAL_COLUMNS = (Column("", wrap=True), Column("A", EXACT), Column("B", EXACT), Column("B - A", SIGNED_EXACT), Column("change", CHANGE))


def _half(metric: str) -> tuple[Column, ...]:
    return Column(f"{metric} A", COUNT), Column(f"{metric} B", COUNT), Column("B - A", SIGNED_COUNT), Column("change", CHANGE)


def _group_columns(key: str) -> tuple[Column, ...]:
    return (Column(key, wrap=True), *_half("MACs"), *_half("params"))


def _cells(row: Row) -> tuple[Any, ...]:
    out: tuple[Any, ...] = ()
    for m in METRICS:
        a, b = getattr(row.a, m), getattr(row.b, m)
        out += (a, b, row.delta(m), None if a == b == 0 else _change(row.relative(m)))
    return out


# Narrow outputs lose the params half first, then the relative change of MACs.
GROUP_OPTIONAL = (8, 7, 6, 5, 4)


def document(c: Comparison) -> Document:
    dtype = c.a.analysis.dtype
    totals = [
        (LABELS[m], getattr(c.total.a, m), getattr(c.total.b, m), c.total.delta(m), _change(c.total.relative(m))) for m in METRICS
    ]
    totals += [(f"{LABELS[m.name]} {dtype}", m.a, m.b, m.delta, _change(m.relative)) for m in c.memory]
    if c.a.latency is not None:
        a, b = c.a.latency.total_s, c.b.latency.total_s
        sign = "+" if b >= a else "-"
        totals.append(
            (f"latency on {c.a.latency.device.name}", show_seconds(a), show_seconds(b), sign + show_seconds(abs(b - a)), _change((b - a) / a))
        )
    kinds = tuple(
        (KIND_LABELS.get(r.name, r.name), *_cells(r)) for r in c.by_kind if not (r.a.macs == r.b.macs == r.a.params == r.b.params == 0)
    )
    stages = tuple((r.name, *_cells(r)) for r in c.by_stage)
    tables = (
        Table("totals", TOTAL_COLUMNS, tuple(totals), figures=True),
        Table("by op kind", _group_columns("op"), kinds, optional=GROUP_OPTIONAL, figures=True),
        Table("by stage (output size)", _group_columns("stage"), stages, optional=GROUP_OPTIONAL, figures=True),
    )
    return Document("compare", f"A = {c.a.label}  vs  B = {c.b.label}{_batch(c)}", tables, records=_records(c), data=to_dict(c))


def _batch(c: Comparison) -> str:
    """Every side runs the same batch; named in the title only when it is not 1."""
    batch = c.a.analysis.graph.batch
    return f"  (batch {batch})" if batch != 1 else ""


LEADERBOARD_COLUMNS = (
    Column("spec", wrap=True),
    Column("MACs", COUNT),
    Column("MACs vs A", SIGNED_COUNT),
    Column("change", CHANGE),
    Column("params", COUNT),
    Column("params vs A", SIGNED_COUNT),
    Column("change", CHANGE),
)
LEADERBOARD_OPTIONAL = (6, 5, 3, 2)  # narrow outputs lose the params deltas first, then the MACs deltas


def leaderboard_dict(comparisons: tuple[Comparison, ...]) -> dict[str, Any]:
    """The JSON of `mbcost compare A B C... --format json`: the first spec, then each other against it."""
    return {
        "schema_version": SCHEMA_VERSION,
        "a": _side(comparisons[0].a),
        "variants": [to_dict(c) for c in comparisons],
    }


def leaderboard(comparisons: tuple[Comparison, ...]) -> Document:
    """Several specs, each against the first: one row per spec, then each variant's stages against A's."""
    first = comparisons[0]
    rows = [(f"A = {first.a.label}", first.total.a.macs, None, None, first.total.a.params, None, None)]
    for c in comparisons:
        rows.append((c.b.label, c.total.b.macs, c.total.delta("macs"), _change(c.total.relative("macs")),
                     c.total.b.params, c.total.delta("params"), _change(c.total.relative("params"))))
    columns = LEADERBOARD_COLUMNS
    if first.a.latency is not None:  # with --device: each spec's estimate and its change against A
        a = first.a.latency.total_s
        times = [a] + [c.b.latency.total_s for c in comparisons]
        rows = [row + (t, None if i == 0 else _change((t - a) / a)) for i, (row, t) in enumerate(zip(rows, times))]
        columns += (Column(f"latency {first.a.latency.device.name}", DURATION), Column("change", CHANGE))
    tables = [Table(f"each against A = {first.a.label}", columns, tuple(rows), optional=LEADERBOARD_OPTIONAL, figures=True)]
    for c in comparisons:
        stages = tuple((r.name, *_cells(r)) for r in c.by_stage)
        tables.append(Table(f"by stage (output size): B = {c.b.label}", _group_columns("stage"), stages, optional=GROUP_OPTIONAL, figures=True))
    records = tuple((c.b.label, *row) for c in comparisons for row in _records(c).rows)
    return Document(
        "compare",
        f"A = {first.a.label}  vs  {', '.join(c.b.label for c in comparisons)}{_batch(first)}",
        tuple(tables),
        records=Records(("variant", *_records(first).columns), records),
        data=leaderboard_dict(comparisons),
    )
