"""Renderers of `mbcost sweep`, one row per (alpha, resolution) as the v1 paper's Tables 6-7 and TF-slim's
checkpoint table: rich table, JSON, CSV, markdown. Pure functions of the sweep."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..analysis.sweep import Point, Sweep
from .analyze import elide, fit_columns, human, markdown_table


def alpha_label(alpha: float) -> str:
    """1 -> '1.0', 0.75 -> '0.75': as the papers write width multipliers."""
    text = f"{alpha:g}"
    return text if "." in text or "e" in text else text + ".0"


def to_dict(s: Sweep) -> dict[str, Any]:
    """The JSON of `mbcost sweep --format json` (schema_version 1), documented in the README."""
    best = s.best
    return {
        "schema_version": 1,
        "model": s.model,
        "max_macs": s.max_macs,
        "max_params": s.max_params,
        "rows": [
            {"alpha": p.width_multiplier, "resolution": p.resolution, "macs": p.macs, "params": p.params, "fits": p.fits, "best": p is best}
            for p in s.points
        ],
        "best": None if best is None else {"alpha": best.width_multiplier, "resolution": best.resolution, "macs": best.macs, "params": best.params},
    }


def render_json(s: Sweep) -> str:
    return json.dumps(to_dict(s), indent=2) + "\n"


CSV_COLUMNS = ("alpha", "resolution", "macs", "params", "fits", "best")


def render_csv(s: Sweep) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    best = s.best
    for p in s.points:
        fits = "" if p.fits is None else str(p.fits).lower()
        writer.writerow((p.width_multiplier, p.resolution, p.macs, p.params, fits, str(p is best).lower()))
    return buffer.getvalue()


def _budget_line(s: Sweep) -> str:
    parts = []
    if s.max_macs is not None:
        parts.append(f"MACs <= {s.max_macs:,} ({human(s.max_macs)})")
    if s.max_params is not None:
        parts.append(f"params <= {s.max_params:,} ({human(s.max_params)})")
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


HEADERS = ("model", "alpha", "resolution", "million MACs", "million params", "MACs", "params")


def _rows(s: Sweep) -> list[list[str]]:
    best = s.best
    budgeted = s.max_macs is not None or s.max_params is not None
    rows = []
    for p in s.points:
        row = [
            f"{alpha_label(p.width_multiplier)} {s.model}-{p.resolution}",  # as "1.0 MobileNet-224" (v1 paper, Table 6)
            alpha_label(p.width_multiplier),
            str(p.resolution),
            f"{p.macs / 1e6:.1f}",
            f"{p.params / 1e6:.2f}",
            f"{p.macs:,}",
            f"{p.params:,}",
        ]
        if budgeted:
            row.append(_mark(p, best))
        rows.append(row)
    return rows


def _headers(s: Sweep) -> tuple[str, ...]:
    return HEADERS + (("fits",) if s.max_macs is not None or s.max_params is not None else ())


def render_markdown(s: Sweep) -> str:
    headers = _headers(s)
    lines = [f"## {s.model}: width multiplier x resolution", ""]
    lines += markdown_table(headers, _rows(s), right_from=1)
    budget = _budget_line(s)
    return "\n".join(lines + (["", f"- {budget}"] if budget else [])) + "\n"


def render_table(s: Sweep, console: Any) -> None:
    from rich import box

    from .tables import column_table

    headers = _headers(s)
    best = s.best
    items, caption = elide(list(zip(s.points, _rows(s))), "points", marker=(None, ["..."] + [""] * (len(headers) - 1)))
    # narrow terminals lose the exact counts (5, 6) first, then the model label (0)
    keep = fit_columns(headers, [row for _, row in items], console.width, [6, 5, 0])
    styles = ["bold green" if p is not None and p is best else ("dim" if p is not None and p.fits is False else None) for p, _ in items]
    console.print(
        column_table(
            [headers[i] for i in keep],
            [[row[i] for i in keep] for _, row in items],
            right=[headers[i] for i in keep if i not in (0, 7)],
            row_styles=styles,
            title=f"{s.model}: width multiplier x resolution",
            caption=caption,
            box=box.SIMPLE_HEAD,
            title_style="bold",
        )
    )
    budget = _budget_line(s)
    if budget:
        console.print(budget, highlight=False, markup=False)


RENDERERS = {"json": render_json, "csv": render_csv, "markdown": render_markdown}
