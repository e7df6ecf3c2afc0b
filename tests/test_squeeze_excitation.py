"""Squeeze-and-excitation as its own record: the squeeze width by each implementation's rule, from the
block's input or its expanded width, and its counts, against closed forms written here."""

from __future__ import annotations

import pytest

from mbcost import build_graph
from mbcost.analysis.cost import analyze
from mbcost.spec.parse import parse_spec

BASE = "input: {resolution: 14}\nclasses: 10\n"


def se_node(se: str, input_channels: int = 40, expansion: float = 6, defaults: str = ""):
    text = BASE + defaults + f"blocks:\n  - conv: {{kernel: 1, channels: {input_channels}, scaling: none}}\n"
    text += f"  - bottleneck: {{expansion: {expansion}, channels: 48, se: {se}}}\n"
    graph = build_graph(parse_spec(text, "net.yaml", "net"))
    return graph.node("blocks.1.se")


def make_divisible(v: float, d: int = 8) -> int:  # timm/torchvision, written again here as the witness
    r = max(d, int(v + d / 2) // d * d)
    return r + d if r < 0.9 * v else r


@pytest.mark.parametrize("input_channels", [40, 143 // 6, 24, 37])
def test_true_is_torchvision_mobilenet_v3(input_channels):
    # torchvision mobilenetv3.py: _make_divisible(expanded // 4, 8), ReLU inside, hard-sigmoid gate.
    expanded = round(input_channels * 6)
    op = se_node("true", input_channels).op
    assert op.squeeze == make_divisible(expanded // 4)
    assert (op.activation, op.gate) == ("relu", "hardsigmoid")


@pytest.mark.parametrize(
    "se,expected",
    [
        # timm EfficientNet (se_from_exp=False): round(input * 0.25) = round(40 * 0.25) = 10
        ("{of: input, rounding: round, activation: silu, gate: sigmoid}", 10),
        # torchvision EfficientNet: max(1, input_channels // 4) = 10
        ("{of: input, rounding: floor}", 10),
        # timm MobileNetV3 / GhostNet style: make_divisible(240 * 0.25, 8) = 64 (60 rounds up to 64)
        ("{rounding: make_divisible}", 64),
        # GhostNet: make_divisible(240 * 0.25, 4) = 60
        ("{rounding: make_divisible, divisor: 4}", 60),
        # a ratio of 1/16 of the expanded width, rounded: round(240 / 16) = 15
        ("{ratio: 0.0625, rounding: round}", 15),
    ],
)
def test_each_rounding_rule(se, expected):
    assert se_node(se).op.squeeze == expected  # expanded = round(40 * 6) = 240


def test_floor_is_at_least_one():
    # torchvision efficientnet.py: max(1, input_channels // 4), here 3 // 4 = 0 -> 1
    assert se_node("{of: input, rounding: floor}", input_channels=3, expansion=1).op.squeeze == 1


def test_model_defaults_give_what_true_means():
    node = se_node("true", defaults="defaults: {se: {of: input, rounding: round, activation: silu, gate: sigmoid}}\n")
    assert (node.op.squeeze, node.op.activation, node.op.gate) == (10, "silu", "sigmoid")


def test_counts_of_squeeze_and_excitation():
    node = se_node("{of: input, rounding: round, activation: silu, gate: sigmoid}")
    c, s = 240, 10
    cost = analyze(build_graph(parse_spec(BASE + "blocks:\n  - conv: {kernel: 1, channels: 40, scaling: none}\n"
                                          "  - bottleneck: {expansion: 6, channels: 48, se: {of: input, rounding: round}}\n",
                                          "net.yaml", "net"))).layers
    se = next(layer for layer in cost if layer.node.name == "blocks.1.se").cost
    h = w = node.input_shape.height
    assert se.macs == 2 * c * s and se.params == 2 * c * s + s + c  # two 1x1 convs with bias on a 1x1 map
    assert se.pool_ops == c * h * w and se.multiply_ops == c * h * w
    assert se.activation_ops == s + c  # one op per element: the inner activation and the gate
