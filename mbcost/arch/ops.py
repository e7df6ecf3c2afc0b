"""Primitive ops: the one registry where each op's output shape, cost and PyTorch module live.

A graph node holds one op. `torch_module(nn)` receives `torch.nn` from the caller, so this module
never imports torch (the modules of concat, split and shuffle import it when the torch builder makes them):
the analysis path stays light.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, ClassVar

from ..fields import Choice
from .counts import Cost, Shape
from .scaling import output_size


@dataclass(frozen=True)
class Activation:
    """An elementwise activation: its `torch.nn` class and the other ops it costs per element."""

    name: str
    torch_class: str | None
    ops_per_element: int


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", "ReLU", 1),
        Activation("relu6", "ReLU6", 1),
        # MobileNetV3 (v3 paper, Section 5.2): h-swish x * ReLU6(x + 3) / 6 and h-sigmoid ReLU6(x + 3) / 6;
        # one op per element, as every other activation (counts.py).
        Activation("hardswish", "Hardswish", 1),
        Activation("hardsigmoid", "Hardsigmoid", 1),
        # EfficientNet and MnasNet (timm, torchvision): SiLU, called swish in the EfficientNet paper; sigmoid
        # gates of their squeeze-and-excitation; GELU. One op per element, as every other activation.
        Activation("silu", "SiLU", 1),
        Activation("sigmoid", "Sigmoid", 1),
        Activation("gelu", "GELU", 1),
        Activation("none", None, 0),  # linear: MobileNetV2's projection
    )
}
# Other spellings of the same function (never of a different one: `swish` is SiLU, not hard-swish).
ACTIVATION_ALIASES = {"swish": "silu"}

NORMS = ("batch", "none")
# How the torch build pads a conv: "symmetric", K // 2 on every side (PyTorch, torchvision); "same", as
# TensorFlow's 'SAME' (timm Conv2dSame): the total padding that gives ceil(input / stride), the odd pixel at
# the bottom and right. Both give the same output size, so the counts never depend on it.
PADDINGS = ("symmetric", "same")


def activation_names() -> tuple[str, ...]:
    return tuple(ACTIVATIONS)


def norm_names() -> tuple[str, ...]:
    return NORMS


# The spec field types of an activation, a norm and a padding name.
ACTIVATION = Choice(activation_names, "activation", lambda: ACTIVATION_ALIASES)
NORM = Choice(norm_names, "norm")
PADDING = Choice(lambda: PADDINGS, "padding")


OPS: dict[str, type[Op]] = {}


def register(cls: type[Op]) -> type[Op]:
    OPS[cls.name] = cls
    return cls


class Op:
    """Base of primitive ops. Subclasses are frozen dataclasses of integers and names."""

    name: ClassVar[str]

    @property
    def kind(self) -> str:
        """The op kind of the roll-ups (v1 paper, Table 2)."""
        return self.name

    def output_channels(self, inputs: tuple[int, ...]) -> int:
        """The output's channels from the inputs' channels: all a graph needs before it has a resolution.
        Most ops keep their (first) input's channels; those that do not say so."""
        return inputs[0]

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        raise NotImplementedError

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        raise NotImplementedError

    def attributes(self) -> dict[str, int]:
        """kernel / stride / groups and the like, for reports."""
        return {}

    def torch_module(self, nn: Any) -> Any:
        raise NotImplementedError

    def torch_apply(self, module: Any, inputs: list[Any]) -> Any:
        """Run this node's torch module on its input tensors (in the order of the node's inputs)."""
        return module(*inputs)

    def torch_shape(self, shape: Shape) -> tuple[int, ...]:
        """The per-sample shape of the torch tensor this op outputs, given the graph's shape."""
        return tuple(shape.as_list())


def _norm_act_cost(channels: int, elements: int, norm: str, activation: str) -> dict[str, int]:
    out = {"activation_ops": ACTIVATIONS[activation].ops_per_element * elements}
    if norm == "batch":
        out.update(norm_params=2 * channels, norm_buffers=2 * channels, norm_ops=elements)
    return out


def _norm_act_modules(nn: Any, channels: int, norm: str, activation: str) -> list[tuple[str, Any]]:
    parts = []
    if norm == "batch":
        parts.append(("norm", nn.BatchNorm2d(channels)))
    torch_class = ACTIVATIONS[activation].torch_class
    if torch_class:
        parts.append(("act", getattr(nn, torch_class)()))
    return parts


@register
@dataclass(frozen=True)
class Conv(Op):
    """2-D convolution with 'same' padding, optionally followed by batch norm and an activation.

    groups = 1 is a standard (or 1x1 pointwise) convolution; groups = in = out is depthwise. A dilated
    (atrous) conv spreads its K x K taps `dilation` pixels apart at stride 1 (DeepLab's MobileNetV2 at
    output stride 16 or 8): the same weights and MACs per output pixel, and the input's size kept.
    """

    name: ClassVar[str] = "conv"
    in_channels: int
    out_channels: int
    kernel: int
    stride: int = 1
    groups: int = 1
    bias: bool = False
    norm: str = "batch"
    activation: str = "none"
    dilation: int = 1
    padding: str = "symmetric"  # PADDINGS: the torch build's only

    @property
    def kind(self) -> str:
        if self.groups == 1:
            return "pointwise" if self.kernel == 1 else "conv"
        if self.groups == self.in_channels:
            return "depthwise"
        return "grouped"

    def output_channels(self, inputs: tuple[int, ...]) -> int:
        return self.out_channels

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        (x,) = inputs
        if x.channels != self.in_channels:
            raise ValueError(f"expects {self.in_channels} input channels, got {x.channels}")
        if self.dilation > 1 and self.stride > 1:
            raise ValueError(f"a dilated conv needs stride 1, got dilation {self.dilation} with stride {self.stride}")
        return Shape(self.out_channels, output_size(x.height, self.stride), output_size(x.width, self.stride))

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        # K*K*(M/groups)*N weights, each used once per output pixel (v1 paper, eqs. 2-4).
        weights = self.kernel * self.kernel * (self.in_channels // self.groups) * self.out_channels
        return Cost(
            macs=weights * output.height * output.width,
            weights=weights,
            biases=self.out_channels if self.bias else 0,
            **_norm_act_cost(self.out_channels, output.elements, self.norm, self.activation),
        )

    def attributes(self) -> dict[str, int]:
        out = {"kernel": self.kernel, "stride": self.stride, "groups": self.groups}
        if self.dilation != 1:
            out["dilation"] = self.dilation
        return out

    def torch_module(self, nn: Any) -> Any:
        symmetric = self.padding == "symmetric"
        conv = (nn.Conv2d if symmetric else _conv2d_same_class(nn))(
            self.in_channels,
            self.out_channels,
            self.kernel,
            stride=self.stride,
            # dilation * (K - 1) / 2 on each side keeps ceil(input / stride) for an odd K
            padding=self.dilation * (self.kernel // 2) if symmetric else 0,
            dilation=self.dilation,
            groups=self.groups,
            bias=self.bias,
        )
        parts = [("conv", conv), *_norm_act_modules(nn, self.out_channels, self.norm, self.activation)]
        return nn.Sequential(OrderedDict(parts))


def tf_same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'SAME' padding of one spatial dimension (before, after): the total that gives
    ceil(size / stride), the odd pixel after (timm `get_same_padding`)."""
    total = max((math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


@functools.cache
def _conv2d_same_class(nn: Any) -> type:
    """nn.Conv2d padded as TensorFlow's 'SAME' at run time (timm Conv2dSame), built on the `torch.nn` handed in."""

    class Conv2dSame(nn.Conv2d):
        def forward(self, x: Any) -> Any:
            (k, _), (s, _), (d, _) = self.kernel_size, self.stride, self.dilation
            top, bottom = tf_same_padding(x.shape[-2], k, s, d)
            left, right = tf_same_padding(x.shape[-1], k, s, d)
            return self._conv_forward(nn.functional.pad(x, (left, right, top, bottom)), self.weight, self.bias)

    return Conv2dSame


@register
@dataclass(frozen=True)
class GlobalPool(Op):
    """Global average pooling: C x H x W -> C x 1 x 1."""

    name: ClassVar[str] = "pool"

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        (x,) = inputs
        return Shape(x.channels, 1, 1)

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        return Cost(pool_ops=inputs[0].elements)

    def torch_module(self, nn: Any) -> Any:
        return nn.AdaptiveAvgPool2d(1)


@register
@dataclass(frozen=True)
class Linear(Op):
    """Fully connected layer on a C x 1 x 1 input, with bias; dropout before it costs nothing; optionally
    an activation after it (MobileNetV3's hidden classifier layer), and before that a batch norm
    (MobileNetV4's head: a 1x1 conv without bias + BN + ReLU on the pooled 1x1 map, the same counts as a
    Linear without bias + BatchNorm1d)."""

    name: ClassVar[str] = "linear"
    in_features: int
    out_features: int
    bias: bool = True
    dropout: float = 0.0
    activation: str = "none"
    norm: str = "none"

    def output_channels(self, inputs: tuple[int, ...]) -> int:
        return self.out_features

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        (x,) = inputs
        if (x.height, x.width) != (1, 1):
            raise ValueError("needs a Cx1x1 input: add `pool: average` before it")
        if x.channels != self.in_features:
            raise ValueError(f"expects {self.in_features} input features, got {x.channels}")
        return Shape(self.out_features, 1, 1)

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        return Cost(
            macs=self.in_features * self.out_features,
            weights=self.in_features * self.out_features,
            biases=self.out_features if self.bias else 0,
            **_norm_act_cost(self.out_features, self.out_features, self.norm, self.activation),
        )

    def torch_module(self, nn: Any) -> Any:
        parts = [("flatten", nn.Flatten())]
        if self.dropout:
            parts.append(("dropout", nn.Dropout(self.dropout)))
        parts.append(("linear", nn.Linear(self.in_features, self.out_features, bias=self.bias)))
        if self.norm == "batch":
            parts.append(("norm", nn.BatchNorm1d(self.out_features)))
        torch_class = ACTIVATIONS[self.activation].torch_class
        if torch_class:
            parts.append(("act", getattr(nn, torch_class)()))
        return nn.Sequential(OrderedDict(parts))

    def torch_shape(self, shape: Shape) -> tuple[int, ...]:
        return (shape.channels,)  # flattened: the network's output is [batch, classes]


@register
@dataclass(frozen=True)
class SqueezeExcite(Op):
    """Squeeze-and-excitation (Hu et al. 2018; v3 paper, Fig. 4) as torchvision's SqueezeExcitation:
    global average pool -> 1x1 conv to `squeeze` with bias -> activation -> 1x1 conv back with bias ->
    gate -> channel-wise multiply with the input. The output has the input's shape."""

    name: ClassVar[str] = "squeeze_excite"
    channels: int
    squeeze: int
    activation: str = "relu"  # torchvision: ReLU inside, Hardsigmoid as the gate (v3 paper, Section 5.3)
    gate: str = "hardsigmoid"

    def output_channels(self, inputs: tuple[int, ...]) -> int:
        return self.channels

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        (x,) = inputs
        if x.channels != self.channels:
            raise ValueError(f"expects {self.channels} input channels, got {x.channels}")
        return x

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        # Two 1x1 convs on a 1x1 map: C*S + S*C MACs; the pool, activations and multiply are other ops.
        weights = 2 * self.channels * self.squeeze
        return Cost(
            macs=weights,
            weights=weights,
            biases=self.squeeze + self.channels,
            pool_ops=inputs[0].elements,
            activation_ops=ACTIVATIONS[self.activation].ops_per_element * self.squeeze
            + ACTIVATIONS[self.gate].ops_per_element * self.channels,
            multiply_ops=output.elements,
        )

    def attributes(self) -> dict[str, int]:
        return {"squeeze": self.squeeze}

    def torch_module(self, nn: Any) -> Any:
        cls = _squeeze_excitation_class(nn)
        return cls(self.channels, self.squeeze, ACTIVATIONS[self.activation].torch_class, ACTIVATIONS[self.gate].torch_class)


@functools.cache
def _squeeze_excitation_class(nn: Any) -> type:
    """torchvision.ops.SqueezeExcitation, built on the `torch.nn` handed in (this module never imports torch)."""

    class SqueezeExcitation(nn.Module):
        def __init__(self, channels: int, squeeze: int, activation: str | None, gate: str | None):
            super().__init__()
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc1 = nn.Conv2d(channels, squeeze, 1)
            self.fc2 = nn.Conv2d(squeeze, channels, 1)
            # `none` (no torch class) is the identity: a spec may ask for it as the inner activation or the gate
            self.activation = getattr(nn, activation or "Identity")()
            self.scale_activation = getattr(nn, gate or "Identity")()

        def forward(self, x: Any) -> Any:
            scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
            return scale * x

    return SqueezeExcitation


@register
@dataclass(frozen=True)
class Add(Op):
    """Residual add of two tensors of one shape (MobileNetV2's shortcut)."""

    name: ClassVar[str] = "add"

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        a, b = inputs
        if a != b:
            raise ValueError(f"residual add needs equal shapes, got {a} and {b}")
        return a

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        return Cost(add_ops=output.elements)

    def torch_module(self, nn: Any) -> Any:
        # The add has no parameters; `torch_apply` sums the inputs and passes the sum through, so
        # forward hooks on `blocks.N.add` see the residual sum.
        return nn.Identity()

    def torch_apply(self, module: Any, inputs: list[Any]) -> Any:
        a, b = inputs
        return module(a + b)


@register
@dataclass(frozen=True)
class Concat(Op):
    """Channel concatenation of several tensors of one spatial size, in the order of the node's inputs
    (GhostNet's ghost module, ShuffleNetV2's units). A copy: no MACs, no params, no other ops."""

    name: ClassVar[str] = "concat"

    def output_channels(self, inputs: tuple[int, ...]) -> int:
        return sum(inputs)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        first = inputs[0]
        for x in inputs[1:]:
            if (x.height, x.width) != (first.height, first.width):
                raise ValueError(
                    f"concat needs inputs of one spatial size, got {' and '.join(str(s) for s in inputs)}"
                )
        return Shape(sum(x.channels for x in inputs), first.height, first.width)

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        return Cost()

    def torch_module(self, nn: Any) -> Any:
        return _data_movement_classes(nn)[0]()


@register
@dataclass(frozen=True)
class Split(Op):
    """A contiguous range of its input's channels, `start` to `start + channels` (ShuffleNetV2's channel
    split takes each half; GhostNet's ghost module keeps the first `channels` of its concatenation).
    A copy: no MACs, no params, no other ops."""

    name: ClassVar[str] = "split"
    start: int
    channels: int

    def output_channels(self, inputs: tuple[int, ...]) -> int:
        return self.channels

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        (x,) = inputs
        if self.start + self.channels > x.channels:
            raise ValueError(
                f"split of channels {self.start}..{self.start + self.channels - 1} needs at least "
                f"{self.start + self.channels} input channels, got {x.channels}"
            )
        return Shape(self.channels, x.height, x.width)

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        return Cost()

    def attributes(self) -> dict[str, int]:
        return {"start": self.start, "channels": self.channels}

    def torch_module(self, nn: Any) -> Any:
        return _data_movement_classes(nn)[1](self.start, self.channels)


@register
@dataclass(frozen=True)
class ChannelShuffle(Op):
    """Channel shuffle (ShuffleNet, Zhang et al. 2018, Fig. 1; torchvision shufflenetv2.py `channel_shuffle`):
    view C channels as `groups` x C/groups, transpose, flatten. A permutation: no MACs, params or other ops."""

    name: ClassVar[str] = "channel_shuffle"
    groups: int = 2

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        (x,) = inputs
        if x.channels % self.groups:
            raise ValueError(f"channel shuffle in {self.groups} groups needs channels divisible by {self.groups}, got {x.channels}")
        return x

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        return Cost()

    def attributes(self) -> dict[str, int]:
        return {"groups": self.groups}

    def torch_module(self, nn: Any) -> Any:
        return _data_movement_classes(nn)[2](self.groups)


@functools.cache
def _data_movement_classes(nn: Any) -> tuple[type, type, type]:
    """The torch modules of concat, split and channel shuffle, built on the `torch.nn` handed in."""
    import torch  # reached only from the torch builder, which has imported it already

    class Concat(nn.Module):
        def forward(self, *inputs: Any) -> Any:
            return torch.cat(inputs, dim=1)

    class Split(nn.Module):
        def __init__(self, start: int, channels: int):
            super().__init__()
            self.start, self.channels = start, channels

        def forward(self, x: Any) -> Any:
            return x[:, self.start : self.start + self.channels]

        def extra_repr(self) -> str:
            return f"start={self.start}, channels={self.channels}"

    class ChannelShuffle(nn.Module):
        def __init__(self, groups: int):
            super().__init__()
            self.groups = groups

        def forward(self, x: Any) -> Any:
            b, c, h, w = x.shape
            return x.view(b, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(b, c, h, w)

        def extra_repr(self) -> str:
            return f"groups={self.groups}"

    return Concat, Split, ChannelShuffle


@register
@dataclass(frozen=True)
class MaxPool(Op):
    """KxK max pooling at a stride, padded by K // 2 as torchvision's ShuffleNetV2 stem
    (`nn.MaxPool2d(3, 2, 1)`): output ceil(input / stride) for an odd K, as a conv's."""

    name: ClassVar[str] = "maxpool"
    kernel: int = 3
    stride: int = 2

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        (x,) = inputs
        return Shape(x.channels, output_size(x.height, self.stride), output_size(x.width, self.stride))

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        # One op per window element per output element (counts.py), padded positions included as a conv's.
        return Cost(pool_ops=self.kernel * self.kernel * output.elements)

    def attributes(self) -> dict[str, int]:
        return {"kernel": self.kernel, "stride": self.stride}

    def torch_module(self, nn: Any) -> Any:
        return nn.MaxPool2d(self.kernel, self.stride, self.kernel // 2)


def split_channels(channels: int, splits: int) -> tuple[int, ...]:
    """Equal channel splits, the remainder to the first (timm mixed_conv2d._split_channels)."""
    out = [channels // splits] * splits
    out[0] += channels - sum(out)
    return tuple(out)


@register
@dataclass(frozen=True)
class MixedConv(Op):
    """A conv whose channels are split into groups, each convolved with its own kernel, the outputs
    concatenated (MixNet, Tan & Le 2019; timm MixedConv2d), then norm and activation on the whole.
    Depthwise: each split is a depthwise conv of its kernel (MixConv). Otherwise each split is a dense conv
    of its input split to its output split (timm's grouped pointwise `a1.1`/`p1.1`: unlike a grouped conv,
    the splits may be unequal). Splits are equal, the remainder to the first (`split_channels`)."""

    name: ClassVar[str] = "mixed_conv"
    in_channels: int
    out_channels: int
    kernels: tuple[int, ...]
    stride: int = 1
    depthwise: bool = True
    bias: bool = False
    norm: str = "batch"
    activation: str = "none"

    @property
    def kind(self) -> str:
        if self.depthwise:
            return "depthwise"
        return "pointwise" if set(self.kernels) == {1} else "conv"

    @property
    def splits(self) -> tuple[tuple[int, int, int], ...]:
        """(kernel, input channels, output channels) of each split."""
        ins = split_channels(self.in_channels, len(self.kernels))
        outs = split_channels(self.out_channels, len(self.kernels))
        return tuple(zip(self.kernels, ins, outs))

    def output_channels(self, inputs: tuple[int, ...]) -> int:
        return self.out_channels

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        """As a conv's: every split has 'same' padding and the stride."""
        (x,) = inputs
        if x.channels != self.in_channels:
            raise ValueError(f"expects {self.in_channels} input channels, got {x.channels}")
        return Shape(self.out_channels, output_size(x.height, self.stride), output_size(x.width, self.stride))

    def cost(self, inputs: tuple[Shape, ...], output: Shape) -> Cost:
        # Per split: K_i*K_i*(1 if depthwise else M_i)*N_i weights, each used once per output pixel.
        weights = sum(k * k * (1 if self.depthwise else m) * n for k, m, n in self.splits)
        return Cost(
            macs=weights * output.height * output.width,
            weights=weights,
            biases=self.out_channels if self.bias else 0,
            **_norm_act_cost(self.out_channels, output.elements, self.norm, self.activation),
        )

    def attributes(self) -> dict[str, int]:
        return {"splits": len(self.kernels), "largest_kernel": max(self.kernels), "stride": self.stride}

    def torch_module(self, nn: Any) -> Any:
        convs = [
            nn.Conv2d(m, n, k, stride=self.stride, padding=k // 2, groups=m if self.depthwise else 1, bias=self.bias)
            for k, m, n in self.splits
        ]
        mixed = _mixed_conv_class(nn)([m for _, m, _ in self.splits], convs)
        parts = [("conv", mixed), *_norm_act_modules(nn, self.out_channels, self.norm, self.activation)]
        return nn.Sequential(OrderedDict(parts))


@functools.cache
def _mixed_conv_class(nn: Any) -> type:
    """timm's MixedConv2d, built on the `torch.nn` handed in: split the channels, convolve, concatenate."""

    class MixedConv2d(nn.Module):
        def __init__(self, splits: list[int], convs: list[Any]):
            super().__init__()
            self.splits = splits
            self.convs = nn.ModuleList(convs)

        def forward(self, x: Any) -> Any:
            import torch  # only ever run from the torch side, which has it

            parts = x.split(self.splits, 1)
            return torch.cat([conv(part) for conv, part in zip(self.convs, parts)], 1)

    return MixedConv2d
