"""Rich tables whose body is laid out a column at a time.

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
    footers: Sequence[str] | None = None,
    row_styles: Sequence[str | None] | None = None,
    **table_options: Any,
) -> Any:
    """A rich Table of `rows` (lists of strings) under `headers`, with the columns named in `right`
    right-aligned. `row_styles` gives each row a style (e.g. "dim"); it colours the row's text, not the
    padding between columns, so only foreground styles look as they would on rich's own rows.
    `table_options` go to rich's Table (title, caption, box, ...)."""
    from rich.table import Table

    table = Table(show_footer=footers is not None, **table_options)
    justify = ["right" if header in right else "left" for header in headers]
    for i, header in enumerate(headers):
        table.add_column(header, footer=footers[i] if footers is not None else "", justify=justify[i], no_wrap=True)
    styles = None if row_styles is None else [Style.parse(style) if style else None for style in row_styles]
    if rows:
        table.add_row(*(ColumnBody([row[i] for row in rows], justify[i], styles) for i in range(len(headers))))
    return table
