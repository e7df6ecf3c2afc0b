"""Formats: one module each, one registry. A format module holds KINDS (the kinds of Document it can
show) and either `render(document) -> str` or, for the terminal, `draw(document, console)`. Adding a
format is one module and one line below."""

from __future__ import annotations

from types import ModuleType

from ..document import KINDS
from . import csv, github, html, json, markdown, table

FORMATS: dict[str, ModuleType] = {
    "table": table,
    "json": json,
    "csv": csv,
    "markdown": markdown,
    "github": github,
    "html": html,
}


def names(*kinds: str) -> tuple[str, ...]:
    """The formats that can show every one of `kinds`, in registry order (the first is the default)."""
    unknown = set(kinds) - KINDS
    assert not unknown, f"no such kind of document: {unknown}"
    return tuple(name for name, module in FORMATS.items() if all(kind in module.KINDS for kind in kinds))
