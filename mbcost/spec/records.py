"""The spec's records: a YAML file that reads like a paper's architecture table, as frozen records.

Every record field declares its type with `spec_field` (fields.py); `parse.py` reads any record
generically, and `schema.py` describes each as JSON Schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .. import limits
from ..arch.blocks import Block, SqueezeExcitation
from ..arch.counts import DTYPE_BYTES
from ..arch.ops import ACTIVATION, NORM, PADDING
from ..arch.scaling import (
    DEPTH,
    DEPTH_ROUNDING,
    EXPANSION_ROUNDING,
    RESOLUTION,
    ROUNDING,
    SCALING_MODES,
    WIDTH_MULTIPLIER,
    Resolution,
)
from ..fields import Bool, Choice, Duration, Int, Layers, Number, Quantity, Record, Text, spec_field


@dataclass(frozen=True, kw_only=True)
class Input:
    channels: int = spec_field(Int(maximum=limits.MAX_CHANNELS, limit_name="MAX_CHANNELS"), 3, "image channels")
    resolution: int | None = spec_field(
        RESOLUTION, None, "input height and width in pixels (a square input); or give height and width"
    )
    height: int | None = spec_field(RESOLUTION, None, "input height in pixels, with width (e.g. 512 for a 512x1024 input)")
    width: int | None = spec_field(RESOLUTION, None, "input width in pixels, with height")

    # The ways to give the size, exactly one of them in full (parse.py checks, schema.py describes).
    forms = (("resolution",), ("height", "width"))

    @property
    def size(self) -> Resolution:
        """The input's height x width."""
        if self.resolution is not None:
            return Resolution(self.resolution, self.resolution)
        return Resolution(self.height, self.width)


@dataclass(frozen=True, kw_only=True)
class Defaults:
    norm: str = spec_field(NORM, "batch", "normalization after every conv")
    activation: str = spec_field(ACTIVATION, "relu", "activation after every conv")
    se: SqueezeExcitation = spec_field(
        Record(SqueezeExcitation), SqueezeExcitation(), "the squeeze-and-excitation a block's `se: true` means"
    )
    padding: str = spec_field(
        PADDING, "symmetric", "how the PyTorch build pads convs: symmetric (K // 2, PyTorch) or same (TensorFlow's "
        "'SAME': the odd pixel at the bottom and right); the counts do not change"
    )
    expansion_rounding: str = spec_field(
        Choice(lambda: tuple(EXPANSION_ROUNDING), "expansion rounding"), "round",
        "how a bottleneck's in * t rounds: round (torchvision) or make_divisible by the spec's divisor (timm)",
    )


@dataclass(frozen=True, kw_only=True)
class Classifier:
    dropout: float = spec_field(Number(0.0, 1.0, inclusive_min=True), 0.0, "dropout before the output linear layer")
    hidden: int | None = spec_field(
        Int(maximum=limits.MAX_CHANNELS, limit_name="MAX_CHANNELS"),
        None,
        "width of a hidden linear layer with bias before the output (MobileNetV3: 1280 / 1024), before the width multiplier",
    )
    hidden_activation: str | None = spec_field(
        ACTIVATION, None, "activation after the hidden layer; default: the model's"
    )
    hidden_scaling: str = spec_field(
        Choice(lambda: SCALING_MODES, "scaling"), "full", "how the width multiplier applies to hidden: full, none, grow_only"
    )
    hidden_norm: str = spec_field(
        NORM, "none", "batch: the hidden layer has no bias and a batch norm before its activation (MobileNetV4's "
        "1x1 conv + BN + ReLU after the pool, timm head_norm)"
    )
    line: int = 0
    col: int = 0


@dataclass(frozen=True, kw_only=True)
class Budget:
    """Limits kept next to the model, enforced by `mbcost check` (and marked by `mbcost sweep`)."""

    max_macs: int | None = spec_field(Quantity(), None, "most multiply-accumulates allowed, e.g. 300M")
    max_params: int | None = spec_field(Quantity(), None, "most parameters allowed, e.g. 3.5M")
    max_memory: int | None = spec_field(Quantity(), None, "most bytes of live activation memory allowed, e.g. 2M")
    dtype: str | None = spec_field(Choice(lambda: tuple(DTYPE_BYTES), "dtype"), None, "element type of max_memory and max_weight_bytes")
    fused: bool = spec_field(Bool(), False, "gate memory on the fused-bottleneck peak (v2 paper, Section 5)")
    max_weight_bytes: int | None = spec_field(
        Quantity(), None, "most bytes of stored weights allowed at `dtype`, batch norm folded, e.g. 4M"
    )
    max_latency: Fraction | None = spec_field(
        Duration(), None, "most estimated latency allowed on the device given with --device (roofline), e.g. 5ms"
    )
    line: int = 0
    col: int = 0
    field_lines: tuple[tuple[str, int], ...] = ()  # (field, line) of each limit, for CI annotations

    def line_of(self, field: str) -> int:
        return dict(self.field_lines).get(field, self.line)


@dataclass(frozen=True, kw_only=True)
class Preset:
    """A named setting of another spec, e.g. EfficientNet-B3 = EfficientNet-B0 at width 1.2, depth 1.4 and 300 px
    (a file of its own beside the spec it scales, with `preset:` naming that spec)."""

    preset: str = spec_field(Text(), doc="the spec it sets: a built-in name, or a path relative to this file")
    description: str | None = spec_field(Text(), None, "free text; default: the spec's")
    width_multiplier: float | None = spec_field(WIDTH_MULTIPLIER, None, "alpha; default: the spec's")
    depth: float | None = spec_field(DEPTH, None, "d, the repeats multiplier; default: the spec's")
    resolution: int | None = spec_field(RESOLUTION, None, "input height and width in pixels; default: the spec's")


@dataclass(frozen=True, kw_only=True)
class Spec:
    """A whole model, as written; `graph.build_graph` applies alpha, depth and resolution."""

    description: str = spec_field(Text(), "", "free text, e.g. the paper and table the spec follows")
    input: Input = spec_field(Record(Input), doc="input image")
    classes: int = spec_field(Int(maximum=limits.MAX_CLASSES, limit_name="MAX_CLASSES"), doc="classifier outputs")
    width_multiplier: float = spec_field(
        WIDTH_MULTIPLIER, 1.0, "alpha: thins every layer whose scaling allows it"
    )
    rounding: str = spec_field(
        Choice(lambda: tuple(ROUNDING), "rounding rule"), "make_divisible", "how scaled channels round"
    )
    divisor: int = spec_field(Int(maximum=1024), 8, "channel rounding granularity and minimum")
    depth: float = spec_field(
        DEPTH, 1.0, "d: multiplies each stage's total repeats (EfficientNet's compound scaling, timm's _scale_stage_depth)"
    )
    depth_rounding: str = spec_field(
        Choice(lambda: tuple(DEPTH_ROUNDING), "depth rounding"), "ceil",
        "how a stage's scaled repeats round: ceil (timm's EfficientNet, torchvision) or round (at least 1)",
    )
    defaults: Defaults = spec_field(Record(Defaults), Defaults(), "model-wide norm and activation")
    stem: tuple[Block, ...] = spec_field(Layers(single=True), (), "first layer(s), named stem")
    blocks: tuple[Block, ...] = spec_field(Layers(), (), "the body, named blocks.0, blocks.1, ...")
    head: tuple[Block, ...] = spec_field(Layers(single=True), (), "layers after the body, named head")
    pool: str | None = spec_field(Choice(lambda: ("average",), "pooling"), None, "global pooling before the classifier")
    classifier: Classifier | None = spec_field(Record(Classifier), None, "fully connected layer to `classes`, with bias (and optionally a hidden layer)")
    budget: Budget | None = spec_field(Record(Budget), None, "limits on MACs and params, checked by `mbcost check`")
    # Not read from YAML:
    model: str = ""
    file: str = ""
