"""`mbcost schema`: the spec's JSON Schema."""

from __future__ import annotations

from pathlib import Path

import click

from .options import output_option
from .output import Outcome, write


@click.command(short_help="The spec's JSON Schema, for editors.")
@output_option
def schema(output: Path | None) -> Outcome:
    """Print the JSON Schema (draft 2020-12) of the spec, for editors and other tools.

    \b
    Example:
      mbcost schema -o mbcost.schema.json
    """
    from ..spec.schema import render_schema

    write(render_schema(), output)
    return Outcome.OK
