"""`mbcost analyze`: one network's costs, per layer or per spatial size."""

from __future__ import annotations

from pathlib import Path

import click

from .options import alpha_option, dtype_option, format_option, output_option, resolution_option, spec_argument
from .output import Outcome, console, emit

VIEWS = ("layer", "resolution")


@click.command()
@spec_argument
@alpha_option
@resolution_option
@dtype_option
@click.option(
    "--by", "view", type=click.Choice(VIEWS), default="layer", show_default=True,
    help="layer: per-layer costs; resolution: the largest activation tensor per spatial size (v2 paper, Table 3).",
)
@format_option("analysis", "resolution")
@output_option
def analyze(spec: str, alpha: float | None, resolution: int | None, dtype: str, view: str, fmt: str, output: Path | None) -> Outcome:
    """Per-layer MACs, parameters and activation memory of SPEC (a YAML file or a built-in name)."""
    from ..analysis.cost import analyze as run
    from ..graph import build_graph
    from ..report.views import analysis
    from ..report.views import resolution as by_resolution
    from ..spec.builtin import load

    result = run(build_graph(load(spec), alpha, resolution), dtype)
    emit((analysis if view == "layer" else by_resolution).document(result), fmt, output)
    return Outcome.OK


@click.command(name="list")
def list_specs() -> Outcome:
    """The built-in specs with their costs; a name works wherever a SPEC is asked for."""
    from rich.table import Table

    from ..analysis.cost import analyze as run
    from ..graph import build_graph
    from ..report.numbers import human
    from ..spec.builtin import builtin_names, load

    table = Table(title="built-in specs")
    for header in ("name", "description", "resolution", "MACs", "params"):
        table.add_column(header, justify="right" if header in ("MACs", "params", "resolution") else "left")
    for name in builtin_names():
        spec = load(name)
        result = run(build_graph(spec))
        table.add_row(name, spec.description, str(result.graph.resolution), human(result.total.macs), human(result.total.params))
    console().print(table)
    return Outcome.OK
