"""`mbcost ridge SPEC...`: which design wins on which class of hardware, as a device's ridge point grows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .options import complete_spec, depth_option, dtype_option, format_option, output_option
from .output import Outcome, emit


class Ridges(click.ParamType):
    name = "list"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from ..fields import FieldError
        from ..latency.ridge import parse_ridges

        if isinstance(value, tuple):
            return value
        try:
            return parse_ridges(str(value))
        except FieldError as error:
            self.fail(str(error), param, ctx)


@click.command(short_help="Latency of specs as a device's ridge point goes 0..500.")
@click.argument("specs", metavar="SPEC...", nargs=-1, required=True, shell_complete=complete_spec)
@click.option("--device", required=True, metavar="NAME|FILE", help="The device whose peak MACs/s is kept (`mbcost devices`).")
@click.option("--ridge", "ridges", type=Ridges(), default=None, metavar="LIST",
              help="Ridge points in MACs per byte: 0,50,100 or a range 0:500:25 (the default).")
@depth_option
@dtype_option
@format_option("ridge")
@output_option
def ridge(specs: tuple[str, ...], device: str, ridges: tuple | None, depth: float | None, dtype: str, fmt: str, output: Path | None) -> Outcome:
    """Latency of each SPEC (SPEC@ALPHA or SPEC@ALPHA,RESOLUTION as `mbcost compare` takes them) as the
    device's ridge point, peak / bandwidth in MACs per byte, goes from 0 to 500 at the device's peak
    (MobileNetV4 paper, Section 3). At ridge 0 the ranking is the MAC ranking; at large ridges, memory traffic's.

    \b
    Examples:
      mbcost ridge mobilenet_v1@0.5 mobilenet_v2@0.75,192 mobilenet_v3_large --device xeon-ort-cpu-1thread
      mbcost ridge mobilenet_v2 mobilenetv4_conv_small --device my_phone.yaml --ridge 0:200:10
    """
    from ..analysis.compare import labels, parse_target
    from ..analysis.cost import analyze as run
    from ..graph import build_graph
    from ..latency import ridge as sweep
    from ..latency.profile import load_device
    from ..latency.roofline import of_analysis
    from ..report.views import ridge as view
    from ..spec.load import load

    profile = load_device(device)
    results = []
    for text in specs:
        target = parse_target(text)
        spec = load(target.spec)
        results.append((spec, run(build_graph(spec, target.width_multiplier, target.resolution, depth), dtype)))
    names = labels(*((s.model, s.file, a.graph.width_multiplier, a.graph.resolution) for s, a in results))
    networks = tuple(
        sweep.network(name, a.graph.model, a.graph.width_multiplier, a.graph.resolution, of_analysis(a, profile))
        for name, (_, a) in zip(names, results)
    )
    result = sweep.RidgeSweep(profile.name, profile.roof.peak_macs_per_s, dtype, ridges or sweep.DEFAULT_RIDGES, networks)
    emit(view.document(result), fmt, output)
    return Outcome.OK
