"""`mbcost compare A B [C...]`: two networks side by side, or several, each against the first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .options import (
    alpha_option,
    batch_option,
    complete_spec,
    depth_option,
    device_option,
    dtype_option,
    format_option,
    output_option,
    resolution_option,
    unit_option,
)
from .output import Outcome, emit


@click.command(short_help="Networks side by side, with B - A.")
@click.argument("specs", metavar="A B [C...]", nargs=-1, shell_complete=complete_spec)
@alpha_option
@resolution_option
@batch_option
@depth_option
@dtype_option
@unit_option
@device_option
@format_option("compare")
@output_option
def compare(
    specs: tuple[str, ...], alpha: float | None, resolution: Any, batch: int | None, depth: float | None, dtype: str, unit: str,
    device: str | None, fmt: str,
    output: Path | None,
) -> Outcome:
    """A and B side by side: totals, by op kind and stage by stage, with B - A. Each is a YAML file or a
    built-in name, optionally with settings: SPEC@ALPHA or SPEC@ALPHA,RESOLUTION (mobilenet_v2@0.75,160;
    a resolution may be HEIGHTxWIDTH, mobilenet_v2@1,512x1024). --alpha and --resolution apply to a side
    without its own settings, --depth and --batch to every side. With more than
    two, each
    against the first (A): a leaderboard of variants.

    \b
    Examples:
      mbcost compare mobilenet_v1 mobilenet_v2
      mbcost compare mobilenet_v2@0.5 mobilenet_v2@1.0,160
      mbcost compare mobilenet_v1@0.5 mobilenet_v2@0.75,192 --device xeon-ort-cpu-1thread
    """
    from ..analysis.compare import compare_all, parse_target
    from ..arch.counts import UNITS
    from ..report.units import relabel
    from ..report.views import compare as view

    profile = None
    if device is not None:
        from ..latency.profile import load_device

        profile = load_device(device)
    comparisons = compare_all(tuple(parse_target(s) for s in specs), alpha, resolution, dtype, depth, batch, UNITS[unit], profile)
    document = view.document(comparisons[0]) if len(comparisons) == 1 else view.leaderboard(comparisons)
    emit(relabel(document, UNITS[unit]), fmt, output)
    return Outcome.OK
