"""MobileNetV1 written out by hand from the paper (Howard et al. 2017, Table 1; eqs. 2-4), independent of
mbcost's spec, graph and cost code: the expected values of the sweep and compare tests."""

from __future__ import annotations

import math

# (stride of the depthwise conv, output channels of the pointwise conv), paper Table 1 rows 2-27;
# the last stride is 1 as in TF-slim (the paper prints s2, which would not keep 7x7).
V1_SEPARABLE = [(1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512)] + [(1, 512)] * 5 + [(2, 1024), (1, 1024)]


def v1_layers(alpha: float = 1.0, resolution: int = 224, classes: int = 1000) -> list[tuple[str, int, int, int]]:
    """(op kind, output size, MACs, params) per layer. Channels max(int(c * alpha), 8) (TF-slim);
    each conv has batch norm (2 params per channel) and no bias; the classifier has a bias."""

    def width(c: int) -> int:
        return max(int(c * alpha), 8)

    size = math.ceil(resolution / 2)
    m = width(32)
    layers = [("conv", size, 3 * 3 * 3 * m * size * size, 3 * 3 * 3 * m + 2 * m)]
    for stride, channels in V1_SEPARABLE:
        size = math.ceil(size / stride)
        layers.append(("depthwise", size, 3 * 3 * m * size * size, 3 * 3 * m + 2 * m))  # D_K^2 M D_F^2 (eq. 3)
        n = width(channels)
        layers.append(("pointwise", size, m * n * size * size, m * n + 2 * n))  # M N D_F^2
        m = n
    layers.append(("linear", 1, m * classes, m * classes + classes))
    return layers


def v1_totals(alpha: float = 1.0, resolution: int = 224) -> tuple[int, int]:
    layers = v1_layers(alpha, resolution)
    return sum(layer[2] for layer in layers), sum(layer[3] for layer in layers)


# A small spec for budget tests, with its cost by hand:
#   stem conv 3x3 s2, 3 -> 8 channels, 32 -> 16 px:   MACs 3*3*3*8*16*16, params 3*3*3*8 + 2*8 (batch norm)
#   separable s2 8 -> C, 16 -> 8 px: depthwise         MACs 3*3*8*8*8,     params 3*3*8 + 2*8
#                                    pointwise         MACs 8*C*8*8,       params 8*C + 2*C
#   pool, classifier C -> 10 with bias:                MACs C*10,          params C*10 + 10
TINY_SPEC = """\
description: tiny net for budget tests
input: {{channels: 3, resolution: 32}}
classes: 10
stem:
  conv: {{kernel: 3, stride: 2, channels: 8}}
blocks:
  - separable: {{stride: 2, channels: {channels}}}
pool: average
classifier: {{}}
{budget}"""


def tiny_totals(channels: int) -> tuple[int, int]:
    c = channels
    macs = 3 * 3 * 3 * 8 * 16 * 16 + 3 * 3 * 8 * 8 * 8 + 8 * c * 8 * 8 + c * 10
    params = (3 * 3 * 3 * 8 + 2 * 8) + (3 * 3 * 8 + 2 * 8) + (8 * c + 2 * c) + (c * 10 + 10)
    return macs, params


def tiny_spec(channels: int = 16, budget: str = "") -> str:
    return TINY_SPEC.format(channels=channels, budget=budget)
