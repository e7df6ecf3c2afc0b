"""The `mbcost` command line. The only place that maps outcomes to exit codes:
0 success, 1 a finding (over budget, verification mismatch) after the full report, 2 bad input or usage."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import ExtraMissing, SpecError, TorchMissing, error_lines
from . import (
    analyze,
    bench,
    calibrate,
    check,
    compare,
    devices,
    export,
    import_,
    plot,
    report,
    ridge,
    schema,
    show,
    sweep,
    validate,
    verify,
)
from .output import Outcome, reader_left, stdout_can_draw

EXIT_OK, EXIT_FINDING, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it; the console script's entry (_entry.py) takes Ctrl-C
EXIT_CODES = {Outcome.OK: EXIT_OK, Outcome.FINDING: EXIT_FINDING, Outcome.BAD_INPUT: EXIT_BAD_INPUT}


class MbcostGroup(click.Group):
    """Runs a command and turns every usage or spec error into one line on stderr with exit code 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `mbcost` alone prints the help on stdout and exits 0, as `mbcost --help` does. Click 8.1 did
        # this itself; from 8.2 it raises NoArgsIsHelpError, a usage error, which would print the help
        # as one line on stderr below. Deciding here gives one behaviour for the whole click range.
        if not args and not ctx.resilient_parsing:
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(EXIT_OK)
        return super().parse_args(ctx, args)

    # Help text into a closed pipe (`mbcost --help | head -1`): click would exit 1; it is a success. A
    # command's report never gets here: its output path ends it with its own outcome (output.emit).
    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            reader_left()
            raise click.exceptions.Exit(EXIT_OK) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            reader_left()
            raise click.exceptions.Exit(EXIT_OK) from None

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not stdout_can_draw() and hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="replace")  # the reports print ASCII stand-ins; anything else, '?'
        try:
            outcome = super().main(args, prog_name or "mbcost", complete_var, standalone_mode=False, **extra)
            _flush_stdout()  # into a file, a full disk shows here, not in Python's exit
        except SpecError as error:
            for line in error_lines(error):  # one line, or one per error of the file (errors.SpecErrors)
                _say(line)
            sys.exit(EXIT_BAD_INPUT)
        except (TorchMissing, ExtraMissing) as error:
            _say(f"mbcost: error: {error}")
            sys.exit(EXIT_BAD_INPUT)
        except click.ClickException as error:
            _say(f"mbcost: error: {error.format_message()}".replace("\n", " "))
            sys.exit(EXIT_BAD_INPUT if error.exit_code == 2 else error.exit_code)
        except click.Abort:  # Ctrl-C: not a finding, so CI never reads it as "over budget"
            _say("mbcost: aborted")
            sys.exit(EXIT_INTERRUPTED)
        except OSError as error:  # stdout on a full disk (`> /dev/full`) or a failing device: no report
            reader_left()  # stdout pointed at nothing: Python's own flush at exit cannot fail again
            _say(f"mbcost: error: cannot write the report to stdout: {error.strerror or error}")
            sys.exit(EXIT_BAD_INPUT)
        if isinstance(outcome, Outcome):
            sys.exit(EXIT_CODES[outcome])
        sys.exit(outcome if isinstance(outcome, int) else EXIT_OK)  # --help, --version


def _flush_stdout() -> None:
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        reader_left()


def _say(line: str) -> None:
    """One line on stderr; when stderr cannot take it either (full, closed), there is nobody to tell."""
    try:
        click.echo(line, err=True)
    except (OSError, ValueError):
        pass


@click.group(cls=MbcostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mbcost", prog_name="mbcost")
def cli() -> None:
    """Exact MACs and parameters of MobileNet-style networks, from a YAML spec."""


for command in (
    analyze.analyze,
    analyze.list_specs,
    show.show,
    compare.compare,
    schema.schema,
    sweep.sweep,
    ridge.ridge,
    devices.devices,
    calibrate.calibrate,
    check.check,
    verify.verify,
    validate.validate,
    export.export,
    bench.bench,
    plot.plot,
    report.report,
    import_.import_spec,
):
    cli.add_command(command)


def main() -> None:
    """The command line, as the console script and `python -m mbcost` run it (through _entry.main)."""
    cli.main(prog_name="mbcost")
