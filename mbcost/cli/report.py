"""`mbcost report SPEC... -o report.html`: one self-contained HTML file to attach to a pull request or
keep as a CI artifact: totals, budget verdicts, tables and charts. Needs the `plot` extra (the charts)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import SpecError
from .options import (
    alpha_option,
    budget_options,
    complete_spec,
    depth_option,
    limit_options,
    resolution_option,
)
from .output import Outcome, write

SUFFIXES = (".html", ".htm")


@click.command(short_help="One HTML page with charts, to share (needs matplotlib).")
@click.argument("specs", metavar="SPEC...", nargs=-1, required=True, shell_complete=complete_spec)
@alpha_option
@resolution_option
@depth_option
@budget_options
@limit_options
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE.html",
              help="Write the report to FILE.html (atomically); without it, the HTML is printed.")
def report(
    specs: tuple[str, ...], alpha: float | None, resolution: int | None, depth: float | None, max_macs: int | None, max_params: int | None,
    max_memory: int | None, max_weight_bytes: int | None, fused: bool | None, dtype: str | None, output: Path | None,
) -> Outcome:
    """One HTML page for SPECs (YAML files or built-in names, SPEC@ALPHA,RESOLUTION as compare takes them):
    each spec's totals, budget verdict (the spec's `budget:` and the --max-* options, as `mbcost check`
    judges them), layer chart and tables; with several, a comparison stage by stage. The page needs no
    network to open. Exit 0 whatever the verdicts: `mbcost check` is the gate.

    \b
    Examples:
      mbcost report mobilenet_v2 -o report.html
      mbcost report my_net.yaml mobilenet_v3_large --max-macs 300M -o report.html
    """
    from .. import __version__
    from ..analysis import budget
    from ..analysis.compare import compare_all, parse_target
    from ..analysis.cost import analyze
    from ..graph import build_graph
    from ..plot import draw
    from ..plot import kind as chart_kind
    from ..report import summary
    from ..report.views import analysis as analysis_view
    from ..report.views import check as check_view
    from ..report.views import compare as compare_view
    from ..report.views.sweep import alpha_label
    from ..spec.load import load

    if output is not None and str(output) != "-" and output.suffix.lower() not in SUFFIXES:
        raise SpecError("the report is one HTML file: name it .html", file=str(output), field="--output")
    chart_kind("layers")  # no matplotlib: say so before any work
    targets = tuple(parse_target(s) for s in specs)
    entries = []
    for target in targets:
        spec = load(target.spec)
        judged = budget.effective(spec, fused=fused, dtype=dtype)
        result = analyze(build_graph(spec, target.width_multiplier or alpha, target.resolution or resolution, depth), judged.dtype or "fp32")
        limits = budget.gather_limits(spec, result, max_macs, max_params, max_memory=max_memory, fused=judged.fused,
                                      max_weight_bytes=max_weight_bytes)
        check = check_view.document((budget.check(spec, result, limits, judged.fused),)) if limits else None
        data = result.to_dict()
        g = result.graph
        label = f"{spec.model} (width {alpha_label(g.width_multiplier)}, {g.resolution} px)"
        svg = draw("layers", data, "svg").decode("utf-8")
        entries.append(summary.Entry(label, data, analysis_view.document(result), check, svg))
    comparison = chart = None
    if len(targets) > 1:
        comparisons = compare_all(targets, alpha, resolution, dtype or "fp32", depth)
        if len(comparisons) == 1:
            comparison, data = compare_view.document(comparisons[0]), compare_view.to_dict(comparisons[0])
        else:
            comparison, data = compare_view.leaderboard(comparisons), compare_view.leaderboard_dict(comparisons)
        chart = draw("compare", data, "svg").decode("utf-8")
    page = summary.render(entries, comparison, chart, generator=f"mbcost {__version__}")
    write(page, None if output is None or str(output) == "-" else output)
    return Outcome.OK
