"""A report in another unit of work, by name: the Document of a result whose MAC figures are already in
`unit` (analysis/units.py) says so wherever it names them. Table headers, cells, notes, the verdict and
annotations read `FLOPs` for `MACs`; CSV columns and JSON keys `flops` for `macs` (`standard_flops`,
`flops_share`, `max_flops`, a check's `"metric": "flops"`), and the JSON says `"unit": "flops"` after
its schema_version. Renaming only: no figure is computed here."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..arch.counts import Unit
from .document import Code, Document, Finding, Note, Records, Table, Verdict

_LABEL = re.compile(r"\bMACs\b")
_KEY = re.compile(r"(?<![A-Za-z])macs(?![A-Za-z])")  # `macs`, `standard_macs`, `macs_share`, `max_macs`


def relabel(document: Document, unit: Unit) -> Document:
    if unit.per_mac == 1:
        return document

    def text(value: Any) -> Any:
        return _LABEL.sub(unit.label, value) if isinstance(value, str) else value

    def note(parts: Note) -> Note:
        out = []
        for part in parts:
            if isinstance(part, Code):  # a name: a layer, a model, a file
                out.append(part)
            elif isinstance(part, str):
                out.append(_KEY.sub(unit.name, text(part)))
            else:  # Detail
                out.append(dataclasses.replace(part, text=_KEY.sub(unit.name, text(part.text))))
        return tuple(out)

    def table(t: Table) -> Table:
        return dataclasses.replace(
            t,
            title=text(t.title),
            heading=text(t.heading),
            columns=tuple(dataclasses.replace(c, header=text(c.header)) for c in t.columns),
            rows=tuple(tuple(map(text, row)) for row in t.rows),
            footer=None if t.footer is None else tuple(map(text, t.footer)),
        )

    def key(name: Any) -> Any:
        return _KEY.sub(unit.name, name) if isinstance(name, str) else name

    records = document.records
    if records is not None:
        records = Records(tuple(map(key, records.columns)), tuple(tuple(_metric(v, unit) for v in row) for row in records.rows))
    return dataclasses.replace(
        document,
        title=text(document.title),
        tables=tuple(map(table, document.tables)),
        notes=tuple(map(note, document.notes)),
        verdict=None if document.verdict is None else Verdict(document.verdict.ok, text(document.verdict.text)),
        findings=tuple(Finding(f.file, f.line, text(f.title), text(f.message)) for f in document.findings),
        records=records,
        data=_data(document.data, unit),
    )


def _metric(value: Any, unit: Unit) -> Any:
    """A cell naming the metric itself (compare's records: `macs`)."""
    return unit.name if value == "macs" else value


def _renamed(value: Any, unit: Unit) -> Any:
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if name == "metric":  # a check's limit names its metric
                out[name] = _metric(item, unit)
            else:
                out[_KEY.sub(unit.name, name)] = _renamed(item, unit)
        return out
    if isinstance(value, list):
        return [_renamed(item, unit) for item in value]
    return value


def _data(data: dict[str, Any], unit: Unit) -> dict[str, Any]:
    """The JSON with its keys in the unit, and the unit named once, after schema_version."""
    renamed = _renamed(data, unit)
    if renamed == data or not data:
        return data
    out: dict[str, Any] = {}
    for name, item in renamed.items():
        out[name] = item
        if name == "schema_version":
            out["unit"] = unit.name
    out.setdefault("unit", unit.name)
    return out
