"""What a chart reads from a report's JSON, checked: a report of the wrong kind, or without the keys a
chart needs (latency without a device), is bad input in one line, never a KeyError."""

from __future__ import annotations

from typing import Any

from ..errors import SpecError

# What each report is recognised by, and the command that writes it.
WRITERS = {
    "sweep": "mbcost sweep SPEC --format json",
    "analysis": "mbcost analyze SPEC --format json",
    "compare": "mbcost compare A B --format json",
}


def expect(data: Any, report: str, key: str) -> None:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise SpecError(f"not a report this chart draws: expected the JSON of `{WRITERS[report]}` (with a {key!r} list)")


def has_all(rows: list[dict], key: str) -> bool:
    """Every row carries a number under `key` (latency keys are all there or not at all)."""
    return bool(rows) and all(isinstance(row.get(key), (int, float)) and not isinstance(row.get(key), bool) for row in rows)


def number(row: dict, key: str) -> float:
    value = row.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise SpecError(f"{key!r} is not a number in {row.get('name', row)!r}")
    return value


def work(data: dict) -> tuple[str, str]:
    """The key and the axis name of the work a report counts: MACs, or FLOPs (2 per MAC) in a report
    written with `--unit flops`, whose keys say flops (`flops`, `max_flops`)."""
    return ("flops", "FLOPs") if isinstance(data, dict) and data.get("unit") == "flops" else ("macs", "MACs")


def size_text(resolution: Any) -> str:
    """A report's resolution as it reads: 224, or 160x224 for a non-square input ([height, width])."""
    if isinstance(resolution, list) and len(resolution) == 2:
        return f"{resolution[0]}x{resolution[1]}"
    return str(resolution)


def pixels(resolution: Any) -> int:
    """How many pixels a resolution holds, to order sizes by."""
    return resolution[0] * resolution[1] if isinstance(resolution, list) else resolution * resolution
