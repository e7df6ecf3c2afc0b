"""`mbcost calibrate MEASUREMENTS... -o device.yaml`: a device profile fitted to measured layer times."""

from __future__ import annotations

from pathlib import Path

import click

from .options import dtype_option, format_option
from .output import Outcome, emit


@click.command(short_help="Fit a device profile to measured layer times.")
@click.argument("measurements", metavar="MEASUREMENTS...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the fitted profile (YAML, atomically).")
@click.option("--holdout", type=click.Path(path_type=Path), multiple=True,
              help="A measurement file kept out of the fit, to report accuracy on (repeat for more).")
@click.option("--spec", "specs", multiple=True, metavar="SPEC[@ALPHA[,RESOLUTION]]",
              help="The network an ONNX Runtime profile or TFLite CSV measured: once for all of them, or once per such "
              "file in order (MEASUREMENTS, then --holdout). Bench reports name their own.")
@click.option("--name", default=None, help="The profile's name; default: the output file's stem.")
@dtype_option(help="Element type of ONNX Runtime and TFLite measurements (bench reports say theirs).")
@format_option("calibrate")
def calibrate(
    measurements: tuple[Path, ...], output: Path, holdout: tuple[Path, ...], specs: tuple[str, ...], name: str | None, dtype: str, fmt: str
) -> Outcome:
    """Fit a device profile (per op kind: peak MACs/s, bandwidth, overhead per kernel) to MEASUREMENTS, write it
    to --output, and print its accuracy on the --holdout files beside MACs alone: the share of predictions within
    +-10% and +-25%, the mean absolute percentage error and Spearman's rank correlation, per layer and per network.

    MEASUREMENTS are `mbcost bench --format json` reports, ONNX Runtime profiles (JSON; a node's layer is its
    name before the first '/') or TFLite benchmark_model per-op CSVs (a tensor's text before the first '/').

    \b
    Examples:
      mbcost calibrate v2-035.json v2-075.json v2-140.json --holdout v2-050.json -o my_cpu.yaml
      mbcost calibrate phone.csv --spec mobilenet_v2@1.0,224 -o my_phone.yaml
    """
    from ..errors import SpecError
    from ..files import write_atomically
    from ..latency import measurements as read
    from ..latency.calibrate import calibrate as fit
    from ..latency.fit import profile_yaml
    from ..report.views import calibrate as view

    files = [*measurements, *holdout]
    loaded = [(path, *read.read_file(path)) for path in files]  # each file read once
    unnamed = [path for path, kind, _, _ in loaded if kind != "bench"]
    if unnamed and not specs:
        raise SpecError("an ONNX Runtime profile or TFLite CSV does not say which network it measured: give --spec SPEC[@ALPHA,RES]",
                        file=str(unnamed[0]), field="--spec")
    if specs and len(specs) not in (1, len(unnamed)):
        raise click.UsageError(f"--spec given {len(specs)} times for {len(unnamed)} ONNX Runtime or TFLite files: give it once, or once per file")
    paired = dict(zip(unnamed, specs if len(specs) == len(unnamed) else specs * len(unnamed)))
    from ..analysis.compare import parse_target

    read_all = []
    for path, kind, text, data in loaded:
        if kind == "bench":
            read_all.append(read.read_bench(path, text, data))
            continue
        target = parse_target(paired[path])
        analysis = read.analysis_of(target.spec, target.width_multiplier, target.resolution, dtype)
        read_all.append(read.read_tflite(path, text, analysis) if kind == "tflite" else read.read_ort(path, text, data, analysis))
    training, held_out = read_all[: len(measurements)], read_all[len(measurements):]
    label = name or output.stem
    source = f"fitted by mbcost calibrate to {', '.join(m.label for m in training)} ({', '.join(str(p) for p in measurements)})"
    result = fit(training, held_out, label, source)
    write_atomically(output, profile_yaml(result.device), field="--output")
    emit(view.document(result), fmt, None)
    return Outcome.OK
