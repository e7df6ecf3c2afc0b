"""`mbcost import SOURCE -o SPEC`: a spec written from a PyTorch module or an ONNX file, and proved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .output import Outcome


class InputShape(click.ParamType):
    """CxHxW, e.g. 3x224x224 (square: mbcost's resolution is one number)."""

    name = "CxHxW"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[int, int, int]:
        from ..arch.scaling import RESOLUTION
        from ..fields import FieldError

        parts = str(value).lower().split("x")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            self.fail(f"{value!r} is not CxHxW, e.g. 3x224x224", param, ctx)
        c, h, w = (int(p) for p in parts)
        if h != w:
            self.fail(f"{value!r} is not square: mbcost's input resolution is one number", param, ctx)
        if c < 1:
            self.fail(f"{value!r} has no channels", param, ctx)
        try:
            RESOLUTION.convert(h)
        except FieldError as error:
            self.fail(str(error), param, ctx)
        return c, h, w


@click.command("import", short_help="A spec from a PyTorch module or ONNX file, proved.")
@click.argument("source")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The spec file to write (atomically).")
@click.option("--input", "input_shape", type=InputShape(), default=None, help="The input as CxHxW, e.g. 3x224x224: needed for a PyTorch module and an ONNX file with dynamic sizes.")
def import_spec(source: str, output: Path, input_shape: tuple[int, int, int] | None) -> Outcome:
    """Write the spec of SOURCE to --output, then prove it: analyze the spec and compare its params and
    MACs with the source's, layer by layer (exit 1 on any difference). SOURCE is a PyTorch factory,
    FILE.py:FACTORY or package.module:FACTORY (a callable returning an nn.Module, traced with torch.fx, no
    forward pass of real data), or an ONNX file (read with onnx). A part with no block in mbcost's
    vocabulary is named, exit 2, and nothing is written.

    \b
    Examples:
      mbcost import mynet.py:build --input 3x224x224 -o mynet.yaml
      mbcost import model.onnx -o model.yaml
    """
    from ..files import write_atomically
    from ..importer.run import import_source

    imported = import_source(source, input_shape, str(output))
    write_atomically(output, imported.text, "--output")
    result = imported.check
    if result.ok:
        click.echo(f"wrote {output}: {result.params:,} params and {result.macs:,} MACs, equal to the source's layer by layer")
        return Outcome.OK
    click.echo(f"wrote {output}, but its counts differ from the source's:")
    click.echo(f"  total: params {result.params:,} (source {result.source_params:,}), MACs {result.macs:,} (source {result.source_macs:,})")
    for d in result.differences:
        click.echo(f"  {d.layer} <- {d.source}: {d.count} {d.spec:,} in the spec, {d.measured:,} in the source")
    return Outcome.FINDING
