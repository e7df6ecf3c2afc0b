"""MixNet's inverted bottleneck (Tan & Le 2019, "MixConv"; timm InvertedResidual with list
kernels): the depthwise conv mixes kernel sizes over channel splits, and the 1x1 expansion and
projection may be split into dense convs over channel groups (timm's grouped pointwise `a1.1`, `p1.1`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...fields import Int, Kernels, spec_field
from ..ops import Conv, MixedConv, Op, SqueezeExcite
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

SPLITS = Int(maximum=16)


@register
@dataclass(frozen=True, kw_only=True)
class MixedBottleneckBlock(NormAct):
    kind: ClassVar[str] = "mixed_bottleneck"
    doc: ClassVar[str] = (
        "MixNet inverted bottleneck (timm `ir` with list kernels): 1x1 expand (always, also at t = 1; optionally "
        "split into dense convs over channel groups) -> norm -> act, mixed depthwise conv (one kernel per channel "
        "split) -> norm -> act, optional squeeze-and-excitation, 1x1 linear projection (optionally split) -> norm; "
        "residual add when stride is 1 and channels match"
    )
    expansion: float = spec_field(EXPANSION, doc="expansion factor t: expanded width make_divisible(in * t) (timm)")
    channels: int = spec_field(CHANNELS, doc="output channels c, before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride s of the depthwise conv, first repeat")
    kernel: tuple[int, ...] = spec_field(
        Kernels(KERNEL), (3,), "depthwise kernel K, or a list [3, 5, 7]: channels split equally (the remainder to "
        "the first split), each split with its own kernel (timm MixedConv2d)"
    )
    expand_groups: int = spec_field(SPLITS, 1, "channel groups of the 1x1 expansion, each a dense conv (timm `a1.1` is 2)")
    project_groups: int = spec_field(SPLITS, 1, "channel groups of the 1x1 projection, each a dense conv (timm `p1.1` is 2)")
    se: bool | SqueezeExcitation = se_field("on the expanded width, after the depthwise conv")
    residual: bool | None = residual_field()
    scaling: str = scaling_field()

    def _conv(self, ctx: Context, field: str, m: int, n: int, kernels: tuple[int, ...], stride: int, depthwise: bool,
              activation: str | None = None) -> Op:
        """A conv over len(kernels) channel splits; a plain conv when there is one."""
        if len(kernels) > min(m, n):
            raise BlockError(field, f"{len(kernels)} splits of {min(m, n)} channels leave a split with none")
        if len(kernels) == 1:
            return ctx.conv(self, m, n, kernels[0], stride, m if depthwise else 1, activation)
        norm = self.norm or ctx.norm
        act = activation or self.activation or ctx.activation
        return MixedConv(m, n, kernels, stride, depthwise, norm == "none", norm, act)

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        m = in_channels
        out = ctx.channels(self.channels, self.scaling, "channels")
        hidden = divisible_expansion(m, self.expansion, ctx)
        layers = [
            Layer("expand", self._conv(ctx, "expand_groups", m, hidden, (1,) * self.expand_groups, 1, False)),
            Layer("depthwise", self._conv(ctx, "kernel", hidden, hidden, self.kernel, stride, True), ("expand",)),
        ]
        se = ctx.squeeze_excitation(self.se)
        if se is not None:
            squeeze = se.squeeze(m, hidden, ctx.width.divisor)
            layers.append(Layer("se", SqueezeExcite(hidden, squeeze, se.activation, se.gate), ("depthwise",)))
        project = self._conv(ctx, "project_groups", hidden, out, (1,) * self.project_groups, 1, False, "none")
        layers.append(Layer("project", project, (layers[-1].role,)))
        layers += residual_add(self, m, out, stride, "project")
        # A depthwise separable pair (v1 paper's comparison with a standard conv) only of one kernel and one group.
        plain = isinstance(layers[1].op, Conv) and isinstance(project, Conv)
        return Expansion(tuple(layers), pairs=(("depthwise", "project"),) if plain else (), fusable=se is None)


