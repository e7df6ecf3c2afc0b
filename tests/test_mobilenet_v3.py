"""MobileNetV3 Large and Small (Howard et al. 2019, Tables 1 and 2) as torchvision implements them.

Expected values come from (a) the torchvision model docs (published params and GFLOPS), (b) closed-form
sums over the architecture tables written below, and (c) an independent re-implementation of
torchvision's `models/mobilenetv3.py` in torch (torchvision itself does not run here), measured with
`sum(p.numel())` and `torch.utils.flop_counter.FlopCounterMode` (2 FLOPs per MAC).
"""

from __future__ import annotations

import math
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from mbcost import analyze_spec
from mbcost.cli import cli

ROOT = Path(__file__).resolve().parent.parent

# torchvision's mobilenetv3.py `_mobilenet_v3_conf`, one row per bneck_conf:
# (input, kernel, exp, out, use_se, NL, s)   -- the paper's Table 1 / Table 2 columns.
LARGE = [
    (16, 3, 16, 16, False, "RE", 1),
    (16, 3, 64, 24, False, "RE", 2),
    (24, 3, 72, 24, False, "RE", 1),
    (24, 5, 72, 40, True, "RE", 2),
    (40, 5, 120, 40, True, "RE", 1),
    (40, 5, 120, 40, True, "RE", 1),
    (40, 3, 240, 80, False, "HS", 2),
    (80, 3, 200, 80, False, "HS", 1),
    (80, 3, 184, 80, False, "HS", 1),
    (80, 3, 184, 80, False, "HS", 1),
    (80, 3, 480, 112, True, "HS", 1),
    (112, 3, 672, 112, True, "HS", 1),
    (112, 5, 672, 160, True, "HS", 2),
    (160, 5, 960, 160, True, "HS", 1),
    (160, 5, 960, 160, True, "HS", 1),
]
SMALL = [
    (16, 3, 16, 16, True, "RE", 2),
    (16, 3, 72, 24, False, "RE", 2),
    (24, 3, 88, 24, False, "RE", 1),
    (24, 5, 96, 40, True, "HS", 2),
    (40, 5, 240, 40, True, "HS", 1),
    (40, 5, 240, 40, True, "HS", 1),
    (40, 5, 120, 48, True, "HS", 1),
    (48, 5, 144, 48, True, "HS", 1),
    (48, 5, 288, 96, True, "HS", 2),
    (96, 5, 576, 96, True, "HS", 1),
    (96, 5, 576, 96, True, "HS", 1),
]
# last_channel = adjust_channels(1280 / 1024) (torchvision `_mobilenet_v3_conf`)
MODELS = {"mobilenet_v3_large": (LARGE, 1280), "mobilenet_v3_small": (SMALL, 1024)}
CLASSES = 1000


def _make_divisible(v: float, divisor: int = 8) -> int:
    """Copied from torchvision.models._utils."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def closed_form(rows, last_channel: int, alpha: float, resolution: int) -> tuple[int, int]:
    """MACs and params summed over the table: stem, each bneck (expand, depthwise, SE, project), last conv,
    classifier. Every conv but the SE's is followed by batch norm (2 params per channel)."""
    adjust = partial(lambda c, a: _make_divisible(c * a, 8), a=alpha)
    h = math.ceil(resolution / 2)
    stem = adjust(16)
    macs = 3 * 3 * 3 * stem * h * h
    params = 3 * 3 * 3 * stem + 2 * stem
    for cin, k, exp, out, se, _, s in rows:
        cin, exp, out = adjust(cin), adjust(exp), adjust(out)
        if exp != cin:  # expand 1x1
            macs += cin * exp * h * h
            params += cin * exp + 2 * exp
        h = math.ceil(h / s)
        macs += k * k * exp * h * h  # depthwise
        params += k * k * exp + 2 * exp
        if se:
            sq = _make_divisible(exp // 4, 8)
            macs += 2 * exp * sq
            params += 2 * exp * sq + sq + exp
        macs += exp * out * h * h  # project
        params += exp * out + 2 * out
    last_in = adjust(rows[-1][3])
    last = 6 * last_in
    hidden = adjust(last_channel)
    macs += last_in * last * h * h + last * hidden + hidden * CLASSES
    params += last_in * last + 2 * last + (last + 1) * hidden + (hidden + 1) * CLASSES
    return macs, params


# torchvision model docs (pytorch.org/vision/stable/models): mobilenet_v3_large num_params 5,483,032,
# GFLOPS 0.22; mobilenet_v3_small num_params 2,542,856, GFLOPS 0.06 (torchvision's "GFLOPS" are GMACs).
PUBLISHED = {"mobilenet_v3_large": (5_483_032, 0.22), "mobilenet_v3_small": (2_542_856, 0.06)}


@pytest.mark.parametrize("model", sorted(PUBLISHED))
def test_published_torchvision_figures(model):
    params, gmacs = PUBLISHED[model]
    total = analyze_spec(model).total
    assert total.params == params
    assert round(total.macs / 1e9, 2) == gmacs


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("alpha", [1.0, 0.75, 0.5, 0.35, 0.33, 0.6, 1.25])
@pytest.mark.parametrize("resolution", [224, 160, 193])
def test_closed_form_over_the_table(model, alpha, resolution):
    rows, last_channel = MODELS[model]
    total = analyze_spec(model, alpha, resolution).total
    assert (total.macs, total.params) == closed_form(rows, last_channel, alpha, resolution)


def test_last_conv_is_six_times_the_adjusted_last_block():
    # alpha 0.33: make_divisible(960 * 0.33) = 320 but torchvision's 6 * make_divisible(160 * 0.33) = 6 * 56.
    assert _make_divisible(960 * 0.33) == 320
    head = analyze_spec("mobilenet_v3_large", 0.33).graph.node("head")
    assert head.output_shape.channels == 6 * 56


def test_squeeze_excite_other_ops_closed_form():
    # Per SE block at 224: pool reads exp*H*W, multiply writes exp*H*W; ReLU on sq, hard-sigmoid on exp.
    layers = {layer.node.name: layer.cost for layer in analyze_spec("mobilenet_v3_large").layers}
    se = layers["blocks.3.se"]  # exp 72 at 28x28, squeeze make_divisible(72 // 4) = 24
    assert (se.pool_ops, se.multiply_ops, se.activation_ops) == (72 * 28 * 28, 72 * 28 * 28, 24 + 72)
    assert (se.macs, se.weights, se.biases, se.norm_params) == (2 * 72 * 24, 2 * 72 * 24, 24 + 72, 0)
    assert se.other_ops == 2 * 72 * 28 * 28 + 24 + 72


def test_structure_follows_torchvision():
    nodes = {n.name: n for n in analyze_spec("mobilenet_v3_large").graph.nodes}
    assert "blocks.0.expand" not in nodes  # exp 16 == input 16: no expand conv
    assert "blocks.1.expand" in nodes
    assert nodes["blocks.0.add"].op.name == "add"  # stride 1, 16 -> 16
    assert nodes["blocks.3.depthwise"].op.kernel == 5
    assert nodes["blocks.6.expand"].op.activation == "hardswish"
    assert nodes["blocks.3.expand"].op.activation == "relu"
    assert nodes["blocks.3.project"].op.activation == "none"
    assert nodes["stem"].op.activation == "hardswish" and nodes["stem"].op.norm == "batch"
    hidden, out = nodes["classifier.hidden"].op, nodes["classifier.output"].op
    assert (hidden.in_features, hidden.out_features, hidden.activation, hidden.dropout) == (960, 1280, "hardswish", 0.0)
    assert (out.in_features, out.out_features, out.activation, out.dropout) == (1280, 1000, "none", 0.2)
    small = {n.name for n in analyze_spec("mobilenet_v3_small").graph.nodes}
    assert "classifier" not in nodes and not any(a.startswith(b + ".") for a in nodes for b in nodes)
    assert "blocks.0.se" in small and "blocks.0.add" not in small  # stride 2
    assert not any(name.startswith("head.") for name in small) and "head" in small  # last conv: no SE


# ---------------------------------------------------------------------------------------------------
# An independent re-implementation of torchvision/models/mobilenetv3.py (v0.19), written from its source:
# tests/reference/torchvision_mobilenet.py.

torch = pytest.importorskip("torch")
nn = torch.nn

from .reference import torchvision_mobilenet  # noqa: E402
from .reference.torchvision_nets import SqueezeExcitation  # noqa: E402


def conv_norm_act(cin, cout, kernel, stride=1, groups=1, activation=None):
    """torchvision.ops.misc.Conv2dNormActivation with BatchNorm2d(eps=0.001, momentum=0.01)."""
    layers = [
        nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout, eps=0.001, momentum=0.01),
    ]
    if activation is not None:
        layers.append(activation())
    return nn.Sequential(*layers)


def reference(model: str, width_mult: float):
    return torchvision_mobilenet.mobilenet_v3(model, width_mult).eval()


def measured_macs(module, resolution: int) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        out = module(torch.zeros(1, 3, resolution, resolution))
    assert out.shape == (1, CLASSES)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("alpha", [1.0, 0.75, 0.5])
@pytest.mark.parametrize("resolution", [224, 160])
def test_matches_torch_reimplementation(model, alpha, resolution):
    torch.manual_seed(0)
    module = reference(model, alpha)
    total = analyze_spec(model, alpha, resolution).total
    assert total.params == sum(p.numel() for p in module.parameters())
    assert total.norm_buffers == sum(b.numel() for name, b in module.named_buffers() if "running_" in name)
    assert total.macs == measured_macs(module, resolution)


@pytest.mark.parametrize("model, alpha", [("mobilenet_v3_large", 0.33), ("mobilenet_v3_small", 0.6)])
def test_params_at_odd_alphas_match_torch(model, alpha):
    # alphas where 6 * adjust(last out) != make_divisible(960 or 576 * alpha): the head must follow torchvision.
    module = reference(model, alpha)
    assert analyze_spec(model, alpha).total.params == sum(p.numel() for p in module.parameters())


def test_squeeze_excite_torch_module_is_torchvisions():
    from mbcost.arch.ops import SqueezeExcite

    ours = SqueezeExcite(72, 24).torch_module(nn)
    theirs = SqueezeExcitation(72, 24, scale_activation=nn.Hardsigmoid)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [(k, v.shape) for k, v in theirs.state_dict().items()]
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 72, 5, 5)
    assert torch.equal(ours(x), theirs(x))


# ---------------------------------------------------------------------------------------------------
# Spec errors of the new fields: one line FILE:LINE:COL: field: message, exit 2.

BASE = """input: {resolution: 32}
classes: 10
stem: {conv: {kernel: 3, stride: 2, channels: 16}}
blocks:
"""


@pytest.mark.parametrize(
    "row, message",
    [
        ("  - bottleneck: {expansion: 4, expanded_channels: 64, channels: 16}", "not both expansion and expanded_channels"),
        ("  - bottleneck: {channels: 16}", "give exactly one of expansion or expanded_channels, not neither"),
        ("  - pointwise: {activation: hardswish}", "give exactly one of channels or expansion, not neither"),
        ("  - pointwise: {channels: 8, expansion: 6}", "not both channels and expansion"),
        ("  - bottleneck: {expansion: 4, channels: 16, activation: hardswsh}", "did you mean 'hardswish'"),
        ("  - bottleneck: {expansion: 4, channels: 16, se: 1}", "expected true, false or a mapping of fields"),
    ],
)
def test_bad_new_fields_are_one_line_errors(tmp_path, row, message):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE + row + "\n")
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:5:") and message in lines[0]


def test_classifier_hidden_layer_in_any_spec(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(
        BASE
        + "  - bottleneck: {kernel: 5, expanded_channels: 32, channels: 16, se: true, activation: hardswish}\n"
        + "pool: average\nclassifier: {hidden: 64, hidden_activation: hardswish, dropout: 0.1}\n"
    )
    total = analyze_spec(path).total
    # stem 3*3*3*16 * 16*16; expand 16*32*256; dw 25*32*256; SE 2*32*8; project 32*16*256; 16*64 + 64*10
    assert total.macs == 27 * 16 * 256 + 16 * 32 * 256 + 25 * 32 * 256 + 2 * 32 * 8 + 32 * 16 * 256 + 16 * 64 + 64 * 10
    module = nn.Sequential(
        conv_norm_act(3, 16, 3, 2, activation=nn.Hardswish),
        torchvision_mobilenet.InvertedResidualV3(
            torchvision_mobilenet.InvertedResidualConfig(16, 5, 32, 16, True, "HS", 1, 1, 1.0), partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        ),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 64),
        nn.Hardswish(),
        nn.Linear(64, 10),
    )
    assert total.params == sum(p.numel() for p in module.parameters())


def test_v3_analysis_does_not_import_torch():
    code = "import sys; from mbcost import analyze_spec; analyze_spec('mobilenet_v3_large'); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_fused_groups_skip_squeeze_excite_blocks():
    # A bottleneck with SE cannot run in channel slices (its gates need every channel's pooled depthwise
    # output first), so only Table 1's rows without SE are fused: 0, 1, 2, 6, 7, 8, 9 (row 0 has no expand
    # conv but still depthwise + project + add).
    from mbcost import build_graph, load

    graph = build_graph(load("mobilenet_v3_large"))
    assert [group.block for group in graph.fused] == [f"blocks.{i}" for i in (0, 1, 2, 6, 7, 8, 9)]
    assert [g.block for g in build_graph(load("mobilenet_v3_small")).fused] == ["blocks.1", "blocks.2"]
