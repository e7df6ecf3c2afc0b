"""The fused inverted bottleneck (EfficientNetV2's FusedMBConv, Tan & Le 2021, Fig. 2; MobileNetV4's
FusedIB; timm's `er` EdgeResidual): the 1x1 expand and the KxK depthwise of a bottleneck fused into one
dense KxK conv."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...fields import spec_field
from ..ops import SqueezeExcite
from .base import (
    CHANNELS,
    EXPANSION,
    KERNEL,
    STRIDE,
    BlockError,
    Context,
    Expansion,
    Layer,
    NormAct,
    SqueezeExcitation,
    divisible_expansion,
    register,
    residual_add,
    residual_field,
    scaling_field,
    se_field,
)


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
