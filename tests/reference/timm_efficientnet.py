"""timm's EfficientNet / MobileNetV3 family, re-implemented compactly from timm's source.

Files followed (huggingface/pytorch-image-models):
  timm/layers/helpers.py              make_divisible
  timm/layers/padding.py              get_padding (symmetric padding for pad_type '')
  timm/layers/create_conv2d.py        create_conv2d (list kernel -> MixedConv2d, conv bias False by default)
  timm/layers/mixed_conv2d.py         MixedConv2d, _split_channels
  timm/models/_efficientnet_builder.py round_channels, _decode_block_str, _scale_stage_depth,
                                      decode_arch_def, EfficientNetBuilder
  timm/models/_efficientnet_blocks.py SqueezeExcite, ConvBnAct, DepthwiseSeparableConv, InvertedResidual,
                                      EdgeResidual, UniversalInvertedResidual
  timm/models/efficientnet.py         EfficientNet, _gen_efficientnet, _gen_efficientnetv2_s,
                                      _gen_mnasnet_a1, _gen_fbnetc, _gen_mixnet_s
  timm/models/mobilenetv3.py          MobileNetV3, _gen_lcnet, _gen_mobilenet_v4

Only what these networks use is kept: no space-to-depth, CondConv, anti-aliasing, dilation (output
stride is always 32 here) or attention blocks. timm's BatchNormAct2d is a BatchNorm2d with an activation
attached; here it is BatchNorm2d followed by the activation module, which has the same parameters.
"""

from __future__ import annotations

import math
import re
from copy import deepcopy
from functools import partial

import torch
from torch import nn

# ---------------------------------------------------------------------------------------------------
# Rounding rules


def make_divisible(v, divisor=8, min_value=None, round_limit=0.9):
    """timm/layers/helpers.py make_divisible: round half up to a multiple of `divisor`, at least
    `min_value` (default: the divisor); if that lost more than (1 - round_limit) of v, add one divisor."""
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < round_limit * v:
        new_v += divisor
    return new_v


def round_channels(channels, multiplier=1.0, divisor=8, channel_min=None, round_limit=0.9):
    """_efficientnet_builder.round_channels: make_divisible(channels * multiplier); a falsy multiplier
    returns channels untouched."""
    if not multiplier:
        return channels
    return make_divisible(channels * multiplier, divisor, channel_min, round_limit=round_limit)


# ---------------------------------------------------------------------------------------------------
# Layers

ACTIVATIONS = {  # timm/layers/create_act.py names -> the torch modules timm picks
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "swish": nn.SiLU,
    "silu": nn.SiLU,
    "hard_swish": nn.Hardswish,
    "gelu": nn.GELU,
    "sigmoid": nn.Sigmoid,
    "hard_sigmoid": nn.Hardsigmoid,
}
# _decode_block_str's `n` option: activation override for one block definition
_BLOCK_ACT = {"re": "relu", "r6": "relu6", "hs": "hard_swish", "sw": "swish"}


def act(name_or_cls):
    return ACTIVATIONS[name_or_cls] if isinstance(name_or_cls, str) else name_or_cls


def norm_act(channels, act_layer=None, apply_act=True):
    """timm BatchNormAct2d: BatchNorm2d (affine) then the activation, or none."""
    layers = [nn.BatchNorm2d(channels)]
    if apply_act and act_layer is not None:
        layers.append(act(act_layer)())
    return nn.Sequential(*layers)


def get_padding(kernel_size, stride=1, dilation=1):
    """timm/layers/padding.py get_padding (pad_type '' = static symmetric padding)."""
    return ((stride - 1) + dilation * (kernel_size - 1)) // 2


def split_channels(num_chan, num_groups):
    """mixed_conv2d._split_channels: equal splits, the remainder goes to the FIRST split."""
    split = [num_chan // num_groups for _ in range(num_groups)]
    split[0] += num_chan - sum(split)
    return split


class MixedConv2d(nn.Module):
    """mixed_conv2d.MixedConv2d: input and output channels split into len(kernels) groups, one conv
    per (kernel, in split, out split); each conv is depthwise (groups = its in split) when the whole
    conv is depthwise, else dense. Outputs concatenated."""

    def __init__(self, in_chs, out_chs, kernels, stride=1, depthwise=False, bias=False):
        super().__init__()
        self.splits = split_channels(in_chs, len(kernels))
        out_splits = split_channels(out_chs, len(kernels))
        self.convs = nn.ModuleList(
            nn.Conv2d(i, o, k, stride, get_padding(k, stride), groups=i if depthwise else 1, bias=bias)
            for k, i, o in zip(kernels, self.splits, out_splits)
        )

    def forward(self, x):
        parts = torch.split(x, self.splits, 1)
        return torch.cat([conv(part) for conv, part in zip(self.convs, parts)], 1)


def create_conv2d(in_chs, out_chs, kernel_size, stride=1, groups=1, bias=False):
    """create_conv2d.create_conv2d: a list of kernels makes a MixedConv2d (depthwise when groups ==
    in_chs, otherwise groups must be 1); an int kernel an nn.Conv2d. Bias is off unless asked for."""
    if isinstance(kernel_size, list):
        depthwise = groups == in_chs
        assert depthwise or groups == 1
        return MixedConv2d(in_chs, out_chs, kernel_size, stride, depthwise=depthwise, bias=bias)
    return nn.Conv2d(in_chs, out_chs, kernel_size, stride, get_padding(kernel_size, stride), groups=groups,
                     bias=bias)


def num_groups(group_size, channels):
    """_efficientnet_blocks.num_groups: group_size 0/None -> dense conv; 1 -> depthwise."""
    if not group_size:
        return 1
    assert channels % group_size == 0
    return channels // group_size


class SqueezeExcite(nn.Module):
    """_efficientnet_blocks.SqueezeExcite: mean pool, 1x1 conv (bias) to rd channels, act, 1x1 conv
    (bias) back, gate. rd = rd_round_fn(in_chs * rd_ratio), rd_round_fn defaults to Python's round;
    force_act_layer overrides the block's activation."""

    def __init__(self, in_chs, rd_ratio=0.25, act_layer=nn.ReLU, gate_layer=nn.Sigmoid, force_act_layer=None,
                 rd_round_fn=None):
        super().__init__()
        rd_channels = (rd_round_fn or round)(in_chs * rd_ratio)
        self.conv_reduce = nn.Conv2d(in_chs, rd_channels, 1, bias=True)
        self.act1 = act(force_act_layer or act_layer)()
        self.conv_expand = nn.Conv2d(rd_channels, in_chs, 1, bias=True)
        self.gate = act(gate_layer)()

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * self.gate(self.conv_expand(self.act1(self.conv_reduce(s))))


# ---------------------------------------------------------------------------------------------------
# Blocks (_efficientnet_blocks.py). has_skip: stride 1 and in == out, unless noskip.


class ConvBnAct(nn.Module):
    """ConvBnAct ('cn'): conv k x k (dense unless group_size) + BN + act; skip only when asked for."""

    def __init__(self, in_chs, out_chs, kernel_size, stride=1, group_size=0, skip=False, act_layer=nn.ReLU):
        super().__init__()
        self.has_skip = skip and stride == 1 and in_chs == out_chs
        self.conv = create_conv2d(in_chs, out_chs, kernel_size, stride, groups=num_groups(group_size, in_chs))
        self.bn1 = norm_act(out_chs, act_layer)

    def forward(self, x):
        y = self.bn1(self.conv(x))
        return y + x if self.has_skip else y


class DepthwiseSeparableConv(nn.Module):
    """DepthwiseSeparableConv ('ds', 'dsa'): dw k x k (stride) + BN + act, SE on in_chs, pw conv to
    out_chs + BN (+ act only for 'dsa', pw_act)."""

    def __init__(self, in_chs, out_chs, dw_kernel_size=3, stride=1, group_size=1, noskip=False, pw_kernel_size=1,
                 pw_act=False, act_layer=nn.ReLU, se_layer=None):
        super().__init__()
        self.has_skip = stride == 1 and in_chs == out_chs and not noskip
        self.conv_dw = create_conv2d(in_chs, in_chs, dw_kernel_size, stride, groups=num_groups(group_size, in_chs))
        self.bn1 = norm_act(in_chs, act_layer)
        self.se = se_layer(in_chs, act_layer=act_layer) if se_layer else nn.Identity()
        self.conv_pw = create_conv2d(in_chs, out_chs, pw_kernel_size)
        self.bn2 = norm_act(out_chs, act_layer, apply_act=pw_act)

    def forward(self, x):
        y = self.bn2(self.conv_pw(self.se(self.bn1(self.conv_dw(x)))))
        return y + x if self.has_skip else y


class InvertedResidual(nn.Module):
    """InvertedResidual ('ir'): mid = make_divisible(in_chs * exp_ratio); the expansion conv is ALWAYS
    built, even at exp_ratio 1 (FBNet-C's e1 blocks keep a 1x1 in->in conv); exp/pw kernels may be lists
    (MixNet grouped pointwise); dw conv k x k (stride) on mid; SE on mid; linear projection."""

    def __init__(self, in_chs, out_chs, dw_kernel_size=3, stride=1, group_size=1, noskip=False, exp_ratio=1.0,
                 exp_kernel_size=1, pw_kernel_size=1, act_layer=nn.ReLU, se_layer=None):
        super().__init__()
        self.has_skip = in_chs == out_chs and stride == 1 and not noskip
        mid_chs = make_divisible(in_chs * exp_ratio)
        self.conv_pw = create_conv2d(in_chs, mid_chs, exp_kernel_size)
        self.bn1 = norm_act(mid_chs, act_layer)
        self.conv_dw = create_conv2d(mid_chs, mid_chs, dw_kernel_size, stride, groups=num_groups(group_size, mid_chs))
        self.bn2 = norm_act(mid_chs, act_layer)
        self.se = se_layer(mid_chs, act_layer=act_layer) if se_layer else nn.Identity()
        self.conv_pwl = create_conv2d(mid_chs, out_chs, pw_kernel_size)
        self.bn3 = norm_act(out_chs, apply_act=False)

    def forward(self, x):
        y = self.bn2(self.conv_dw(self.bn1(self.conv_pw(x))))
        y = self.bn3(self.conv_pwl(self.se(y)))
        return y + x if self.has_skip else y


class EdgeResidual(nn.Module):
    """EdgeResidual ('er', FusedMBConv / fused IB): mid = make_divisible((force_in_chs or in_chs) *
    exp_ratio); dense k x k conv in->mid with the stride, BN+act, SE on mid, 1x1 projection + BN."""

    def __init__(self, in_chs, out_chs, exp_kernel_size=3, stride=1, group_size=0, force_in_chs=0, noskip=False,
                 exp_ratio=1.0, pw_kernel_size=1, act_layer=nn.ReLU, se_layer=None):
        super().__init__()
        mid_chs = make_divisible((force_in_chs if force_in_chs > 0 else in_chs) * exp_ratio)
        self.has_skip = in_chs == out_chs and stride == 1 and not noskip
        self.conv_exp = create_conv2d(in_chs, mid_chs, exp_kernel_size, stride, groups=num_groups(group_size, mid_chs))
        self.bn1 = norm_act(mid_chs, act_layer)
        self.se = se_layer(mid_chs, act_layer=act_layer) if se_layer else nn.Identity()
        self.conv_pwl = create_conv2d(mid_chs, out_chs, pw_kernel_size)
        self.bn2 = norm_act(out_chs, apply_act=False)

    def forward(self, x):
        y = self.bn2(self.conv_pwl(self.se(self.bn1(self.conv_exp(x)))))
        return y + x if self.has_skip else y


def conv_norm_act(in_chs, out_chs, kernel_size, stride=1, groups=1, act_layer=None, apply_act=True):
    """timm/layers/conv_bn_act.py ConvNormAct: conv (no bias) + BatchNormAct."""
    return nn.Sequential(create_conv2d(in_chs, out_chs, kernel_size, stride, groups=groups),
                         norm_act(out_chs, act_layer, apply_act))


class UniversalInvertedResidual(nn.Module):
    """UniversalInvertedResidual ('uir', MobileNetV4 UIB). Optional dw_start (k = 'a' option, on in_chs,
    BN no act; takes the stride only when there is no mid dw), 1x1 expansion to
    mid = make_divisible(in_chs * exp_ratio) + BN + act, optional dw_mid (k = 'k' option, takes the
    stride, BN + act), SE on mid, 1x1 projection + BN (no act), optional dw_end (k = 'p', on out_chs,
    BN no act, strided only if neither other dw exists). LayerScale2d (out_chs params) only when
    layer_scale_init_value is not None (None for the MobileNetV4 conv models)."""

    def __init__(self, in_chs, out_chs, dw_kernel_size_start=0, dw_kernel_size_mid=3, dw_kernel_size_end=0,
                 stride=1, group_size=1, noskip=False, exp_ratio=1.0, act_layer=nn.ReLU, se_layer=None,
                 layer_scale_init_value=1e-5):
        super().__init__()
        self.has_skip = in_chs == out_chs and stride == 1 and not noskip
        if stride > 1:
            assert dw_kernel_size_start or dw_kernel_size_mid or dw_kernel_size_end
        self.dw_start = nn.Identity()
        if dw_kernel_size_start:
            self.dw_start = conv_norm_act(in_chs, in_chs, dw_kernel_size_start,
                                          stride=stride if not dw_kernel_size_mid else 1,
                                          groups=num_groups(group_size, in_chs), apply_act=False)
        mid_chs = make_divisible(in_chs * exp_ratio)
        self.pw_exp = conv_norm_act(in_chs, mid_chs, 1, act_layer=act_layer)
        self.dw_mid = nn.Identity()
        if dw_kernel_size_mid:
            self.dw_mid = conv_norm_act(mid_chs, mid_chs, dw_kernel_size_mid, stride=stride,
                                        groups=num_groups(group_size, mid_chs), act_layer=act_layer)
        self.se = se_layer(mid_chs, act_layer=act_layer) if se_layer else nn.Identity()
        self.pw_proj = conv_norm_act(mid_chs, out_chs, 1, apply_act=False)
        self.dw_end = nn.Identity()
        if dw_kernel_size_end:
            end_stride = stride if not dw_kernel_size_start and not dw_kernel_size_mid else 1
            self.dw_end = conv_norm_act(out_chs, out_chs, dw_kernel_size_end, stride=end_stride,
                                        groups=num_groups(group_size, out_chs), apply_act=False)
        self.layer_scale = nn.Identity()
        if layer_scale_init_value is not None:
            self.layer_scale = LayerScale2d(out_chs, layer_scale_init_value)

    def forward(self, x):
        y = self.dw_mid(self.pw_exp(self.dw_start(x)))
        y = self.layer_scale(self.dw_end(self.pw_proj(self.se(y))))
        return y + x if self.has_skip else y


class LayerScale2d(nn.Module):
    """timm/layers/layer_scale.py LayerScale2d: one learnable scale per channel."""

    def __init__(self, dim, init_values=1e-5):
        super().__init__()
        self.gamma = nn.Parameter(init_values * torch.ones(dim))

    def forward(self, x):
        return x * self.gamma.view(1, -1, 1, 1)


# ---------------------------------------------------------------------------------------------------
# Block strings (_efficientnet_builder._decode_block_str, _scale_stage_depth, decode_arch_def)


def _parse_ksize(ss):
    """'3' -> 3; '3.5.7' -> [3, 5, 7] (a mixed / grouped conv)."""
    return int(ss) if ss.isdigit() else [int(k) for k in ss.split(".")]


def decode_block_str(block_str):
    """'ir_r2_k3_s2_e6_c24_se0.25' -> (block kwargs, repeats). Leading token: block type (ds, dsa, ir,
    er, cn, uir); r repeats, k kernel, s stride, e expansion, c out channels, se SE ratio, a/p start/end
    kernel (ir/er: expansion/projection kernels; uir: start/end dw kernels, 0 = absent), fc forced in
    channels, gs group size, n activation (re, r6, hs, sw), noskip / skip."""
    block_type, *ops = block_str.split("_")
    options, skip = {}, None
    for op in ops:
        if op == "noskip":
            skip = False
        elif op == "skip":
            skip = True
        elif op.startswith("n"):
            if op[1:] in _BLOCK_ACT:
                options["n"] = _BLOCK_ACT[op[1:]]
        else:
            splits = re.split(r"(\d.*)", op)
            if len(splits) >= 2:
                options[splits[0]] = splits[1]

    start_kernel = _parse_ksize(options["a"]) if "a" in options else 1
    end_kernel = _parse_ksize(options["p"]) if "p" in options else 1
    args = {"block_type": block_type, "out_chs": int(options["c"]), "stride": int(options["s"]),
            "act_layer": options.get("n")}
    se_ratio = float(options.get("se", 0.0))
    if block_type == "ir":
        args.update(dw_kernel_size=_parse_ksize(options["k"]), exp_kernel_size=start_kernel,
                    pw_kernel_size=end_kernel, exp_ratio=float(options["e"]), se_ratio=se_ratio,
                    noskip=skip is False)
    elif block_type in ("ds", "dsa"):
        args.update(dw_kernel_size=_parse_ksize(options["k"]), pw_kernel_size=end_kernel, se_ratio=se_ratio,
                    pw_act=block_type == "dsa", noskip=block_type == "dsa" or skip is False)
    elif block_type == "er":
        args.update(exp_kernel_size=_parse_ksize(options["k"]), pw_kernel_size=end_kernel,
                    exp_ratio=float(options["e"]), force_in_chs=int(options.get("fc", 0)), se_ratio=se_ratio,
                    noskip=skip is False)
    elif block_type == "cn":
        args.update(kernel_size=int(options["k"]), skip=skip is True)
    elif block_type == "uir":
        args.update(dw_kernel_size_start=_parse_ksize(options["a"]) if "a" in options else 0,
                    dw_kernel_size_mid=_parse_ksize(options["k"]),
                    dw_kernel_size_end=_parse_ksize(options["p"]) if "p" in options else 0,
                    exp_ratio=float(options["e"]), se_ratio=se_ratio, noskip=skip is False)
    else:
        raise ValueError(f"block type {block_type!r} is not supported by this reference")
    if "gs" in options:
        args["group_size"] = int(options["gs"])
    return args, int(options["r"])


def scale_stage_depth(stack_args, repeats, depth_multiplier=1.0, depth_trunc="ceil"):
    """_scale_stage_depth: the stage's TOTAL repeats are scaled (ceil, or round with a floor of 1), then
    handed back to the stage's block definitions in REVERSE order, each max(1, round(r / remaining_total
    * remaining_scaled)), so the last definitions absorb the growth and the first is least likely to."""
    num_repeat = sum(repeats)
    if depth_trunc == "round":
        num_scaled = max(1, round(num_repeat * depth_multiplier))
    else:
        num_scaled = math.ceil(num_repeat * depth_multiplier)
    scaled = []
    for r in repeats[::-1]:
        rs = max(1, round(r / num_repeat * num_scaled))
        scaled.append(rs)
        num_repeat -= r
        num_scaled -= rs
    out = []
    for args, rep in zip(stack_args, scaled[::-1]):
        out.extend(deepcopy(args) for _ in range(rep))
    return out


def decode_arch_def(arch_def, depth_multiplier=1.0, depth_trunc="ceil", group_size=None):
    """decode_arch_def: one list of block kwargs per stage, depth scaled per stage."""
    stages = []
    for block_strings in arch_def:
        stack_args, repeats = [], []
        for block_str in block_strings:
            args, rep = decode_block_str(block_str)
            if group_size is not None:
                args.setdefault("group_size", group_size)
            stack_args.append(args)
            repeats.append(rep)
        stages.append(scale_stage_depth(stack_args, repeats, depth_multiplier, depth_trunc))
    return stages


_BLOCKS = {"ir": InvertedResidual, "ds": DepthwiseSeparableConv, "dsa": DepthwiseSeparableConv,
           "er": EdgeResidual, "cn": ConvBnAct, "uir": UniversalInvertedResidual}


def build_blocks(in_chs, arch_args, round_chs_fn, act_layer, se_layer, se_from_exp, layer_scale_init_value=None):
    """EfficientNetBuilder.__call__ / _make_block: only the first block of a stage keeps its stride;
    out_chs (and force_in_chs) go through round_chs_fn; a block's `n` activation overrides the model's.
    SE: unless se_from_exp (EfficientNet: False; MobileNetV3 class: True), se_ratio is divided by the
    block's exp_ratio (1.0 when it has none), and the SE is built on the block's mid channels, so
    rd = round(mid * se_ratio / exp_ratio): se_ratio of the block's INPUT channels (exactly so when
    in_chs * exp_ratio is already a multiple of 8, i.e. mid was not rounded)."""
    stages = []
    for stack in deepcopy(arch_args):
        blocks = []
        for idx, ba in enumerate(stack):
            if idx >= 1:
                ba["stride"] = 1
            bt = ba.pop("block_type")
            ba["out_chs"] = round_chs_fn(ba["out_chs"])
            if ba.get("force_in_chs"):
                ba["force_in_chs"] = round_chs_fn(ba["force_in_chs"])
            ba["act_layer"] = act(ba["act_layer"] if ba["act_layer"] is not None else act_layer)
            se_ratio = ba.pop("se_ratio", None)
            if se_ratio and se_layer is not None:
                if not se_from_exp:
                    se_ratio /= ba.get("exp_ratio", 1.0)
                ba["se_layer"] = partial(se_layer, rd_ratio=se_ratio)
            if bt == "uir":
                ba["layer_scale_init_value"] = layer_scale_init_value
            if bt in ("ds", "dsa"):
                ba.pop("exp_ratio", None)
            blocks.append(_BLOCKS[bt](in_chs, **ba))
            in_chs = ba["out_chs"]
        stages.append(nn.Sequential(*blocks))
    return nn.Sequential(*stages), in_chs


# ---------------------------------------------------------------------------------------------------
# Models


class EfficientNet(nn.Module):
    """efficientnet.py EfficientNet: stem conv 3x3 s2 to round_chs_fn(stem_size) (unless fix_stem) + BN +
    act; blocks; conv_head 1x1 (no bias) to num_features (taken as given: generators round it or not)
    + BN + act; global avg pool; Linear with bias. se_from_exp is False."""

    def __init__(self, block_args, num_features=1280, stem_size=32, fix_stem=False, act_layer=nn.ReLU,
                 se_layer=SqueezeExcite, round_chs_fn=round_channels, num_classes=1000):
        super().__init__()
        if not fix_stem:
            stem_size = round_chs_fn(stem_size)
        self.conv_stem = create_conv2d(3, stem_size, 3, stride=2)
        self.bn1 = norm_act(stem_size, act_layer)
        self.blocks, head_chs = build_blocks(stem_size, block_args, round_chs_fn, act_layer, se_layer, False)
        self.conv_head = create_conv2d(head_chs, num_features, 1)
        self.bn2 = norm_act(num_features, act_layer)
        self.classifier = nn.Linear(num_features, num_classes)

    def forward(self, x):
        x = self.bn2(self.conv_head(self.blocks(self.bn1(self.conv_stem(x)))))
        return self.classifier(x.mean((2, 3)))


class MobileNetV3(nn.Module):
    """mobilenetv3.py MobileNetV3: stem conv 3x3 s2 + BN + act; blocks (se_from_exp True: SE ratio taken
    of the mid channels as written); 'efficient head': global avg pool FIRST, then conv_head 1x1 to
    num_features (NOT scaled by the width multiplier) -- with bias and act (head_bias, MobileNetV3/LCNet)
    or, with head_norm (MobileNetV4), no bias + BN + act; flatten; Linear with bias."""

    def __init__(self, block_args, num_features=1280, stem_size=16, fix_stem=False, head_bias=True,
                 head_norm=False, act_layer=nn.ReLU, se_layer=SqueezeExcite, se_from_exp=True,
                 round_chs_fn=round_channels, layer_scale_init_value=None, num_classes=1000):
        super().__init__()
        if not fix_stem:
            stem_size = round_chs_fn(stem_size)
        self.conv_stem = create_conv2d(3, stem_size, 3, stride=2)
        self.bn1 = norm_act(stem_size, act_layer)
        self.blocks, head_chs = build_blocks(stem_size, block_args, round_chs_fn, act_layer, se_layer, se_from_exp,
                                             layer_scale_init_value)
        if head_norm:
            self.conv_head = create_conv2d(head_chs, num_features, 1, bias=False)
            self.norm_head = norm_act(num_features, act_layer)
        else:
            self.conv_head = create_conv2d(head_chs, num_features, 1, bias=head_bias)
            self.norm_head = act(act_layer)()
        self.classifier = nn.Linear(num_features, num_classes)

    def forward(self, x):
        x = self.blocks(self.bn1(self.conv_stem(x))).mean((2, 3), keepdim=True)
        x = self.norm_head(self.conv_head(x))
        return self.classifier(x.flatten(1))


# ---------------------------------------------------------------------------------------------------
# Generators (efficientnet.py / mobilenetv3.py _gen_* functions)

# efficientnet.py _gen_efficientnet docstring: name -> (channel_multiplier, depth_multiplier, resolution)
EFFICIENTNET_PARAMS = {
    "b0": (1.0, 1.0, 224), "b1": (1.0, 1.1, 240), "b2": (1.1, 1.2, 260), "b3": (1.2, 1.4, 300),
    "b4": (1.4, 1.8, 380), "b5": (1.6, 2.2, 456), "b6": (1.8, 2.6, 528), "b7": (2.0, 3.1, 600),
}


def efficientnet(channel_multiplier=1.0, depth_multiplier=1.0, channel_divisor=8):
    """_gen_efficientnet: SiLU; SE 0.25 of the block input; stem 32 and head 1280 both through
    round_chs_fn (head = round_channels(1280 * cm), NOT 4 x last block as in torchvision -- equal for
    B0..B7); depth via _scale_stage_depth with ceil."""
    arch_def = [
        ["ds_r1_k3_s1_e1_c16_se0.25"],
        ["ir_r2_k3_s2_e6_c24_se0.25"],
        ["ir_r2_k5_s2_e6_c40_se0.25"],
        ["ir_r3_k3_s2_e6_c80_se0.25"],
        ["ir_r3_k5_s1_e6_c112_se0.25"],
        ["ir_r4_k5_s2_e6_c192_se0.25"],
        ["ir_r1_k3_s1_e6_c320_se0.25"],
    ]
    rc = partial(round_channels, multiplier=channel_multiplier, divisor=channel_divisor)
    return EfficientNet(decode_arch_def(arch_def, depth_multiplier), num_features=rc(1280), stem_size=32,
                        round_chs_fn=rc, act_layer="swish")


def efficientnet_b(variant="b0"):
    """timm efficientnet_b0..b7 (registered functions calling _gen_efficientnet)."""
    cm, dm, _ = EFFICIENTNET_PARAMS[variant]
    return efficientnet(cm, dm)


def efficientnetv2_s(channel_multiplier=1.0, depth_multiplier=1.0):
    """_gen_efficientnetv2_s (rw=False): stem 24, cn (fused, expansion 1, skip) / er / ir stages,
    SE only on ir; head round_chs_fn(1280); SiLU."""
    arch_def = [
        ["cn_r2_k3_s1_e1_c24_skip"],
        ["er_r4_k3_s2_e4_c48"],
        ["er_r4_k3_s2_e4_c64"],
        ["ir_r6_k3_s2_e4_c128_se0.25"],
        ["ir_r9_k3_s1_e6_c160_se0.25"],
        ["ir_r15_k3_s2_e6_c256_se0.25"],
    ]
    rc = partial(round_channels, multiplier=channel_multiplier)
    return EfficientNet(decode_arch_def(arch_def, depth_multiplier), num_features=rc(1280), stem_size=24,
                        round_chs_fn=rc, act_layer="silu")


def semnasnet(channel_multiplier=1.0):
    """_gen_mnasnet_a1 (timm semnasnet_100 is channel_multiplier 1.0): ReLU, stem 32 (scaled),
    head 1280 (fixed), ds block noskip, SE 0.25 of block input on stages 2, 4, 5."""
    arch_def = [
        ["ds_r1_k3_s1_e1_c16_noskip"],
        ["ir_r2_k3_s2_e6_c24"],
        ["ir_r3_k5_s2_e3_c40_se0.25"],
        ["ir_r4_k3_s2_e6_c80"],
        ["ir_r2_k3_s1_e6_c112_se0.25"],
        ["ir_r3_k5_s2_e6_c160_se0.25"],
        ["ir_r1_k3_s1_e6_c320"],
    ]
    return EfficientNet(decode_arch_def(arch_def), num_features=1280, stem_size=32,
                        round_chs_fn=partial(round_channels, multiplier=channel_multiplier))


def fbnetc(channel_multiplier=1.0):
    """_gen_fbnetc (timm fbnetc_100): ReLU, stem 16 (scaled), head 1984 (fixed), no SE; every block is
    'ir', so e1 blocks still have their 1x1 expansion conv."""
    arch_def = [
        ["ir_r1_k3_s1_e1_c16"],
        ["ir_r1_k3_s2_e6_c24", "ir_r2_k3_s1_e1_c24"],
        ["ir_r1_k5_s2_e6_c32", "ir_r1_k5_s1_e3_c32", "ir_r1_k5_s1_e6_c32", "ir_r1_k3_s1_e6_c32"],
        ["ir_r1_k5_s2_e6_c64", "ir_r1_k5_s1_e3_c64", "ir_r2_k5_s1_e6_c64"],
        ["ir_r3_k5_s1_e6_c112", "ir_r1_k5_s1_e3_c112"],
        ["ir_r4_k5_s2_e6_c184"],
        ["ir_r1_k3_s1_e6_c352"],
    ]
    return EfficientNet(decode_arch_def(arch_def), num_features=1984, stem_size=16,
                        round_chs_fn=partial(round_channels, multiplier=channel_multiplier))


def mixnet_s(channel_multiplier=1.0):
    """_gen_mixnet_s (timm mixnet_s): ReLU by default, SiLU ('nsw') from stage 2; k3.5.7 = mixed
    depthwise kernels (channels split equally, remainder to the first); a1.1 / p1.1 = pointwise
    expansion / projection as 2 groups; SE ratio of the block input (0.5 or 0.25); stem 16 (scaled),
    head 1536 (fixed)."""
    arch_def = [
        ["ds_r1_k3_s1_e1_c16"],
        ["ir_r1_k3_a1.1_p1.1_s2_e6_c24", "ir_r1_k3_a1.1_p1.1_s1_e3_c24"],
        ["ir_r1_k3.5.7_s2_e6_c40_se0.5_nsw", "ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw"],
        ["ir_r1_k3.5.7_p1.1_s2_e6_c80_se0.25_nsw", "ir_r2_k3.5_p1.1_s1_e6_c80_se0.25_nsw"],
        ["ir_r1_k3.5.7_a1.1_p1.1_s1_e6_c120_se0.5_nsw", "ir_r2_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw"],
        ["ir_r1_k3.5.7.9.11_s2_e6_c200_se0.5_nsw", "ir_r2_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw"],
    ]
    return EfficientNet(decode_arch_def(arch_def), num_features=1536, stem_size=16,
                        round_chs_fn=partial(round_channels, multiplier=channel_multiplier))


def lcnet(channel_multiplier=1.0):
    """_gen_lcnet (timm lcnet_100 = 1.0): MobileNetV3 class, hard-swish, 'dsa' blocks (pw act, never a
    skip), SE only in the last stage: ratio 0.25 of the dw channels (se_from_exp, no division), gate
    hard-sigmoid, ReLU inside, rd = round(); stem 16 (scaled); head conv 1280 (fixed) with bias."""
    arch_def = [
        ["dsa_r1_k3_s1_c32"],
        ["dsa_r2_k3_s2_c64"],
        ["dsa_r2_k3_s2_c128"],
        ["dsa_r1_k3_s2_c256", "dsa_r1_k5_s1_c256"],
        ["dsa_r4_k5_s1_c256"],
        ["dsa_r2_k5_s2_c512_se0.25"],
    ]
    return MobileNetV3(decode_arch_def(arch_def), num_features=1280, stem_size=16,
                       round_chs_fn=partial(round_channels, multiplier=channel_multiplier), act_layer="hard_swish",
                       se_layer=partial(SqueezeExcite, gate_layer="hard_sigmoid", force_act_layer=nn.ReLU))


MOBILENETV4_CONV = {  # _gen_mobilenet_v4, non-hybrid branches: (stem_size, arch_def)
    "small": (32, [
        ["cn_r1_k3_s2_e1_c32", "cn_r1_k1_s1_e1_c32"],
        ["cn_r1_k3_s2_e1_c96", "cn_r1_k1_s1_e1_c64"],
        ["uir_r1_a5_k5_s2_e3_c96", "uir_r4_a0_k3_s1_e2_c96", "uir_r1_a3_k0_s1_e4_c96"],
        ["uir_r1_a3_k3_s2_e6_c128", "uir_r1_a5_k5_s1_e4_c128", "uir_r1_a0_k5_s1_e4_c128",
         "uir_r1_a0_k5_s1_e3_c128", "uir_r2_a0_k3_s1_e4_c128"],
        ["cn_r1_k1_s1_c960"],
    ]),
    "medium": (32, [
        ["er_r1_k3_s2_e4_c48"],
        ["uir_r1_a3_k5_s2_e4_c80", "uir_r1_a3_k3_s1_e2_c80"],
        ["uir_r1_a3_k5_s2_e6_c160", "uir_r2_a3_k3_s1_e4_c160", "uir_r1_a3_k5_s1_e4_c160",
         "uir_r1_a3_k3_s1_e4_c160", "uir_r1_a3_k0_s1_e4_c160", "uir_r1_a0_k0_s1_e2_c160",
         "uir_r1_a3_k0_s1_e4_c160"],
        ["uir_r1_a5_k5_s2_e6_c256", "uir_r1_a5_k5_s1_e4_c256", "uir_r2_a3_k5_s1_e4_c256",
         "uir_r1_a0_k0_s1_e4_c256", "uir_r1_a3_k0_s1_e4_c256", "uir_r1_a3_k5_s1_e2_c256",
         "uir_r1_a5_k5_s1_e4_c256", "uir_r2_a0_k0_s1_e4_c256", "uir_r1_a5_k0_s1_e2_c256"],
        ["cn_r1_k1_s1_c960"],
    ]),
    "large": (24, [
        ["er_r1_k3_s2_e4_c48"],
        ["uir_r1_a3_k5_s2_e4_c96", "uir_r1_a3_k3_s1_e4_c96"],
        ["uir_r1_a3_k5_s2_e4_c192", "uir_r3_a3_k3_s1_e4_c192", "uir_r1_a3_k5_s1_e4_c192",
         "uir_r5_a5_k3_s1_e4_c192", "uir_r1_a3_k0_s1_e4_c192"],
        ["uir_r4_a5_k5_s2_e4_c512", "uir_r1_a5_k0_s1_e4_c512", "uir_r1_a5_k3_s1_e4_c512",
         "uir_r2_a5_k0_s1_e4_c512", "uir_r1_a5_k3_s1_e4_c512", "uir_r1_a5_k5_s1_e4_c512",
         "uir_r3_a5_k0_s1_e4_c512"],
        ["cn_r1_k1_s1_c960"],
    ]),
}


def mobilenetv4_conv(variant="small", channel_multiplier=1.0):
    """_gen_mobilenet_v4 (conv variants): MobileNetV3 class, ReLU, no SE, no layer scale; stem not scaled
    when channel_multiplier < 1 (fix_stem); head: pool, conv 1x1 to 1280 (fixed) WITHOUT bias, BN, ReLU
    (head_norm=True); 'cn' blocks ignore their e option; last stage is a 1x1 'cn' to round(960)."""
    stem_size, arch_def = MOBILENETV4_CONV[variant]
    return MobileNetV3(decode_arch_def(arch_def), num_features=1280, stem_size=stem_size,
                       fix_stem=channel_multiplier < 1.0, head_bias=False, head_norm=True,
                       round_chs_fn=partial(round_channels, multiplier=channel_multiplier), act_layer="relu",
                       layer_scale_init_value=None)
