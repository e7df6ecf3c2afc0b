"""Renderers of `mbcost check`: rich table, JSON, markdown job summary and GitHub Actions annotations.
Pure functions of the checks; nothing is computed here but formatting."""

from __future__ import annotations

import json
from typing import Any

from ..analysis.budget import LABELS, Check, Outcome
from .analyze import fit_columns, human, markdown_table


def to_dict(checks: tuple[Check, ...]) -> dict[str, Any]:
    """The JSON of `mbcost check --format json` (schema_version 1), documented in the README."""
    return {
        "schema_version": 1,
        "ok": all(c.ok for c in checks),
        "specs": [
            {
                "file": c.file,
                "model": c.model,
                "alpha": c.width_multiplier,
                "resolution": c.resolution,
                "macs": c.macs,
                "params": c.params,
                "memory_bytes": c.memory,
                "fused": c.fused,
                "ok": c.ok,
                "limits": [
                    {
                        "metric": o.limit.metric,
                        "actual": o.actual,
                        "limit": o.limit.limit,
                        "source": o.limit.source,
                        "line": o.limit.line,
                        "ok": o.ok,
                        "used": round(o.used, 6),
                    }
                    for o in c.outcomes
                ],
                "costliest": {x.metric: {"block": x.block, "line": x.line, "amount": x.amount} for x in c.costliest},
            }
            for c in checks
        ],
    }


def render_json(checks: tuple[Check, ...]) -> str:
    return json.dumps(to_dict(checks), indent=2) + "\n"


def _status(o: Outcome) -> str:
    return "ok" if o.ok else "OVER"


def _rows(checks: tuple[Check, ...]) -> list[list[str]]:
    return [
        [
            c.model,
            f"{c.width_multiplier:g}",
            str(c.resolution),
            LABELS[o.limit.metric],
            f"{o.actual:,}",
            f"{o.limit.limit:,}",
            f"{100 * o.used:.1f}%",
            o.limit.source,
            _status(o),
        ]
        for c in checks
        for o in c.outcomes
    ]


HEADERS = ("model", "alpha", "resolution", "metric", "actual", "limit", "used", "limit from", "status")


def _verdict(checks: tuple[Check, ...]) -> str:
    over = sum(not o.ok for c in checks for o in c.outcomes)
    total = sum(len(c.outcomes) for c in checks)
    if over:
        return f"over budget: {over} of {total} limits exceeded"
    return f"within budget: {total} limits met"


def render_markdown(checks: tuple[Check, ...]) -> str:
    """A GitHub job summary (`>> $GITHUB_STEP_SUMMARY`)."""
    ok = all(c.ok for c in checks)
    lines = [f"## mbcost check: {'✅' if ok else '❌'} {_verdict(checks)}", ""]
    rows = _rows(checks)
    for row in rows:
        row[-1] = "✅ ok" if row[-1] == "ok" else "❌ **over**"
    lines += markdown_table(HEADERS, rows)
    lines.append("")
    for c in checks:
        parts = [f"`{x.block}` (line {x.line}) {human(x.amount)} {LABELS[x.metric]}" for x in c.costliest]
        lines.append(f"- `{c.model}` ({c.file}): {c.macs:,} MACs, {c.params:,} params; costliest: " + ", ".join(parts))
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    # GitHub Actions workflow commands: % \r \n are escaped in the message ...
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # ... and , : as well in the properties (file, title).
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _message(c: Check, o: Outcome) -> str:
    x = c.costliest_for(o.limit.metric)
    return (
        f"{c.model} (alpha {c.width_multiplier:g}, resolution {c.resolution}) has {o.actual:,} {LABELS[o.limit.metric]} ({human(o.actual)}), "
        f"over the limit of {o.limit.limit:,} ({human(o.limit.limit)}) from {o.limit.source} by {o.excess:,} ({100 * o.used - 100:.1f}%); "
        f"the costliest block is {x.block} (line {x.line}, {human(x.amount)})"
    )


def render_github(checks: tuple[Check, ...]) -> str:
    """`::error file=SPEC,line=N,title=...::message` per exceeded limit, then one plain summary line."""
    lines = []
    for c in checks:
        for o in c.outcomes:
            if o.ok:
                continue
            title = f"mbcost: {LABELS[o.limit.metric]} over budget"
            lines.append(
                f"::error file={_escape_property(c.file)},line={o.limit.line},title={_escape_property(title)}::{_escape_data(_message(c, o))}"
            )
    lines.append(f"mbcost check: {_verdict(checks)}")
    return "\n".join(lines) + "\n"


def render_table(checks: tuple[Check, ...], console: Any) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title="mbcost check", box=box.SIMPLE_HEAD, title_style="bold")
    rows = _rows(checks)
    # narrow terminals lose alpha (1), resolution (2), the limit's source (7), then the model (0)
    keep = fit_columns(HEADERS, rows, console.width, [1, 2, 7, 0])
    for i in keep:
        table.add_column(HEADERS[i], justify="right" if 1 <= i <= 6 and i != 3 else "left", no_wrap=True)
    for row in rows:
        row[-1] = "[green]ok[/green]" if row[-1] == "ok" else "[bold red]OVER[/bold red]"
        table.add_row(*(row[i] for i in keep))
    console.print(table)
    for c in checks:
        parts = [f"{x.block} (line {x.line}) {human(x.amount)} {LABELS[x.metric]}" for x in c.costliest]
        console.print(f"{c.model}: costliest " + ", ".join(parts), highlight=False, markup=False)
    console.print(_verdict(checks), highlight=False)


RENDERERS = {"json": render_json, "markdown": render_markdown, "github": render_github}
