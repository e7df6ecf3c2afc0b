"""GitHub Actions annotations: `::error file=SPEC,line=N,title=...::message` per finding, then the verdict
on one plain line."""

from __future__ import annotations

from ..document import Document

KINDS = frozenset({"check"})


def _escape_data(text: str) -> str:
    # GitHub Actions workflow commands: % \r \n are escaped in the message ...
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # ... and , : as well in the properties (file, title).
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(document: Document) -> str:
    lines = [
        f"::error file={_escape_property(f.file)},line={f.line},title={_escape_property(f.title)}::{_escape_data(f.message)}"
        for f in document.findings
    ]
    if document.verdict is not None:
        lines.append(f"{document.title}: {document.verdict.text}")
    return "\n".join(lines) + "\n"
