"""MobileNetV4's universal inverted bottleneck (Qin et al. 2024; timm UniversalInvertedResidual,
`uir`): an inverted bottleneck with two optional depthwise convs, one before the expansion and one in the
middle. Both: ExtraDW; middle only: the inverted bottleneck (IB); start only: ConvNext-like; neither: FFN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...fields import spec_field
from ..ops import SqueezeExcite
from .base import (
    CHANNELS,
    EXPANSION,
    IN,
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
class UniversalBottleneckBlock(NormAct):
    kind: ClassVar[str] = "universal_bottleneck"
    doc: ClassVar[str] = (
        "universal inverted bottleneck (MobileNetV4 UIB; timm `uir`): optional start depthwise -> norm (no act), "
        "1x1 expand -> norm -> act, optional middle depthwise -> norm -> act, optional squeeze-and-excitation, 1x1 "
        "linear projection -> norm; the stride goes to the middle depthwise, else the start one; residual add when "
        "stride is 1 and channels match"
    )
    expansion: float = spec_field(
        EXPANSION, doc="expansion factor t: expanded width make_divisible(in * t) (timm)"
    )
    channels: int = spec_field(CHANNELS, doc="output channels c, before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride s, first repeat: of the middle depthwise conv, or the start one without it")
    start_kernel: int | None = spec_field(KERNEL, None, "kernel of the depthwise conv before the expansion (timm `a`); none when absent")
    middle_kernel: int | None = spec_field(KERNEL, None, "kernel of the depthwise conv after the expansion (timm `k`); none when absent")
    se: bool | SqueezeExcitation = se_field("on the expanded width, after the middle depthwise")
    residual: bool | None = residual_field()
    scaling: str = scaling_field()

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        m = in_channels
        out = ctx.channels(self.channels, self.scaling, "channels")
        if stride > 1 and self.start_kernel is None and self.middle_kernel is None:
            raise BlockError("stride", f"stride {stride} needs a depthwise conv to take it: give start_kernel or middle_kernel")
        hidden = divisible_expansion(m, self.expansion, ctx)
        layers, pairs = [], []
        if self.start_kernel is not None:
            start_stride = 1 if self.middle_kernel is not None else stride
            layers.append(Layer("start", ctx.conv(self, m, m, self.start_kernel, start_stride, m, activation="none")))
            pairs.append(("start", "expand"))
        layers.append(Layer("expand", ctx.conv(self, m, hidden, 1), (layers[-1].role if layers else IN,)))
        if self.middle_kernel is not None:
            layers.append(Layer("depthwise", ctx.conv(self, hidden, hidden, self.middle_kernel, stride, hidden), ("expand",)))
            pairs.append(("depthwise", "project"))
        se = ctx.squeeze_excitation(self.se)
        if se is not None:
            squeeze = se.squeeze(m, hidden, ctx.width.divisor)
            layers.append(Layer("se", SqueezeExcite(hidden, squeeze, se.activation, se.gate), (layers[-1].role,)))
        layers.append(Layer("project", ctx.conv(self, hidden, out, 1, activation="none"), (layers[-1].role,)))
        layers += residual_add(self, m, out, stride, "project")
        # As the bottleneck (v2 paper, Section 5): the expanded tensor can be computed and consumed in channel
        # slices; not past a start depthwise (the expansion needs all its channels) nor squeeze-and-excitation.
        return Expansion(tuple(layers), pairs=tuple(pairs), fusable=se is None and self.start_kernel is None)
