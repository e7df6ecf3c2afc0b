"""The text of a cell, as both the terminal table and markdown show it (a format shows a status its own
way), and of a note."""

from __future__ import annotations

from typing import Any

from ...quantity import show_seconds
from ..document import (
    BAR,
    BYTES,
    CHANGE,
    COUNT,
    DURATION,
    EXACT,
    MILLIONS,
    NUMBER,
    PERCENT,
    SIGNED_COUNT,
    SIGNED_EXACT,
    Code,
    Column,
    Detail,
    Note,
)
from ..numbers import human, human_bytes

BAR_WIDTH = 8
_EIGHTHS = " ▏▎▍▌▋▊▉"


# An ASCII stand-in for every glyph the formats and rich's boxes draw, one character for one cell, so that
# columns stay aligned on an output that cannot encode them (PYTHONIOENCODING=ascii, a Windows code page).
# A bar becomes '#' per whole cell and '.' or '+' for the part of the last one.
ASCII_GLYPHS = str.maketrans(
    {
        "█": "#", **dict.fromkeys("▏▎▍", "."), **dict.fromkeys("▌▋▊▉", "+"),
        **dict.fromkeys("─━═", "-"), **dict.fromkeys("│┃║", "|"), **dict.fromkeys("┏┓┗┛┌┐└┘┡┩┢┪┳┴┻┬╇╈┼├┤", "+"),
        "…": "~", "✅": "", "❌": "!",
    }
)
GLYPHS = "".join(chr(c) for c in ASCII_GLYPHS)


def bar(part: int, whole: int, width: int = BAR_WIDTH) -> str:
    """`part / whole` as `width` cells of unicode blocks, in eighths of a cell. Rounded down, except that a
    nonzero part always shows at least one eighth, so nothing that counts looks like nothing."""
    if part <= 0 or whole <= 0:
        return ""
    eighths = max(1, part * width * 8 // whole)
    full, rest = divmod(min(eighths, width * 8), 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def _signed(n: int) -> str:
    return "0" if n == 0 else ("+" if n > 0 else "-") + human(abs(n))


_SHOW = {
    EXACT: lambda v, c: f"{v:,}",
    COUNT: lambda v, c: human(v),
    BYTES: lambda v, c: human_bytes(v),
    SIGNED_EXACT: lambda v, c: f"{v:+,}",
    SIGNED_COUNT: lambda v, c: _signed(v),
    NUMBER: lambda v, c: f"{v:g}",
    MILLIONS: lambda v, c: f"{v / 1e6:.{c.digits}f}",
    PERCENT: lambda v, c: f"{100 * v:.1f}%",
    CHANGE: lambda v, c: f"{100 * v:+.1f}%",
    BAR: lambda v, c: bar(*v),
    DURATION: lambda v, c: show_seconds(v),
}


def cell_text(column: Column, value: Any) -> str:
    """None is empty, a str stands for itself, a shape (a Shape, or a tuple of sizes in a column of
    numbers) reads CxHxW; other values as their column's kind shows them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, tuple) and column.kind != BAR:
        return "x".join(map(str, value))
    show = _SHOW.get(column.kind)
    return show(value, column) if show is not None else str(value)


def note_text(note: Note, code: str = "", details: bool = True) -> str:
    """A note as one line: names between `code` marks, details kept or left out."""
    parts = []
    for part in note:
        if isinstance(part, Code):
            parts.append(f"{code}{part.text}{code}")
        elif isinstance(part, Detail):
            if details:
                parts.append(part.text)
        else:
            parts.append(part)
    return "".join(parts)
