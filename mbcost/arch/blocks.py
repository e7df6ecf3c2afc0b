"""Block kinds of the YAML spec: each is one class that reads its fields and expands into primitive ops.

Adding a block kind is one class here, decorated with `@register`; the spec parser, `mbcost schema`
and the torch builder all find it through `BLOCKS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from .. import limits
from ..fields import Bool, Choice, Int, Number, spec_field
from .ops import Add, Conv, SqueezeExcite, activation_names, norm_names
from .scaling import SCALING_MODES, expand_channels, squeeze_channels

if TYPE_CHECKING:
    from ..graph import Builder, Tensor

CHANNELS = Int(maximum=limits.MAX_CHANNELS, limit_name="MAX_CHANNELS")
KERNEL = Int(maximum=limits.MAX_KERNEL, odd=True, limit_name="MAX_KERNEL")
STRIDE = Int(maximum=limits.MAX_STRIDE, limit_name="MAX_STRIDE")
REPEAT = Int(maximum=limits.MAX_REPEAT, limit_name="MAX_REPEAT")
ACTIVATION = Choice(activation_names, "activation")
NORM = Choice(norm_names, "norm")
SCALING = Choice(lambda: SCALING_MODES, "scaling")
EXPANSION = Number(maximum=limits.MAX_EXPANSION)

BLOCKS: dict[str, type[Block]] = {}


def register(cls: type[Block]) -> type[Block]:
    BLOCKS[cls.kind] = cls
    return cls


@dataclass(frozen=True, kw_only=True)
class Block:
    """A spec row: `repeat` copies of one block, `stride` applying to the first copy only."""

    kind: ClassVar[str]
    doc: ClassVar[str] = ""
    # True when the nodes of one copy can run as one unit whose inner tensors are computed tile by tile
    # and never held whole: only the block's input and output are materialized (v2 paper, Section 5).
    fusable: ClassVar[bool] = False
    # Groups of alternative fields of which a spec row gives exactly one (checked by `graph.build_graph`).
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = ()
    repeat: int = spec_field(REPEAT, 1, "copies of this block (n); stride applies to the first")
    line: int = 0  # position in the spec file, for messages and annotations
    col: int = 0

    @property
    def first_stride(self) -> int:
        return getattr(self, "stride", 1)

    def build(self, b: Builder, prefix: str, x: Tensor, stride: int) -> Tensor:
        """Add this block's nodes (named `prefix` or `prefix.<role>`) after tensor `x`; return the output.

        The nodes must depend only on the block's fields, `x`'s shape, `stride` and the builder's settings
        (not on `prefix`, the position or what came before): `build_graph` builds each distinct copy once
        and replays it for the others."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class _NormAct(Block):
    activation: str | None = spec_field(ACTIVATION, None, "activation; default: the model's")
    norm: str | None = spec_field(NORM, None, "normalization after each conv; default: the model's")


@register
@dataclass(frozen=True, kw_only=True)
class ConvBlock(_NormAct):
    kind: ClassVar[str] = "conv"
    doc: ClassVar[str] = "standard convolution -> norm -> activation"
    kernel: int = spec_field(KERNEL, doc="kernel size K (odd)")
    channels: int = spec_field(CHANNELS, doc="output channels N, before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride of the first repeat")
    groups: int = spec_field(CHANNELS, 1, "convolution groups; must divide both channel counts")
    bias: bool | None = spec_field(Bool(), None, "add a bias; default: only when norm is none")
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")

    def build(self, b: Builder, prefix: str, x: Tensor, stride: int) -> Tensor:
        out = b.channels(self.channels, self.scaling, self, "channels")
        norm = b.norm(self.norm)
        if x.shape.channels % self.groups or out % self.groups:
            b.fail(self, "groups", f"{self.groups} groups must divide {x.shape.channels} input and {out} output channels")
        bias = (norm == "none") if self.bias is None else self.bias
        op = Conv(x.shape.channels, out, self.kernel, stride, self.groups, bias, norm, b.activation(self.activation))
        return b.add(prefix, op, (x,), self)


@register
@dataclass(frozen=True, kw_only=True)
class DepthwiseBlock(_NormAct):
    kind: ClassVar[str] = "depthwise"
    doc: ClassVar[str] = "depthwise KxK convolution (one filter per channel) -> norm -> activation"
    kernel: int = spec_field(KERNEL, 3, "kernel size K (odd)")
    stride: int = spec_field(STRIDE, 1, "stride of the first repeat")

    def build(self, b: Builder, prefix: str, x: Tensor, stride: int) -> Tensor:
        c = x.shape.channels
        op = Conv(c, c, self.kernel, stride, c, b.norm(self.norm) == "none", b.norm(self.norm), b.activation(self.activation))
        return b.add(prefix, op, (x,), self)


@register
@dataclass(frozen=True, kw_only=True)
class PointwiseBlock(_NormAct):
    kind: ClassVar[str] = "pointwise"
    doc: ClassVar[str] = "pointwise 1x1 convolution -> norm -> activation"
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = (("channels", "expansion"),)
    channels: int | None = spec_field(CHANNELS, None, "output channels N, before the width multiplier")
    expansion: float | None = spec_field(
        EXPANSION, None, "instead of channels: N = round(input channels * expansion), e.g. MobileNetV3's last conv (6)"
    )
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies to channels: full, none, grow_only")

    def build(self, b: Builder, prefix: str, x: Tensor, stride: int) -> Tensor:
        if self.channels is not None:
            out = b.channels(self.channels, self.scaling, self, "channels")
        else:
            # torchvision's MobileNetV3 last conv: 6 x the already adjusted input, not make_divisible(960 * alpha).
            out = b.checked(expand_channels(x.shape.channels, self.expansion), self, "expansion")
        norm = b.norm(self.norm)
        op = Conv(x.shape.channels, out, 1, 1, 1, norm == "none", norm, b.activation(self.activation))
        return b.add(prefix, op, (x,), self)


@register
@dataclass(frozen=True, kw_only=True)
class SeparableBlock(_NormAct):
    kind: ClassVar[str] = "separable"
    doc: ClassVar[str] = "depthwise separable: depthwise KxK -> norm -> act, pointwise 1x1 -> norm -> act (v1 paper, Fig. 3)"
    channels: int = spec_field(CHANNELS, doc="output channels N, before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride of the depthwise conv, first repeat")
    kernel: int = spec_field(KERNEL, 3, "depthwise kernel size K (odd)")
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")

    def build(self, b: Builder, prefix: str, x: Tensor, stride: int) -> Tensor:
        m = x.shape.channels
        out = b.channels(self.channels, self.scaling, self, "channels")
        norm, act = b.norm(self.norm), b.activation(self.activation)
        dw = b.add(f"{prefix}.depthwise", Conv(m, m, self.kernel, stride, m, norm == "none", norm, act), (x,), self)
        pw = b.add(f"{prefix}.pointwise", Conv(m, out, 1, 1, 1, norm == "none", norm, act), (dw,), self)
        b.pair(dw, pw)
        return pw


@register
@dataclass(frozen=True, kw_only=True)
class BottleneckBlock(_NormAct):
    kind: ClassVar[str] = "bottleneck"
    doc: ClassVar[str] = (
        "inverted residual (v2 paper, Table 1; v3 paper, Fig. 4): 1x1 expand -> norm -> act, KxK depthwise -> norm -> act, "
        "optional squeeze-and-excitation, 1x1 linear projection -> norm; residual add when stride is 1 and channels match"
    )
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = (("expansion", "expanded_channels"),)
    expansion: float | None = spec_field(EXPANSION, None, "expansion factor t (v2); 1 means no expand conv")
    expanded_channels: int | None = spec_field(
        CHANNELS, None, "instead of expansion: the expanded width (v3's exp size), before the width multiplier; "
        "no expand conv when it equals the input channels"
    )
    channels: int = spec_field(CHANNELS, doc="output channels c, before the width multiplier")
    stride: int = spec_field(STRIDE, 1, "stride s of the depthwise conv, first repeat")
    kernel: int = spec_field(KERNEL, 3, "depthwise kernel size K (odd)")
    se: bool = spec_field(Bool(), False, "squeeze-and-excitation after the depthwise conv (v3 paper, Fig. 4)")
    residual: bool | None = spec_field(Bool(), None, "force (true) or forbid (false) the residual add; default: when shapes allow")
    scaling: str = spec_field(SCALING, "full", "how the width multiplier applies: full, none, grow_only")

    @property
    def fusable(self) -> bool:  # type: ignore[override]
        """The expanded tensor only feeds the depthwise conv, and the depthwise output only the projection,
        so both can be computed in slices of channels (v2 paper, Section 5, "memory efficient inference").
        Not with squeeze-and-excitation: its gates need every channel's pooled depthwise output before the
        projection can use any of it, so the depthwise output is held whole."""
        return not self.se

    def build(self, b: Builder, prefix: str, x: Tensor, stride: int) -> Tensor:
        m = x.shape.channels
        out = b.channels(self.channels, self.scaling, self, "channels")
        if self.expansion is not None:
            # torchvision's mobilenetv2.py: round(in * t), expand conv unless t == 1.
            hidden = b.checked(expand_channels(m, self.expansion), self, "expansion")
            expand = self.expansion != 1
        else:
            # torchvision's mobilenetv3.py: adjust_channels(exp size), expand conv unless it equals the input.
            hidden = b.channels(self.expanded_channels, self.scaling, self, "expanded_channels")
            expand = hidden != m
        norm, act = b.norm(self.norm), b.activation(self.activation)
        bias = norm == "none"
        h = x
        if expand:
            h = b.add(f"{prefix}.expand", Conv(m, hidden, 1, 1, 1, bias, norm, act), (h,), self)
        dw = b.add(f"{prefix}.depthwise", Conv(hidden, hidden, self.kernel, stride, hidden, bias, norm, act), (h,), self)
        h = dw
        if self.se:
            h = b.add(f"{prefix}.se", SqueezeExcite(hidden, squeeze_channels(hidden, b.spec.divisor)), (h,), self)
        # Linear bottleneck: no activation after the projection (v2 paper, Section 3.2).
        pw = b.add(f"{prefix}.project", Conv(hidden, out, 1, 1, 1, bias, norm, "none"), (h,), self)
        b.pair(dw, pw)
        fits = stride == 1 and m == out
        if self.residual is None and not fits:
            return pw
        if self.residual is False:
            return pw
        if not fits:
            b.fail(
                self,
                "residual",
                f"residual add needs stride 1 and equal channels; this repeat has stride {stride}, {m} -> {out} channels",
            )
        return b.add(f"{prefix}.add", Add(), (x, pw), self)
