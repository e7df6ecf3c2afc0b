"""The terminal table (rich): each table with its title, the notes and the verdict as lines below.

A narrow terminal loses whole columns, a table's optional ones first, rather than having numbers cut to
'3.6…'; a table of more than TABLE_ROWS items shows its first and last rows. Bodies are laid out a
column at a time (column_table.py); a table with a column that may wrap is laid out cell by cell."""

from __future__ import annotations

from typing import Any

from ..document import KINDS as EVERY_KIND
from ..document import STATUS, Document, Table
from .cells import cell_text, note_text

KINDS = EVERY_KIND

# A terminal table of tens of thousands of rows is unreadable, and rich takes ~1 ms a row to lay it out:
# past TABLE_ROWS, a table shows its first and last rows (totals and roll-ups stay complete). json, csv
# and markdown always hold every row.
TABLE_ROWS = 400
TABLE_HEAD, TABLE_TAIL = 300, 50
EMPHASIS = {"best": "bold green", "muted": "dim"}
STATUS_STYLE = {True: "green", False: "bold red"}


def fit_columns(headers, rows, width: int, drop_first, footers=()) -> list[int]:
    """The indices of the columns a rich table shows in `width` terminal columns: all of them, or fewer,
    leaving out the columns of `drop_first` (indices) in order until the rest fit."""
    widths = [max(len(str(h)), *(len(row[i]) for row in rows), *(len(f[i]) for f in [footers] if f)) for i, h in enumerate(headers)]
    keep = list(range(len(headers)))
    for index in drop_first:
        if sum(widths[i] + 3 for i in keep) <= width:  # 3: a column's padding and separator
            break
        keep.remove(index)
    return keep


def shown(table: Table) -> tuple[list[int], str | None]:
    """The indices of the rows to show (-1 where rows were left out), and a caption saying what was left
    out (None when nothing was)."""
    count = len(table.rows)
    if table.items is None or count <= TABLE_ROWS:
        return list(range(count)), None
    hidden = count - TABLE_HEAD - TABLE_TAIL
    caption = f"{hidden:,} of {count:,} {table.items} not shown; --format json or csv lists them all"
    return [*range(TABLE_HEAD), -1, *range(count - TABLE_TAIL, count)], caption


def _text(column, value) -> str:
    if column.kind == STATUS:
        return "ok" if value else "OVER"
    return cell_text(column, value)


def _renderable(table: Table, width: int) -> Any:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    from .column_table import column_table

    columns, indices, (order, caption) = table.columns, range(len(table.columns)), shown(table)
    hidden = len(table.rows) - TABLE_HEAD - TABLE_TAIL
    rows, styles = [], []
    for r in order:  # only the rows shown are formatted: a 50,000-layer report formats 351, not 50,000
        if r < 0:
            rows.append(["...", f"{hidden:,} more"] + [""] * (len(columns) - 2))
            styles.append([None] * len(columns))
            continue
        row = table.rows[r]
        rows.append([_text(c, v) for c, v in zip(columns, row)])
        emphasis = EMPHASIS.get(table.emphasis[r]) if table.emphasis else None
        styles.append([STATUS_STYLE[v] if c.kind == STATUS else emphasis for c, v in zip(columns, row)])
    footers = None if table.footer is None else [_text(c, v) for c, v in zip(columns, table.footer)]
    headers = [c.header for c in columns]
    keep = fit_columns(headers, rows, width, table.optional, footers or ())
    justify = ["right" if columns[i].aligned_right else "left" for i in indices]
    options = {"title": table.title, "caption": caption, "box": box.SIMPLE_HEAD, "title_style": "bold"}
    if not any(columns[i].wrap for i in keep):
        return column_table(
            [headers[i] for i in keep],
            [[row[i] for i in keep] for row in rows],
            justify=[justify[i] for i in keep],
            footers=None if footers is None else [footers[i] for i in keep],
            cell_styles=[[row[i] for i in keep] for row in styles] if any(any(row) for row in styles) else None,
            **options,
        )
    out = RichTable(show_footer=footers is not None, **options)
    for i in keep:
        out.add_column(headers[i], footer=footers[i] if footers else "", justify=justify[i], no_wrap=not columns[i].wrap)
    for row, style in zip(rows, styles):
        out.add_row(*(Text(row[i], style=style[i] or "") for i in keep))
    return out


def draw(document: Document, console: Any) -> None:
    """Print `document` on a rich console. The title is printed once: as the title of the tables that
    carry it, else as a line of its own."""
    if not any(table.title.startswith(document.title) for table in document.tables):
        console.print(document.title, style="bold", highlight=False, markup=False)
    for table in document.tables:
        console.print(_renderable(table, console.width))
    for note in document.notes:
        console.print(note_text(note, details=False), highlight=False, markup=False)
    if document.verdict is not None:
        console.print(document.verdict.text, highlight=False, markup=False)
