"""timm's GhostNet v1 (ghostnet_050/100/130), re-implemented compactly from timm/models/ghostnet.py
(GhostModule, GhostBottleneck, GhostNet, _create_ghostnet) and the SE / ConvBnAct it borrows from
timm/models/_efficientnet_blocks.py. Only the v1 ('original') modules are kept.
"""

from __future__ import annotations

import math
from functools import partial

import torch
from torch import nn

from .timm_efficientnet import ConvBnAct, SqueezeExcite, make_divisible

# ghostnet.py _SE_LAYER: hard-sigmoid gate, ReLU inside, rd = make_divisible(chs * ratio, 4)
GHOST_SE = partial(SqueezeExcite, gate_layer="hard_sigmoid", rd_round_fn=partial(make_divisible, divisor=4))


class GhostModule(nn.Module):
    """GhostModule: primary conv (k=1, no bias) in->init = ceil(out / ratio) + BN + act; cheap op: dw 3x3
    on init channels producing init * (ratio - 1) channels + BN + act; concat both, keep the first out_chs."""

    def __init__(self, in_chs, out_chs, kernel_size=1, ratio=2, dw_size=3, stride=1, act_layer=nn.ReLU):
        super().__init__()
        self.out_chs = out_chs
        init_chs = math.ceil(out_chs / ratio)
        new_chs = init_chs * (ratio - 1)
        self.primary_conv = nn.Sequential(
            nn.Conv2d(in_chs, init_chs, kernel_size, stride, kernel_size // 2, bias=False),
            nn.BatchNorm2d(init_chs),
            act_layer(),
        )
        self.cheap_operation = nn.Sequential(
            nn.Conv2d(init_chs, new_chs, dw_size, 1, dw_size // 2, groups=init_chs, bias=False),
            nn.BatchNorm2d(new_chs),
            act_layer(),
        )

    def forward(self, x):
        x1 = self.primary_conv(x)
        x2 = self.cheap_operation(x1)
        return torch.cat([x1, x2], dim=1)[:, : self.out_chs]


class GhostBottleneck(nn.Module):
    """GhostBottleneck (v1): ghost1 in->mid (ReLU); dw k x k (stride, BN, no act) only when stride > 1;
    SE on mid (GHOST_SE) when se_ratio > 0; ghost2 mid->out with NO activation; shortcut identity when
    in == out and stride 1, else dw k x k (stride) + BN + 1x1 in->out + BN (no activations)."""

    def __init__(self, in_chs, mid_chs, out_chs, dw_kernel_size=3, stride=1, se_ratio=0.0):
        super().__init__()
        self.ghost1 = GhostModule(in_chs, mid_chs, act_layer=nn.ReLU)
        if stride > 1:
            self.conv_dw = nn.Conv2d(mid_chs, mid_chs, dw_kernel_size, stride, (dw_kernel_size - 1) // 2,
                                     groups=mid_chs, bias=False)
            self.bn_dw = nn.BatchNorm2d(mid_chs)
        else:
            self.conv_dw = self.bn_dw = None
        self.se = GHOST_SE(mid_chs, rd_ratio=se_ratio) if se_ratio else None
        self.ghost2 = GhostModule(mid_chs, out_chs, act_layer=nn.Identity)
        if in_chs == out_chs and stride == 1:
            self.shortcut = nn.Sequential()
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_chs, in_chs, dw_kernel_size, stride, (dw_kernel_size - 1) // 2, groups=in_chs,
                          bias=False),
                nn.BatchNorm2d(in_chs),
                nn.Conv2d(in_chs, out_chs, 1, bias=False),
                nn.BatchNorm2d(out_chs),
            )

    def forward(self, x):
        y = self.ghost1(x)
        if self.conv_dw is not None:
            y = self.bn_dw(self.conv_dw(y))
        if self.se is not None:
            y = self.se(y)
        return self.ghost2(y) + self.shortcut(x)


# _create_ghostnet cfgs: per stage, rows of (k, exp_size, c, se_ratio, s)
GHOSTNET_CFGS = [
    [[3, 16, 16, 0, 1]],
    [[3, 48, 24, 0, 2]],
    [[3, 72, 24, 0, 1]],
    [[5, 72, 40, 0.25, 2]],
    [[5, 120, 40, 0.25, 1]],
    [[3, 240, 80, 0, 2]],
    [[3, 200, 80, 0, 1], [3, 184, 80, 0, 1], [3, 184, 80, 0, 1], [3, 480, 112, 0.25, 1], [3, 672, 112, 0.25, 1]],
    [[5, 672, 160, 0.25, 2]],
    [[5, 960, 160, 0, 1], [5, 960, 160, 0.25, 1], [5, 960, 160, 0, 1], [5, 960, 160, 0.25, 1]],
]


class GhostNet(nn.Module):
    """GhostNet (v1): stem conv 3x3 s2 to make_divisible(16 * width, 4) + BN + ReLU; bottlenecks with
    out = make_divisible(c * width, 4), mid = make_divisible(exp * width, 4); then ConvBnAct 1x1 to
    make_divisible(960 * width, 4) (the last row's exp) + BN + ReLU; global pool; conv_head 1x1 to 1280
    (fixed) WITH bias + ReLU; flatten; Linear."""

    def __init__(self, width=1.0, num_classes=1000, cfgs=GHOSTNET_CFGS):
        super().__init__()
        stem_chs = make_divisible(16 * width, 4)
        self.conv_stem = nn.Conv2d(3, stem_chs, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem_chs)
        self.act1 = nn.ReLU()
        prev = stem_chs
        stages = []
        for cfg in cfgs:
            layers = []
            for k, exp_size, c, se_ratio, s in cfg:
                out_chs = make_divisible(c * width, 4)
                mid_chs = make_divisible(exp_size * width, 4)
                layers.append(GhostBottleneck(prev, mid_chs, out_chs, k, s, se_ratio=se_ratio))
                prev = out_chs
            stages.append(nn.Sequential(*layers))
        out_chs = make_divisible(exp_size * width, 4)
        stages.append(nn.Sequential(ConvBnAct(prev, out_chs, 1)))
        self.blocks = nn.Sequential(*stages)
        self.conv_head = nn.Conv2d(out_chs, 1280, 1, 1, 0, bias=True)
        self.act2 = nn.ReLU()
        self.classifier = nn.Linear(1280, num_classes)

    def forward(self, x):
        x = self.blocks(self.act1(self.bn1(self.conv_stem(x))))
        x = self.act2(self.conv_head(x.mean((2, 3), keepdim=True)))
        return self.classifier(x.flatten(1))


def ghostnet(width=1.0):
    """timm ghostnet_050 / ghostnet_100 / ghostnet_130: GhostNet(width=0.5 / 1.0 / 1.3)."""
    return GhostNet(width)
