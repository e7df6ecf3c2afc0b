"""A Document: what a report says, before any format shows it. Titled tables of typed columns whose
cells hold raw values (a format decides how a count, a share or a status reads), notes, a verdict,
findings for annotations, flat records for spreadsheets and the JSON data of the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..analysis.data import SCHEMA_VERSION  # noqa: F401  (declared once, with the data the reports carry)

# Column kinds: what the values of a column are. Cells hold the raw value; None is an empty cell, and a
# str in a column of numbers stands for itself ("-", "new").
TEXT = "text"  # a name or a label
INTEGER = "integer"  # an integer read as a label: a resolution, a line number (224, not 224.0 or 2,24)
NUMBER = "number"  # a float at its shortest: 0.75, 1
EXACT = "exact"  # an integer to read exactly: 300,774,272
COUNT = "count"  # an integer to read at a glance: 300.8M
BYTES = "bytes"  # a count of bytes at a glance: 1.606MB
SIGNED_EXACT = "signed exact"  # a difference, exactly: +1,204,224
SIGNED_COUNT = "signed count"  # a difference at a glance: +3.330M
MILLIONS = "millions"  # a count in millions, with Column.digits decimals (v1 paper, Tables 6-7)
PERCENT = "percent"  # a share of a whole (0.5 is 50%)
CHANGE = "change"  # a relative difference (0.25 is +25%)
STATUS = "status"  # True: within limits, False: over
BAR = "bar"  # (part, whole): a share to draw
SHAPE = "shape"  # a tensor shape: a Shape, or a tuple of sizes
DURATION = "duration"  # seconds, at a glance: 4.214ms

# The kinds of document, one per view; a format says which it can show.
KINDS = frozenset({"analysis", "resolution", "compare", "sweep", "check", "verify", "bench", "ridge", "calibrate", "devices"})

NUMERIC = frozenset({INTEGER, NUMBER, EXACT, COUNT, BYTES, SIGNED_EXACT, SIGNED_COUNT, MILLIONS, PERCENT, CHANGE, DURATION})


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    digits: int = 0  # decimals, for MILLIONS
    right: bool | None = None  # aligned right; None: numbers right, the rest left
    wrap: bool = False  # long text may wrap onto more lines where it would be cut

    @property
    def aligned_right(self) -> bool:
        return self.kind in NUMERIC if self.right is None else self.right


@dataclass(frozen=True)
class Table:
    """Rows of cells under typed columns. `footer` is a row of totals. `optional` lists the columns a
    narrow output may leave out, least telling first. `items` names what a row is ("layers"): a long
    table of them may be shown in part. `emphasis` marks rows: "best" or "muted" (None: plain)."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    footer: tuple[Any, ...] | None = None
    heading: str | None = None  # the table's name as a section heading; default: its title
    optional: tuple[int, ...] = ()
    items: str | None = None
    emphasis: tuple[str | None, ...] | None = None
    figures: bool = False  # every column after the first is a figure to compare down the column


@dataclass(frozen=True)
class Code:
    """A name in a note (a layer, a model), shown as code where a format has code."""

    text: str


@dataclass(frozen=True)
class Detail:
    """Part of a note said only where a reader has room for it (a written summary), not on a terminal."""

    text: str


Note = tuple[str | Code | Detail, ...]


@dataclass(frozen=True)
class Finding:
    """Something wrong at a place in a file: one annotation."""

    file: str
    line: int
    title: str
    message: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    text: str


@dataclass(frozen=True)
class Records:
    """The report as flat rows of exact values, for a spreadsheet: None is an empty cell."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Document:
    """`kind` names the view that made it (formats say which kinds they render). `data` is the JSON
    report; `rows_per_line`: its lists of objects hold one row each (a layer), written one to a line."""

    kind: str
    title: str
    tables: tuple[Table, ...] = ()
    notes: tuple[Note, ...] = ()
    verdict: Verdict | None = None
    findings: tuple[Finding, ...] = ()
    records: Records | None = None
    data: dict[str, Any] = field(default_factory=dict)
    rows_per_line: bool = False
