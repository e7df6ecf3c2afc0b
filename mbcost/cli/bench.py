"""`mbcost bench SPEC`: measured time per layer with ONNX Runtime (runtime/bench.py)."""

from __future__ import annotations

from pathlib import Path

import click

from .options import (
    alpha_option,
    depth_option,
    device_option,
    format_option,
    output_option,
    resolution_option,
    spec_argument,
)
from .output import Outcome, emit
from .progress import Progress


@click.command(short_help="Time each layer in ONNX Runtime (needs onnx).")
@spec_argument
@alpha_option
@resolution_option
@depth_option
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True, help="ONNX Runtime's intra- and inter-op threads.")
@click.option("--runs", type=click.IntRange(min=1), default=20, show_default=True, help="Measured runs: per layer, the minimum and median.")
@click.option("--warmup", type=click.IntRange(min=0), default=5, show_default=True, help="Runs before the measured ones, not counted.")
@click.option(
    "--optimization", type=click.Choice(("all", "extended", "basic", "disabled")), default="all", show_default=True,
    help="ONNX Runtime's graph optimisation level; all is its default (on x86 with the NCHWc layout).",
)
@device_option
@format_option("bench")
@output_option
def bench(
    spec: str, alpha: float | None, resolution: int | None, depth: float | None, threads: int, runs: int, warmup: int, optimization: str,
    device: str | None, fmt: str, output: Path | None,
) -> Outcome:
    """Measure SPEC on this machine: export it to ONNX (as `mbcost export`), run it with ONNX Runtime on
    the CPU with its default graph optimisations, and read each node's kernel time from ORT's profiler.
    Every profiled node is joined to the mbcost layer it computes (a fused conv + activation to the conv);
    a layer that runs inside another layer's kernel (a residual add fused into its conv) shows 0 and names
    that layer. Per layer the minimum and median over --runs, beside its MACs; the whole network's time
    from as many unprofiled runs. `--format json` writes the analysis JSON with the measured times.

    \b
    Example:
      mbcost bench mobilenet_v2 --alpha 0.5 --runs 50 --format json -o mnv2.json
      mbcost bench mobilenet_v2 --device xeon-ort-cpu-1thread   # beside the roofline estimate
    """
    from ..analysis.cost import analyze
    from ..errors import SpecError
    from ..graph import build_graph
    from ..report.views import bench as view
    from ..runtime import imports
    from ..spec.load import load
    from .export import spec_text

    imports.onnxruntime(), imports.onnx()  # ExtraMissing before any work
    from ..runtime.bench import bench as run
    from ..runtime.join import JoinError

    profile = None
    if device is not None:  # a bad profile fails before any measuring
        from ..latency.profile import load_device

        profile = load_device(device)
    model = load(spec)
    graph = build_graph(model, alpha, resolution, depth)
    with Progress(2 * (warmup + runs), "bench") as progress:
        try:
            measurement = run(graph, threads, runs, warmup, progress.advance, spec_text(model), optimization)
        except JoinError as error:
            raise SpecError(str(error), file=model.file, field="bench") from None
    analysis = analyze(graph)
    latency, data = None, None
    if profile is not None:  # the roofline's estimate beside the measurement, its keys in the JSON
        from ..latency.data import with_latency
        from ..latency.roofline import of_analysis

        latency = of_analysis(analysis, profile)
        layers = analysis.layers
        data = with_latency(analysis.to_dict(), latency, [x.node.op.kind for x in layers], [x.node.block for x in layers])
    emit(view.document(analysis, measurement, spec, data, latency), fmt, output)
    return Outcome.OK
