"""The `mbcost` command line. The only place that maps outcomes to exit codes:
0 success, 1 a finding (over budget, verification mismatch) after the full report, 2 bad input or usage."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from .errors import SpecError

EXIT_OK, EXIT_FINDING, EXIT_BAD_INPUT = 0, 1, 2


class MbcostGroup(click.Group):
    """Runs a command and turns every usage or spec error into one line on stderr with exit code 2."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            code = super().main(args, prog_name or "mbcost", complete_var, standalone_mode=False, **extra)
        except SpecError as error:
            click.echo(str(error), err=True)
            sys.exit(EXIT_BAD_INPUT)
        except click.ClickException as error:
            click.echo(f"mbcost: error: {error.format_message()}".replace("\n", " "), err=True)
            sys.exit(EXIT_BAD_INPUT if error.exit_code == 2 else error.exit_code)
        except click.Abort:
            click.echo("mbcost: aborted", err=True)
            sys.exit(EXIT_FINDING)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


class WidthMultiplier(click.ParamType):
    name = "alpha"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        from .graph import check_width_multiplier
        from .fieldtypes import FieldError

        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        try:
            return check_width_multiplier(number)
        except FieldError as error:
            self.fail(str(error), param, ctx)


class Resolution(click.ParamType):
    name = "pixels"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        from .graph import check_resolution
        from .fieldtypes import FieldError

        try:
            number = int(str(value), 10)
        except ValueError:
            self.fail(f"{value!r} is not a whole number of pixels", param, ctx)
        try:
            return check_resolution(number)
        except FieldError as error:
            self.fail(str(error), param, ctx)


ALPHA = WidthMultiplier()
RESOLUTION = Resolution()


def spec_argument(f: Any) -> Any:
    return click.argument("spec", metavar="SPEC")(f)


def alpha_option(f: Any) -> Any:
    return click.option(
        "--alpha", "--width-multiplier", "alpha", type=ALPHA, default=None, help="Width multiplier; overrides the spec's."
    )(f)


def resolution_option(f: Any) -> Any:
    return click.option("--resolution", type=RESOLUTION, default=None, help="Input size in pixels; overrides the spec's.")(f)


def output_option(f: Any) -> Any:
    return click.option(
        "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the report to FILE (atomically)."
    )(f)


def load(spec: str):
    """The Spec named on the command line: a file or a built-in name."""
    from . import load as load_any

    return load_any(spec)


def console(file: Any = None) -> Any:
    from rich.console import Console

    if file is not None:
        return Console(file=file, width=140, no_color=True, highlight=False)
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=140)
    return out


def write_output(text: str, output: Path | None) -> None:
    """Print `text`, or write it to `output` atomically: a temporary file in the same folder, renamed."""
    if output is None:
        click.echo(text, nl=False)
        return
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise SpecError("the folder to write to does not exist", file=str(output), field="--output")
    fd, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, output)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def emit_rich(render: Any, output: Path | None) -> None:
    """Run `render(console)` to the terminal, or to `output` as plain text."""
    if output is None:
        render(console())
        return
    import io

    buffer = io.StringIO()
    render(console(buffer))
    write_output(buffer.getvalue(), output)


@click.group(cls=MbcostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mbcost", prog_name="mbcost")
def cli() -> None:
    """Exact MACs and parameters of MobileNet-style networks, from a YAML spec."""


FORMATS = ("table", "json", "csv", "markdown")


@cli.command()
@spec_argument
@alpha_option
@resolution_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@output_option
def analyze(spec: str, alpha: float | None, resolution: int | None, fmt: str, output: Path | None) -> int:
    """Per-layer MACs and parameters of SPEC (a YAML file or a built-in name)."""
    from . import report
    from .cost import analyze as run
    from .graph import build_graph

    result = run(build_graph(load(spec), alpha, resolution))
    if fmt == "table":
        emit_rich(lambda c: report.render_table(result, c), output)
    else:
        write_output(report.RENDERERS[fmt](result), output)
    return EXIT_OK


@cli.command(name="list")
def list_specs() -> int:
    """The built-in specs, usable by name (e.g. `mbcost analyze mobilenet_v2`)."""
    from rich.table import Table

    from . import analyze_spec
    from .builtin import builtin_names
    from .report import human

    table = Table(title="built-in specs")
    for header in ("name", "description", "resolution", "MACs", "params"):
        table.add_column(header, justify="right" if header in ("MACs", "params", "resolution") else "left")
    for name in builtin_names():
        result = analyze_spec(name)
        spec_description = load(name).description
        table.add_row(name, spec_description, str(result.graph.resolution), human(result.total.macs), human(result.total.params))
    console().print(table)
    return EXIT_OK


@cli.command()
@output_option
def schema(output: Path | None) -> int:
    """Print the JSON Schema (draft 2020-12) of the spec, for editors and other tools."""
    from .schema import render_schema

    write_output(render_schema(), output)
    return EXIT_OK


@cli.command()
@click.argument("specs", metavar="SPEC...", nargs=-1, required=True)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing for valid specs.")
def validate(specs: tuple[str, ...], quiet: bool) -> int:
    """Check SPEC files (or built-in names) without computing a report: exit 0 when all are valid,
    2 otherwise, with one `FILE:LINE:COL: field: message` line on stderr per invalid spec."""
    from .validate import validate_all

    outcomes = validate_all(list(specs))
    for outcome in outcomes:
        if outcome.error is not None:
            click.echo(str(outcome.error), err=True)
        elif not quiet:
            click.echo(f"{outcome.spec}: ok ({outcome.layers} graph nodes)")
    return EXIT_BAD_INPUT if any(o.error is not None for o in outcomes) else EXIT_OK


def main() -> None:
    cli.main(prog_name="mbcost")
