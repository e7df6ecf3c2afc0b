"""`mbcost show NAME`: the YAML text of a built-in spec, to start a spec of one's own from a copy."""

from __future__ import annotations

import click

from .options import complete_spec
from .output import Outcome, write


@click.command(short_help="Print a built-in spec's YAML, to start from a copy.")
@click.argument("name", metavar="NAME", shell_complete=complete_spec)
def show(name: str) -> Outcome:
    """Print the YAML of the built-in spec NAME (see `mbcost list`), as shipped, comments included.

    \b
    Example:
      mbcost show mobilenet_v2 > my_net.yaml
      mbcost analyze my_net.yaml
    """
    from ..errors import SpecError, did_you_mean
    from ..spec.builtin import builtin_names, config_dir

    names = builtin_names()
    if name not in names:
        raise SpecError(f"not a built-in spec{did_you_mean(name, names)}; built-in: {', '.join(names)}", file=name)
    write((config_dir() / f"{name}.yaml").read_text(encoding="utf-8"), None)
    return Outcome.OK
