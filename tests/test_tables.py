"""tables.column_table lays out a column at a time; what it prints must be what rich's own Table prints
when it lays out every cell, at any terminal width, cut cells included."""

from __future__ import annotations

import io

import pytest
from rich import box
from rich.console import Console
from rich.table import Table

from mbcost.tables import column_table

HEADERS = ("layer", "op", "MACs", "share")
ROWS = [
    ["stem", "full conv", "10.84M", "3.9%"],
    ["blocks.0.depthwise", "depthwise conv", "3.613M", "1.3%"],
    ["blocks.16.project", "1x1 conv", "15.05M", "5.0%"],
    ["classifier", "fully connected", "1.281M", "0.4%"],
    ["x█▏", "", "0", "0.0%"],
]
FOOTERS = ("total", "", "300.8M", "100.0%")
RIGHT = ("MACs", "share")


def printed(table, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, force_terminal=True, color_system="truecolor").print(table)
    return out.getvalue()


def rich_table(rows, footers=None, **options) -> Table:
    table = Table(show_footer=footers is not None, **options)
    for i, header in enumerate(HEADERS):
        table.add_column(header, footer=footers[i] if footers else "", justify="right" if header in RIGHT else "left", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


# Down to a terminal so narrow that most columns are cut to nothing. (Where no column keeps even one
# cell, rich prints a blank line per row, column_table fewer blank lines: nothing shows either way.)
@pytest.mark.parametrize("width", [120, 60, 45, 38, 30, 20, 16])
def test_same_as_cell_by_cell(width):
    options = {"title": "a title", "caption": "a caption", "box": box.SIMPLE_HEAD, "title_style": "bold"}
    expected = printed(rich_table(ROWS, FOOTERS, **options), width)
    assert printed(column_table(HEADERS, ROWS, right=RIGHT, footers=FOOTERS, **options), width) == expected


def test_empty_and_default_box():
    assert printed(column_table(HEADERS, [], right=RIGHT), 80) == printed(rich_table([]), 80)
    assert printed(column_table(HEADERS, ROWS, right=RIGHT), 80) == printed(rich_table(ROWS), 80)
