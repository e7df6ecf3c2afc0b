"""Renderers of a verification (analytic vs measured): a rich table of the differing layers with the
totals side by side, and JSON. Pure functions of the `Verification`; no torch import here."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .analyze import SCHEMA_VERSION

if TYPE_CHECKING:
    from ..pytorch.verify import Row, Verification


def _side(row: Row, which: str) -> dict[str, Any]:
    counts = getattr(row, which)
    out: dict[str, Any] = counts.as_dict()
    out["output_shape"] = list(getattr(row, f"{which}_shape"))
    return out


def to_dict(v: Verification) -> dict[str, Any]:
    g = v.graph
    return {
        "schema_version": SCHEMA_VERSION,
        "model": g.model,
        "alpha": g.width_multiplier,
        "resolution": g.resolution,
        "ok": v.ok,
        "layers": len(v.rows),
        "analytic": v.analytic.as_dict(),
        "measured": v.measured.as_dict(),
        "total_differences": list(v.total_differences),
        "mismatches": [
            {
                "name": row.name,
                "op": row.kind,
                "fields": list(row.differences),
                "analytic": _side(row, "analytic"),
                "measured": _side(row, "measured"),
            }
            for row in v.mismatches
        ],
    }


def render_json(v: Verification) -> str:
    return json.dumps(to_dict(v), indent=2) + "\n"


def _value(row: Row, which: str, field: str) -> str:
    if field == "output_shape":
        return "x".join(map(str, getattr(row, f"{which}_shape")))
    return f"{getattr(getattr(row, which), field):,}"


def render_table(v: Verification, console: Any) -> None:
    from rich import box
    from rich.table import Table

    g = v.graph
    title = f"{g.model}  alpha {g.width_multiplier:g}  resolution {g.resolution}"
    if v.mismatches:
        layers = Table(title=f"{title}: layers where analytic and measured differ", box=box.SIMPLE_HEAD, title_style="bold")
        for header in ("layer", "op", "count", "analytic", "measured"):
            layers.add_column(header, justify="right" if header in ("analytic", "measured") else "left", no_wrap=True)
        for row in v.mismatches:
            for field in row.differences:
                layers.add_row(row.name, row.kind, field, _value(row, "analytic", field), _value(row, "measured", field))
        console.print(layers)
    totals = Table(title=f"{title}: totals", box=box.SIMPLE_HEAD, title_style="bold")
    for header in ("count", "analytic", "measured", ""):
        totals.add_column(header, justify="left" if header == "count" else "right", no_wrap=True)
    differing = set(v.total_differences)
    for field, analytic in v.analytic.as_dict().items():
        totals.add_row(field, f"{analytic:,}", f"{getattr(v.measured, field):,}", "DIFFERS" if field in differing else "equal")
    console.print(totals)
    if v.ok:
        console.print(f"verified: all {len(v.rows)} layers match the PyTorch modules exactly", highlight=False)
    else:
        console.print(
            f"MISMATCH: {len(v.mismatches)} of {len(v.rows)} layers differ"
            + (f"; totals differ in {', '.join(v.total_differences)}" if v.total_differences else ""),
            highlight=False,
        )


RENDERERS = {"json": render_json}
