"""What a command hands back: its report, shown on the terminal or written to a file in one format,
and its outcome, which the group (cli/__init__.py) turns into the exit code."""

from __future__ import annotations

import enum
import io
from pathlib import Path
from typing import Any

import click

from ..files import write_atomically
from ..report.document import Document
from ..report.formats import FORMATS


class Outcome(enum.Enum):
    OK = "ok"
    FINDING = "finding"  # over budget, a verification mismatch: reported in full, then exit 1
    BAD_INPUT = "bad input"


def console(file: Any = None) -> Any:
    """A rich console: the terminal, or plain text 140 columns wide into `file` (or a pipe)."""
    from rich.console import Console

    if file is not None:
        return Console(file=file, width=140, no_color=True, highlight=False)
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=140)
    return out


def write(text: str, output: Path | None) -> None:
    """Print `text`, or write it to `output` atomically."""
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(output, text, field="--output")


def emit(document: Document, fmt: str, output: Path | None) -> None:
    """Show `document` in format `fmt`: on the terminal, or in the file `output`."""
    form = FORMATS[fmt]
    if not hasattr(form, "draw"):
        write(form.render(document), output)
    elif output is None:
        form.draw(document, console())
    else:
        buffer = io.StringIO()
        form.draw(document, console(buffer))
        write(buffer.getvalue(), output)
