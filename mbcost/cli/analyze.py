"""`mbcost analyze`: one network's costs, per layer or per spatial size."""

from __future__ import annotations

from pathlib import Path

import click

from .options import (
    alpha_option,
    depth_option,
    dtype_option,
    format_option,
    output_option,
    resolution_option,
    spec_argument,
)
from .output import Outcome, console, emit

VIEWS = ("layer", "resolution", "row", "stage")
SORTS = ("macs", "params", "memory", "weights")


@click.command()
@spec_argument
@alpha_option
@resolution_option
@depth_option
@dtype_option
@click.option(
    "--by", "view", type=click.Choice(VIEWS), default="layer", show_default=True,
    help="layer: per-layer costs; resolution: the largest activation tensor per spatial size (v2 paper, Table 3); "
    "row: per spec row as written (repeats summed); stage: per spatial size.",
)
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="N",
              help="Show the N costliest layers (by --sort, default MACs); the JSON keeps every layer.")
@click.option("--sort", type=click.Choice(SORTS), default=None,
              help="Order the layers largest first by MACs, params, output activation bytes (memory) or weight bytes.")
@format_option("analysis", "resolution")
@output_option
def analyze(
    spec: str, alpha: float | None, resolution: int | None, depth: float | None, dtype: str, view: str, top: int | None, sort: str | None,
    fmt: str, output: Path | None,
) -> Outcome:
    """Per-layer MACs, parameters and activation memory of SPEC (a YAML file or a built-in name)."""
    from ..analysis.cost import analyze as run
    from ..graph import build_graph
    from ..report.views import analysis, rollup
    from ..report.views import resolution as by_resolution
    from ..spec.builtin import load

    if (top is not None or sort is not None) and view != "layer":
        raise click.UsageError("--top and --sort order the layers: use them with --by layer")
    result = run(build_graph(load(spec), alpha, resolution, depth), dtype)
    if view == "layer":
        document = analysis.document(result, top, sort)
    elif view == "resolution":
        document = by_resolution.document(result)
    else:
        document = rollup.document(result, view)
    emit(document, fmt, output)
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
