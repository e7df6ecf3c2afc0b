"""Markdown (GitHub-flavoured): the title as a heading, each table under its own heading, the notes as a
list. Bars are left out; a verdict joins the title (for a job summary, `>> $GITHUB_STEP_SUMMARY`)."""

from __future__ import annotations

from ..document import BAR, COUNT, STATUS, TEXT, Document, Table
from .cells import cell_text, note_text

KINDS = frozenset({"analysis", "resolution", "compare", "sweep", "ridge", "check", "calibrate", "devices"})


def markdown_table(headers, rows, right_from: int | None = None) -> list[str]:
    """Lines of a GitHub-flavoured markdown table; `|` in a cell (a file name, say) is escaped. Columns
    from index `right_from` on are right-aligned."""

    def line(cells) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    rule = ["---:" if right_from is not None and i >= right_from else "---" for i in range(len(headers))]
    return [line(headers), "|" + "|".join(rule) + "|"] + [line(row) for row in rows]


def _cell(column, value) -> str:
    if column.kind == STATUS:
        return "✅ ok" if value else "❌ **over**"
    return cell_text(column, value)


def _footer(column, value) -> str:
    """Totals in bold: the label and the counts."""
    text = _cell(column, value)
    return f"**{text}**" if text and column.kind in (TEXT, COUNT) else text


def _table(table: Table) -> str:
    keep = [i for i, c in enumerate(table.columns) if c.kind != BAR]
    columns = [table.columns[i] for i in keep]
    rows = [[_cell(c, row[i]) for c, i in zip(columns, keep)] for row in table.rows]
    if table.footer is not None:
        rows.append([_footer(c, table.footer[i]) for c, i in zip(columns, keep)])
    return "\n".join(markdown_table([c.header for c in columns], rows, right_from=1 if table.figures else None))


def render(document: Document) -> str:
    head = f"## {document.title}"
    if document.verdict is not None:
        head += f": {'✅' if document.verdict.ok else '❌'} {document.verdict.text}"
    blocks = [head]
    for table in document.tables:
        heading = table.heading
        if heading is None and not table.title.startswith(document.title):
            heading = table.title
        if heading:
            blocks.append(f"### {heading}")
        blocks.append(_table(table))
    if document.notes:
        blocks.append("\n".join(f"- {note_text(note, code='`')}" for note in document.notes))
    return "\n\n".join(blocks) + "\n"
