"""HTML: a Document as a section of tables (every row; numbers right-aligned, bars drawn as bars), its
notes and its verdict. `render` gives a whole self-contained page (report/html.py); `section` the part
`mbcost report` places among others."""

from __future__ import annotations

from html import escape

from ..document import BAR, STATUS, Code, Detail, Document, Note, Table
from ..html import page
from .cells import cell_text

KINDS = frozenset({"analysis", "resolution", "compare", "sweep", "check"})
# Marks with the word beside them (colour is not the only signal), in glyphs every common font has: a
# browser without an emoji font draws ✅ as an empty box.
OK, OVER = "✓", "✗"
LONG = 40


def _cell(column, value, tag: str = "td") -> str:
    classes = ["num"] if column.aligned_right else []
    if tag == "th":
        text = escape(value)
    elif column.kind == STATUS:
        text = "" if value is None else (f'<span class="ok">{OK} ok</span>' if value else f'<span class="over">{OVER} over</span>')
    elif column.kind == BAR and isinstance(value, tuple):
        part, whole = value
        width = 0.0 if whole <= 0 else max(0.0, min(1.0, part / whole)) * 6
        text = f'<span class="bar" style="width:{width:.3f}rem"></span>' if part > 0 else ""
    else:
        text = escape(cell_text(column, value))
    attribute = f' class="{" ".join(classes)}"' if classes else ""
    return f"<{tag}{attribute}>{text}</{tag}>"


def table(t: Table, level: int = 3) -> str:
    heading = t.heading or t.title
    head = "".join(_cell(c, c.header, "th") if c.kind != STATUS else f"<th>{escape(c.header)}</th>" for c in t.columns)
    rows = []
    for n, row in enumerate(t.rows):
        mark = t.emphasis[n] if t.emphasis is not None else None
        cells = "".join(_cell(c, v) for c, v in zip(t.columns, row))
        rows.append(f'<tr class="{mark}">{cells}</tr>' if mark else f"<tr>{cells}</tr>")
    foot = ""
    if t.footer is not None:
        foot = "<tfoot><tr>" + "".join(_cell(c, v) for c, v in zip(t.columns, t.footer)) + "</tr></tfoot>"
    box = ' class="scroll"' if len(t.rows) > LONG else ""  # a long table scrolls inside the page
    return (
        f"<h{level}>{escape(heading)}</h{level}>\n<div{box}><table>"
        f"<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(rows) + f"\n</tbody>{foot}</table></div>"
    )


def note(n: Note) -> str:
    parts = []
    for part in n:
        if isinstance(part, Code):
            parts.append(f"<code>{escape(part.text)}</code>")
        elif isinstance(part, Detail):
            parts.append(escape(part.text))
        else:
            parts.append(escape(part))
    return "".join(parts)


def verdict(document: Document) -> str:
    if document.verdict is None:
        return ""
    ok = document.verdict.ok
    mark = f'<span class="ok">{OK}</span>' if ok else f'<span class="over">{OVER}</span>'
    return f'<p class="verdict{"" if ok else " failed"}">{mark} {escape(document.verdict.text)}</p>'


def section(document: Document, level: int = 3) -> str:
    """The document's verdict, tables and notes, under headings of `level`."""
    parts = [verdict(document)] if document.verdict is not None else []
    parts += [table(t, level) for t in document.tables]
    if document.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{note(n)}</li>" for n in document.notes) + "</ul>")
    return "\n".join(parts)


def render(document: Document) -> str:
    return page(document.title, [section(document, level=2)])
