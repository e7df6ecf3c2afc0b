"""`mbcost plot KIND`: a chart of a spec, or of a JSON report mbcost wrote (a sweep, an analysis with or
without a device, a comparison, a bench report), as an SVG, PNG or PDF file. Needs the `plot` extra."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import SpecError
from .options import (
    GridValues,
    budget_options,
    complete_spec,
    depth_option,
    limit_options,
)
from .output import Outcome

# The options that say how to cost a SPEC; a report given with --from is drawn as it is.
COSTING = ("alphas", "resolutions", "depth", "dtype", "max_macs", "max_params", "max_memory", "max_weight_bytes", "fused")
KIND_HELP = (
    "sweep: the width x resolution grid, MACs against params (or latency), budgets drawn, the best fit starred; "
    "heatmap: the grid as cells of one --metric; layers: per-layer MACs, params, activation memory (and latency); "
    "compare: two or more specs stage by stage; roofline: each layer under a device's roof (a report made with --device); ridge: `mbcost ridge` JSON."
)


def _complete_kind(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    from ..plot import KINDS

    return [CompletionItem(name) for name in KINDS if name.startswith(incomplete)]


@click.command(short_help="Charts as SVG, PNG or PDF (needs matplotlib).")
@click.argument("kind", metavar="KIND", shell_complete=_complete_kind)
@click.argument("specs", metavar="[SPEC...]", nargs=-1, shell_complete=complete_spec)
@click.option("--from", "report", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="REPORT.json",
              help="Draw a JSON report mbcost wrote (analyze, sweep, compare, or a bench report) instead of costing a SPEC.")
@click.option("--alpha", "--width-multiplier", "alphas", type=GridValues(integer=False), default=None, metavar="LIST",
              help="Width multiplier (sweep, heatmap: a list or range, 0.35:1.4:0.05); overrides the spec's.")
@click.option("--resolution", "resolutions", type=GridValues(integer=True), default=None, metavar="LIST",
              help="Input size in pixels (sweep, heatmap: a list or range, 96:224:32); overrides the spec's.")
@depth_option
@limit_options
@budget_options
@click.option("--metric", default=None, help="heatmap: macs (default; flops in a --unit flops report), params, memory_bytes, weight_bytes or latency_s.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="FILE",
              help="The chart file: .svg, .png or .pdf (written atomically).")
def plot(
    kind: str, specs: tuple[str, ...], report: Path | None, alphas: tuple | None, resolutions: tuple | None, depth: float | None,
    dtype: str | None, max_macs: int | None, max_params: int | None, max_memory: int | None, max_weight_bytes: int | None,
    fused: bool | None, metric: str | None, output: Path,
) -> Outcome:
    """Draw a chart of KIND from SPEC (a YAML file or a built-in name; compare takes two or more,
    SPEC@ALPHA,RESOLUTION as compare does) or from a JSON report (--from). KIND is one of sweep, heatmap,
    layers, compare, roofline, ridge (from the JSON of `mbcost ridge`).

    \b
    Examples:
      mbcost plot sweep mobilenet_v2 --alpha 0.35:1.4:0.05 --resolution 96:224:32 --max-macs 300M -o sweep.svg
      mbcost plot heatmap mobilenet_v2 --alpha 0.5,0.75,1 --resolution 128:224:32 --metric params -o grid.png
      mbcost plot layers mobilenet_v3_large -o layers.pdf
      mbcost plot compare mobilenet_v2 mobilenet_v3_large efficientnet_b0 -o stages.svg
      mbcost plot roofline --from analysis-with-device.json -o roofline.svg
    """
    from ..files import write_atomically
    from ..plot import draw, file_format
    from ..plot import kind as chart_kind

    fmt = file_format(output)
    chart_kind(kind)  # an unknown kind, or no matplotlib: before any work
    if metric is not None and kind != "heatmap":
        raise click.UsageError("--metric chooses the heatmap's metric: use it with `mbcost plot heatmap`")
    options = {"metric": metric} if metric is not None else {}
    if report is not None:
        ctx = click.get_current_context()
        given = [name for name in COSTING if ctx.params.get(name) is not None]
        if specs or given:
            raise click.UsageError("--from draws a report as it was written; give SPECs and costing options, or --from, not both")
        data, source = _read_report(report), str(report)
    else:
        data, source = _cost(kind, specs, alphas, resolutions, depth, dtype, max_macs, max_params, max_memory, max_weight_bytes, fused), ""
    write_atomically(output, draw(kind, data, fmt, source, **options), field="--output")
    return Outcome.OK


def _read_report(path: Path) -> Any:
    from ..limits import MAX_REPORT_BYTES
    from ..spec.reader import read_text

    text = read_text(path, MAX_REPORT_BYTES, "MAX_REPORT_BYTES")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(f"not JSON ({error.msg}); expected a JSON report mbcost wrote", file=str(path), line=error.lineno, col=error.colno, field="--from") from None
    except (ValueError, RecursionError):
        raise SpecError("not a JSON report mbcost wrote (a number too long, or nested too deeply)", file=str(path), field="--from") from None


def _one(values: tuple | None, option: str, kind: str) -> Any:
    if values is not None and len(values) > 1:
        raise click.UsageError(f"{option} takes one value for `mbcost plot {kind}` (lists are for sweep and heatmap)")
    return values[0] if values else None


def _cost(kind: str, specs: tuple[str, ...], alphas: tuple | None, resolutions: tuple | None, depth: float | None, dtype: str | None,
          max_macs: int | None, max_params: int | None, max_memory: int | None, max_weight_bytes: int | None, fused: bool | None) -> Any:
    """The JSON dict of the report KIND draws, costed from SPECs as the command that writes it would."""
    if kind == "ridge":
        raise click.UsageError("`mbcost plot ridge` draws a ridge report: mbcost ridge SPEC... --device D --format json -o r.json, then --from r.json")
    if not specs:
        raise click.UsageError(f"`mbcost plot {kind}` needs a SPEC, or a report with --from")
    budgeted = any(v is not None for v in (max_macs, max_params, max_memory, max_weight_bytes, fused))
    if kind in ("sweep", "heatmap"):
        if len(specs) > 1:
            raise click.UsageError(f"`mbcost plot {kind}` draws one SPEC's grid; got {len(specs)}")
        from ..analysis.budget import effective
        from ..analysis.sweep import sweep
        from ..report.views.sweep import to_dict
        from ..spec.load import load

        model = load(specs[0])
        limits = effective(model, max_macs=max_macs, max_params=max_params, max_memory=max_memory,
                           max_weight_bytes=max_weight_bytes, fused=fused, dtype=dtype)
        # A heat map of memory or weight bytes needs them in every point, budget or not: measured with no limit.
        return to_dict(sweep(model, alphas or (model.width_multiplier,), resolutions or (model.input.size,),
                             limits.max_macs, limits.max_params, limits.max_memory, limits.max_weight_bytes,
                             limits.dtype or "fp32", limits.fused, depth=depth))
    if budgeted:
        raise click.UsageError(f"budgets are drawn by `mbcost plot sweep` and `heatmap`, not by `{kind}`")
    alpha, resolution = _one(alphas, "--alpha", kind), _one(resolutions, "--resolution", kind)
    if kind == "compare":
        from ..analysis.compare import compare_all, parse_target
        from ..report.views.compare import leaderboard_dict, to_dict

        if len(specs) < 2:
            raise SpecError(f"a compare chart needs two or more specs; got one ({specs[0]})", field="plot compare")
        comparisons = compare_all(tuple(parse_target(s) for s in specs), alpha, resolution, dtype or "fp32", depth)
        return to_dict(comparisons[0]) if len(comparisons) == 1 else leaderboard_dict(comparisons)
    if len(specs) > 1:
        raise click.UsageError(f"`mbcost plot {kind}` draws one SPEC; got {len(specs)} (compare draws several)")
    from ..analysis.cost import analyze
    from ..graph import build_graph
    from ..spec.load import load

    return analyze(build_graph(load(specs[0]), alpha, resolution, depth), dtype or "fp32").to_dict()
