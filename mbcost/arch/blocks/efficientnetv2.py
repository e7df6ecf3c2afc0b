"""The fused inverted bottleneck (EfficientNetV2's FusedMBConv, Tan & Le 2021, Fig. 2; MobileNetV4's
FusedIB; timm's `er` EdgeResidual): the 1x1 expand and the KxK depthwise of a bottleneck fused into one
dense KxK conv."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...fields import Bool, Toggle, spec_field
from ..ops import Add, SqueezeExcite
from ..scaling import make_divisible
from .base import (
    CHANNELS,
    EXPANSION,
    IN,
    KERNEL,
    SCALING,
    STRIDE,
    BlockError,
    Context,
    Expansion,
    Layer,
    NormAct,
    SqueezeExcitation,
    derived,
    register,
)


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


@register
@dataclass(frozen=True, kw_only=True)
class FusedBottleneckBlock(NormAct):
    kind: ClassVar[str] = "fused_bottleneck"
    doc: ClassVar[str] = (
        "fused inverted bottleneck (EfficientNetV2 FusedMBConv; MobileNetV4 FusedIB; timm `er`): dense KxK conv "
        "(strided) to the expanded width -> norm -> act, optional squeeze-and-excitation, 1x1 linear projection -> "
        "norm; when the expanded width equals the input, one dense KxK conv in -> out -> norm -> act (torchvision); "
        "residual add when stride is 1 and channels match"
    )
    expansion: float = spec_field(
        EXPANSION, doc="expansion factor t: expanded width make_divisible(in * t) (timm, torchvision)"
    )
    channels: int = spec_field(CHANNELS, doc="output channels c, before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride s of the KxK conv, first repeat")
    kernel: int = spec_field(KERNEL, 3, "kernel size K of the fused conv (odd)")
    se: bool | SqueezeExcitation = se_field("on the expanded width (timm EdgeResidual)")
    residual: bool | None = residual_field()
    scaling: str = scaling_field()

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        m = in_channels
        out = ctx.channels(self.channels, self.scaling, "channels")
        hidden = divisible_expansion(m, self.expansion, ctx)
        se = ctx.squeeze_excitation(self.se)
        if hidden == m:
            # torchvision FusedMBConv: `if expanded_channels != input_channels` ... else one conv in -> out.
            if se is not None:
                raise BlockError("se", f"expansion {self.expansion:g} keeps {m} channels: one conv in -> out, with no expanded width for squeeze-and-excitation")
            layers = [Layer("conv", ctx.conv(self, m, out, self.kernel, stride))]
        else:
            layers = [Layer("expand", ctx.conv(self, m, hidden, self.kernel, stride))]
            if se is not None:
                squeeze = se.squeeze(m, hidden, ctx.width.divisor)
                layers.append(Layer("se", SqueezeExcite(hidden, squeeze, se.activation, se.gate), ("expand",)))
            layers.append(Layer("project", ctx.conv(self, hidden, out, 1, activation="none"), (layers[-1].role,)))
        layers += residual_add(self, m, out, stride, layers[-1].role)
        return Expansion(tuple(layers))
