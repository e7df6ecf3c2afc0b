"""`mbcost validate SPEC...`: check specs without computing a report."""

from __future__ import annotations

import click

from ..errors import error_lines
from .options import complete_spec
from .output import Outcome, write


@click.command(short_help="Check specs without computing a report.")
@click.argument("specs", metavar="SPEC...", nargs=-1, required=True, shell_complete=complete_spec)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing for valid specs.")
def validate(specs: tuple[str, ...], quiet: bool) -> Outcome:
    """Check SPEC files (or built-in names) without computing a report: exit 0 when all are valid,
    2 otherwise, with a `FILE:LINE:COL: field: message` line on stderr for each error of an invalid spec.

    \b
    Example:
      mbcost validate configs/*.yaml --quiet
    """
    from ..analysis.validate import validate_all

    outcomes = validate_all(list(specs))
    for outcome in outcomes:
        if outcome.error is not None:
            click.echo("\n".join(error_lines(outcome.error)), err=True)
    if not quiet:
        write("".join(f"{o.spec}: ok ({o.layers} graph nodes)\n" for o in outcomes if o.error is None), None)
    return Outcome.BAD_INPUT if any(o.error is not None for o in outcomes) else Outcome.OK
