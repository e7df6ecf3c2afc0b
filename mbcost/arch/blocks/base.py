"""What every block kind shares: the `Block` base, the registry, the `Context` a block expands in, and the
`Layer`/`Expansion` records it returns (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ... import limits
from ...fields import Bool, Choice, Int, Number, Toggle, spec_field
from ..ops import ACTIVATION, NORM, Add, Conv, Op
from ..scaling import (
    EXPANSION_ROUNDING,
    SCALING_MODES,
    SQUEEZE_ROUNDING,
    WidthPolicy,
    expand_channels,
    make_divisible,
    squeeze_width,
)

CHANNELS = Int(maximum=limits.MAX_CHANNELS, limit_name="MAX_CHANNELS")
KERNEL = Int(maximum=limits.MAX_KERNEL, odd=True, limit_name="MAX_KERNEL")
STRIDE = Int(maximum=limits.MAX_STRIDE, limit_name="MAX_STRIDE")
REPEAT = Int(maximum=limits.MAX_REPEAT, limit_name="MAX_REPEAT")
SCALING = Choice(lambda: SCALING_MODES, "scaling")
EXPANSION = Number(maximum=limits.MAX_EXPANSION)
DILATION = Int(maximum=limits.MAX_KERNEL, limit_name="MAX_KERNEL")
EXPANSION_ROUNDING_CHOICE = Choice(lambda: tuple(EXPANSION_ROUNDING), "expansion rounding")

IN = ""  # the role that stands for the block's input in `Layer.inputs`


class BlockError(ValueError):
    """A block's fields do not fit its input: `field` names the field; the graph adds file, line and row."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Layer:
    """One layer of a block: its role (the node is named `<block>.<role>`, or `<block>` for the single
    layer of a one-layer block, whose role is ""), its op, and the roles it reads (IN: the block's input)."""

    role: str
    op: Op
    inputs: tuple[str, ...] = (IN,)


@dataclass(frozen=True)
class Expansion:
    """One copy of a block: its layers in order (the last one is the output), the (depthwise, pointwise)
    roles of its depthwise separable pairs, and whether the copy runs as one unit whose inner tensors
    are computed tile by tile and never held whole (v2 paper, Section 5)."""

    layers: tuple[Layer, ...]
    pairs: tuple[tuple[str, str], ...] = ()
    fusable: bool = False


@dataclass(frozen=True, kw_only=True)
class SqueezeExcitation:
    """Squeeze-and-excitation (Hu et al. 2018; v3 paper, Fig. 4) as a block's `se:` record: global pool ->
    1x1 conv to the squeeze width (with bias) -> activation -> 1x1 conv back (with bias) -> gate -> channel-wise
    multiply. The defaults are torchvision's MobileNetV3, what `se: true` means unless the model's defaults
    say otherwise."""

    ratio: float = spec_field(Number(maximum=1.0), 0.25, "squeeze width as a fraction of the channels it is taken of")
    of: str = spec_field(
        Choice(lambda: ("expanded", "input"), "width source"), "expanded",
        "expanded: of the block's expanded (depthwise) width, as torchvision's MobileNetV3; input: of the block's "
        "input channels, as EfficientNet and MnasNet (timm se_from_exp=False, torchvision input_channels // 4)",
    )
    rounding: str = spec_field(
        Choice(lambda: tuple(SQUEEZE_ROUNDING), "squeeze rounding"), "floor_make_divisible",
        "floor_make_divisible: make_divisible(floor(c * ratio)) (torchvision MobileNetV3); make_divisible (timm "
        "MobileNetV3, GhostNet); round (timm EfficientNet, MixNet, MnasNet); floor, at least 1 (torchvision EfficientNet)",
    )
    divisor: int | None = spec_field(Int(maximum=1024), None, "divisor of make_divisible; default: the model's divisor")
    activation: str = spec_field(ACTIVATION, "relu", "activation between the two 1x1 convs")
    gate: str = spec_field(ACTIVATION, "hardsigmoid", "the gate: hardsigmoid (MobileNetV3), sigmoid (EfficientNet)")

    def squeeze(self, input_channels: int, expanded_channels: int, divisor: int) -> int:
        channels = expanded_channels if self.of == "expanded" else input_channels
        return squeeze_width(channels, self.ratio, self.rounding, self.divisor or divisor)


@dataclass(frozen=True)
class Context:
    """What a block needs beyond its fields: the bound width policy and the model's defaults."""

    width: WidthPolicy
    norm: str = "batch"
    activation: str = "relu"
    se: SqueezeExcitation = SqueezeExcitation()  # what a block's `se: true` means
    padding: str = "symmetric"  # how the torch build pads every conv (ops.PADDINGS)
    expansion_rounding: str = "round"  # how in * t rounds unless a row says otherwise

    def expanded(self, in_channels: int, expansion: float, rounding: str | None, field: str = "expansion") -> int:
        """The width `in * t` by the row's (or the model's) expansion rounding, held to 1..MAX_CHANNELS."""
        return derived(expand_channels(in_channels, expansion, rounding or self.expansion_rounding, self.width.divisor), field)

    def squeeze_excitation(self, se: bool | SqueezeExcitation) -> SqueezeExcitation | None:
        """A block's `se` field as a record: true is the model's default, false none."""
        if se is True:
            return self.se
        return se or None

    def channels(self, declared: int, scaling: str, field: str) -> int:
        """A declared width at this width multiplier, held to MAX_CHANNELS."""
        out = self.width.channels(declared, scaling)
        if out > limits.MAX_CHANNELS:
            raise BlockError(
                field,
                f"{declared} channels at alpha {self.width.multiplier:g} give {out}, "
                f"above the limit of {limits.MAX_CHANNELS} (MAX_CHANNELS)",
            )
        return out

    def conv(
        self, block: NormAct, in_channels: int, out_channels: int, kernel: int, stride: int = 1, groups: int = 1,
        activation: str | None = None, bias: bool | None = None, dilation: int = 1,
    ) -> Conv:
        """conv -> norm -> activation with the block's (or the model's) norm and activation; a bias only
        without a norm, unless the block says otherwise."""
        norm = block.norm or self.norm
        if dilation > 1 and stride > 1:
            raise BlockError(
                "dilation", f"a dilated conv keeps its input's size, so it needs stride 1; this repeat has stride {stride} "
                "(DeepLab sets the stride to 1 where it dilates)",
            )
        return Conv(
            in_channels, out_channels, kernel, stride, groups,
            norm == "none" if bias is None else bias, norm, activation or block.activation or self.activation,
            dilation, self.padding,
        )


def derived(channels: int, field: str) -> int:
    """A width derived from the input (an expansion), held to 1..MAX_CHANNELS."""
    if channels < 1:  # round(m * t) is 0 for t < 1 / (2m): a conv with no channels is no layer
        raise BlockError(field, f"gives {channels} channels; it must give at least 1")
    if channels > limits.MAX_CHANNELS:
        raise BlockError(field, f"expands to {channels} channels, above the limit of {limits.MAX_CHANNELS} (MAX_CHANNELS)")
    return channels


BLOCKS: dict[str, type[Block]] = {}


def register(cls: type[Block]) -> type[Block]:
    BLOCKS[cls.kind] = cls
    return cls


@dataclass(frozen=True, kw_only=True)
class Block:
    """A spec row: `repeat` copies of one block, `stride` applying to the first copy only."""

    kind: ClassVar[str]
    doc: ClassVar[str] = ""
    # Groups of alternative fields of which a spec row gives exactly one (checked by the graph).
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = ()
    repeat: int = spec_field(REPEAT, 1, "copies of this block (n); stride applies to the first")
    stage: int | None = spec_field(
        Int(maximum=limits.MAX_REPEAT), None,
        "blocks only: a run of consecutive rows with the same stage number scales its total repeats together "
        "under the spec's depth (timm's _scale_stage_depth); default: the row is a stage of its own",
    )
    depth_scaling: str = spec_field(
        Choice(lambda: ("full", "none"), "depth scaling"), "full",
        "how the spec's depth applies to repeat: full, or none (the row keeps its repeats)",
    )
    line: int = 0  # position in the spec file, for messages and annotations
    col: int = 0

    @property
    def first_stride(self) -> int:
        return getattr(self, "stride", 1)

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class NormAct(Block):
    activation: str | None = spec_field(ACTIVATION, None, "activation; default: the model's")
    norm: str | None = spec_field(NORM, None, "normalization after each conv; default: the model's")


def residual_add(block: NormAct, in_channels: int, out_channels: int, stride: int, last: str) -> list[Layer]:
    """The shortcut of a block with a `residual` field: when stride is 1 and channels match, unless
    forbidden; forcing it where shapes differ is an error."""
    fits = stride == 1 and in_channels == out_channels
    if block.residual and not fits:
        raise BlockError(
            "residual",
            f"residual add needs stride 1 and equal channels; this repeat has stride {stride}, {in_channels} -> {out_channels} channels",
        )
    return [Layer("add", Add(), (IN, last))] if fits and block.residual is not False else []


def divisible_expansion(in_channels: int, expansion: float, ctx: Context) -> int:
    """The expanded width as timm (`make_divisible(in_chs * exp_ratio)`) and torchvision's EfficientNet
    (`adjust_channels`) compute it: make_divisible(in * t) with the model's divisor."""
    return derived(make_divisible(in_channels * expansion, ctx.width.divisor), "expansion")


def se_field(where: str):
    """A block's `se` field: squeeze-and-excitation `where`, true (the model's), or its own record."""
    return spec_field(Toggle(SqueezeExcitation), False, f"squeeze-and-excitation {where}: true (the model's), or its own record")


def residual_field():
    return spec_field(Bool(), None, "force (true) or forbid (false) the residual add; default: when shapes allow")


def scaling_field():
    return spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")
