"""`mbcost analyze`: one network's costs, per layer or per spatial size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .options import (
    alpha_option,
    batch_option,
    depth_option,
    device_option,
    dtype_option,
    format_option,
    output_option,
    resolution_option,
    spec_argument,
    unit_option,
)
from .output import Outcome, console, emit, reader_left

VIEWS = ("layer", "resolution", "row", "stage")
SORTS = ("macs", "params", "memory", "weights", "latency")


@click.command(short_help="Per-layer MACs, params and activation memory.")
@spec_argument
@alpha_option
@resolution_option
@batch_option
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
              help="Order the layers largest first by MACs, params, output activation bytes (memory), weight bytes or "
              "estimated latency (with --device).")
@unit_option
@device_option
@format_option("analysis", "resolution")
@output_option
def analyze(
    spec: str, alpha: float | None, resolution: Any, batch: int | None, depth: float | None, dtype: str, view: str, top: int | None,
    sort: str | None, unit: str, device: str | None, fmt: str, output: Path | None,
) -> Outcome:
    """Per-layer MACs, parameters and activation memory of SPEC (a YAML file or a built-in name).

    \b
    Examples:
      mbcost analyze mobilenet_v2 --alpha 0.75
      mbcost analyze my_net.yaml --by row --top 10
      mbcost analyze mobilenet_v2 --resolution 512x1024 --batch 8
      mbcost analyze my_net.yaml -o layers.csv
      mbcost analyze mobilenet_v2 --device xeon-ort-cpu-1thread --sort latency --top 10
    """
    from ..analysis.cost import analyze as run
    from ..analysis.units import analysis_in
    from ..arch.counts import UNITS
    from ..graph import build_graph
    from ..report.units import relabel
    from ..report.views import analysis, rollup
    from ..report.views import resolution as by_resolution
    from ..spec.load import load

    if (top is not None or sort is not None) and view != "layer":
        raise click.UsageError("--top and --sort order the layers: use them with --by layer")
    if sort == "latency" and device is None:
        raise click.UsageError("--sort latency needs --device")
    if device is not None and view != "layer":
        raise click.UsageError("--device estimates each layer: use it with --by layer")
    profile = None
    if device is not None:
        from ..latency.profile import load_device

        profile = load_device(device)
    raw = run(build_graph(load(spec), alpha, resolution, depth, batch), dtype)
    latency = None
    if profile is not None:  # of the MACs as counted, before a FLOPs report doubles them
        from ..latency.roofline import of_analysis

        latency = of_analysis(raw, profile)
    result = analysis_in(raw, UNITS[unit])
    if view == "layer":
        document = analysis.document(result, top, sort, latency)
    elif view == "resolution":
        document = by_resolution.document(result)
    else:
        document = rollup.document(result, view)
    emit(relabel(document, UNITS[unit]), fmt, output)
    return Outcome.OK


@click.command(name="list", short_help="The built-in specs with their costs.")
def list_specs() -> Outcome:
    """The built-in specs with their costs; a name works wherever a SPEC is asked for.

    \b
    Example:
      mbcost list
      mbcost show mobilenet_v3_small > my_net.yaml
    """
    from ..analysis.cost import analyze as run
    from ..graph import build_graph
    from ..report.document import COUNT, INTEGER, Column, Table
    from ..report.formats.table import draw_tables
    from ..spec.builtin import builtin_names
    from ..spec.load import load

    columns = (Column("name"), Column("description", wrap=True), Column("resolution", INTEGER), Column("MACs", COUNT), Column("params", COUNT))
    rows = []
    for name in builtin_names():
        spec = load(name)
        result = run(build_graph(spec))
        rows.append((name, spec.description, result.graph.resolution, result.total.macs, result.total.params))
    try:  # a narrow terminal loses the description first, as an analyze table loses its optional columns
        draw_tables((Table("built-in specs", columns, tuple(rows), optional=(1,)),), console())
    except BrokenPipeError:
        reader_left()
    return Outcome.OK
