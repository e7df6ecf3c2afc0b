"""The counting convention, stated once.

MACs: multiply-accumulates of convolution and linear layers, batch 1, bias excluded (one fused
multiply-add is one MAC). This is the convention of the MobileNet papers, TF-slim, fvcore, and
`torch.utils.flop_counter.FlopCounterMode` (which reports 2 FLOPs per MAC; `--unit flops` does too).
Standard conv K*K*M*N*H*W; depthwise K*K*M*H*W; pointwise M*N*H*W (H, W: output size, each axis on its
own). A batch of N images costs N times the MACs, other ops and activation memory of one image, and the
same params and weight bytes (`Cost.batched`).

Elementwise work is never folded into MACs; it is counted as "other ops", one op per output element
for batch norm (inference: one fused scale-and-shift), activations other than the identity (hard-swish
and hard-sigmoid too) and residual adds, one op per input element for global average pooling (the
squeeze of squeeze-and-excitation too), and `multiply_ops`: one op per element for the channel-wise
rescaling of squeeze-and-excitation (v3 paper, Fig. 4). The 1x1 convs of squeeze-and-excitation are MACs.
A pool costs one op per element of its window for each output element: global average pooling H*W per
channel (its input elements, as above), a KxK max pool K*K per output element (ShuffleNetV2's stem; the
K*K - 1 comparisons and one move, padded positions counted as a conv counts them), both as `pool_ops`.
Concat, channel split and channel shuffle move data and compute nothing: zero MACs, params and other ops
(as fvcore ignores only ops that are "technically truly 0 flops").

params: what `sum(p.numel() for p in module.parameters())` gives for the equivalent PyTorch module:
`weights` (conv and linear weight tensors), `biases`, `norm_params` (batch norm weight and bias).
`norm_buffers` (running mean and variance, 2 per channel; Keras' non-trainable params) are reported
beside params, not in them; `num_batches_tracked` is not counted.

Weight bytes: what the weights take on disk and in flash once deployed, as integer runtimes store them.
Batch norm is folded into the conv before it (W' = W * gamma / sigma, b' = beta + (b - mu) * gamma /
sigma), so a conv+BN stores its K*K*(M/groups)*N weights and N biases (one per output channel, whether
or not the conv had a bias), and no norm params or buffers; a layer without weights keeps its norm's
scale and shift. Linear and squeeze-and-excitation layers store their weights and biases. fp32 and fp16
store every value at 4 and 2 bytes; int8 stores weights at 1 byte and biases as int32 (4 bytes), as
TFLite's integer kernels do. Quantization scales and zero points, file headers and alignment are not
counted.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, fields
from typing import NamedTuple

# Bytes per activation element, for activation memory. The v2 paper's Table 3 assumes 16-bit floats.
DTYPE_BYTES: dict[str, int] = {"fp32": 4, "fp16": 2, "int8": 1}


class Shape(NamedTuple):
    """An activation tensor of one sample: channels x height x width. A frozen record of integers as
    a named tuple, which is made, hashed and compared at C speed: a sweep infers some 10^6 of them."""

    channels: int
    height: int
    width: int

    @property
    def elements(self) -> int:
        return self.channels * self.height * self.width

    def as_list(self) -> list[int]:
        return [self.channels, self.height, self.width]

    def __str__(self) -> str:
        return f"{self.channels}x{self.height}x{self.width}"


@dataclass(frozen=True)
class Cost:
    """Counts of one node, or a sum of nodes. Integers only."""

    macs: int = 0
    weights: int = 0
    biases: int = 0
    norm_params: int = 0
    norm_buffers: int = 0
    norm_ops: int = 0
    activation_ops: int = 0
    add_ops: int = 0
    pool_ops: int = 0
    multiply_ops: int = 0

    @property
    def params(self) -> int:
        return self.weights + self.biases + self.norm_params

    @property
    def other_ops(self) -> int:
        return self.norm_ops + self.activation_ops + self.add_ops + self.pool_ops + self.multiply_ops

    # The instance dict holds the fields in declaration order.
    def __add__(self, other: Cost) -> Cost:
        return Cost(*map(operator.add, self.__dict__.values(), other.__dict__.values()))

    def __sub__(self, other: Cost) -> Cost:
        return Cost(*map(operator.sub, self.__dict__.values(), other.__dict__.values()))

    def batched(self, batch: int) -> Cost:
        """The counts of `batch` images in one inference: the work (MACs and other ops) is done once per
        image, the parameters and buffers are stored once."""
        if batch == 1:
            return self
        return Cost(**{name: value * batch if name in PER_IMAGE else value for name, value in self.__dict__.items()})

    def as_dict(self) -> dict[str, int]:
        """All counts by name, the derived `params` and `other_ops` included."""
        out = {"macs": self.macs, "params": self.params}
        out.update(self.__dict__)
        out["other_ops"] = self.other_ops
        return out


# Bytes per stored weight and per stored bias at each weight type (see "Weight bytes" above).
WEIGHT_BYTES: dict[str, tuple[int, int]] = {"fp32": (4, 4), "fp16": (2, 2), "int8": (1, 4)}


@dataclass(frozen=True)
class Stored:
    """The values a layer (or a sum of layers) stores once batch norm is folded into its conv."""

    weights: int = 0
    biases: int = 0

    def __add__(self, other: Stored) -> Stored:
        return Stored(self.weights + other.weights, self.biases + other.biases)

    def bytes(self, dtype: str) -> int:
        weight, bias = WEIGHT_BYTES[dtype]
        return self.weights * weight + self.biases * bias

    def as_dict(self) -> dict[str, int]:
        """Bytes at every weight type, keyed `weight_bytes_<dtype>`."""
        return {f"weight_bytes_{dtype}": self.bytes(dtype) for dtype in WEIGHT_BYTES}


def stored(cost: Cost) -> Stored:
    """The stored values of one layer's cost: batch norm (2 params per channel) folds into one bias per
    channel of the conv before it, which then needs no bias of its own."""
    if not cost.weights:
        return Stored(0, cost.biases + cost.norm_params)
    return Stored(cost.weights, max(cost.biases, cost.norm_params // 2))


COUNT_FIELDS = tuple(f.name for f in fields(Cost))
# The counts of work done once per image (the rest, params and buffers, are stored once).
PER_IMAGE = frozenset({"macs", "norm_ops", "activation_ops", "add_ops", "pool_ops", "multiply_ops"})


def total(costs) -> Cost:
    """The field-by-field sum of many costs."""
    return Cost(*map(sum, zip(*(c.__dict__.values() for c in costs))))


@dataclass(frozen=True)
class Unit:
    """How a report counts the work of convs and linear layers: MACs, or FLOPs at 2 per MAC (one multiply
    and one add, as papers, fvcore's FLOP totals and `FlopCounterMode` report it). `name` is the key of
    the count in JSON and CSV (`macs`, `flops`), `label` its name in tables and text."""

    name: str
    label: str
    per_mac: int

    def __call__(self, macs: int) -> int:
        return macs * self.per_mac


MACS = Unit("macs", "MACs", 1)
FLOPS = Unit("flops", "FLOPs", 2)
UNITS: dict[str, Unit] = {unit.name: unit for unit in (MACS, FLOPS)}
