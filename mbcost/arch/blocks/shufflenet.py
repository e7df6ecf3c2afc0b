"""ShuffleNetV2's kinds (Ma et al. 2018, Fig. 3c-d and Table 5; torchvision shufflenetv2.py): the unit of
channel split, one branch of convs, concat and channel shuffle, and the max pool of its stem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...fields import spec_field
from ..ops import ChannelShuffle, Concat, MaxPool, Split
from .base import CHANNELS, IN, KERNEL, SCALING, STRIDE, Block, BlockError, Context, Expansion, Layer, NormAct, register


@register
@dataclass(frozen=True, kw_only=True)
class ShuffleUnit(NormAct):
    kind: ClassVar[str] = "shuffle_unit"
    doc: ClassVar[str] = (
        "ShuffleNetV2 unit (torchvision InvertedResidual): stride 1: the input split in halves, the second through "
        "1x1 -> norm -> act, KxK depthwise -> norm, 1x1 -> norm -> act, concatenated after the first; stride 2: "
        "KxK depthwise (strided) -> norm, 1x1 to N/2 -> norm -> act beside that branch on the whole input; then "
        "channel shuffle in 2 groups"
    )
    channels: int = spec_field(CHANNELS, doc="output channels (even), before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride of the first repeat; a stride-1 unit keeps its channels")
    kernel: int = spec_field(KERNEL, 3, "depthwise kernel size K (odd)")
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        m = in_channels
        out = ctx.channels(self.channels, self.scaling, "channels")
        if out % 2:
            raise BlockError("channels", f"the unit concatenates two halves, so its channels must be even; got {out}")
        branch = out // 2
        layers: list[Layer] = []
        pairs = [("branch2.depthwise", "branch2.pointwise2")]
        if stride == 1:
            if m != out:
                raise BlockError(
                    "channels", f"a stride-1 unit splits its input in halves and keeps its channels: input {m}, channels {out}"
                )
            # torchvision: x1, x2 = x.chunk(2, dim=1); x1 passes through, branch2 runs on x2.
            layers += [Layer("split.0", Split(0, branch)), Layer("split.1", Split(branch, branch))]
            first, source, width = "split.0", "split.1", branch
        else:
            layers += [
                Layer("branch1.depthwise", ctx.conv(self, m, m, self.kernel, stride, m, activation="none")),
                Layer("branch1.pointwise", ctx.conv(self, m, branch, 1), ("branch1.depthwise",)),
            ]
            pairs.insert(0, ("branch1.depthwise", "branch1.pointwise"))
            first, source, width = "branch1.pointwise", IN, m
        layers += [
            Layer("branch2.pointwise1", ctx.conv(self, width, branch, 1), (source,)),
            Layer("branch2.depthwise", ctx.conv(self, branch, branch, self.kernel, stride, branch, activation="none"), ("branch2.pointwise1",)),
            Layer("branch2.pointwise2", ctx.conv(self, branch, branch, 1), ("branch2.depthwise",)),
            Layer("concat", Concat(), (first, "branch2.pointwise2")),
            Layer("shuffle", ChannelShuffle(2), ("concat",)),
        ]
        return Expansion(tuple(layers), pairs=tuple(pairs))


@register
@dataclass(frozen=True, kw_only=True)
class MaxPoolBlock(Block):
    kind: ClassVar[str] = "maxpool"
    doc: ClassVar[str] = "KxK max pooling padded by K // 2 (ShuffleNetV2's stem: 3x3, stride 2)"
    kernel: int = spec_field(KERNEL, 3, "window size K (odd)")
    stride: int = spec_field(STRIDE, 2, "stride of the first repeat")

    def expand(self, in_channels: int, stride: int, ctx: Context) -> Expansion:
        return Expansion((Layer("", MaxPool(self.kernel, stride)),))
