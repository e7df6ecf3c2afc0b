"""torchvision's EfficientNet (B0..B7, V2-S), MNASNet (the B1 search result, `mnasnet*`) and
ShuffleNetV2, re-implemented compactly from pytorch/vision:
  torchvision/models/_utils.py        _make_divisible
  torchvision/ops/misc.py             Conv2dNormActivation (padding (k - 1) // 2, no bias under a norm),
                                      SqueezeExcitation (1x1 convs with bias, ReLU/SiLU, sigmoid gate)
  torchvision/models/efficientnet.py  MBConvConfig, FusedMBConvConfig, MBConv, FusedMBConv, EfficientNet,
                                      _efficientnet_conf
  torchvision/models/mnasnet.py       _InvertedResidual, _stack, _round_to_multiple_of, _get_depths, MNASNet
  torchvision/models/shufflenetv2.py  InvertedResidual, channel_shuffle, ShuffleNetV2
"""

from __future__ import annotations

import math

import torch
from torch import nn


def make_divisible(v, divisor=8, min_value=None):
    """_utils._make_divisible (same rule as MNASNet's _round_to_multiple_of with bias 0.9): round half up
    to a multiple of divisor, at least divisor; add a divisor if that lost more than 10%."""
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def conv_norm_act(cin, cout, kernel=3, stride=1, groups=1, activation=nn.ReLU):
    """ops.misc.Conv2dNormActivation with BatchNorm2d: conv (bias False), BN, activation (None: none)."""
    layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if activation is not None:
        layers.append(activation())
    return nn.Sequential(*layers)


class SqueezeExcitation(nn.Module):
    """ops.misc.SqueezeExcitation: avg pool, fc1 1x1 conv (bias), activation, fc2 1x1 conv (bias), sigmoid."""

    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU, scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x):
        return x * self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))


# ---------------------------------------------------------------------------------------------------
# EfficientNet (efficientnet.py)


class MBConv(nn.Module):
    """MBConv: expanded = make_divisible(in * expand_ratio); 1x1 expand (SiLU) ONLY if expanded != in;
    dw k x k (stride, SiLU); SE with squeeze = max(1, in // 4) (of the block INPUT), SiLU inside, sigmoid
    gate; 1x1 project + BN (no act); residual when stride 1 and in == out."""

    def __init__(self, expand_ratio, kernel, stride, cin, cout):
        super().__init__()
        self.use_res_connect = stride == 1 and cin == cout
        expanded = make_divisible(cin * expand_ratio)
        layers = []
        if expanded != cin:
            layers.append(conv_norm_act(cin, expanded, 1, activation=nn.SiLU))
        layers.append(conv_norm_act(expanded, expanded, kernel, stride, groups=expanded, activation=nn.SiLU))
        layers.append(SqueezeExcitation(expanded, max(1, cin // 4), activation=nn.SiLU))
        layers.append(conv_norm_act(expanded, cout, 1, activation=None))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        y = self.block(x)
        return y + x if self.use_res_connect else y


class FusedMBConv(nn.Module):
    """FusedMBConv: if expanded != in: dense k x k conv in->expanded (stride, SiLU) + 1x1 project (no
    act); else a single dense k x k conv in->out (stride, SiLU). No SE. Residual when stride 1, in == out."""

    def __init__(self, expand_ratio, kernel, stride, cin, cout):
        super().__init__()
        self.use_res_connect = stride == 1 and cin == cout
        expanded = make_divisible(cin * expand_ratio)
        if expanded != cin:
            layers = [conv_norm_act(cin, expanded, kernel, stride, activation=nn.SiLU),
                      conv_norm_act(expanded, cout, 1, activation=None)]
        else:
            layers = [conv_norm_act(cin, cout, kernel, stride, activation=nn.SiLU)]
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        y = self.block(x)
        return y + x if self.use_res_connect else y


# _efficientnet_conf rows: (block, expand_ratio, kernel, stride, in, out, layers)
EFFICIENTNET_B_ROWS = [
    (MBConv, 1, 3, 1, 32, 16, 1),
    (MBConv, 6, 3, 2, 16, 24, 2),
    (MBConv, 6, 5, 2, 24, 40, 2),
    (MBConv, 6, 3, 2, 40, 80, 3),
    (MBConv, 6, 5, 1, 80, 112, 3),
    (MBConv, 6, 5, 2, 112, 192, 4),
    (MBConv, 6, 3, 1, 192, 320, 1),
]
EFFICIENTNET_V2_S_ROWS = [
    (FusedMBConv, 1, 3, 1, 24, 24, 2),
    (FusedMBConv, 4, 3, 2, 24, 48, 4),
    (FusedMBConv, 4, 3, 2, 48, 64, 4),
    (MBConv, 4, 3, 2, 64, 128, 6),
    (MBConv, 6, 3, 1, 128, 160, 9),
    (MBConv, 6, 3, 2, 160, 256, 15),
]
# efficientnet_b0..b7 (torchvision): (width_mult, depth_mult)
EFFICIENTNET_B_MULTS = {
    "b0": (1.0, 1.0), "b1": (1.0, 1.1), "b2": (1.1, 1.2), "b3": (1.2, 1.4),
    "b4": (1.4, 1.8), "b5": (1.6, 2.2), "b6": (1.8, 2.6), "b7": (2.0, 3.1),
}


class EfficientNet(nn.Module):
    """EfficientNet: stem conv 3x3 s2 (SiLU) to the first row's (adjusted) input channels; per row,
    num_layers blocks, the first with the row's stride and input, the rest stride 1 from out; last conv
    1x1 (SiLU) to last_channel, or 4 x the last row's out when last_channel is None (B-series);
    avg pool; Linear."""

    def __init__(self, rows, last_channel=None, num_classes=1000):
        super().__init__()
        layers = [conv_norm_act(3, rows[0][4], 3, 2, activation=nn.SiLU)]
        for block, e, k, s, cin, cout, n in rows:
            layers.append(nn.Sequential(*[block(e, k, s if i == 0 else 1, cin if i == 0 else cout, cout)
                                          for i in range(n)]))
        last_in = rows[-1][5]
        last = last_channel if last_channel is not None else 4 * last_in
        layers.append(conv_norm_act(last_in, last, 1, activation=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(last, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


def efficientnet(width_mult=1.0, depth_mult=1.0):
    """_efficientnet_conf('efficientnet_b*'): MBConvConfig adjusts in/out channels with
    make_divisible(c * width_mult, 8) and layers with ceil(n * depth_mult), row by row."""
    rows = [(b, e, k, s, make_divisible(cin * width_mult), make_divisible(cout * width_mult),
             math.ceil(n * depth_mult))
            for b, e, k, s, cin, cout, n in EFFICIENTNET_B_ROWS]
    return EfficientNet(rows)


def efficientnet_b(variant="b0"):
    return efficientnet(*EFFICIENTNET_B_MULTS[variant])


def efficientnet_v2_s():
    """_efficientnet_conf('efficientnet_v2_s'): channels and depths as written (no multipliers),
    last_channel 1280."""
    return EfficientNet(EFFICIENTNET_V2_S_ROWS, last_channel=1280)


# ---------------------------------------------------------------------------------------------------
# MNASNet (mnasnet.py, _version 2)


class MnasInvertedResidual(nn.Module):
    """_InvertedResidual: mid = in * expansion (NOT rounded); 1x1 + BN + ReLU, dw k x k (stride) + BN +
    ReLU, 1x1 + BN; residual when in == out and stride 1."""

    def __init__(self, cin, cout, kernel, stride, expansion):
        super().__init__()
        mid = cin * expansion
        self.apply_residual = cin == cout and stride == 1
        self.layers = nn.Sequential(
            nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout),
        )

    def forward(self, x):
        y = self.layers(x)
        return y + x if self.apply_residual else y


def _stack(cin, cout, kernel, stride, expansion, repeats):
    return nn.Sequential(MnasInvertedResidual(cin, cout, kernel, stride, expansion),
                         *[MnasInvertedResidual(cout, cout, kernel, 1, expansion) for _ in range(1, repeats)])


class MNASNet(nn.Module):
    """MNASNet(alpha): depths = _round_to_multiple_of(d * alpha, 8) for [32, 16, 24, 40, 80, 96, 192, 320]
    (stem and the separable conv scale too, _version 2); stem 3x3 s2 + BN + ReLU; dw 3x3 + BN + ReLU;
    1x1 to depths[1] + BN (no act, no skip); six stacks (k, s, e, n) = (3,2,3,3) (5,2,3,3) (5,2,6,3)
    (3,1,6,2) (5,2,6,4) (3,1,6,1); 1x1 to 1280 (fixed) + BN + ReLU; mean; Linear."""

    def __init__(self, alpha=1.0, num_classes=1000):
        super().__init__()
        d = [make_divisible(c * alpha, 8) for c in (32, 16, 24, 40, 80, 96, 192, 320)]
        self.layers = nn.Sequential(
            nn.Conv2d(3, d[0], 3, 2, 1, bias=False), nn.BatchNorm2d(d[0]), nn.ReLU(),
            nn.Conv2d(d[0], d[0], 3, 1, 1, groups=d[0], bias=False), nn.BatchNorm2d(d[0]), nn.ReLU(),
            nn.Conv2d(d[0], d[1], 1, bias=False), nn.BatchNorm2d(d[1]),
            _stack(d[1], d[2], 3, 2, 3, 3),
            _stack(d[2], d[3], 5, 2, 3, 3),
            _stack(d[3], d[4], 5, 2, 6, 3),
            _stack(d[4], d[5], 3, 1, 6, 2),
            _stack(d[5], d[6], 5, 2, 6, 4),
            _stack(d[6], d[7], 3, 1, 6, 1),
            nn.Conv2d(d[7], 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU(),
        )
        self.classifier = nn.Linear(1280, num_classes)

    def forward(self, x):
        return self.classifier(self.layers(x).mean((2, 3)))


def mnasnet(alpha=1.0):
    """torchvision mnasnet0_5 / 0_75 / 1_0 / 1_3."""
    return MNASNet(alpha)


# ---------------------------------------------------------------------------------------------------
# ShuffleNetV2 (shufflenetv2.py)


def channel_shuffle(x, groups):
    b, c, h, w = x.size()
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


class ShuffleUnit(nn.Module):
    """InvertedResidual: branch = out // 2. Stride 2: branch1 = dw 3x3 s2 on in + BN, 1x1 in->branch + BN
    + ReLU; branch2 = 1x1 in->branch + BN + ReLU, dw 3x3 s2 + BN, 1x1 + BN + ReLU. Stride 1: the input
    is split in half, branch2 (input branch channels) runs on the second half, the first passes through.
    Concat, then channel shuffle with 2 groups."""

    def __init__(self, inp, oup, stride):
        super().__init__()
        self.stride = stride
        bf = oup // 2
        assert stride != 1 or inp == bf << 1
        if stride > 1:
            self.branch1 = nn.Sequential(
                nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False), nn.BatchNorm2d(inp),
                nn.Conv2d(inp, bf, 1, bias=False), nn.BatchNorm2d(bf), nn.ReLU(),
            )
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride > 1 else bf, bf, 1, bias=False), nn.BatchNorm2d(bf), nn.ReLU(),
            nn.Conv2d(bf, bf, 3, stride, 1, groups=bf, bias=False), nn.BatchNorm2d(bf),
            nn.Conv2d(bf, bf, 1, bias=False), nn.BatchNorm2d(bf), nn.ReLU(),
        )

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


# shufflenet_v2_x0_5 .. x2_0: stages_out_channels (repeats are [4, 8, 4] for all)
SHUFFLENET_V2_CHANNELS = {
    0.5: [24, 48, 96, 192, 1024],
    1.0: [24, 116, 232, 464, 1024],
    1.5: [24, 176, 352, 704, 1024],
    2.0: [24, 244, 488, 976, 2048],
}


class ShuffleNetV2(nn.Module):
    """ShuffleNetV2: conv1 3x3 s2 + BN + ReLU; maxpool 3x3 s2 p1; stage2..4 = one stride-2 unit then
    repeats - 1 stride-1 units; conv5 1x1 + BN + ReLU; mean; fc Linear."""

    def __init__(self, stages_repeats=(4, 8, 4), stages_out_channels=SHUFFLENET_V2_CHANNELS[1.0], num_classes=1000):
        super().__init__()
        c = stages_out_channels
        self.conv1 = nn.Sequential(nn.Conv2d(3, c[0], 3, 2, 1, bias=False), nn.BatchNorm2d(c[0]), nn.ReLU())
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        stages, inp = [], c[0]
        for repeats, oup in zip(stages_repeats, c[1:4]):
            stages.append(nn.Sequential(ShuffleUnit(inp, oup, 2), *[ShuffleUnit(oup, oup, 1) for _ in range(repeats - 1)]))
            inp = oup
        self.stage2, self.stage3, self.stage4 = stages
        self.conv5 = nn.Sequential(nn.Conv2d(inp, c[-1], 1, bias=False), nn.BatchNorm2d(c[-1]), nn.ReLU())
        self.fc = nn.Linear(c[-1], num_classes)

    def forward(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
        return self.fc(x.mean((2, 3)))


def shufflenet_v2(width=1.0):
    """torchvision shufflenet_v2_x0_5 / x1_0 / x1_5 / x2_0 (width picks the channel table; torchvision
    has no continuous width multiplier for ShuffleNetV2)."""
    return ShuffleNetV2((4, 8, 4), SHUFFLENET_V2_CHANNELS[width])

