"""`mbcost export SPEC -o model.onnx`: the network as an ONNX model (runtime/export.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import alpha_option, depth_option, resolution_option, spec_argument
from .output import Outcome

if TYPE_CHECKING:
    from ..spec.records import Spec


@click.command(short_help="Write the network as an ONNX model (needs onnx).")
@spec_argument
@alpha_option
@resolution_option
@depth_option
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the generated weights.")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .onnx file to write (atomically)."
)
def export(spec: str, alpha: float | None, resolution: int | None, depth: float | None, seed: int, output: Path) -> Outcome:
    """Write SPEC as an ONNX model (opset 17, fp32) with deterministic weights from --seed: one node per
    layer, named as mbcost names it (`blocks.3.expand`, its activation `blocks.3.expand/act`), batch
    norm folded into the conv weights and bias. Input `input` [1, 3, H, W], output `output`; the model's
    metadata records the spec, width multiplier and resolution. Needs onnx (pip install '.[onnx]'), not torch.

    \b
    Example:
      mbcost export mobilenet_v2 --alpha 0.5 --resolution 160 -o mnv2.onnx
    """
    from ..files import write_atomically
    from ..graph import build_graph
    from ..runtime import imports
    from ..spec.load import load

    imports.onnx()  # ExtraMissing before any work
    from ..runtime.export import OPSET
    from ..runtime.export import export as run

    model = load(spec)
    graph = build_graph(model, alpha, resolution, depth)
    exported = run(graph, spec_text(model), seed)
    write_atomically(output, exported.model.SerializeToString(), field="--output")
    params = sum(_size(t.dims) for t in exported.model.graph.initializer)
    click.echo(f"wrote {output}: {len(exported.model.graph.node)} nodes, {params:,} parameters (batch norm folded), opset {OPSET}")
    return Outcome.OK


def _size(dims: list[int]) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


def spec_text(spec: Spec) -> str:
    """The YAML text of a loaded spec (a file or a built-in's), for the model's metadata."""
    return Path(spec.file).read_text(encoding="utf-8")
