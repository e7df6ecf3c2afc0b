"""A verification (analytic vs measured counts) as a Document: the layers that differ, the totals side
by side and the verdict. No torch import here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...analysis.data import inputs, inputs_text
from ..document import EXACT, SCHEMA_VERSION, Column, Document, Table, Verdict

if TYPE_CHECKING:
    from ...pytorch.verify import Row, Verification


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
        **inputs(g),
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


def _value(row: Row, which: str, field: str) -> Any:
    """A count, or for `output_shape` the shape (a tuple of sizes)."""
    if field == "output_shape":
        return tuple(getattr(row, f"{which}_shape"))
    return getattr(getattr(row, which), field)


LAYER_COLUMNS = (Column("layer"), Column("op"), Column("count"), Column("analytic", EXACT), Column("measured", EXACT))
TOTAL_COLUMNS = (Column("count"), Column("analytic", EXACT), Column("measured", EXACT), Column("", right=True))


def document(v: Verification) -> Document:
    g = v.graph
    title = f"{g.model}  alpha {g.width_multiplier:g}  {inputs_text(g)}"
    tables = []
    if v.mismatches:
        rows = tuple(
            (row.name, row.kind, field, _value(row, "analytic", field), _value(row, "measured", field))
            for row in v.mismatches
            for field in row.differences
        )
        tables.append(Table(f"{title}: layers where analytic and measured differ", LAYER_COLUMNS, rows))
    differing = set(v.total_differences)
    totals = tuple(
        (field, analytic, getattr(v.measured, field), "DIFFERS" if field in differing else "equal")
        for field, analytic in v.analytic.as_dict().items()
    )
    tables.append(Table(f"{title}: totals", TOTAL_COLUMNS, totals))
    if v.ok:
        verdict = f"verified: all {len(v.rows)} layers match the PyTorch modules exactly"
    else:
        verdict = f"MISMATCH: {len(v.mismatches)} of {len(v.rows)} layers differ" + (
            f"; totals differ in {', '.join(v.total_differences)}" if v.total_differences else ""
        )
    return Document("verify", title, tuple(tables), verdict=Verdict(v.ok, verdict), data=to_dict(v))
