"""`mbcost sweep SPEC`: costs over a grid of width multipliers x resolutions."""

from __future__ import annotations

from pathlib import Path

import click

from .options import (
    GridValues,
    batch_option,
    budget_options,
    depth_option,
    device_option,
    format_option,
    limit_options,
    max_latency_option,
    output_option,
    spec_argument,
    unit_option,
)
from .output import Outcome, emit
from .progress import Progress


@click.command(short_help="Costs over a grid of width x resolution.")
@spec_argument
@click.option("--alpha", "--width-multiplier", "alphas", type=GridValues(integer=False), default=None, metavar="LIST",
              help="Width multipliers: 1,0.75,0.5 or a range 0.25:1:0.05 (both ends included); default: the spec's.")
@click.option("--resolution", "resolutions", type=GridValues(integer=True), default=None, metavar="LIST",
              help="Input sizes: 224,192,160,128, a range 96:224:32, or HEIGHTxWIDTH values (224,512x1024); default: the spec's.")
@batch_option
@depth_option
@budget_options
@limit_options
@unit_option
@device_option
@max_latency_option
@format_option("sweep")
@output_option
def sweep(
    spec: str,
    alphas: tuple | None,
    resolutions: tuple | None,
    batch: int | None,
    depth: float | None,
    max_macs: int | None,
    max_params: int | None,
    max_memory: int | None,
    max_weight_bytes: int | None,
    fused: bool | None,
    dtype: str | None,
    unit: str,
    device: str | None,
    max_latency,
    fmt: str,
    output: Path | None,
) -> Outcome:
    """MACs and params of SPEC over a grid of width multipliers x resolutions (v1 paper, Tables 6-7);
    with budgets (options or the spec's `budget:`), which points meet every limit `mbcost check` applies
    (MACs, params, activation memory, weight bytes; latency on --device) and the largest that does.

    \b
    Examples:
      mbcost sweep mobilenet_v1 --alpha 1,0.75,0.5,0.25 --resolution 128:224:32
      mbcost sweep mobilenet_v2 --alpha 0.35:1.4:0.05 --max-macs 200M
      mbcost sweep mobilenet_v2 --alpha 0.35:1.4:0.05 --device xeon-ort-cpu-1thread --max-latency 5ms
    """
    from ..analysis.budget import effective, require_device
    from ..analysis.sweep import sweep as run
    from ..analysis.units import sweep_in
    from ..arch.counts import UNITS
    from ..report.units import relabel
    from ..report.views import sweep as view
    from ..spec.load import load

    model = load(spec)
    alpha_values = alphas or (model.width_multiplier,)
    size_values = resolutions or (model.input.size,)
    limits = effective(model, max_macs=max_macs, max_params=max_params, max_memory=max_memory,
                       max_weight_bytes=max_weight_bytes, fused=fused, dtype=dtype, max_latency=max_latency)
    profile = None
    if device is not None:
        from ..latency.profile import load_device

        profile = load_device(device)
    require_device(model, max_latency, profile is not None)
    with Progress(len(alpha_values) * len(size_values), "sweep") as progress:
        result = run(model, alpha_values, size_values, limits.max_macs, limits.max_params, limits.max_memory,
                     limits.max_weight_bytes, limits.dtype or "fp32", limits.fused, on_point=progress.advance, depth=depth,
                     batch=batch or 1, device=profile, max_latency=limits.max_latency)
    emit(relabel(view.document(sweep_in(result, UNITS[unit])), UNITS[unit]), fmt, output)
    return Outcome.OK
