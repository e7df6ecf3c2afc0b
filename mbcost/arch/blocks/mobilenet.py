"""The MobileNet V1-V3 block kinds: conv, depthwise, pointwise, separable (v1 paper, Fig. 3; timm's ds and
dsa) and the inverted residual bottleneck (v2 paper, Table 1; v3 paper, Fig. 4; timm's ir, MnasNet, FBNet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...fields import Bool, Choice, Toggle, spec_field
from ..ops import ACTIVATION, SqueezeExcite
from ..scaling import expand_channels
from .base import (
    CHANNELS,
    DILATION,
    EXPANSION,
    EXPANSION_ROUNDING_CHOICE,
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
    residual_add,
)

# DeepLab (Chen et al. 2017; MobileNetV2 paper, Section 6.3) runs MobileNetV2 at output stride 16 or 8: the
# rows after it keep stride 1 and dilate their depthwise convs instead.
DILATION_DOC = "dilation (atrous rate) of the depthwise conv: taps this many pixels apart, stride 1 only"


@register
@dataclass(frozen=True, kw_only=True)
class ConvBlock(NormAct):
    kind: ClassVar[str] = "conv"
    doc: ClassVar[str] = "standard convolution -> norm -> activation"
    kernel: int = spec_field(KERNEL, doc="kernel size K (odd)")
    channels: int = spec_field(CHANNELS, doc="output channels N, before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride of the first repeat")
    groups: int = spec_field(CHANNELS, 1, "convolution groups; must divide both channel counts")
    bias: bool | None = spec_field(Bool(), None, "add a bias; default: only when norm is none")
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        out = ctx.channels(self.channels, self.scaling, "channels")
        if in_channels % self.groups or out % self.groups:
            raise BlockError("groups", f"{self.groups} groups must divide {in_channels} input and {out} output channels")
        return Expansion((Layer("", ctx.conv(self, in_channels, out, self.kernel, stride, self.groups, bias=self.bias)),))


@register
@dataclass(frozen=True, kw_only=True)
class DepthwiseBlock(NormAct):
    kind: ClassVar[str] = "depthwise"
    doc: ClassVar[str] = "depthwise KxK convolution (one filter per channel) -> norm -> activation"
    kernel: int = spec_field(KERNEL, 3, "kernel size K (odd)")
    stride: int = spec_field(STRIDE, 1, "stride of the first repeat")
    dilation: int = spec_field(DILATION, 1, DILATION_DOC)

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        m = in_channels
        return Expansion((Layer("", ctx.conv(self, m, m, self.kernel, stride, m, dilation=self.dilation)),))


@register
@dataclass(frozen=True, kw_only=True)
class PointwiseBlock(NormAct):
    kind: ClassVar[str] = "pointwise"
    doc: ClassVar[str] = "pointwise 1x1 convolution -> norm -> activation"
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = (("channels", "expansion"),)
    channels: int | None = spec_field(CHANNELS, None, "output channels N, before the width multiplier")
    expansion: float | None = spec_field(
        EXPANSION, None, "instead of channels: N = round(input channels * expansion), e.g. MobileNetV3's last conv (6)"
    )
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies to channels: full, none, grow_only")

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        if self.channels is not None:
            out = ctx.channels(self.channels, self.scaling, "channels")
        else:
            # torchvision's MobileNetV3 last conv: 6 x the already adjusted input, not make_divisible(960 * alpha).
            out = derived(expand_channels(in_channels, self.expansion), "expansion")
        return Expansion((Layer("", ctx.conv(self, in_channels, out, 1)),))


@register
@dataclass(frozen=True, kw_only=True)
class SeparableBlock(NormAct):
    kind: ClassVar[str] = "separable"
    doc: ClassVar[str] = (
        "depthwise separable: depthwise KxK -> norm -> act, optional squeeze-and-excitation, pointwise 1x1 -> norm -> act "
        "(v1 paper, Fig. 3; timm's ds / dsa blocks)"
    )
    channels: int = spec_field(CHANNELS, doc="output channels N, before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride of the depthwise conv, first repeat")
    kernel: int = spec_field(KERNEL, 3, "depthwise kernel size K (odd)")
    dilation: int = spec_field(DILATION, 1, DILATION_DOC)
    se: bool | SqueezeExcitation = spec_field(
        Toggle(SqueezeExcitation), False,
        "squeeze-and-excitation between the depthwise and the pointwise conv (timm's ds / dsa se): true (the model's), "
        "or its own record",
    )
    pointwise_activation: str | None = spec_field(
        ACTIVATION, None,
        "activation after the pointwise conv; default: the block's (v1, timm's dsa); none: linear, as timm's ds "
        "(EfficientNet, MnasNet)",
    )
    residual: bool = spec_field(Bool(), False, "add the input to the output (timm's ds without noskip); needs stride 1 and equal channels")
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        m = in_channels
        out = ctx.channels(self.channels, self.scaling, "channels")
        layers = [Layer("depthwise", ctx.conv(self, m, m, self.kernel, stride, m, dilation=self.dilation))]
        se = ctx.squeeze_excitation(self.se)
        if se is not None:
            layers.append(Layer("se", SqueezeExcite(m, se.squeeze(m, m, ctx.width.divisor), se.activation, se.gate), ("depthwise",)))
        layers.append(Layer("pointwise", ctx.conv(self, m, out, 1, activation=self.pointwise_activation), (layers[-1].role,)))
        layers += residual_add(self, m, out, stride, "pointwise")
        return Expansion(tuple(layers), pairs=(("depthwise", "pointwise"),))


@register
@dataclass(frozen=True, kw_only=True)
class BottleneckBlock(NormAct):
    kind: ClassVar[str] = "bottleneck"
    doc: ClassVar[str] = (
        "inverted residual (v2 paper, Table 1; v3 paper, Fig. 4): 1x1 expand -> norm -> act, KxK depthwise -> norm -> act, "
        "optional squeeze-and-excitation, 1x1 linear projection -> norm; residual add when stride is 1 and channels match"
    )
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = (("expansion", "expanded_channels"),)
    expansion: float | None = spec_field(
        EXPANSION, None, "expansion factor t (v2): the expanded width is in * t, rounded by expansion_rounding; "
        "at t = 1 there is no expand conv unless expand_conv is always"
    )
    expanded_channels: int | None = spec_field(
        CHANNELS, None, "instead of expansion: the expanded width (v3's exp size), before the width multiplier; "
        "no expand conv when it equals the input channels"
    )
    channels: int = spec_field(CHANNELS, doc="output channels c, before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride s of the depthwise conv, first repeat")
    kernel: int = spec_field(KERNEL, 3, "depthwise kernel size K (odd)")
    dilation: int = spec_field(DILATION, 1, DILATION_DOC)
    se: bool | SqueezeExcitation = spec_field(
        Toggle(SqueezeExcitation), False,
        "squeeze-and-excitation after the depthwise conv (v3 paper, Fig. 4): true (the model's), or its own record",
    )
    expansion_rounding: str | None = spec_field(
        EXPANSION_ROUNDING_CHOICE, None,
        "how in * t rounds: round (torchvision) or make_divisible by the spec's divisor (timm's ir); default: the model's",
    )
    expand_conv: str = spec_field(
        Choice(lambda: ("auto", "always"), "expand conv"), "auto",
        "auto: no expand conv at t = 1 or when exp size equals the input (torchvision); always: kept even then "
        "(timm's ir blocks, FBNet's e1)",
    )
    residual: bool | None = spec_field(Bool(), None, "force (true) or forbid (false, timm's noskip) the residual add; default: when shapes allow")
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        m = in_channels
        out = ctx.channels(self.channels, self.scaling, "channels")
        if self.expansion is not None:
            # torchvision's mobilenetv2.py: round(in * t), expand conv unless t == 1; timm's InvertedResidual:
            # make_divisible(in * t), expand conv always.
            hidden = ctx.expanded(m, self.expansion, self.expansion_rounding)
            has_expand = self.expansion != 1
        else:
            # torchvision's mobilenetv3.py: adjust_channels(exp size), expand conv unless it equals the input.
            hidden = ctx.channels(self.expanded_channels, self.scaling, "expanded_channels")
            has_expand = hidden != m
        has_expand = has_expand or self.expand_conv == "always"
        layers = []
        if has_expand:
            layers.append(Layer("expand", ctx.conv(self, m, hidden, 1)))
        depthwise = ctx.conv(self, hidden, hidden, self.kernel, stride, hidden, dilation=self.dilation)
        layers.append(Layer("depthwise", depthwise, (layers[-1].role if layers else IN,)))
        se = ctx.squeeze_excitation(self.se)
        if se is not None:
            squeeze = se.squeeze(m, hidden, ctx.width.divisor)
            layers.append(Layer("se", SqueezeExcite(hidden, squeeze, se.activation, se.gate), ("depthwise",)))
        # Linear bottleneck: no activation after the projection (v2 paper, Section 3.2).
        layers.append(Layer("project", ctx.conv(self, hidden, out, 1, activation="none"), (layers[-1].role,)))
        layers += residual_add(self, m, out, stride, "project")
        # The expanded tensor only feeds the depthwise conv, and the depthwise output only the projection, so
        # both can be computed in slices of channels (v2 paper, Section 5, "memory efficient inference"). Not
        # with squeeze-and-excitation: its gates need every channel's pooled depthwise output first.
        return Expansion(tuple(layers), pairs=(("depthwise", "project"),), fusable=se is None)
