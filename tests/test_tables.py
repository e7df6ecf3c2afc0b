"""column_table lays out a column at a time; what it prints must be what rich's own Table prints
when it lays out every cell, at any terminal width, cut cells included."""

from __future__ import annotations

import io

import pytest
from rich import box
from rich.console import Console
from rich.table import Table

from mbcost.report.formats.column_table import column_table

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


def test_row_styles_colour_the_row_text():
    # rich styles a whole row, padding included; column_table styles each row's text. For the styles
    # mbcost uses (bold, dim, colours) both look the same: same text, and each styled row's cells
    # inside that style's escape codes.
    import re

    styles = [None, "dim", "bold green", None, "dim"]
    expected = rich_table([])
    for row, style in zip(ROWS, styles):
        expected.add_row(*row, style=style)
    ours = printed(column_table(HEADERS, ROWS, right=RIGHT, row_styles=styles), 80)
    plain = re.compile(r"\x1b\[[0-9;]*m")
    assert plain.sub("", ours) == plain.sub("", printed(expected, 80))
    lines = ours.splitlines()
    for row, style in zip(ROWS, styles):
        line = next(text for text in lines if row[0] in text)
        for cell in row:
            code = {"dim": "\x1b[2m", "bold green": "\x1b[1;32m"}.get(style)
            if code and cell:
                assert code + cell in line or re.search(re.escape(code) + r" *" + re.escape(cell), line), (style, cell)
            elif cell:
                assert "\x1b[2m" + cell not in line and "\x1b[1;32m" + cell not in line
