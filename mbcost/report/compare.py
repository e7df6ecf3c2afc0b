"""Renderers of `mbcost compare`: rich table, JSON, CSV, markdown. Pure functions of the comparison;
deltas are B - A, relative deltas (B - A) / A."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..analysis.compare import METRICS, Comparison, Row, Side, StageRow
from .analyze import KIND_LABELS, fit_columns, human, markdown_table

LABELS = {
    "macs": "MACs",
    "params": "params",
    "peak_memory_bytes": "peak memory (B)",
    "peak_memory_fused_bytes": "peak memory, fused (B)",
    "largest_tensor_bytes": "largest tensor (B)",
}


def _side(s: Side) -> dict[str, Any]:
    g = s.analysis.graph
    return {"label": s.label, "model": g.model, "file": s.file, "alpha": g.width_multiplier, "resolution": g.resolution}


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
    return {
        "schema_version": 1,
        "a": _side(c.a),
        "b": _side(c.b),
        "total": total,
        "by_op": [_row_dict("op", row) for row in c.by_kind],
        "by_stage": [_row_dict("stage", row) for row in c.by_stage],
        "dtype": c.a.analysis.dtype,
        "memory": {m.name: {"a": m.a, "b": m.b, "delta": m.delta, "relative": _relative(m.relative)} for m in c.memory},
    }


def render_json(c: Comparison) -> str:
    return json.dumps(to_dict(c), indent=2) + "\n"


def render_csv(c: Comparison) -> str:
    """One row per (section, name, metric), exact integers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("section", "name", "metric", "a", "b", "delta", "relative"))
    sections = [("total", (c.total,)), ("op", c.by_kind), ("stage", c.by_stage)]
    for section, rows in sections:
        for row in rows:
            for m in METRICS:
                relative = row.relative(m)
                writer.writerow((section, row.name, m, getattr(row.a, m), getattr(row.b, m), row.delta(m), "" if relative is None else round(relative, 6)))
    for m in c.memory:
        writer.writerow(("memory", c.a.analysis.dtype, m.name, m.a, m.b, m.delta, "" if m.relative is None else round(m.relative, 6)))
    return buffer.getvalue()


def _signed(n: int) -> str:
    return "0" if n == 0 else ("+" if n > 0 else "-") + human(abs(n))


def _percent(value: float | None) -> str:
    return "new" if value is None else f"{100 * value:+.1f}%"


def _cells(row: Row, metrics=METRICS) -> list[str]:
    out = []
    for m in metrics:
        a, b = getattr(row.a, m), getattr(row.b, m)
        relative = "" if a == b == 0 else _percent(row.relative(m))
        out += [human(a), human(b), _signed(row.delta(m)), relative]
    return out


def _title(c: Comparison) -> str:
    return f"A = {c.a.label}  vs  B = {c.b.label}"


def _kind(name: str) -> str:
    return KIND_LABELS.get(name, name)


def _sections(c: Comparison) -> list[tuple[str, str, list[list[str]]]]:
    totals = [[LABELS[m], f"{getattr(c.total.a, m):,}", f"{getattr(c.total.b, m):,}", f"{c.total.delta(m):+,}", _percent(c.total.relative(m))] for m in METRICS]
    dtype = c.a.analysis.dtype
    totals += [[f"{LABELS[m.name]} {dtype}", f"{m.a:,}", f"{m.b:,}", f"{m.delta:+,}", _percent(m.relative)] for m in c.memory]
    kinds = [[_kind(r.name)] + _cells(r) for r in c.by_kind if not (r.a.macs == r.b.macs == r.a.params == r.b.params == 0)]
    stage_rows = [[r.name] + _cells(r) for r in c.by_stage]
    return [("totals", "", totals), ("by op kind", "op", kinds), ("by stage (output size)", "stage", stage_rows)]


TOTAL_HEADERS = ("", "A", "B", "B - A", "change")
GROUP_HEADERS = ("MACs A", "MACs B", "B - A", "change", "params A", "params B", "B - A", "change")


def _headers(key: str) -> tuple[str, ...]:
    return TOTAL_HEADERS if not key else (key,) + GROUP_HEADERS


def render_markdown(c: Comparison) -> str:
    lines = [f"## {_title(c)}", ""]
    for title, key, rows in _sections(c):
        headers = _headers(key)
        lines += [f"### {title}", ""] + markdown_table(headers, rows, right_from=1) + [""]
    return "\n".join(lines)


def render_table(c: Comparison, console: Any) -> None:
    from rich import box
    from rich.table import Table

    console.print(_title(c), style="bold", highlight=False, markup=False)
    for title, key, rows in _sections(c):
        headers = _headers(key)
        # narrow terminals lose the params half first (8..5), then the relative MACs change (4)
        keep = fit_columns(headers, rows, console.width, [8, 7, 6, 5, 4] if key else [])
        table = Table(title=title, box=box.SIMPLE_HEAD, title_style="bold")
        for i in keep:  # the row label may wrap; numbers never
            table.add_column(headers[i], justify="left" if i == 0 else "right", no_wrap=i != 0)
        for row in rows:
            table.add_row(*(row[i] for i in keep))
        console.print(table)


RENDERERS = {"json": render_json, "csv": render_csv, "markdown": render_markdown}
