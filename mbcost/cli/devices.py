"""`mbcost devices`: the built-in device profiles that `--device NAME` names."""

from __future__ import annotations

from pathlib import Path

import click

from .options import format_option, output_option
from .output import Outcome, emit


@click.command(short_help="The built-in device profiles for --device.")
@format_option("devices")
@output_option
def devices(fmt: str, output: Path | None) -> Outcome:
    """The built-in device profiles (configs/devices/*.yaml): peak MACs/s, bandwidth, their ridge point,
    the per-kernel overhead and where the numbers come from. A name works wherever --device is asked for;
    so does a YAML file of your own (`mbcost calibrate` fits one from measurements).

    \b
    Example:
      mbcost devices
      mbcost analyze mobilenet_v2 --device xeon-ort-cpu-1thread
    """
    from ..latency.profile import device_names, load_device
    from ..report.views import devices as view

    emit(view.document(tuple(load_device(name) for name in device_names())), fmt, output)
    return Outcome.OK
