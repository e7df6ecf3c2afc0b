"""`mbcost compare A B`: two networks side by side."""

from __future__ import annotations

from pathlib import Path

import click

from .options import alpha_option, dtype_option, format_option, output_option, resolution_option
from .output import Outcome, emit


@click.command()
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@alpha_option
@resolution_option
@dtype_option
@format_option("compare")
@output_option
def compare(a: str, b: str, alpha: float | None, resolution: int | None, dtype: str, fmt: str, output: Path | None) -> Outcome:
    """A and B side by side: totals, by op kind and stage by stage, with B - A. Each is a YAML file or a
    built-in name, optionally with settings: SPEC@ALPHA or SPEC@ALPHA,RESOLUTION (mobilenet_v2@0.75,160).
    --alpha and --resolution apply to a side without its own settings."""
    from ..analysis.compare import compare_targets, parse_target
    from ..report.views import compare as view

    emit(view.document(compare_targets(parse_target(a), parse_target(b), alpha, resolution, dtype)), fmt, output)
    return Outcome.OK
