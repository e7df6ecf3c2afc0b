"""CSV: the report's records (`Document.records`), exact values, one row per line; true/false as in JSON."""

from __future__ import annotations

import csv
import io

from ..document import Document

KINDS = frozenset({"analysis", "resolution", "compare", "sweep", "ridge"})


def render(document: Document) -> str:
    records = document.records
    assert records is not None, f"a {document.kind} report has no records"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(records.columns)
    for row in records.rows:
        writer.writerow(str(value).lower() if isinstance(value, bool) else value for value in row)
    return buffer.getvalue()
