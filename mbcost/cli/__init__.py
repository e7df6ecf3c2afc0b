"""The `mbcost` command line. The only place that maps outcomes to exit codes:
0 success, 1 a finding (over budget, verification mismatch) after the full report, 2 bad input or usage."""

from __future__ import annotations

import gc
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from ..errors import SpecError

EXIT_OK, EXIT_FINDING, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


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
        except click.Abort:  # Ctrl-C: not a finding, so CI never reads it as "over budget"
            click.echo("mbcost: aborted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


class WidthMultiplier(click.ParamType):
    name = "alpha"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        from ..arch.scaling import WIDTH_MULTIPLIER
        from ..fields import FieldError

        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        try:
            return WIDTH_MULTIPLIER.convert(number)
        except FieldError as error:
            self.fail(str(error), param, ctx)


class Resolution(click.ParamType):
    name = "pixels"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        from ..arch.scaling import RESOLUTION
        from ..fields import FieldError

        try:
            number = int(str(value), 10)
        except ValueError:
            self.fail(f"{value!r} is not a whole number of pixels", param, ctx)
        try:
            return RESOLUTION.convert(number)
        except FieldError as error:
            self.fail(str(error), param, ctx)


class Quantity(click.ParamType):
    """A positive count with an optional decimal unit: 300M, 3.5M, 512K, 1200000."""

    name = "count"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        from ..quantity import QuantityError, parse_quantity

        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return parse_quantity(str(value))
        except QuantityError as error:
            self.fail(str(error), param, ctx)


class Percent(click.ParamType):
    name = "percent"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from fractions import Fraction

        from ..quantity import QuantityError, parse_percent

        if isinstance(value, Fraction):
            return value
        try:
            return parse_percent(str(value))
        except QuantityError as error:
            self.fail(str(error), param, ctx)


class GridValues(click.ParamType):
    """A list of alphas or resolutions for `mbcost sweep`: `1,0.75,0.5` or ranges `0.25:1:0.05`."""

    name = "list"

    def __init__(self, integer: bool):
        self.integer = integer

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from ..analysis.sweep import parse_values
        from ..fields import FieldError

        if isinstance(value, tuple):
            return value
        try:
            return parse_values(str(value), integer=self.integer)
        except FieldError as error:
            self.fail(str(error), param, ctx)


ALPHA = WidthMultiplier()
RESOLUTION = Resolution()
QUANTITY = Quantity()
PERCENT = Percent()


def spec_argument(f: Any) -> Any:
    return click.argument("spec", metavar="SPEC")(f)


def alpha_option(f: Any) -> Any:
    return click.option(
        "--alpha", "--width-multiplier", "alpha", type=ALPHA, default=None, help="Width multiplier; overrides the spec's."
    )(f)


def resolution_option(f: Any) -> Any:
    return click.option("--resolution", type=RESOLUTION, default=None, help="Input size in pixels; overrides the spec's.")(f)


def dtype_option(f: Any = None, *, default: str | None = "fp32", help: str = "") -> Any:
    """`--dtype`: bytes per activation element for the memory figures (analyze, compare, check)."""
    from ..arch.counts import DTYPE_BYTES

    sizes = ", ".join(f"{k} {v} B" for k, v in DTYPE_BYTES.items())
    option = click.option(
        "--dtype",
        type=click.Choice(tuple(DTYPE_BYTES)),
        default=default,
        show_default=default is not None,
        help=help or f"Activation element type for memory figures: {sizes}.",
    )
    return option(f) if f is not None else option


def budget_options(f: Any) -> Any:
    f = click.option("--max-params", type=QUANTITY, default=None, help="Most params allowed (e.g. 3.5M); overrides the spec's budget.")(f)
    return click.option("--max-macs", type=QUANTITY, default=None, help="Most MACs allowed (e.g. 300M); overrides the spec's budget.")(f)


def output_option(f: Any) -> Any:
    return click.option(
        "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the report to FILE (atomically)."
    )(f)


def load(spec: str):
    """The Spec named on the command line: a file or a built-in name."""
    from ..spec.builtin import load as load_any

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
    """Print `text`, or write it to `output` atomically: a temporary file in the same folder, renamed over
    the target (with the target's permissions). A target that is not a regular file (a device, a pipe, a
    symlink) is written through instead: renaming over it would replace it."""
    if output is None:
        click.echo(text, nl=False)
        return
    folder = output.parent if str(output.parent) else Path(".")
    try:
        if not folder.is_dir():
            raise SpecError("the folder to write to does not exist", file=str(output), field="--output")
        if output.is_symlink() or (output.exists() and not output.is_file()):
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            return
        fd, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, stat.S_IMODE(output.stat().st_mode) if output.exists() else 0o666 & ~_umask())
            os.replace(temp, output)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError) as error:
        raise SpecError(f"cannot write: {getattr(error, 'strerror', None) or error}", file=str(output), field="--output") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
VIEWS = ("layer", "resolution")


@cli.command()
@spec_argument
@alpha_option
@resolution_option
@dtype_option
@click.option(
    "--by", "view", type=click.Choice(VIEWS), default="layer", show_default=True,
    help="layer: per-layer costs; resolution: the largest activation tensor per spatial size (v2 paper, Table 3).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@output_option
def analyze(spec: str, alpha: float | None, resolution: int | None, dtype: str, view: str, fmt: str, output: Path | None) -> int:
    """Per-layer MACs, parameters and activation memory of SPEC (a YAML file or a built-in name)."""
    from ..analysis.cost import analyze as run
    from ..graph import build_graph
    from ..report import analyze as report

    result = run(build_graph(load(spec), alpha, resolution), dtype)
    table, renderers = (
        (report.render_table, report.RENDERERS) if view == "layer" else (report.render_resolution_table, report.RESOLUTION_RENDERERS)
    )
    if fmt == "table":
        emit_rich(lambda c: table(result, c), output)
    else:
        write_output(renderers[fmt](result), output)
    return EXIT_OK


@cli.command(name="list")
def list_specs() -> int:
    """The built-in specs with their costs; a name works wherever a SPEC is asked for."""
    from rich.table import Table

    from ..analysis.cost import analyze as run
    from ..graph import build_graph
    from ..report.analyze import human
    from ..spec.builtin import builtin_names

    table = Table(title="built-in specs")
    for header in ("name", "description", "resolution", "MACs", "params"):
        table.add_column(header, justify="right" if header in ("MACs", "params", "resolution") else "left")
    for name in builtin_names():
        spec = load(name)
        result = run(build_graph(spec))
        table.add_row(name, spec.description, str(result.graph.resolution), human(result.total.macs), human(result.total.params))
    console().print(table)
    return EXIT_OK


@cli.command()
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@alpha_option
@resolution_option
@dtype_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@output_option
def compare(a: str, b: str, alpha: float | None, resolution: int | None, dtype: str, fmt: str, output: Path | None) -> int:
    """A and B side by side: totals, by op kind and stage by stage, with B - A. Each is a YAML file or a
    built-in name, optionally with settings: SPEC@ALPHA or SPEC@ALPHA,RESOLUTION (mobilenet_v2@0.75,160).
    --alpha and --resolution apply to a side without its own settings."""
    from ..analysis.compare import compare_targets, parse_target
    from ..report import compare as report_compare

    result = compare_targets(parse_target(a), parse_target(b), alpha, resolution, dtype)
    if fmt == "table":
        emit_rich(lambda c: report_compare.render_table(result, c), output)
    else:
        write_output(report_compare.RENDERERS[fmt](result), output)
    return EXIT_OK


@cli.command()
@output_option
def schema(output: Path | None) -> int:
    """Print the JSON Schema (draft 2020-12) of the spec, for editors and other tools."""
    from ..spec.schema import render_schema

    write_output(render_schema(), output)
    return EXIT_OK


@cli.command()
@spec_argument
@click.option("--alpha", "--width-multiplier", "alphas", type=GridValues(integer=False), default=None, metavar="LIST",
              help="Width multipliers: 1,0.75,0.5 or a range 0.25:1:0.05 (both ends included); default: the spec's.")
@click.option("--resolution", "resolutions", type=GridValues(integer=True), default=None, metavar="LIST",
              help="Input sizes: 224,192,160,128 or a range 96:224:32; default: the spec's.")
@budget_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@output_option
def sweep(spec: str, alphas: tuple | None, resolutions: tuple | None, max_macs: int | None, max_params: int | None, fmt: str, output: Path | None) -> int:
    """MACs and params of SPEC over a grid of width multipliers x resolutions (v1 paper, Tables 6-7);
    with budgets (options or the spec's `budget:`), which points fit and the largest that fits."""
    from ..analysis.budget import effective
    from ..analysis.sweep import sweep as run
    from ..report import sweep as report_sweep

    model = load(spec)
    alpha_values = alphas or (model.width_multiplier,)
    size_values = resolutions or (model.input.resolution,)
    limits = effective(model, max_macs=max_macs, max_params=max_params)
    result = run(model, alpha_values, size_values, limits.max_macs, limits.max_params)
    if fmt == "table":
        emit_rich(lambda c: report_sweep.render_table(result, c), output)
    else:
        write_output(report_sweep.RENDERERS[fmt](result), output)
    return EXIT_OK


CHECK_FORMATS = ("table", "json", "markdown", "github")


@cli.command()
@click.argument("specs", metavar="SPEC...", nargs=-1, required=True)
@alpha_option
@resolution_option
@budget_options
@click.option("--max-memory", type=QUANTITY, default=None, help="Most bytes of peak live activation memory (e.g. 2M); overrides the spec's budget.")
@click.option("--fused/--unfused", default=None, help="Gate memory on the fused-bottleneck peak (v2 paper, Section 5) or node by node  [default: the spec's budget.fused, else unfused]")
@dtype_option(default=None, help="Activation type for --max-memory  [default: the spec's budget.dtype, else fp32]")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None, help="A JSON report of `mbcost analyze --format json` to ratchet against.")
@click.option("--max-growth", type=PERCENT, default=None, help="Growth over --baseline allowed for MACs and params, e.g. 2%  [default: 0%]")
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="table", show_default=True)
@output_option
def check(
    specs: tuple[str, ...],
    alpha: float | None,
    resolution: int | None,
    max_macs: int | None,
    max_params: int | None,
    max_memory: int | None,
    fused: bool | None,
    dtype: str | None,
    baseline: Path | None,
    max_growth: Any,
    fmt: str,
    output: Path | None,
) -> int:
    """Fail (exit 1) when a SPEC is over its budget: the spec's `budget:` section, --max-macs/--max-params,
    or growth over a --baseline report. Exit 0 within budget, 2 bad input."""
    from fractions import Fraction

    from ..analysis import budget
    from ..analysis.cost import analyze as run
    from ..graph import build_graph
    from ..report import check as report_check

    if max_growth is not None and baseline is None:
        raise click.UsageError("--max-growth needs --baseline")
    if baseline is not None and len(specs) > 1:
        raise click.UsageError("--baseline applies to one SPEC; run one check per spec")
    base = budget.load_baseline(baseline) if baseline is not None else None
    checks = []
    for name in specs:  # everything is loaded and validated before anything is printed
        spec = load(name)
        memory_budget = budget.effective(spec, fused=fused, dtype=dtype)
        fuse = memory_budget.fused
        result = run(build_graph(spec, alpha, resolution), memory_budget.dtype or "fp32")
        limits = budget.gather_limits(
            spec, result, max_macs, max_params, base, max_growth or Fraction(0), max_memory=max_memory, fused=fuse
        )
        if not limits:
            raise SpecError(
                "nothing to check: no `budget:` section in the spec and none of --max-macs, --max-params, --max-memory, --baseline given",
                file=spec.file,
            )
        checks.append(budget.check(spec, result, limits, fuse))
    checks = tuple(checks)
    if fmt == "table":
        emit_rich(lambda c: report_check.render_table(checks, c), output)
    else:
        write_output(report_check.RENDERERS[fmt](checks), output)
    return EXIT_OK if all(c.ok for c in checks) else EXIT_FINDING


@cli.command()
@spec_argument
@alpha_option
@resolution_option
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
@output_option
def verify(spec: str, alpha: float | None, resolution: int | None, fmt: str, output: Path | None) -> int:
    """Prove SPEC's counts: build it as PyTorch modules (meta device, no memory) and compare every
    layer's measured params and MACs with the analytic ones. Exit 1 when anything differs."""
    from ..errors import TorchMissing
    from ..graph import build_graph
    from ..report import verify as verify_report

    graph = build_graph(load(spec), alpha, resolution)
    try:
        from ..pytorch.verify import verify as run
    except TorchMissing as error:
        click.echo(f"mbcost: error: {error}", err=True)
        return EXIT_BAD_INPUT
    result = run(graph)
    if fmt == "table":
        emit_rich(lambda c: verify_report.render_table(result, c), output)
    else:
        write_output(verify_report.RENDERERS[fmt](result), output)
    return EXIT_OK if result.ok else EXIT_FINDING


@cli.command()
@click.argument("specs", metavar="SPEC...", nargs=-1, required=True)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing for valid specs.")
def validate(specs: tuple[str, ...], quiet: bool) -> int:
    """Check SPEC files (or built-in names) without computing a report: exit 0 when all are valid,
    2 otherwise, with one `FILE:LINE:COL: field: message` line on stderr per invalid spec."""
    from ..analysis.validate import validate_all

    outcomes = validate_all(list(specs))
    for outcome in outcomes:
        if outcome.error is not None:
            click.echo(str(outcome.error), err=True)
        elif not quiet:
            click.echo(f"{outcome.spec}: ok ({outcome.layers} graph nodes)")
    return EXIT_BAD_INPUT if any(o.error is not None for o in outcomes) else EXIT_OK


def main() -> None:
    """The console script and `python -m mbcost`. The cyclic garbage collector stays off for the whole
    run: a large spec makes some 10^5 records that hold no cycles (gcpause.py), and the process ends
    with the command, so there is nothing for the collector to do but walk them, up to a fifth of the
    run. (Tests call `cli` in one long process, with the collector on.)"""
    gc.disable()
    cli.main(prog_name="mbcost")
