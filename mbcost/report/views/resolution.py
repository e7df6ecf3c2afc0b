"""`mbcost analyze --by resolution` as a Document: the largest activation tensor per spatial size, plain
and with fused bottlenecks (v2 paper, Table 3)."""

from __future__ import annotations

from typing import Any

from ...analysis.cost import Analysis
from ..document import EXACT, SHAPE, Column, Document, Records, Table
from .analysis import by_resolution, header, memory_line, memory_totals, title

COLUMNS = (
    Column("size"),
    Column("largest tensor", SHAPE),
    Column("made by"),
    Column("bytes", EXACT),
    Column("fused: largest materialized", SHAPE),
    Column("made by"),
    Column("bytes", EXACT),
)
# A narrow terminal leaves out the shapes first (the fused one, then the plain one): the names and the
# bytes are what the table is for.
OPTIONAL = (4, 1)
CSV_COLUMNS = ("height", "width", "largest_name", "largest_shape", "largest_bytes", "fused_name", "fused_shape", "fused_bytes")


def to_dict(a: Analysis) -> dict[str, Any]:
    """The report's header, the memory totals and `by_resolution`, with the same keys as in the full report."""
    return {**header(a), "total": memory_totals(a), "by_resolution": by_resolution(a)}


def document(a: Analysis) -> Document:
    text = f"{title(a)}  {a.memory.dtype}: largest activation tensor per spatial size (v2 paper, Table 3)"
    rows, records = [], []
    for r in a.memory.by_resolution:
        fused, largest = r.largest_fused, r.largest
        rows.append(
            (f"{r.height}x{r.width}", largest.shape, largest.name, largest.bytes)
            + ((fused.shape, fused.name, fused.bytes) if fused else ("-", "-", "-"))
        )
        records.append(
            (r.height, r.width, largest.name, largest.shape, largest.bytes)
            + ((fused.name, fused.shape, fused.bytes) if fused else (None, None, None))
        )
    return Document(
        "resolution",
        text,
        (Table(text, COLUMNS, tuple(rows), optional=OPTIONAL),),
        notes=((memory_line(a),),),
        records=Records(CSV_COLUMNS, tuple(records)),
        data=to_dict(a),
    )
