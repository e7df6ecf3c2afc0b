"""`mbcost check SPEC...`: budgets as a CI gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import SpecError, error_lines
from .options import (
    PERCENT,
    alpha_option,
    batch_option,
    budget_options,
    complete_spec,
    depth_option,
    device_option,
    format_option,
    limit_options,
    max_latency_option,
    output_option,
    resolution_option,
    unit_option,
)
from .output import Outcome, emit


@click.command(short_help="Exit 1 when a spec is over its budget (a CI gate).")
@click.argument("specs", metavar="SPEC...", nargs=-1, required=True, shell_complete=complete_spec)
@alpha_option
@resolution_option
@batch_option
@depth_option
@budget_options
@limit_options
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None, help="A JSON report of `mbcost analyze --format json` to ratchet against.")
@click.option("--max-growth", type=PERCENT, default=None, help="Growth over --baseline allowed for MACs and params, e.g. 2%  [default: 0%]")
@unit_option
@device_option
@max_latency_option
@format_option("check")
@output_option
def check(
    specs: tuple[str, ...],
    alpha: float | None,
    resolution: Any,
    batch: int | None,
    depth: float | None,
    max_macs: int | None,
    max_params: int | None,
    max_memory: int | None,
    fused: bool | None,
    max_weight_bytes: int | None,
    dtype: str | None,
    baseline: Path | None,
    max_growth: Any,
    unit: str,
    device: str | None,
    max_latency: Any,
    fmt: str,
    output: Path | None,
) -> Outcome:
    """Fail (exit 1) when a SPEC is over its budget: the spec's `budget:` section, --max-macs/--max-params/
    --max-memory/--max-weight-bytes/--max-latency (on --device), or growth over a --baseline report. Exit 0 within budget, 2 bad input.
    With several SPECs, every one is checked and reported, and the exit code is the worst of theirs.

    \b
    Examples:
      mbcost check mobilenet_v2 --max-macs 300M --max-params 3.5M
      mbcost check configs/*.yaml --format github
      mbcost check my_net.yaml --baseline base.json --max-growth 2%
      mbcost check mobilenet_v2 --device xeon-ort-cpu-1thread --max-latency 5ms
    """
    from fractions import Fraction

    from ..analysis import budget
    from ..analysis.cost import analyze as run
    from ..analysis.units import check_in
    from ..arch.counts import UNITS
    from ..graph import build_graph
    from ..report.units import relabel
    from ..report.views import check as view
    from ..spec.load import load

    if max_growth is not None and baseline is None:
        raise click.UsageError("--max-growth needs --baseline")
    if baseline is not None and len(specs) > 1:
        raise click.UsageError("--baseline applies to one SPEC; run one check per spec")
    base = budget.load_baseline(baseline) if baseline is not None else None
    profile = None
    if device is not None:
        from ..latency.profile import load_device

        profile = load_device(device)
    checks, errors = [], []
    for name in specs:  # every spec is checked, whatever the others gave; nothing is printed before
        try:
            spec = load(name)
            memory_budget = budget.effective(spec, fused=fused, dtype=dtype)
            fuse = memory_budget.fused
            result = run(build_graph(spec, alpha, resolution, depth, batch), memory_budget.dtype or "fp32")
            latency = None
            if profile is not None:
                from ..latency.roofline import of_analysis

                latency = of_analysis(result, profile)
            limits = budget.gather_limits(
                spec, result, max_macs, max_params, base, max_growth or Fraction(0), max_memory=max_memory, fused=fuse,
                max_weight_bytes=max_weight_bytes, max_latency=max_latency, latency=latency,
            )
            if not limits:
                raise SpecError(
                    "nothing to check: no `budget:` section in the spec and none of --max-macs, --max-params, --max-memory, "
                    "--max-weight-bytes, --max-latency, --baseline given",
                    file=spec.file,
                )
        except SpecError as error:
            if len(specs) == 1:
                raise
            errors.append(error)
            continue
        checks.append(budget.check(spec, result, limits, fuse, latency))
    for error in errors:  # each error on its line, then the report of the specs that could be checked
        click.echo("\n".join(error_lines(error)), err=True)
    if checks:
        emit(relabel(view.document(tuple(check_in(c, UNITS[unit]) for c in checks)), UNITS[unit]), fmt, output)
    # The worst outcome of all: bad input over a finding over a pass.
    if errors:
        return Outcome.BAD_INPUT
    return Outcome.OK if all(c.ok for c in checks) else Outcome.FINDING
