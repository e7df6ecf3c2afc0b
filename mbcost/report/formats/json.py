"""JSON: the report's data (`Document.data`, its contract documented in the README), indented. Lists of
rows (a layer each) are written one row to a line: readable in a diff, and a tenth the lines."""

from __future__ import annotations

import json
from typing import Any

from ..document import KINDS as EVERY_KIND
from ..document import Document

KINDS = EVERY_KIND


def _member(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return "[\n" + ",\n".join("    " + json.dumps(item) for item in value) + "\n  ]" if value else "[]"
    if isinstance(value, dict):
        return json.dumps(value, indent=2).replace("\n", "\n  ")
    return json.dumps(value)


def render(document: Document) -> str:
    if not document.rows_per_line:
        return json.dumps(document.data, indent=2) + "\n"
    members = (f"  {json.dumps(key)}: {_member(value)}" for key, value in document.data.items())
    return "{\n" + ",\n".join(members) + "\n}\n"
