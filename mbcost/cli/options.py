"""What the commands share on their command lines: the parameter types (a width multiplier, a
resolution, a count like 300M, a percentage, a list of grid values) and the options built on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..report.formats import names


class Multiplier(click.ParamType):
    """A multiplier held to the spec's own field type (scaling.py): alpha (WIDTH_MULTIPLIER) or depth (DEPTH)."""

    def __init__(self, name: str, field: str):
        self.name = name
        self.field = field

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        from ..arch import scaling
        from ..fields import FieldError

        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        try:
            return getattr(scaling, self.field).convert(number)
        except FieldError as error:
            self.fail(str(error), param, ctx)


class Resolution(click.ParamType):
    """An input size: PIXELS (a square, 224) or HEIGHTxWIDTH (512x1024)."""

    name = "pixels"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from ..arch.scaling import Resolution, parse_resolution
        from ..fields import FieldError

        if isinstance(value, Resolution):
            return value
        try:
            return parse_resolution(str(value))
        except FieldError as error:
            self.fail(str(error), param, ctx)


class Batch(click.ParamType):
    """Images per inference, held to the spec's own field type (scaling.BATCH)."""

    name = "images"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        from ..arch.scaling import BATCH
        from ..fields import FieldError

        text = str(value).strip()
        digits = text[1:] if text.startswith("-") else text
        if not digits.isascii() or not digits.isdigit():
            self.fail(f"{value!r} is not a whole number of images", param, ctx)
        if len(text) > 30:
            self.fail(f"{text[:12]}... is far above the limit of {BATCH.maximum} ({BATCH.limit_name})", param, ctx)
        try:
            return BATCH.convert(int(text))
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


ALPHA = Multiplier("alpha", "WIDTH_MULTIPLIER")
DEPTH = Multiplier("depth", "DEPTH")
RESOLUTION = Resolution()
BATCH = Batch()
QUANTITY = Quantity()
PERCENT = Percent()


def complete_spec(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    """Shell completion of a SPEC: the built-in names that start with what was typed, and files."""
    from click.shell_completion import CompletionItem

    from ..spec.builtin import builtin_names

    names = [CompletionItem(name) for name in builtin_names() if name.startswith(incomplete)]
    return [*names, CompletionItem(incomplete, type="file")]


def spec_argument(f: Any) -> Any:
    return click.argument("spec", metavar="SPEC", shell_complete=complete_spec)(f)


def alpha_option(f: Any) -> Any:
    return click.option(
        "--alpha", "--width-multiplier", "alpha", type=ALPHA, default=None, help="Width multiplier; overrides the spec's."
    )(f)


def depth_option(f: Any) -> Any:
    return click.option(
        "--depth", type=DEPTH, default=None,
        help="Depth d: multiplies each stage's repeats (EfficientNet), rounded by the spec's depth_rounding; overrides the spec's depth.",
    )(f)


def resolution_option(f: Any) -> Any:
    return click.option(
        "--resolution", type=RESOLUTION, default=None, help="Input size in pixels, 224 or HEIGHTxWIDTH (512x1024); overrides the spec's."
    )(f)


def batch_option(f: Any) -> Any:
    return click.option(
        "--batch", type=BATCH, default=None, metavar="N",
        help="Images per inference: multiplies MACs, other ops and activation memory, not params or weight bytes  [default: 1]",
    )(f)


def unit_option(f: Any) -> Any:
    """`--unit`: count multiply-accumulates (MACs) or FLOPs (2 per MAC), as papers and other tools report them."""
    from ..arch.counts import UNITS

    return click.option(
        "--unit", type=click.Choice(tuple(UNITS)), default="macs", show_default=True,
        help="Report MACs, or FLOPs (2 per MAC, as papers and FlopCounterMode count them); limits are still given in MACs.",
    )(f)


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


def format_option(*kinds: str) -> Any:
    """`--format`: the formats that can show every one of `kinds` of report (report/formats)."""
    choices = names(*kinds)
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True)


def limit_options(f: Any) -> Any:
    """The limits beyond MACs and params that check, sweep, report and plot judge by, and the element type
    and peak they are judged at; each overrides the spec's budget field of the same name."""
    f = dtype_option(f, default=None, help="Element type for --max-memory and --max-weight-bytes  [default: the spec's budget.dtype, else fp32]")
    f = click.option(
        "--fused/--unfused", default=None,
        help="Judge memory by the fused-bottleneck peak (v2 paper, Section 5) or node by node  [default: the spec's budget.fused, else unfused]",
    )(f)
    f = click.option("--max-weight-bytes", type=QUANTITY, default=None,
                     help="Most bytes of stored weights at --dtype, batch norm folded (e.g. 4M); overrides the spec's budget.")(f)
    return click.option("--max-memory", type=QUANTITY, default=None,
                        help="Most bytes of peak live activation memory (e.g. 2M); overrides the spec's budget.")(f)
def device_option(f: Any) -> Any:
    """`--device`: a device profile, which adds the roofline latency estimate (mbcost/latency)."""
    return click.option(
        "--device", default=None, metavar="NAME|FILE",
        help="A device profile: a built-in name (`mbcost devices` lists them) or a YAML file; adds the roofline latency estimate.",
    )(f)


class Duration(click.ParamType):
    """A duration with a unit: 5ms, 250us, 0.5s."""

    name = "duration"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from fractions import Fraction

        from ..quantity import QuantityError, parse_seconds

        if isinstance(value, Fraction):
            return value
        try:
            return parse_seconds(str(value))
        except QuantityError as error:
            self.fail(str(error), param, ctx)


DURATION = Duration()


def max_latency_option(f: Any) -> Any:
    return click.option(
        "--max-latency", type=DURATION, default=None,
        help="Most estimated latency on --device (e.g. 5ms); overrides the spec's budget.",
    )(f)
