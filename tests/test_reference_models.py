"""The reference PyTorch modules in tests/reference reproduce the published figures of the networks
they re-implement, so they can stand as the independent witness for mbcost's own counts.

Sources of the expected values (each table names its file):
- torchvision model metadata, `num_params` (exact) and `_ops` (the docs' "GFLOPS" column, which is GMACs
  of conv + linear at the weights' crop size, at the precision published) in
  torchvision/models/{efficientnet,mnasnet,shufflenetv2}.py;
- timm's results tables (huggingface/pytorch-image-models results/*.csv): `param_count` in millions
  (2 decimals) and `infer_gmacs` (fvcore: conv + linear MACs plus 2 per batch-norm element, 2 decimals);
- timm's module for EfficientNet-B0 at 224: 385,814,752 conv + linear MACs (FlopCounterMode / 2).

Modules are built on the meta device (shapes only), so the whole file runs in well under a minute.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from .reference import timm_efficientnet as te  # noqa: E402
from .reference import timm_ghostnet as tg  # noqa: E402
from .reference import torchvision_nets as tv  # noqa: E402
from .reference.measure import conv_linear_macs, count, params  # noqa: E402


def on_meta(factory, *args):
    with torch.device("meta"):
        return factory(*args)


@functools.cache
def measured(factory, args=(), size=224):
    """(params, conv + linear MACs, batch-norm elements) of factory(*args) at size, built on the meta
    device; cached, as several tests measure the same module."""
    module = on_meta(factory, *args)
    macs, norm_elements = count(module, size)
    return params(module), macs, norm_elements


def at_published_precision(value: float, published: str) -> bool:
    """value rounded to as many decimals as the published string shows equals it."""
    decimals = len(published.partition(".")[2])
    return round(value, decimals) == float(published)


# ---------------------------------------------------------------------------------------------------
# EfficientNet-B0, both references


@pytest.mark.parametrize("factory", [te.efficientnet_b, tv.efficientnet_b], ids=["timm", "torchvision"])
def test_efficientnet_b0_published_figures(factory):
    n_params, macs, _ = measured(factory, ("b0",), 224)
    # torchvision/models/efficientnet.py EfficientNet_B0_Weights.IMAGENET1K_V1 meta["num_params"]
    assert n_params == 5_288_548
    # timm efficientnet_b0 at 224: conv + linear MACs, FlopCounterMode total / 2
    assert macs == 385_814_752


def test_meta_device_counts_equal_a_real_forward():
    # Real CPU tensors with every batch norm run, against the meta-device counts (norms passed through):
    # the same conv + linear MACs and batch-norm elements. MixNet and GhostNet split, concatenate and
    # slice real tensors too.
    module = te.efficientnet_b("b0")
    assert count(module, 224, run_norms=True) == measured(te.efficientnet_b, ("b0",), 224)[1:]
    assert conv_linear_macs(module, 224) == 385_814_752
    assert count(te.mixnet_s(), 160, run_norms=True) == measured(te.mixnet_s, (), 160)[1:]
    assert count(tg.ghostnet(), 128, run_norms=True) == measured(tg.ghostnet, (1.0,), 128)[1:]


# ---------------------------------------------------------------------------------------------------
# torchvision: exact num_params, _ops (GMACs, conv + linear) at the weights' crop size

TORCHVISION = [
    # (torchvision builder, reference factory, args, num_params, crop size, _ops)
    # torchvision/models/efficientnet.py EfficientNet_B*_Weights / EfficientNet_V2_S_Weights
    ("efficientnet_b0", tv.efficientnet_b, ("b0",), 5_288_548, 224, "0.4"),
    ("efficientnet_b1", tv.efficientnet_b, ("b1",), 7_794_184, 240, "0.7"),
    ("efficientnet_b2", tv.efficientnet_b, ("b2",), 9_109_994, 288, "1.1"),
    ("efficientnet_b3", tv.efficientnet_b, ("b3",), 12_233_232, 300, "1.8"),
    ("efficientnet_b4", tv.efficientnet_b, ("b4",), 19_341_616, 380, "4.4"),
    ("efficientnet_b5", tv.efficientnet_b, ("b5",), 30_389_784, 456, "10.3"),
    ("efficientnet_b6", tv.efficientnet_b, ("b6",), 43_040_704, 528, "19.1"),
    ("efficientnet_b7", tv.efficientnet_b, ("b7",), 66_347_960, 600, "37.7"),
    ("efficientnet_v2_s", tv.efficientnet_v2_s, (), 21_458_488, 384, "8.4"),
    # torchvision/models/mnasnet.py MNASNet*_Weights
    ("mnasnet0_5", tv.mnasnet, (0.5,), 2_218_512, 224, "0.104"),
    ("mnasnet0_75", tv.mnasnet, (0.75,), 3_170_208, 224, "0.215"),
    ("mnasnet1_0", tv.mnasnet, (1.0,), 4_383_312, 224, "0.314"),
    ("mnasnet1_3", tv.mnasnet, (1.3,), 6_282_256, 224, "0.526"),
    # torchvision/models/shufflenetv2.py ShuffleNet_V2_X*_Weights
    ("shufflenet_v2_x0_5", tv.shufflenet_v2, (0.5,), 1_366_792, 224, "0.04"),
    ("shufflenet_v2_x1_0", tv.shufflenet_v2, (1.0,), 2_278_604, 224, "0.145"),
    ("shufflenet_v2_x1_5", tv.shufflenet_v2, (1.5,), 3_503_624, 224, "0.296"),
    ("shufflenet_v2_x2_0", tv.shufflenet_v2, (2.0,), 7_393_996, 224, "0.583"),
]


@pytest.mark.parametrize("name, factory, args, num_params, crop, ops", TORCHVISION, ids=[r[0] for r in TORCHVISION])
def test_torchvision_published_figures(name, factory, args, num_params, crop, ops):
    n_params, macs, _ = measured(factory, args, crop)
    assert n_params == num_params
    assert at_published_precision(macs / 1e9, ops)


# ---------------------------------------------------------------------------------------------------
# timm: param_count and infer_gmacs from
# results/benchmark-infer-amp-nchw-pt291-cu128-4090.csv (the param_count column is the same as in
# results/results-imagenet.csv, e.g. 3.89 semnasnet_100, 5.57 fbnetc_100, 4.13 mixnet_s, 2.95 lcnet_100,
# 3.77 / 9.72 / 32.59 mobilenetv4_conv_small / medium / large, 5.18 ghostnet_100). infer_gmacs is fvcore's
# FlopCountAnalysis (timm benchmark.py profile_fvcore): conv + linear MACs + 2 per batch-norm element.

TIMM_BENCHMARK = [
    # (timm model, infer_img_size, param_count (M), infer_gmacs). B2..B6 are left out for time: their
    # params and MACs are pinned by torchvision's figures and the timm == torchvision test below.
    ("efficientnet_b0", 224, "5.29", "0.4"),
    ("efficientnet_b1", 240, "7.79", "0.71"),
    ("efficientnet_b7", 600, "66.35", "38.33"),
    ("efficientnetv2_s", 384, "21.46", "8.44"),
    ("semnasnet_050", 224, "2.08", "0.11"),
    ("semnasnet_075", 224, "2.91", "0.23"),
    ("semnasnet_100", 224, "3.89", "0.32"),
    ("semnasnet_140", 224, "6.11", "0.6"),
    ("fbnetc_100", 224, "5.57", "0.4"),
    ("mixnet_s", 224, "4.13", "0.25"),
    ("lcnet_035", 224, "1.64", "0.03"),
    ("lcnet_050", 224, "1.88", "0.05"),
    ("lcnet_075", 224, "2.36", "0.1"),
    ("lcnet_100", 224, "2.95", "0.16"),
    ("lcnet_150", 224, "4.5", "0.34"),
    ("mobilenetv4_conv_small_035", 224, "1.91", "0.05"),
    ("mobilenetv4_conv_small_050", 224, "2.24", "0.07"),
    ("mobilenetv4_conv_small", 224, "3.77", "0.19"),
    ("mobilenetv4_conv_medium", 224, "9.72", "0.84"),
    ("mobilenetv4_conv_medium", 256, "9.72", "1.1"),
    ("mobilenetv4_conv_large", 256, "32.59", "2.86"),
    ("ghostnet_050", 224, "2.59", "0.05"),
    ("ghostnet_100", 224, "5.18", "0.15"),
    ("ghostnet_130", 224, "7.36", "0.24"),
]


def timm_reference(name: str):
    """(factory, args) of the reference for a timm model name (a width suffix _050 is multiplier 0.5)."""
    if m := re.fullmatch(r"efficientnet_(b\d)", name):
        return te.efficientnet_b, (m[1],)
    if m := re.fullmatch(r"(semnasnet|lcnet|ghostnet)_(\d{3})", name):
        return {"semnasnet": te.semnasnet, "lcnet": te.lcnet, "ghostnet": tg.ghostnet}[m[1]], (int(m[2]) / 100,)
    if m := re.fullmatch(r"mobilenetv4_conv_(small|medium|large)(?:_(\d{3}))?", name):
        return te.mobilenetv4_conv, (m[1], int(m[2]) / 100 if m[2] else 1.0)
    return {"efficientnetv2_s": te.efficientnetv2_s, "fbnetc_100": te.fbnetc, "mixnet_s": te.mixnet_s}[name], ()


@pytest.mark.parametrize("name, size, param_count, gmacs", TIMM_BENCHMARK,
                         ids=[f"{r[0]}-{r[1]}" for r in TIMM_BENCHMARK])
def test_timm_published_figures(name, size, param_count, gmacs):
    n_params, macs, norm_elements = measured(*timm_reference(name), size)
    assert at_published_precision(n_params / 1e6, param_count)
    # fvcore (measure.fvcore_macs): conv + linear MACs + 2 per batch-norm element
    assert at_published_precision((macs + 2 * norm_elements) / 1e9, gmacs)


# Exact counts measured from the reference modules at 224 (conv + linear MACs), pinned so that a change
# to a reference shows up here; the published figures above fix them to their published precision.
MEASURED = [
    ("efficientnet_b0@0.5", te.efficientnet, (0.5, 1.0), 1_712_522, 120_051_984),
    ("efficientnetv2_s", te.efficientnetv2_s, (), 21_458_488, 2_849_895_872),
    ("semnasnet_100", te.semnasnet, (1.0,), 3_887_038, 311_579_072),
    ("fbnetc_100", te.fbnetc, (), 5_572_200, 384_960_160),
    ("mixnet_s", te.mixnet_s, (), 4_134_606, 239_173_360),
    ("lcnet_100", te.lcnet, (1.0,), 2_953_800, 155_700_480),
    ("mobilenetv4_conv_small", te.mobilenetv4_conv, ("small", 1.0), 3_774_024, 186_005_568),
    ("mobilenetv4_conv_medium", te.mobilenetv4_conv, ("medium", 1.0), 9_715_512, 827_649_984),
    ("mobilenetv4_conv_large", te.mobilenetv4_conv, ("large", 1.0), 32_590_864, 2_171_341_312),
    ("ghostnet_100", tg.ghostnet, (1.0,), 5_182_508, 141_150_512),
    ("mnasnet1_0", tv.mnasnet, (1.0,), 4_383_312, 314_415_872),
    ("shufflenet_v2_x1_0", tv.shufflenet_v2, (1.0,), 2_278_604, 144_907_992),
]


@pytest.mark.parametrize("name, factory, args, n_params, macs", MEASURED, ids=[r[0] for r in MEASURED])
def test_measured_counts_at_224(name, factory, args, n_params, macs):
    assert measured(factory, args, 224)[:2] == (n_params, macs)


# ---------------------------------------------------------------------------------------------------
# The two EfficientNet references (timm's block strings, torchvision's config rows) agree at any
# width and depth multiplier: timm's SE width round(mid * 0.25 / 6) is torchvision's in // 4, its head
# round_channels(1280 * w) is torchvision's 4 * make_divisible(320 * w), and both ceil each stage's depth.


@pytest.mark.parametrize("width, depth", [(0.5, 1.0), (0.35, 0.5), (1.3, 1.7), (0.6, 0.8)])
def test_timm_and_torchvision_efficientnet_agree(width, depth):
    ours, theirs = measured(te.efficientnet, (width, depth), 193), measured(tv.efficientnet, (width, depth), 193)
    assert ours[:2] == theirs[:2]


def test_timm_and_torchvision_efficientnet_v2_s_agree():
    ours, theirs = measured(te.efficientnetv2_s, (), 224), measured(tv.efficientnet_v2_s, (), 224)
    assert ours[:2] == theirs[:2] == (21_458_488, 2_849_895_872)


# ---------------------------------------------------------------------------------------------------
# Structural rules a cost tool must follow, spot-checked on the references


def test_squeeze_excite_width_follows_the_block_input():
    b0 = on_meta(te.efficientnet_b, "b0")
    assert b0.blocks[0][0].se.conv_reduce.out_channels == 8  # ds block, in 32: round(32 * 0.25)
    assert b0.blocks[1][0].se.conv_reduce.out_channels == 4  # in 16, mid 96: round(96 * 0.25 / 6)
    assert b0.blocks[1][0].se.conv_reduce.in_channels == 96
    tvb0 = on_meta(tv.efficientnet_b, "b0")
    assert tvb0.features[2][0].block[2].fc1.out_channels == 4  # max(1, in // 4)
    mixnet = on_meta(te.mixnet_s)
    assert mixnet.blocks[2][0].se.conv_reduce.out_channels == 12  # in 24, se 0.5: round(144 * 0.5 / 6)


def test_mobilenetv3_class_takes_se_of_the_expanded_channels():
    lcnet = on_meta(te.lcnet)
    assert [b.se.conv_reduce.out_channels for b in lcnet.blocks[5]] == [64, 128]  # 0.25 of 256, of 512
    assert isinstance(lcnet.blocks[5][0].se.gate, nn.Hardsigmoid)
    assert not lcnet.blocks[4][0].has_skip  # 'dsa' never has a skip, even at 256 -> 256 stride 1
    assert lcnet.conv_head.bias is not None  # head conv with bias, no norm


def test_fbnet_expansion_one_keeps_the_expand_conv():
    fbnet = on_meta(te.fbnetc)
    conv = fbnet.blocks[1][1].conv_pw  # ir_r2_k3_s1_e1_c24
    assert (conv.in_channels, conv.out_channels, conv.kernel_size) == (24, 24, (1, 1))
    # torchvision MBConv drops it instead (expanded == input)
    assert len(on_meta(tv.efficientnet_b, "b0").features[1][0].block) == 3


def test_mixnet_mixed_and_grouped_convs():
    mixnet = on_meta(te.mixnet_s)
    pw = mixnet.blocks[1][0].conv_pw  # a1.1: 16 -> 96 as two dense 8 -> 48 convs
    assert [(c.in_channels, c.out_channels, c.groups) for c in pw.convs] == [(8, 48, 1), (8, 48, 1)]
    dw = mixnet.blocks[2][0].conv_dw  # k3.5.7 on mid 144: 48 channels per kernel, depthwise
    assert [(c.kernel_size[0], c.in_channels, c.groups) for c in dw.convs] == [(3, 48, 48), (5, 48, 48), (7, 48, 48)]
    assert te.split_channels(100, 3) == [34, 33, 33]  # the remainder goes to the first split


def test_mobilenetv4_structure():
    small = on_meta(te.mobilenetv4_conv, "small")
    block = small.blocks[3][0]  # uir_r1_a3_k3_s2_e6_c128: start dw stride 1, mid dw takes the stride
    assert block.dw_start[0].stride == (1, 1) and block.dw_mid[0].stride == (2, 2)
    assert small.conv_head.bias is None and isinstance(small.norm_head[0], nn.BatchNorm2d)
    assert small.conv_head.out_channels == 1280
    ffn = on_meta(te.mobilenetv4_conv, "medium").blocks[2][6]  # uir_r1_a0_k0_s1_e2_c160: two 1x1 convs
    assert sum(isinstance(m, nn.Conv2d) for m in ffn.modules()) == 2
    assert on_meta(te.mobilenetv4_conv, "small", 0.5).conv_stem.out_channels == 32  # fix_stem below 1.0


def test_ghostnet_structure():
    ghost = on_meta(tg.ghostnet)
    assert ghost.blocks[3][0].se.conv_reduce.out_channels == 20  # make_divisible(72 * 0.25, 4), not 18
    g1 = ghost.blocks[1][0].ghost1  # out 48: primary 1x1 to 24, cheap dw 3x3 24 -> 24
    assert g1.primary_conv[0].out_channels == 24 and g1.cheap_operation[0].groups == 24
    assert len(ghost.blocks[1][0].shortcut) == 4 and len(ghost.blocks[2][0].shortcut) == 0
    assert ghost.blocks[9][0].conv.out_channels == 960 and ghost.conv_head.bias is not None


def test_depth_scaling():
    # _scale_stage_depth: ceil of each stage's total, handed back in reverse, each at least 1
    def lengths(repeats, multiplier, trunc="ceil"):
        blocks = te.scale_stage_depth([{"i": i} for i in range(len(repeats))], repeats, multiplier, trunc)
        counted = Counter(b["i"] for b in blocks)
        return [counted[i] for i in range(len(repeats))]

    assert lengths([1, 1, 1, 1], 1.5) == [1, 2, 1, 2]  # 6 blocks; Python round(1.5) == 2 from the back
    assert lengths([1, 2, 1], 1.2) == [1, 3, 1]
    assert lengths([1, 1, 1, 1], 0.5) == [1, 1, 1, 1]  # the floor of 1 per definition beats ceil(2)
    b7 = on_meta(te.efficientnet_b, "b7")
    assert [len(stage) for stage in b7.blocks] == [4, 7, 7, 10, 10, 13, 4]  # ceil(3.1 * repeats)
    assert [len(stage) for stage in on_meta(tv.efficientnet_b, "b7").features[1:-1]] == [4, 7, 7, 10, 10, 13, 4]
