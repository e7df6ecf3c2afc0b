"""torchvision's MobileNetV2 and MobileNetV3 (large, small; reduced tail and dilated), re-implemented from
pytorch/vision:
  torchvision/models/_utils.py        _make_divisible
  torchvision/ops/misc.py             Conv2dNormActivation, SqueezeExcitation
  torchvision/models/mobilenetv2.py   InvertedResidual, MobileNetV2
  torchvision/models/mobilenetv3.py   InvertedResidualConfig, InvertedResidual, MobileNetV3, _mobilenet_v3_conf
Module structure and forward code as there (Sequential `features`, in-place `result += input`, functional
pooling in V2; ops.misc.SqueezeExcitation from torchvision_nets), so an import reads what torchvision's own modules would give it. Published figures:
MobileNet_V2_Weights.IMAGENET1K_V1 num_params 3,504,872; MobileNet_V3_Large_Weights.IMAGENET1K_V1
5,483,032; MobileNet_V3_Small_Weights.IMAGENET1K_V1 2,542,856."""

from __future__ import annotations

from functools import partial

import torch
from torch import nn

from .torchvision_nets import SqueezeExcitation, make_divisible


class Conv2dNormActivation(nn.Sequential):
    """ops.misc.Conv2dNormActivation: padding (k - 1) // 2 * dilation, bias only without a norm."""

    def __init__(self, cin, cout, kernel_size=3, stride=1, groups=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1):
        padding = (kernel_size - 1) // 2 * dilation
        layers = [nn.Conv2d(cin, cout, kernel_size, stride, padding, dilation=dilation, groups=groups, bias=norm_layer is None)]
        if norm_layer is not None:
            layers.append(norm_layer(cout))
        if activation_layer is not None:
            layers.append(activation_layer(inplace=True))
        super().__init__(*layers)


class InvertedResidualV2(nn.Module):
    """mobilenetv2.py InvertedResidual: hidden int(round(inp * t)); expand conv only when t != 1."""

    def __init__(self, inp, oup, stride, expand_ratio, norm_layer=nn.BatchNorm2d):
        super().__init__()
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.ReLU6))
        layers.extend([
            Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim, norm_layer=norm_layer, activation_layer=nn.ReLU6),
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ])
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes=1000, width_mult=1.0, round_nearest=8, dropout=0.2):
        super().__init__()
        input_channel, last_channel = 32, 1280
        setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]
        input_channel = make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features = [Conv2dNormActivation(3, input_channel, stride=2, activation_layer=nn.ReLU6)]
        for t, c, n, s in setting:
            output_channel = make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(InvertedResidualV2(input_channel, output_channel, s if i == 0 else 1, expand_ratio=t))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1, activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(self.last_channel, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


class InvertedResidualConfig:
    """mobilenetv3.py: every width through adjust_channels = _make_divisible(c * width_mult, 8)."""

    def __init__(self, input_channels, kernel, expanded_channels, out_channels, use_se, activation, stride, dilation, width_mult):
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.kernel = kernel
        self.expanded_channels = self.adjust_channels(expanded_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.use_se = use_se
        self.use_hs = activation == "HS"
        self.stride = stride
        self.dilation = dilation

    @staticmethod
    def adjust_channels(channels, width_mult):
        return make_divisible(channels * width_mult, 8)


class InvertedResidualV3(nn.Module):
    def __init__(self, cnf, norm_layer):
        super().__init__()
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers = []
        activation_layer = nn.Hardswish if cnf.use_hs else nn.ReLU
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.expanded_channels, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=activation_layer))
        stride = 1 if cnf.dilation > 1 else cnf.stride
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.expanded_channels, kernel_size=cnf.kernel, stride=stride,
                                           dilation=cnf.dilation, groups=cnf.expanded_channels, norm_layer=norm_layer,
                                           activation_layer=activation_layer))
        if cnf.use_se:
            squeeze_channels = make_divisible(cnf.expanded_channels // 4, 8)
            layers.append(SqueezeExcitation(cnf.expanded_channels, squeeze_channels, scale_activation=nn.Hardsigmoid))
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.out_channels, kernel_size=1, norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result += input
        return result


class MobileNetV3(nn.Module):
    def __init__(self, setting, last_channel, num_classes=1000, dropout=0.2):
        super().__init__()
        norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        first = setting[0].input_channels
        layers = [Conv2dNormActivation(3, first, kernel_size=3, stride=2, norm_layer=norm_layer, activation_layer=nn.Hardswish)]
        layers += [InvertedResidualV3(cnf, norm_layer) for cnf in setting]
        last_in = setting[-1].out_channels
        last_out = 6 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(last_out, last_channel), nn.Hardswish(inplace=True), nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(last_channel, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def mobilenet_v3(arch="mobilenet_v3_large", width_mult=1.0, reduced_tail=False, dilated=False):
    """_mobilenet_v3_conf + MobileNetV3."""
    rd = 2 if reduced_tail else 1
    d = 2 if dilated else 1
    b = partial(InvertedResidualConfig, width_mult=width_mult)
    if arch == "mobilenet_v3_large":
        setting = [
            b(16, 3, 16, 16, False, "RE", 1, 1), b(16, 3, 64, 24, False, "RE", 2, 1), b(24, 3, 72, 24, False, "RE", 1, 1),
            b(24, 5, 72, 40, True, "RE", 2, 1), b(40, 5, 120, 40, True, "RE", 1, 1), b(40, 5, 120, 40, True, "RE", 1, 1),
            b(40, 3, 240, 80, False, "HS", 2, 1), b(80, 3, 200, 80, False, "HS", 1, 1), b(80, 3, 184, 80, False, "HS", 1, 1),
            b(80, 3, 184, 80, False, "HS", 1, 1), b(80, 3, 480, 112, True, "HS", 1, 1), b(112, 3, 672, 112, True, "HS", 1, 1),
            b(112, 5, 672, 160 // rd, True, "HS", 2, d), b(160 // rd, 5, 960 // rd, 160 // rd, True, "HS", 1, d),
            b(160 // rd, 5, 960 // rd, 160 // rd, True, "HS", 1, d),
        ]
        last = InvertedResidualConfig.adjust_channels(1280 // rd, width_mult)
    else:
        setting = [
            b(16, 3, 16, 16, True, "RE", 2, 1), b(16, 3, 72, 24, False, "RE", 2, 1), b(24, 3, 88, 24, False, "RE", 1, 1),
            b(24, 5, 96, 40, True, "HS", 2, 1), b(40, 5, 240, 40, True, "HS", 1, 1), b(40, 5, 240, 40, True, "HS", 1, 1),
            b(40, 5, 120, 48, True, "HS", 1, 1), b(48, 5, 144, 48, True, "HS", 1, 1), b(48, 5, 288, 96 // rd, True, "HS", 2, 1),
            b(96 // rd, 5, 576 // rd, 96 // rd, True, "HS", 1, d), b(96 // rd, 5, 576 // rd, 96 // rd, True, "HS", 1, d),
        ]
        last = InvertedResidualConfig.adjust_channels(1024 // rd, width_mult)
    return MobileNetV3(setting, last)


def mobilenet_v2():
    return MobileNetV2()


def mobilenet_v3_large():
    return mobilenet_v3("mobilenet_v3_large")


def mobilenet_v3_small():
    return mobilenet_v3("mobilenet_v3_small")
