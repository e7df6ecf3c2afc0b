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


WIDE = 140  # columns of a table printed into a file or a pipe when COLUMNS does not say otherwise

# What `-o FILE` writes when --format is not given: the format its suffix names. A suffix that names
# another format than an explicit --format is bad input; any other suffix (.txt, none) keeps --format.
FORMAT_OF_SUFFIX = {".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}


def _encodes(stream: Any, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def printable(text: str, stream: Any) -> str:
    """`text` as `stream` can encode it: the formats' glyphs as ASCII stand-ins (cells.ASCII_GLYPHS), and
    any other character it cannot encode (in a spec's own description, say) as '?'."""
    if _encodes(stream, text):
        return text
    from ..report.formats.cells import ASCII_GLYPHS

    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        return text.translate(ASCII_GLYPHS).encode(encoding, "replace").decode(encoding)
    except LookupError:
        return text.translate(ASCII_GLYPHS).encode("ascii", "replace").decode("ascii")


class _Printable:
    """A text stream whose encoding lacks the formats' glyphs, seen through `printable`. It calls itself
    ascii, so rich draws its boxes in ASCII too."""

    encoding = "ascii"

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text, self.stream))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def stdout_can_draw() -> bool:
    """Whether stdout's encoding holds every glyph the formats draw (bars, boxes, status marks)."""
    import sys

    from ..report.formats.cells import GLYPHS

    return _encodes(sys.stdout, GLYPHS)


def reader_left() -> None:
    """stdout's reader has gone (`mbcost ... | head -1`), having taken what it wanted. stdout is pointed
    at nothing, so that no later write and no final flush fails, and the command ends with its own
    outcome: a closed pipe turns no pass into a failure and hides no finding."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def console(file: Any = None) -> Any:
    """A rich console: the terminal; or plain text into `file`, or into a pipe, as wide as COLUMNS says,
    else WIDE columns. On a stdout that cannot encode the glyphs, bars and boxes are drawn in ASCII."""
    import os
    import sys

    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else WIDE
    if file is not None:
        return Console(file=file, width=width, no_color=True, highlight=False)
    stream = sys.stdout if stdout_can_draw() else _Printable(sys.stdout)
    out = Console(file=stream, highlight=False)
    if not out.is_terminal:
        out = Console(file=stream, highlight=False, width=width)
    out.on_broken_pipe = lambda: _broken_pipe(out)  # rich >= 13.4 would exit 1 itself; emit decides
    return out


def _broken_pipe(out: Any) -> None:
    out.quiet = True
    raise BrokenPipeError


def write(text: str, output: Path | None) -> None:
    """Print `text`, or write it to `output` atomically."""
    import sys

    if output is None:
        try:
            click.echo(printable(text, sys.stdout), nl=False)
        except BrokenPipeError:
            reader_left()
    else:
        write_atomically(output, text, field="--output")


def pick_format(fmt: str, output: Path | None) -> tuple[str, Path | None]:
    """The format and file `-o FILE` asks for: the format FILE's suffix names when --format was not given
    (FORMAT_OF_SUFFIX); `-o -` is stdout. A suffix naming another format than --format is bad input."""
    from click.core import ParameterSource

    from ..errors import SpecError

    if output is None or str(output) == "-":
        return fmt, None
    named = FORMAT_OF_SUFFIX.get(output.suffix.lower())
    if named is None or named == fmt:
        return fmt, output
    ctx = click.get_current_context(silent=True)
    given = ctx is not None and ctx.get_parameter_source("fmt") not in (None, ParameterSource.DEFAULT)
    if given:
        raise SpecError(f"the name says {named}, but --format is {fmt}; drop one of them", file=str(output), field="--output")
    choices = next((p.type.choices for p in ctx.command.params if p.name == "fmt"), ()) if ctx is not None else ()
    if choices and named not in choices:
        raise SpecError(
            f"the name says {named}, which this command does not write; --format is one of {', '.join(choices)}",
            file=str(output),
            field="--output",
        )
    return named, output


def emit(document: Document, fmt: str, output: Path | None) -> None:
    """Show `document` in format `fmt`: on the terminal, or in the file `output` (in the format its
    name says, when --format was not given)."""
    fmt, output = pick_format(fmt, output)
    form = FORMATS[fmt]
    if not hasattr(form, "draw"):
        write(form.render(document), output)
    elif output is None:
        try:
            form.draw(document, console())
        except BrokenPipeError:
            reader_left()
    else:
        buffer = io.StringIO()
        form.draw(document, console(buffer))
        write(buffer.getvalue(), output)
