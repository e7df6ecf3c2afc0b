"""The page of `mbcost report`: for a pull request or a CI artifact, one self-contained HTML file with
every spec's totals (each integer of the JSON report's `total`, exactly), its budget verdict, its charts
and tables, and with several specs a leaderboard and a stage-by-stage chart. Charts arrive as SVG text:
this module draws nothing."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from .document import BYTES, COUNT, EXACT, INTEGER, NUMBER, STATUS, Column, Document, Table
from .formats.html import OK, OVER, section, table
from .html import figure, page


@dataclass(frozen=True)
class Entry:
    """One spec in the report: its analysis (the JSON report and the document of `mbcost analyze`), its
    check (None without a budget) and its layers chart (SVG text)."""

    label: str
    data: dict[str, Any]
    analysis: Document
    check: Document | None
    chart: str


def _totals(data: dict[str, Any]) -> Table:
    """Every number of the JSON report's `total`, under its JSON key, exactly."""
    rows = tuple((key, value) for key, value in data["total"].items() if isinstance(value, (int, float)) and not isinstance(value, bool))
    return Table("totals (the JSON report's `total`)", (Column("key"), Column("value", EXACT)), rows, heading="Totals")


def _overview(entries: list[Entry]) -> Table:
    columns = (
        Column("spec"), Column("alpha", NUMBER), Column("resolution", INTEGER), Column("MACs", COUNT), Column("MACs (exact)", EXACT),
        Column("params", COUNT), Column("params (exact)", EXACT), Column("peak memory", BYTES), Column("budget", STATUS),
    )
    rows = []
    for e in entries:
        d, t = e.data, e.data["total"]
        ok = None if e.check is None or e.check.verdict is None else e.check.verdict.ok
        size = d["resolution"]
        size = "x".join(map(str, size)) if isinstance(size, list) else size  # [height, width] when not square
        rows.append((e.label, d["alpha"], size, t["macs"], t["macs"], t["params"], t["params"], t["peak_memory_bytes"], ok))
    return Table("overview", columns, tuple(rows), heading="Overview")


def _spec(n: int, e: Entry) -> str:
    parts = [f'<section id="spec-{n}">', f"<h2>{escape(e.label)}</h2>", table(_totals(e.data)), "<h3>Budget</h3>"]
    if e.check is None:
        parts.append('<p class="verdict">No budget: the spec has no <code>budget:</code> section and no limits were given '
                     "(<code>--max-macs</code>, <code>--max-params</code>, <code>--max-memory</code>, <code>--max-weight-bytes</code>).</p>")
    else:
        parts.append(section(e.check))
    parts.append(figure(e.chart, f"{e.label}: MACs, params and activation memory of every layer, in execution order; shading marks the stages."))
    parts.append(section(e.analysis))
    parts.append("</section>")
    return "\n".join(parts)


def render(entries: list[Entry], comparison: Document | None = None, comparison_chart: str | None = None, generator: str = "") -> str:
    """The page; `comparison` (and its chart) when there are several specs."""
    body = [table(_overview(entries), level=2)]
    over = [e.label for e in entries if e.check is not None and e.check.verdict is not None and not e.check.verdict.ok]
    judged = [e for e in entries if e.check is not None]
    if judged:
        text = f"over budget: {', '.join(over)}" if over else f"every budget met ({len(judged)} of {len(entries)} specs have one)"
        body.insert(0, f'<p class="verdict{" failed" if over else ""}">{OVER if over else OK} {escape(text)}</p>')
    body.append("<nav><ul>" + "".join(f'<li><a href="#spec-{n}">{escape(e.label)}</a></li>' for n, e in enumerate(entries, 1)) + "</ul></nav>")
    if comparison is not None:
        body.append("<section id=\"compare\"><h2>Compared</h2>")
        if comparison_chart is not None:
            body.append(figure(comparison_chart, "MACs and params of every spec, stage by stage (stages by output size, aligned as mbcost compare aligns them)."))
        body.append(section(comparison))
        body.append("</section>")
    body += [_spec(n, e) for n, e in enumerate(entries, 1)]
    title = "mbcost report: " + ", ".join(e.label for e in entries)
    return page(title, body, lead="Exact MACs, params and activation memory, layer by layer.", generator=generator)
