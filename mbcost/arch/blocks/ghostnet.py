"""GhostNet's kinds (Han et al. 2020; timm ghostnet.py, v1): the ghost module, a primary conv making half
the output channels and a cheap depthwise conv making the rest from them, concatenated; and the ghost
bottleneck built of two of them, with a conv shortcut when the shape changes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ... import limits
from ...fields import Int, Toggle, spec_field
from ..ops import Add, Concat, Split, SqueezeExcite
from .base import (
    CHANNELS,
    IN,
    KERNEL,
    SCALING,
    STRIDE,
    Context,
    Expansion,
    Layer,
    NormAct,
    SqueezeExcitation,
    derived,
    register,
)

RATIO = Int(minimum=2, maximum=limits.MAX_EXPANSION)


def ghost_layers(
    block: NormAct, ctx: Context, prefix: str, source: str, in_channels: int, out_channels: int,
    kernel: int = 1, stride: int = 1, ratio: int = 2, cheap_kernel: int = 3, activation: str | None = None,
) -> list[Layer]:
    """timm GhostModule: primary KxK conv to init = ceil(out / ratio) -> norm -> act; cheap depthwise conv
    (a channel multiplier of ratio - 1) to init * (ratio - 1) -> norm -> act; concat; the first `out`
    channels kept (a split node only when the concatenation is wider). Roles `<prefix>primary`, ...;
    the last layer is the module's output."""
    init = derived(math.ceil(out_channels / ratio), "channels")
    new = derived(init * (ratio - 1), "ratio")
    primary, cheap, concat = f"{prefix}primary", f"{prefix}cheap", f"{prefix}concat"
    layers = [
        Layer(primary, ctx.conv(block, in_channels, init, kernel, stride, activation=activation), (source,)),
        Layer(cheap, ctx.conv(block, init, new, cheap_kernel, 1, init, activation=activation), (primary,)),
        Layer(concat, Concat(), (primary, cheap)),
    ]
    if init + new > out_channels:  # timm slices `[:, :out_chs]` always; only an odd width loses channels
        layers.append(Layer(f"{prefix}slice", Split(0, out_channels), (concat,)))
    return layers


@register
@dataclass(frozen=True, kw_only=True)
class GhostBlock(NormAct):
    kind: ClassVar[str] = "ghost"
    doc: ClassVar[str] = (
        "ghost module (GhostNet, Fig. 2b; timm GhostModule): primary KxK conv to ceil(N / ratio) -> norm -> act, "
        "cheap depthwise conv making (ratio - 1) times as many -> norm -> act, concatenated, the first N channels kept"
    )
    channels: int = spec_field(CHANNELS, doc="output channels N, before the width multiplier")
    kernel: int = spec_field(KERNEL, 1, "primary conv kernel size K (odd)")
    stride: int = spec_field(STRIDE, 1, "primary conv stride, first repeat")
    ratio: int = spec_field(RATIO, 2, "s of the paper: output channels per primary channel")
    cheap_kernel: int = spec_field(KERNEL, 3, "d of the paper: the cheap depthwise conv's kernel size (odd)")
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        out = ctx.channels(self.channels, self.scaling, "channels")
        return Expansion(tuple(ghost_layers(self, ctx, "", IN, in_channels, out, self.kernel, stride, self.ratio, self.cheap_kernel)))


@register
@dataclass(frozen=True, kw_only=True)
class GhostBottleneck(NormAct):
    kind: ClassVar[str] = "ghost_bottleneck"
    doc: ClassVar[str] = (
        "ghost bottleneck (GhostNet, Fig. 3; timm GhostBottleneck v1): ghost module to the expanded width with the "
        "activation, KxK depthwise -> norm (no act) only when strided, optional squeeze-and-excitation, ghost module "
        "to the output without activation; plus the input, or a conv shortcut (KxK depthwise -> norm, 1x1 -> norm) "
        "when stride or channels change"
    )
    expanded_channels: int = spec_field(CHANNELS, doc="#exp of the paper's Table 1: the ghost modules' middle width, before the width multiplier")
    channels: int = spec_field(CHANNELS, doc="#out: output channels, before the width multiplier")
    kernel: int = spec_field(KERNEL, 3, "kernel size K of the depthwise convs (odd)")
    stride: int = spec_field(STRIDE, 1, "stride of the first repeat")
    se: bool | SqueezeExcitation = spec_field(
        Toggle(SqueezeExcitation), False,
        "squeeze-and-excitation on the expanded width: true (the model's), or its own record",
    )
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        m = in_channels
        mid = ctx.channels(self.expanded_channels, self.scaling, "expanded_channels")
        out = ctx.channels(self.channels, self.scaling, "channels")
        layers = ghost_layers(self, ctx, "ghost1.", IN, m, mid)
        pairs = []
        if stride > 1:
            layers.append(Layer("depthwise", ctx.conv(self, mid, mid, self.kernel, stride, mid, activation="none"), (layers[-1].role,)))
            pairs.append(("depthwise", "ghost2.primary"))
        se = ctx.squeeze_excitation(self.se)
        if se is not None:
            squeeze = se.squeeze(m, mid, ctx.width.divisor)
            layers.append(Layer("se", SqueezeExcite(mid, squeeze, se.activation, se.gate), (layers[-1].role,)))
        layers += ghost_layers(self, ctx, "ghost2.", layers[-1].role, mid, out, activation="none")
        main = layers[-1].role
        if stride == 1 and m == out:
            shortcut = IN
        else:  # timm: dw KxK (strided) + BN, 1x1 + BN, no activations
            layers.append(Layer("shortcut.depthwise", ctx.conv(self, m, m, self.kernel, stride, m, activation="none")))
            layers.append(Layer("shortcut.pointwise", ctx.conv(self, m, out, 1, activation="none"), ("shortcut.depthwise",)))
            pairs.append(("shortcut.depthwise", "shortcut.pointwise"))
            shortcut = "shortcut.pointwise"
        layers.append(Layer("add", Add(), (main, shortcut)))
        return Expansion(tuple(layers), pairs=tuple(pairs))
