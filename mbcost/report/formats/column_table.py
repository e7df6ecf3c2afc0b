"""Rich tables whose body is laid out a column at a time (the table format's layout).

rich's Table measures and renders every cell on its own, about 0.1 ms a cell: the ~800 cells of
MobileNetV2's report took ~100 ms, more than the rest of `mbcost analyze`. Here each column's body is
one renderable (`ColumnBody`, its lines already formatted), so rich lays out one row of a handful of
cells, and still draws the title, header, footer, caption and box, and fits the columns to the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style

ELLIPSIS = "…"


class ColumnBody:
    """The body lines of one table column, one line per row, justified to the column's width. A line
    wider than the column is cut with an ellipsis, as rich cuts a `no_wrap` cell."""

    def __init__(self, lines: Sequence[str], justify: str = "left", styles: Sequence[Style | None] | None = None) -> None:
        self.lines = lines
        self.justify = justify
        self.styles = styles  # one per line (a row's style), or None
        self.width = max(map(cell_len, lines), default=0)

    def __rich_measure__(self, console: Any, options: Any) -> Measurement:
        return Measurement(self.width, self.width)

    def __rich_console__(self, console: Any, options: Any):
        width, right, newline = options.max_width, self.justify == "right", Segment.line()
        styles = self.styles or [None] * len(self.lines)
        for line, style in zip(self.lines, styles):
            size = cell_len(line)
            if size > width:
                line, size = set_cell_size(line, width - 1) + ELLIPSIS, width
            pad = " " * (width - size)
            yield Segment(pad + line if right else line + pad, style)
            yield newline


def column_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[str] = (),
    justify: Sequence[str] | None = None,
    footers: Sequence[str] | None = None,
    row_styles: Sequence[str | None] | None = None,
    cell_styles: Sequence[Sequence[str | None]] | None = None,
    **table_options: Any,
) -> Any:
    """A rich Table of `rows` (lists of strings) under `headers`, with the columns named in `right`
    right-aligned (or each column as `justify` says). `row_styles` gives each row a style (e.g. "dim"),
    `cell_styles` each cell (row by row); a style colours the cell's text, not the padding between
    columns, so only foreground styles look as they would on rich's own rows.
    `table_options` go to rich's Table (title, caption, box, ...)."""
    from rich.table import Table

    table = Table(show_footer=footers is not None, **table_options)
    if justify is None:
        justify = ["right" if header in right else "left" for header in headers]
    for i, header in enumerate(headers):
        table.add_column(header, footer=footers[i] if footers is not None else "", justify=justify[i], no_wrap=True)
    if cell_styles is None and row_styles is not None:
        cell_styles = [[style] * len(headers) for style in row_styles]

    def styles(i: int) -> list[Style | None] | None:
        if cell_styles is None:
            return None
        return [Style.parse(row[i]) if row[i] else None for row in cell_styles]

    if rows:
        table.add_row(*(ColumnBody([row[i] for row in rows], justify[i], styles(i)) for i in range(len(headers))))
    return table
