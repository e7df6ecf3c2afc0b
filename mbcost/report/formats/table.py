"""The terminal table (rich): each table with its title, the notes and the verdict as lines below.

A narrow terminal loses whole columns, a table's optional ones first, rather than having numbers cut to
'3.6…'; a table of more than TABLE_ROWS items shows its first and last rows. Bodies are laid out a
column at a time (column_table.py); a table with a column that may wrap is laid out cell by cell."""

from __future__ import annotations

from typing import Any

from ..document import CHANGE, SIGNED_COUNT, SIGNED_EXACT, STATUS, Document, Table
from ..document import KINDS as EVERY_KIND
from .cells import cell_text, note_text
from .csv import KINDS as CSV_KINDS

KINDS = EVERY_KIND

# A terminal table of tens of thousands of rows is unreadable, and rich takes ~1 ms a row to lay it out:
# past TABLE_ROWS, a table shows its first and last rows (totals and roll-ups stay complete). json, csv
# and markdown always hold every row.
TABLE_ROWS = 400
TABLE_HEAD, TABLE_TAIL = 300, 50
EMPHASIS = {"best": "bold green", "muted": "dim"}
STATUS_STYLE = {True: "green", False: "bold red"}
OVER_STYLE = "red"  # every cell of a row over its budget
# A difference is a cost: growth reads red, a saving green (compare's B - A and change columns).
DELTA_KINDS = frozenset({SIGNED_EXACT, SIGNED_COUNT, CHANGE})
DELTA_STYLE = {1: "red", -1: "green"}


def _style(column, value, emphasis: str | None) -> str | None:
    if column.kind == STATUS:
        return STATUS_STYLE[bool(value)]
    if column.kind in DELTA_KINDS and isinstance(value, (int, float)) and value:
        return DELTA_STYLE[1 if value > 0 else -1]
    return emphasis


def _widths(headers, rows, footers, wrap) -> list[int]:
    """Each column's least width that cuts nothing: its longest cell, or for a column that may wrap, its
    longest word."""
    widths = []
    for i, header in enumerate(headers):
        cells = [str(header), *(row[i] for row in rows), *(f[i] for f in [footers] if f)]
        if wrap[i]:
            cells = [word for cell in cells for word in cell.split()]
        widths.append(max(map(len, cells), default=0))
    return widths


def table_width(widths) -> int:
    """The columns a rich table of columns `widths` takes with the box the formats use (SIMPLE_HEAD, or
    ASCII, which has the same geometry): one padding cell each side of a cell, one rule between columns
    and one at each edge."""
    return sum(widths) + 3 * len(widths) + 1


def fit_columns(headers, rows, width: int, drop_first, footers=(), wrap=None) -> list[int]:
    """The indices of the columns a rich table shows in `width` terminal columns: all of them, or fewer,
    leaving out the columns of `drop_first` (indices) in that order, each one whole, until the rest fit.
    The rest may still not fit: the caller then lays the rows out vertically."""
    widths = _widths(headers, rows, footers, wrap or [False] * len(headers))
    keep = list(range(len(headers)))
    for index in drop_first:
        if table_width([widths[i] for i in keep]) <= width:
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


def _cells(table: Table) -> tuple[list[list[str]], list[list[str | None]], list[str] | None, str | None]:
    """The text and style of each cell of the rows shown, the footer's text, and the caption of rows
    left out."""
    columns, (order, caption) = table.columns, shown(table)
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
        if any(c.kind == STATUS and v is False for c, v in zip(columns, row)):
            emphasis = OVER_STYLE
        styles.append([_style(c, v, emphasis) for c, v in zip(columns, row)])
    footers = None if table.footer is None else [_text(c, v) for c, v in zip(columns, table.footer)]
    return rows, styles, footers, caption


def _renderable(table: Table, width: int, more: str | None = "json") -> Any:
    """`table` as rich lays it out in `width` columns: every column whole, or the optional ones left out in
    their order (a caption names them and `more`, the format that shows them all), or where even that does
    not fit, each row as `header: value` lines."""
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    from .column_table import column_table

    columns, indices = table.columns, range(len(table.columns))
    rows, styles, footers, caption = _cells(table)
    headers = [c.header for c in columns]
    wrap = [c.wrap for c in columns]
    keep = fit_columns(headers, rows, width, table.optional, footers or (), wrap)
    widths = _widths(headers, rows, footers, wrap)
    if table_width([widths[i] for i in keep]) > width:
        return _vertical(table, rows, styles, footers, caption)
    left_out = [headers[i] for i in indices if i not in keep]
    if left_out:
        note = f"hidden: {', '.join(left_out)}; widen the terminal" + (f" or use --format {more}" if more else "")
        caption = note if caption is None else f"{caption}\n{note}"
    justify = ["right" if columns[i].aligned_right else "left" for i in indices]
    options = {"title": table.title, "caption": caption, "box": box.SIMPLE_HEAD, "title_style": "bold"}
    if not any(wrap[i] for i in keep):
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
        out.add_column(
            headers[i], footer=footers[i] if footers else "", justify=justify[i], no_wrap=not wrap[i], min_width=widths[i]
        )
    for row, style in zip(rows, styles):
        out.add_row(*(Text(row[i], style=style[i] or "") for i in keep))
    return out


def _vertical(table: Table, rows, styles, footers, caption) -> Any:
    """A table too wide for the terminal even without its optional columns, as a list: each row's first
    cell on a line of its own, then one `header: value` line for each other cell."""
    from rich.console import Group
    from rich.text import Text

    headers = [c.header for c in table.columns]
    lines = [Text(table.title, style="bold")]
    for row, style in [*zip(rows, styles), *([(footers, [None] * len(headers))] if footers else [])]:
        lines.append(Text(row[0] or "-", style="bold"))
        for header, cell, cell_style in zip(headers[1:], row[1:], style[1:]):
            if cell:
                lines.append(Text(f"  {header}: " if header else "  ").append(cell, style=cell_style or ""))
    if caption:
        lines.append(Text(caption, style="dim"))
    return Group(*lines)


def draw(document: Document, console: Any) -> None:
    """Print `document` on a rich console. The title is printed once: as the title of the tables that
    carry it, else as a line of its own."""
    more = "csv" if document.kind in CSV_KINDS else "json"  # where the hidden columns can be read

    def show() -> None:
        if not any(table.title.startswith(document.title) for table in document.tables):
            console.print(document.title, style="bold", highlight=False, markup=False)
        for table in document.tables:
            console.print(_renderable(table, console.width, more))
        for note in document.notes:
            console.print(note_text(note, details=False), highlight=False, markup=False)
        if document.verdict is not None:
            console.print(document.verdict.text, highlight=False, markup=False)

    _trimmed(console, show)


def draw_tables(tables: tuple[Table, ...], console: Any, more: str | None = None) -> None:
    """Print tables that belong to no document (`mbcost list`) as `draw` prints a document's."""
    _trimmed(console, lambda: [console.print(_renderable(table, console.width, more)) for table in tables])


def _trimmed(console: Any, show: Any) -> None:
    """Run `show` (which prints on `console`); into a file or a pipe, its lines end without spaces."""
    if console.is_terminal:
        show()
        return
    with console.capture() as captured:
        show()
    console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
