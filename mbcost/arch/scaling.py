"""Width multiplier (alpha) and depth (the repeats multiplier): the one place where channel counts and
repeats are scaled and rounded.

Each model names its rounding rules; each layer says whether alpha thins it (`scaling`), each spec row
whether depth deepens it (`depth_scaling`) and which stage it belongs to (`stage`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .. import limits
from ..fields import Int, Number

# The two settings of a run, declared once: the spec's fields, the command-line options, the compare
# syntax (SPEC@ALPHA,RESOLUTION) and sweep lists all convert through these.
WIDTH_MULTIPLIER = Number(maximum=limits.MAX_WIDTH_MULTIPLIER)  # alpha (v1 paper, Section 4.2)
RESOLUTION = Int(maximum=limits.MAX_RESOLUTION, limit_name="MAX_RESOLUTION")  # input height and width, pixels
# The repeats multiplier of EfficientNet's compound scaling (the paper's d; timm's `depth_multiplier`, a
# name TF-slim gives to channels, hence `depth` here).
DEPTH = Number(maximum=limits.MAX_DEPTH)


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
