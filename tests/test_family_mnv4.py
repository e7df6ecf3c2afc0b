"""EfficientNetV2-S, MixNet-S and MobileNetV4-Conv S/M/L: the fused, universal and mixed inverted
bottlenecks, the mixed_conv op and the batch-normed classifier hidden layer.

Expected values come from three places, named at each test:
- the reference modules of tests/reference (timm and torchvision re-implemented from their source,
  themselves checked against published figures in tests/test_reference_models.py), at several widths and
  resolutions where the reference takes a width;
- published figures (torchvision's `num_params`, the MobileNetV4 and MixNet papers, rounded there);
- closed-form counts written out here, for each new kind and op at odd sizes and strides.
"""

from __future__ import annotations

import functools

import pytest

from mbcost import analyze_spec, build_graph, load
from mbcost.analysis.cost import analyze
from mbcost.arch.counts import Shape
from mbcost.arch.ops import Linear, MixedConv, split_channels

from .conftest import run

MNV4 = ("mobilenetv4_conv_small", "mobilenetv4_conv_medium", "mobilenetv4_conv_large")


def totals(name: str, alpha: float | None = None, resolution: int | None = None) -> tuple[int, int]:
    t = analyze_spec(name, alpha, resolution).total
    return t.params, t.macs


# ---------------------------------------------------------------------------------------------------
# Against the reference modules


@functools.cache
def reference(factory, args: tuple, size: int) -> tuple[int, int]:
    torch = pytest.importorskip("torch")
    from .reference.measure import conv_linear_macs, params

    with torch.device("meta"):
        module = factory(*args)
    return params(module), conv_linear_macs(module, size)


@pytest.mark.parametrize("alpha, resolution", [(1.0, 224), (0.75, 193), (1.25, 160), (0.5, 257)])
@pytest.mark.parametrize("name", MNV4)
def test_mobilenetv4_conv_equals_timm(name, alpha, resolution):
    from .reference import timm_efficientnet as te

    variant = name.rsplit("_", 1)[1]
    # timm _gen_mobilenet_v4(channel_multiplier=alpha): fixed stem below 1, 1280 head never scaled.
    assert totals(name, alpha, resolution) == reference(te.mobilenetv4_conv, (variant, alpha), resolution)


@pytest.mark.parametrize("alpha, resolution", [(1.0, 224), (0.75, 193), (1.3, 160), (0.5, 257)])
def test_mixnet_s_equals_timm(alpha, resolution):
    from .reference import timm_efficientnet as te

    assert totals("mixnet_s", alpha, resolution) == reference(te.mixnet_s, (alpha,), resolution)


@pytest.mark.parametrize("resolution", [224, 300, 171])
def test_efficientnet_v2_s_equals_torchvision(resolution):
    from .reference import torchvision_nets as tv

    assert totals("efficientnet_v2_s", 1.0, resolution) == reference(tv.efficientnet_v2_s, (), resolution)


@pytest.mark.parametrize("alpha, resolution", [(1.0, 224), (0.75, 193), (1.25, 160)])
def test_efficientnet_v2_s_at_other_widths_equals_timm(alpha, resolution):
    # torchvision has no width multiplier for V2; timm's efficientnetv2_s(channel_multiplier) scales every
    # channel count, its head's too, and its SE round(mid * 0.25 / t) is input // 4 whenever the input is a
    # multiple of 8, as every scaled width is.
    from .reference import timm_efficientnet as te

    assert totals("efficientnet_v2_s", alpha, resolution) == reference(te.efficientnetv2_s, (alpha,), resolution)


# ---------------------------------------------------------------------------------------------------
# Published figures


def test_efficientnet_v2_s_published_params():
    # torchvision/models/efficientnet.py EfficientNet_V2_S_Weights.IMAGENET1K_V1 meta["num_params"]
    assert totals("efficientnet_v2_s")[0] == 21_458_488


def test_mobilenetv4_conv_small_published():
    # MobileNetV4 paper (Qin et al. 2024), Table 6: MNv4-Conv-S, 3.8M params, 0.2G MACs (rounded there)
    params, macs = totals("mobilenetv4_conv_small")
    assert round(params / 1e6, 1) == 3.8
    assert round(macs / 1e9, 1) == 0.2


def test_mixnet_s_published_params():
    # MixNet paper (Tan & Le 2019, "MixConv"), its ImageNet results table: MixNet-S, 4.1M params (rounded there)
    assert round(totals("mixnet_s")[0] / 1e6, 1) == 4.1


# ---------------------------------------------------------------------------------------------------
# Every node of each config, analytic == measured in torch


@pytest.mark.parametrize("name, alpha, resolution", [
    ("efficientnet_v2_s", 1.0, 97), ("mixnet_s", 0.75, 131), ("mobilenetv4_conv_small", 1.0, 224),
    ("mobilenetv4_conv_medium", 0.5, 115), ("mobilenetv4_conv_large", 1.0, 99),
])
def test_configs_verify_node_by_node(name, alpha, resolution):
    pytest.importorskip("torch")
    from mbcost.pytorch.verify import verify

    result = verify(build_graph(load(name), alpha, resolution))
    assert [(row.name, row.differences) for row in result.mismatches] == []
    assert result.ok


# ---------------------------------------------------------------------------------------------------
# Closed forms

# A 20-channel 37 x 37 input to the block under test (scaling none: no rounding), batch norm, ReLU.
HEAD = """\
input: {channels: 3, resolution: 37}
classes: 10
stem: {conv: {kernel: 3, channels: 20, scaling: none}}
blocks:
  - %s
"""
STEM_PARAMS = 3 * 3 * 3 * 20 + 2 * 20
STEM_MACS = 3 * 3 * 3 * 20 * 37 * 37


def block_cost(cost_of, row: str):
    a = cost_of(HEAD % row)
    return a.total.params - STEM_PARAMS, a.total.macs - STEM_MACS, [n.name for n in a.graph.nodes]


def test_fused_bottleneck_closed_form(cost_of):
    # t = 3: expanded make_divisible(20 * 3 = 60, 8) = 64; 5x5 dense conv 20 -> 64 with stride 2 (37 -> 19),
    # 1x1 projection 64 -> 28; batch norm after each; no residual (stride 2).
    params, macs, names = block_cost(cost_of, "fused_bottleneck: {expansion: 3, kernel: 5, stride: 2, channels: 28, scaling: none}")
    assert params == 5 * 5 * 20 * 64 + 2 * 64 + 64 * 28 + 2 * 28
    assert macs == 5 * 5 * 20 * 64 * 19 * 19 + 64 * 28 * 19 * 19
    assert names[1:] == ["blocks.0.expand", "blocks.0.project"]


def test_fused_bottleneck_at_t1_is_one_conv_with_residual(write_spec):
    # torchvision FusedMBConv: expanded make_divisible(24 * 1) = 24 == input: one dense 3x3 conv 24 -> 24, BN, act.
    spec = HEAD.replace("channels: 20", "channels: 24") % "fused_bottleneck: {expansion: 1, channels: 24, scaling: none}"
    a = analyze(build_graph(load(write_spec(spec))))
    block = {n.node.name: n.cost for n in a.layers if n.node.block == "blocks.0"}
    assert list(block) == ["blocks.0.conv", "blocks.0.add"]
    assert block["blocks.0.conv"].macs == 3 * 3 * 24 * 24 * 37 * 37
    assert block["blocks.0.conv"].params == 3 * 3 * 24 * 24 + 2 * 24


def test_universal_bottleneck_extra_dw_closed_form(cost_of):
    # ExtraDW: start 3x3 depthwise on 20 channels at stride 1 (the middle one takes the stride), no act;
    # expand 1x1 20 -> make_divisible(20 * 4) = 80; middle 5x5 depthwise stride 2 (37 -> 19); project 80 -> 20.
    params, macs, names = block_cost(
        cost_of, "universal_bottleneck: {start_kernel: 3, middle_kernel: 5, expansion: 4, stride: 2, channels: 20, scaling: none}"
    )
    assert params == (3 * 3 * 20 + 2 * 20) + (20 * 80 + 2 * 80) + (5 * 5 * 80 + 2 * 80) + (80 * 20 + 2 * 20)
    assert macs == 3 * 3 * 20 * 37 * 37 + 20 * 80 * 37 * 37 + 5 * 5 * 80 * 19 * 19 + 80 * 20 * 19 * 19
    assert names[1:] == ["blocks.0.start", "blocks.0.expand", "blocks.0.depthwise", "blocks.0.project"]


def test_universal_bottleneck_convnext_takes_the_stride_at_the_start(cost_of):
    # ConvNext-like: the start 7x7 depthwise takes stride 3 (37 -> 13); expand 20 -> make_divisible(20 * 2.5 = 50) = 48.
    params, macs, _ = block_cost(cost_of, "universal_bottleneck: {start_kernel: 7, expansion: 2.5, stride: 3, channels: 36, scaling: none}")
    assert params == (7 * 7 * 20 + 2 * 20) + (20 * 48 + 2 * 48) + (48 * 36 + 2 * 36)
    assert macs == (7 * 7 * 20 + 20 * 48 + 48 * 36) * 13 * 13


def test_universal_bottleneck_ffn_has_a_residual(cost_of):
    # FFN: two 1x1 convs, 20 -> make_divisible(20 * 2) = 40 -> 20, and the residual add.
    params, macs, names = block_cost(cost_of, "universal_bottleneck: {expansion: 2, channels: 20, scaling: none}")
    assert params == (20 * 40 + 2 * 40) + (40 * 20 + 2 * 20)
    assert macs == 2 * 20 * 40 * 37 * 37
    assert names[-1] == "blocks.0.add"


def test_mixed_bottleneck_closed_form(cost_of):
    # expand: 20 -> make_divisible(20 * 3 = 60) = 64 as 3 dense 1x1 convs on splits 8+6+6 -> 22+21+21
    # (equal splits, the remainder to the first); depthwise 3x3 / 5x5 / 7x7 on 22 / 21 / 21 channels, stride 2
    # (37 -> 19); project 64 -> 31 as 2 dense 1x1 convs, 32 -> 16 and 32 -> 15.
    params, macs, _ = block_cost(
        cost_of,
        "mixed_bottleneck: {expansion: 3, kernel: [3, 5, 7], expand_groups: 3, project_groups: 2, stride: 2, channels: 31, scaling: none}",
    )
    expand = 8 * 22 + 6 * 21 + 6 * 21
    depthwise = 9 * 22 + 25 * 21 + 49 * 21
    project = 32 * 16 + 32 * 15
    assert params == expand + 2 * 64 + depthwise + 2 * 64 + project + 2 * 31
    assert macs == expand * 37 * 37 + (depthwise + project) * 19 * 19


def test_mixed_conv_op_closed_form():
    # 83 channels in 4 splits: 20 each, the remainder 3 to the first (23); stride 2 on 37 x 37 -> 19 x 19.
    assert split_channels(83, 4) == (23, 20, 20, 20)
    op = MixedConv(83, 83, (3, 5, 7, 9), 2, depthwise=True)
    out = op.output_shape((Shape(83, 37, 37),))
    assert out == Shape(83, 19, 19)
    cost = op.cost((Shape(83, 37, 37),), out)
    assert cost.weights == 9 * 23 + 25 * 20 + 49 * 20 + 81 * 20
    assert cost.macs == cost.weights * 19 * 19
    assert cost.norm_params == 2 * 83
    # Dense splits (grouped pointwise): 7 -> 4 + 3, 9 -> 5 + 4; unlike a grouped conv, unequal splits.
    dense = MixedConv(7, 9, (1, 1), depthwise=False, norm="none", bias=True)
    cost = dense.cost((Shape(7, 5, 5),), Shape(9, 5, 5))
    assert (cost.weights, cost.biases, cost.macs) == (4 * 5 + 3 * 4, 9, (4 * 5 + 3 * 4) * 25)


def test_linear_with_batch_norm_closed_form():
    # MobileNetV4's head: 960 -> 1280 without bias, BN (2 x 1280 params, 2 x 1280 buffers), ReLU.
    cost = Linear(960, 1280, bias=False, activation="relu", norm="batch").cost((Shape(960, 1, 1),), Shape(1280, 1, 1))
    assert (cost.macs, cost.weights, cost.biases) == (960 * 1280, 960 * 1280, 0)
    assert (cost.norm_params, cost.norm_buffers, cost.params) == (2 * 1280, 2 * 1280, 960 * 1280 + 2 * 1280)


def test_mobilenetv4_head_is_a_normed_hidden_layer():
    # timm head_norm: pool, 1x1 conv 960 -> 1280 without bias + BN + ReLU, then Linear 1280 -> 1000 with bias.
    a = analyze_spec("mobilenetv4_conv_small", 0.5)
    layers = {layer.node.name: layer.cost for layer in a.layers}
    assert layers["classifier.hidden"].params == 480 * 1280 + 2 * 1280  # make_divisible(960 * 0.5) = 480
    assert layers["classifier.output"].params == 1280 * 1000 + 1000


# ---------------------------------------------------------------------------------------------------
# Bad input and hints


BAD = [
    ("mixed_bottleneck: {expansion: 2, channels: 20, kernel: [3, 4]}", "kernel", "must be odd"),
    ("mixed_bottleneck: {expansion: 0.2, channels: 20, kernel: [3, 5, 7, 9, 11, 13, 15, 17, 19]}", "kernel", "leave a split with none"),
    ("mixed_bottleneck: {expansion: 2, channels: 2, project_groups: 3, scaling: none}", "project_groups", "leave a split with none"),
    ("mixed_bottleneck: {expansion: 2, channels: 20, kernel: []}", "kernel", "empty list"),
    ("fused_bottleneck: {expansion: 4, channels: 20, start_kernel: 3}", "start_kernel", "unknown field"),
    ("bottleneck: {expansion: 4, channels: 20, expand_groups: 2}", "expand_groups", "unknown field"),
    ("universal_bottleneck: {expansion: 4, channels: 20, stride: 2}", "stride", "needs a depthwise conv"),
    ("universal_bottleneck: {expansion: 4, channels: 20, middle_kernel: 4}", "middle_kernel", "must be odd"),
    # make_divisible(20 * 1.1 = 22, 8) = 24 != 20: two convs, so squeeze-and-excitation has a width ...
    ("fused_bottleneck: {expansion: 1.1, channels: 24, se: true, stride: 2, residual: true}", "residual", "needs stride 1"),
    ("fused_bottleneck: {expansion: 2, channels: 24, stride: 2, residual: true}", "residual", "needs stride 1"),
]


@pytest.mark.parametrize("row, field, message", BAD)
def test_bad_block_is_one_located_line(row, field, message, write_spec):
    path = write_spec(HEAD % row)
    result = run("analyze", path)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"{path}:5:"), lines[0]
    assert field in lines[0] and message in lines[0], lines[0]


def test_squeeze_excitation_needs_an_expanded_width(write_spec):
    # ... but at t = 1 on 24 channels, make_divisible(24) = 24: one conv in -> out (torchvision), no expanded width.
    path = write_spec(HEAD.replace("channels: 20", "channels: 24") % "fused_bottleneck: {expansion: 1, channels: 24, se: true}")
    result = run("analyze", path)
    assert result.exit_code == 2
    assert result.output.startswith(f"{path}:5:") and "se" in result.output and "no expanded width" in result.output


def test_hidden_norm_without_a_hidden_layer_is_an_error(write_spec):
    path = write_spec(HEAD % "conv: {kernel: 1, channels: 8}" + "pool: average\nclassifier: {hidden_norm: batch}\n")
    result = run("analyze", path)
    assert result.exit_code == 2
    assert result.output.startswith(f"{path}:7:") and "hidden_norm needs a hidden layer" in result.output


@pytest.mark.parametrize("written, meant", [
    ("er", "fused_bottleneck"), ("fused_mbconv", "fused_bottleneck"), ("FusedMBConv", "fused_bottleneck"),
    ("uir", "universal_bottleneck"), ("UniversalInvertedResidual", "universal_bottleneck"), ("cn", "conv"),
])
def test_timm_and_torchvision_names_hint_the_kind(written, meant, write_spec):
    path = write_spec(HEAD % f"{written}: {{channels: 8}}")
    result = run("analyze", path)
    assert result.exit_code == 2
    assert f"did you mean '{meant}'?" in result.output, result.output
