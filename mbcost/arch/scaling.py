"""Width multiplier (alpha) and depth (the repeats multiplier): the one place where channel counts and
repeats are scaled and rounded; and the input's size (`Resolution`, height x width, each side held to
RESOLUTION) and batch, the settings that decide the shapes and how many images one inference runs.

Each model names its rounding rules; each layer says whether alpha thins it (`scaling`), each spec row
whether depth deepens it (`depth_scaling`) and which stage it belongs to (`stage`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .. import limits
from ..fields import FieldError, Int, Number

# The settings of a run, declared once: the spec's fields, the command-line options, the compare
# syntax (SPEC@ALPHA,RESOLUTION), sweep lists and the Python API all convert through these.
WIDTH_MULTIPLIER = Number(maximum=limits.MAX_WIDTH_MULTIPLIER)  # alpha (v1 paper, Section 4.2)
RESOLUTION = Int(maximum=limits.MAX_RESOLUTION, limit_name="MAX_RESOLUTION")  # one side of the input, pixels
# Images in one inference: MACs, other ops and activation memory scale with it, params and weights do not.
BATCH = Int(maximum=limits.MAX_BATCH, limit_name="MAX_BATCH")
# The repeats multiplier of EfficientNet's compound scaling (the paper's d; timm's `depth_multiplier`, a
# name TF-slim gives to channels, hence `depth` here).
DEPTH = Number(maximum=limits.MAX_DEPTH)


@dataclass(frozen=True, slots=True, eq=False)
class Resolution:
    """The input's height x width in pixels, each side held to RESOLUTION. A square input is written and
    reported as one number (224), and equals that number (`graph.resolution == 224`, as when a resolution
    was an int); any other is HEIGHTxWIDTH (512x1024), height first as in [C, H, W]."""

    height: int
    width: int

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Resolution):
            return self.height == other.height and self.width == other.width
        if isinstance(other, int) and not isinstance(other, bool):
            return self.height == self.width == other
        return NotImplemented

    def __hash__(self) -> int:  # equal objects hash equal: a square one as its side
        return hash(self.height) if self.height == self.width else hash((self.height, self.width))

    @property
    def square(self) -> bool:
        return self.height == self.width

    def __str__(self) -> str:
        return str(self.height) if self.square else f"{self.height}x{self.width}"

    def as_json(self) -> int | list[int]:
        """A square input as one integer (224), any other as [height, width]."""
        return self.height if self.square else [self.height, self.width]

    @classmethod
    def of(cls, value: object) -> Resolution:
        """From what a caller holds: a Resolution, one side (224), (height, width), or text '224' or
        '512x1024'. Raises FieldError saying what is wrong."""
        if isinstance(value, Resolution):
            return value
        if isinstance(value, str):
            return parse_resolution(value)
        if isinstance(value, (tuple, list)):
            if len(value) != 2:
                raise FieldError(f"expected (height, width), got {len(value)} values")
            return cls(RESOLUTION.convert(value[0]), RESOLUTION.convert(value[1]))
        side = RESOLUTION.convert(value)
        return cls(side, side)


def parse_resolution(text: str) -> Resolution:
    """`224` (square) or `HEIGHTxWIDTH` (`512x1024`), each side a whole number of pixels in RESOLUTION's
    range. Raises FieldError naming the side that is wrong."""
    parts = text.strip().lower().split("x")
    if len(parts) > 2:
        raise FieldError(f"expected PIXELS or HEIGHTxWIDTH (e.g. 224 or 512x1024), got {text!r}")
    sides = []
    for name, part in zip(("height ", "width ") if len(parts) == 2 else ("",), parts):
        if not part.isascii() or not part.isdigit():
            what = f"{name}is {'nothing' if not part else repr(part)}" if name else repr(text)
            raise FieldError(f"{what}: expected a whole number of pixels, PIXELS or HEIGHTxWIDTH (e.g. 224 or 512x1024)")
        if len(part) > 30:  # far past MAX_RESOLUTION, and int() of a long digit string is not free
            raise FieldError(f"{name}{part[:12]}... is far above the limit of {limits.MAX_RESOLUTION} (MAX_RESOLUTION)")
        try:
            sides.append(RESOLUTION.convert(int(part)))
        except FieldError as error:
            raise FieldError(f"{name}{error}") from None
    return Resolution(sides[0], sides[-1])


def truncate(value: float, divisor: int = 8) -> int:
    """MobileNetV1 as TF-slim: `max(int(c * alpha), 8)`."""
    return max(int(value), divisor)


def make_divisible(value: float, divisor: int = 8) -> int:
    """MobileNetV2/V3 as TF-slim, torchvision and timm: nearest multiple of `divisor`, at least
    `divisor`, and never more than 10% below `value`."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


ROUNDING: dict[str, Callable[[float, int], int]] = {
    "truncate": truncate,
    "make_divisible": make_divisible,
}

# How a layer responds to alpha. "full": c * alpha; "none": c whatever alpha is;
# "grow_only": c * max(1, alpha), as MobileNetV2's last 1x1 conv (1280 channels).
SCALING_MODES = ("full", "none", "grow_only")


def scale_channels(channels: int, alpha: float, rounding: str, divisor: int, mode: str) -> int:
    """The channel count a layer declared with `channels` gets at width multiplier `alpha`."""
    if mode == "none":
        return channels
    factor = max(1.0, alpha) if mode == "grow_only" else alpha
    return ROUNDING[rounding](channels * factor, divisor)


@dataclass(frozen=True)
class WidthPolicy:
    """The width multiplier bound to a model's rounding rule, made once per expansion and handed to
    every block (as timm binds `round_chs_fn`)."""

    multiplier: float
    rounding: str = "make_divisible"
    divisor: int = 8

    def channels(self, declared: int, mode: str = "full") -> int:
        return scale_channels(declared, self.multiplier, self.rounding, self.divisor, mode)


def expand_channels(in_channels: int, expansion: float, rounding: str = "round", divisor: int = 8) -> int:
    """Bottleneck expansion width of the already-scaled input: `round(in * t)` (torchvision's MobileNetV2;
    MNASNet's `in * t`, an integer) or `make_divisible(in * t, divisor)` (timm's `InvertedResidual`)."""
    return EXPANSION_ROUNDING[rounding](in_channels * expansion, divisor)


EXPANSION_ROUNDING: dict[str, Callable[[float, int], int]] = {
    "round": lambda value, divisor: int(round(value)),
    "make_divisible": make_divisible,
}

# How a stage's scaled total of repeats rounds: timm's `_scale_stage_depth` depth_trunc ("ceil", the
# EfficientNet default; "round", at least 1). torchvision's EfficientNet ceil()s row by row, the same for
# one-row stages.
DEPTH_ROUNDING: dict[str, Callable[[float], int]] = {
    "ceil": math.ceil,
    "round": lambda value: max(1, round(value)),
}


def scale_stage_depth(repeats: list[int], depth: float, rounding: str = "ceil") -> list[int]:
    """A stage's rows' repeats at `depth`, as timm's `_scale_stage_depth`: the stage's total is scaled and
    rounded, then handed out from the last row back to the first, each `max(1, round(r / remaining *
    remaining_scaled))` (Python's round, half to even), so the last rows absorb the growth."""
    remaining = sum(repeats)
    remaining_scaled = DEPTH_ROUNDING[rounding](remaining * depth)
    scaled = []
    for r in reversed(repeats):
        share = max(1, round(r / remaining * remaining_scaled))
        scaled.append(share)
        remaining -= r
        remaining_scaled -= share
    return scaled[::-1]


# How a squeeze-and-excitation width `channels * ratio` rounds, by the implementation that does it so.
SQUEEZE_ROUNDING: dict[str, Callable[[float, int], int]] = {
    # torchvision mobilenetv3.py: `_make_divisible(expanded // 4, 8)`, floor first (v3 paper, Section 5.3)
    "floor_make_divisible": lambda value, divisor: make_divisible(int(value), divisor),
    # timm `make_divisible(chs * rd_ratio, divisor)`: timm's MobileNetV3 and GhostNet
    "make_divisible": make_divisible,
    # timm `_efficientnet_blocks.SqueezeExcite` default `round(chs * rd_ratio)`: EfficientNet, MixNet, MnasNet
    "round": lambda value, divisor: max(1, round(value)),
    # torchvision efficientnet.py: `max(1, input_channels // 4)`
    "floor": lambda value, divisor: max(1, int(value)),
}


def squeeze_width(channels: int, ratio: float, rounding: str, divisor: int) -> int:
    """The squeeze width of squeeze-and-excitation on `channels` at `ratio` (1/4 in the papers)."""
    return SQUEEZE_ROUNDING[rounding](channels * ratio, divisor)


def output_size(size: int, stride: int) -> int:
    """'same' padding: the output is ceil(input / stride)."""
    return math.ceil(size / stride)
