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
MAX_COLUMNS = 1000  # wider than any screen: a larger COLUMNS is a mistake, not a request

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
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # AttributeError: no stdout at all
        pass


def _open_stdout() -> None:
    """A report is about to go to stdout: with stdout closed (`>&-`, where Python's sys.stdout is None)
    it would go nowhere, and the command must not say it succeeded."""
    import errno
    import sys

    if sys.stdout is None:
        raise OSError(errno.EBADF, "stdout is closed")


def console(file: Any = None) -> Any:
    """A rich console: the terminal; or plain text into `file`, or into a pipe, as wide as COLUMNS says,
    else WIDE columns. On a stdout that cannot encode the glyphs, bars and boxes are drawn in ASCII."""
    import os
    import sys

    from rich.console import Console

    columns = _columns()
    if file is not None:
        return Console(file=file, width=columns or WIDE, no_color=True, highlight=False)
    _open_stdout()
    stream = sys.stdout if stdout_can_draw() else _Printable(sys.stdout)
    # The width is always given: rich would read COLUMNS itself, and take COLUMNS=0 for zero columns.
    out = Console(file=stream, highlight=False, width=columns or WIDE)
    if out.is_terminal and columns is None:
        try:
            terminal = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            terminal = 0
        out = Console(file=stream, highlight=False, width=terminal if 0 < terminal <= MAX_COLUMNS else 80)
    out.on_broken_pipe = lambda: _broken_pipe(out)  # rich >= 13.4 would exit 1 itself; emit decides
    return out


def _columns() -> int | None:
    """The width COLUMNS asks for, or None when it is unset or nonsense (0, negative, not a whole number,
    wider than MAX_COLUMNS): then the terminal's own width, or WIDE into a file or a pipe."""
    import os

    text = os.environ.get("COLUMNS", "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        return None
    return int(text) if 0 < int(text) <= MAX_COLUMNS else None


def _broken_pipe(out: Any) -> None:
    out.quiet = True
    raise BrokenPipeError


def write(text: str, output: Path | None) -> None:
    """Print `text`, or write it to `output` atomically."""
    import sys

    if output is None:
        _open_stdout()
        try:
            click.echo(printable(text, sys.stdout), nl=False)
        except BrokenPipeError:
            reader_left()
    else:
        _refuse_an_input(output)
        write_atomically(output, text, field="--output")


def _refuse_an_input(output: Path) -> None:
    """`mbcost analyze a.yaml -o a.yaml` (or through a link, or another spelling of the path) would
    replace the spec with its report: refused, the file untouched. The inputs are the command's SPEC
    arguments and its --baseline."""
    import os

    from ..errors import SpecError
    from ..spec.builtin import resolve

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    names: list = []
    for key in ("spec", "specs", "baseline"):
        value = ctx.params.get(key)
        names += [value] if isinstance(value, (str, Path)) else list(value or ())
    for name in names:
        try:
            same = os.path.samefile(resolve(str(name))[0], output)
        except (SpecError, OSError, ValueError):
            continue
        if same:
            raise SpecError(f"is {name}, an input of this command; write the report to another file", file=str(output), field="--output")


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
