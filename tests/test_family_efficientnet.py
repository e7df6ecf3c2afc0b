"""EfficientNet B0-B7, MnasNet-A1, MNASNet 1.0, FBNet-C and LCNet as shipped specs: params and conv + linear
MACs equal to the reference modules of tests/reference (independent re-implementations of timm and
torchvision, themselves checked against published figures in tests/test_reference_models.py) at several
widths, resolutions and depths; the depth scaling and the bottleneck's options against closed forms."""

from __future__ import annotations

import functools
import math

import pytest

from mbcost import analyze_spec, build_graph, load
from mbcost.spec.parse import parse_spec

from .conftest import run


def totals(name, alpha=None, resolution=None, depth=None):
    result = analyze_spec(name, alpha, resolution, depth=depth)
    return result.total.params, result.total.macs


# ---------------------------------------------------------------------------------------------------
# Published figures


def test_efficientnet_b0_published():
    params, macs = totals("efficientnet_b0")
    assert params == 5_288_548  # torchvision efficientnet.py EfficientNet_B0_Weights meta["num_params"]
    assert macs == 385_814_752  # timm efficientnet_b0 at 224, conv + linear (FlopCounterMode / 2)


def test_mnasnet_1_0_published():
    # torchvision mnasnet.py MNASNet1_0_Weights meta["num_params"]
    assert totals("mnasnet_1_0")[0] == 4_383_312


@pytest.mark.parametrize(
    "variant, num_params",
    # torchvision efficientnet.py EfficientNet_B*_Weights.IMAGENET1K_V1 meta["num_params"]
    [("b1", 7_794_184), ("b2", 9_109_994), ("b3", 12_233_232), ("b4", 19_341_616), ("b5", 30_389_784),
     ("b6", 43_040_704), ("b7", 66_347_960)],
)
def test_efficientnet_presets_published_params(variant, num_params):
    assert totals(f"efficientnet_{variant}")[0] == num_params


# ---------------------------------------------------------------------------------------------------
# Against the reference modules

torch = pytest.importorskip("torch")

from .reference import timm_efficientnet as te  # noqa: E402
from .reference import torchvision_nets as tv  # noqa: E402
from .reference.measure import conv_linear_macs, params  # noqa: E402


@functools.cache
def reference(factory, args):
    with torch.device("meta"):
        return factory(*args)


@functools.cache
def reference_macs(factory, args, resolution):
    return conv_linear_macs(reference(factory, args), resolution)


# (spec, reference factory, its arguments at width w)
FAMILY = {
    "mnasnet_a1": (te.semnasnet, lambda w: (w,)),
    "mnasnet_1_0": (tv.mnasnet, lambda w: (w,)),
    "fbnet_c": (te.fbnetc, lambda w: (w,)),
    "lcnet_100": (te.lcnet, lambda w: (w,)),
    "efficientnet_b0": (te.efficientnet, lambda w: (w, 1.0)),
}
WIDTHS = (0.35, 0.5, 0.75, 1.0, 1.4)


@pytest.mark.parametrize("name", list(FAMILY))
@pytest.mark.parametrize("width", WIDTHS)
def test_params_and_macs_equal_the_reference(name, width):
    factory, args = FAMILY[name]
    expected_params = params(reference(factory, args(width)))
    for resolution in (224, 161):
        assert totals(name, width, resolution) == (expected_params, reference_macs(factory, args(width), resolution))


@pytest.mark.parametrize("width, depth", [(1.0, 1.1), (1.1, 1.2), (1.2, 1.4), (0.5, 0.5), (0.75, 1.5), (1.6, 2.2), (2.0, 3.1)])
def test_efficientnet_at_depth_equals_timm(width, depth):
    factory = te.efficientnet
    expected_params = params(reference(factory, (width, depth)))
    assert totals("efficientnet_b0", width, 192, depth) == (expected_params, reference_macs(factory, (width, depth), 192))


@pytest.mark.parametrize("variant", ["b1", "b2", "b3", "b4", "b5", "b6", "b7"])
def test_presets_equal_torchvision_at_their_resolution(variant):
    # torchvision's EfficientNet ceil()s each row's repeats and takes 4 x the last width for the head: the
    # same network as timm's for B0-B7 (tests/test_reference_models.py).
    resolution = te.EFFICIENTNET_PARAMS[variant][2]
    model = reference(tv.efficientnet_b, (variant,))
    graph = build_graph(load(f"efficientnet_{variant}"))
    assert graph.resolution == resolution
    assert totals(f"efficientnet_{variant}") == (params(model), reference_macs(tv.efficientnet_b, (variant,), resolution))


def test_presets_are_b0_at_their_settings():
    cm, dm, resolution = te.EFFICIENTNET_PARAMS["b5"]
    assert totals("efficientnet_b5") == totals("efficientnet_b0", cm, resolution, dm)


# ---------------------------------------------------------------------------------------------------
# Depth: timm's _scale_stage_depth written out


def timm_stage_depth(repeats, depth, rounding="ceil"):
    """timm _efficientnet_builder._scale_stage_depth: the stage total scaled (ceil, or round at least 1),
    given back from the last row to the first, each max(1, round(r / remaining * remaining_scaled))."""
    remaining = sum(repeats)
    remaining_scaled = math.ceil(remaining * depth) if rounding == "ceil" else max(1, round(remaining * depth))
    out = []
    for r in reversed(repeats):
        share = max(1, round(r / remaining * remaining_scaled))
        out.append(share)
        remaining -= r
        remaining_scaled -= share
    return out[::-1]


def stage_spec(repeats, depth, rounding="ceil", extra=""):
    rows = "".join(
        f"  - bottleneck: {{expansion: 2, channels: 8, repeat: {r}, stage: 1{extra}}}\n" for r in repeats
    )
    return (
        f"input: {{resolution: 8}}\nclasses: 2\ndepth: {depth}\ndepth_rounding: {rounding}\n"
        "stem: {conv: {kernel: 3, channels: 8}}\nblocks:\n" + rows
    )


def row_repeats(text, depth=None):
    graph = build_graph(parse_spec(text, "net.yaml", "net"), depth=depth)
    lines = {}
    for node in graph.nodes:
        if node.block.startswith("blocks.") and node.name.endswith(".project"):
            lines[node.line] = lines.get(node.line, 0) + 1
    return [lines[k] for k in sorted(lines)]


def test_scale_stage_depth_closed_form():
    assert timm_stage_depth([1, 1, 1, 1], 1.5) == [1, 2, 1, 2]  # ceil(6): 6/4 -> 2, 4/3 -> 1, 3/2 -> 2 (half to even), 1
    assert timm_stage_depth([1, 1, 1, 1], 0.5) == [1, 1, 1, 1]  # every row keeps at least one
    assert timm_stage_depth([4], 3.1) == [13]  # B7's 112-channel stage: ceil(12.4)


@pytest.mark.parametrize(
    "repeats, depth, rounding",
    [([1, 1, 1, 1], 1.5, "ceil"), ([1, 1, 1, 1], 0.5, "ceil"), ([1, 2, 3], 2.2, "ceil"), ([3, 1], 1.4, "round"),
     ([2, 2, 4], 0.6, "round"), ([1, 4, 2, 1], 3.1, "ceil")],
)
def test_stage_repeats_follow_timm(repeats, depth, rounding):
    assert row_repeats(stage_spec(repeats, depth, rounding)) == timm_stage_depth(repeats, depth, rounding)


def test_rows_of_different_stages_scale_apart_and_fixed_rows_stay():
    text = (
        "input: {resolution: 8}\nclasses: 2\ndepth: 1.5\n"
        "blocks:\n"
        "  - bottleneck: {expansion: 2, channels: 8, repeat: 1}\n"  # a stage of its own: ceil(1.5) = 2
        "  - bottleneck: {expansion: 2, channels: 8, repeat: 1, stage: 2}\n"
        "  - bottleneck: {expansion: 2, channels: 8, repeat: 1, stage: 2}\n"  # together: ceil(3) = 3 -> [1, 2]
        "  - bottleneck: {expansion: 2, channels: 8, repeat: 3, depth_scaling: none}\n"  # kept at 3
    )
    assert row_repeats(text) == [2] + timm_stage_depth([1, 1], 1.5) + [3]
    assert row_repeats(text, depth=1.0) == [1, 1, 1, 3]


def test_depth_one_changes_nothing_for_a_shipped_spec():
    assert totals("mobilenet_v2", depth=1.0) == totals("mobilenet_v2")


# ---------------------------------------------------------------------------------------------------
# Bottleneck and separable options, closed forms


def one_block(block, defaults="", channels=24):
    text = (
        f"input: {{resolution: 8}}\nclasses: 2\n{defaults}"
        f"stem: {{conv: {{kernel: 1, channels: {channels}, scaling: none}}}}\nblocks:\n  - {block}\n"
    )
    return build_graph(parse_spec(text, "net.yaml", "net"))


def test_expand_conv_always_keeps_the_1x1_at_t_1():
    auto = one_block("bottleneck: {expansion: 1, channels: 24}")
    always = one_block("bottleneck: {expansion: 1, channels: 24, expand_conv: always}")
    assert "blocks.0.expand" not in {n.name for n in auto.nodes}
    expand = always.node("blocks.0.expand")
    assert (expand.op.in_channels, expand.op.out_channels, expand.op.kernel) == (24, 24, 1)


@pytest.mark.parametrize("channels, t", [(20, 3), (24, 1.5), (36, 2.5), (12, 6)])
def test_expansion_rounding(channels, t):
    def mid(rounding_line):
        return one_block(f"bottleneck: {{expansion: {t}, channels: 16}}", rounding_line, channels).node("blocks.0.depthwise").op.out_channels

    v = channels * t
    timm = max(8, int(v + 4) // 8 * 8)
    timm = timm + 8 if timm < 0.9 * v else timm  # timm make_divisible(in * t, 8)
    assert mid("") == round(v)  # torchvision: round(in * t)
    assert mid("defaults: {expansion_rounding: make_divisible}\n") == timm
    row = one_block(f"bottleneck: {{expansion: {t}, channels: 16, expansion_rounding: make_divisible}}", "", channels)
    assert row.node("blocks.0.depthwise").op.out_channels == timm


def test_separable_with_se_linear_pointwise_and_residual():
    graph = one_block(
        "separable: {channels: 24, se: {of: input, rounding: round}, pointwise_activation: none, residual: true}"
    )
    names = [n.name for n in graph.nodes if n.block == "blocks.0"]
    assert names == ["blocks.0.depthwise", "blocks.0.se", "blocks.0.pointwise", "blocks.0.add"]
    assert graph.node("blocks.0.se").op.squeeze == round(24 * 0.25)
    assert graph.node("blocks.0.pointwise").op.activation == "none"
    assert graph.node("blocks.0.depthwise").op.activation == "relu"


# ---------------------------------------------------------------------------------------------------
# Command line and bad input


def test_depth_option_of_analyze_sweep_check_compare():
    b3 = totals("efficientnet_b0", 1.2, 300, 1.4)
    out = run("analyze", "efficientnet_b0", "--alpha", "1.2", "--depth", "1.4", "--resolution", "300", "--format", "json")
    assert out.exit_code == 0
    import json

    report = json.loads(out.stdout)
    assert (report["total"]["params"], report["total"]["macs"]) == b3
    assert (report["alpha"], report["depth"], report["resolution"]) == (1.2, 1.4, 300)
    sweep = run("sweep", "efficientnet_b0", "--alpha", "1.2", "--resolution", "300", "--depth", "1.4", "--format", "json")
    assert sweep.exit_code == 0 and str(b3[1]) in sweep.stdout
    check = run("check", "efficientnet_b0", "--alpha", "1.2", "--depth", "1.4", "--resolution", "300", "--max-params", "12M")
    assert check.exit_code == 1  # 12.2M params: over
    compare = run("compare", "efficientnet_b0", "efficientnet_b3", "--format", "json")
    assert compare.exit_code == 0


@pytest.mark.parametrize("value", ["0", "-1", "abc", "17"])
def test_bad_depth_option(value):
    result = run("analyze", "efficientnet_b0", "--depth", value)
    assert result.exit_code == 2 and "--depth" in result.stderr


def test_list_shows_the_presets():
    result = run("list")
    assert result.exit_code == 0
    for name in ("efficientnet_b0", "efficientnet_b7", "mnasnet_a1", "mnasnet_1_0", "fbnet_c", "lcnet_100"):
        assert name in result.stdout


@pytest.mark.parametrize(
    "body, where, message",
    [
        ("depth: 0\nblocks:\n  - bottleneck: {expansion: 2, channels: 8}\n", "net.yaml:3:8: depth:", "greater than 0"),
        ("blocks:\n  - separable: {channels: 8, expansion: 2}\n", "net.yaml:4:30: blocks[0].separable.expansion:", "unknown field"),
        ("blocks:\n  - bottleneck: {expansion: 2, channels: 8, expand_conv: yes_please}\n", "net.yaml:4:58: blocks[0].bottleneck.expand_conv:", "expected one of: auto, always"),
        ("blocks:\n  - bottleneck: {expansion: 2, channels: 8, se_ratio: 0.25}\n", "net.yaml:4:45:", "did you mean 'se'"),
        ("blocks:\n  - bottleneck: {expansion: 2, channels: 8, noskip: true}\n", "net.yaml:4:45:", "did you mean 'residual'"),
        ("blocks:\n  - InvertedResidual: {expansion: 2, channels: 8}\n", "net.yaml:4:5:", "did you mean 'bottleneck'"),
        ("blocks:\n  - separable: {channels: 16, stride: 2, residual: true}\n", "net.yaml:4:5: blocks[0].separable.residual (blocks.0):", "stride 2"),
        ("stem: {conv: {kernel: 3, channels: 8, stage: 1}}\nblocks:\n  - separable: {channels: 8}\n", "net.yaml:3:8: stem[0].conv.stage:", "blocks only"),
        ("depth_rounding: floor\nblocks:\n  - separable: {channels: 8}\n", "net.yaml:3:17: depth_rounding:", "expected one of: ceil, round"),
    ],
)
def test_bad_input_is_one_located_line(write_spec, body, where, message):
    path = write_spec("input: {resolution: 8}\nclasses: 2\n" + body)
    result = run("analyze", path)
    assert result.exit_code == 2, result.stdout
    line = result.stderr.strip().replace(str(path), "net.yaml")
    assert "\n" not in line and line.startswith(where) and message in line, line


def test_bad_presets(write_spec, tmp_path):
    path = write_spec("preset: no_such_spec\ndepth: 1.2\n", "p")
    result = run("analyze", path)
    assert result.exit_code == 2 and result.stderr.startswith(f"{path}:1:9: preset: no such file"), result.stderr
    write_spec("preset: p.yaml\n", "p")
    result = run("analyze", tmp_path / "p.yaml")
    assert result.exit_code == 2 and "is itself a preset" in result.stderr
    path = write_spec("preset: efficientnet_b0\ndepth: 0\n", "p")
    result = run("analyze", path)
    assert result.exit_code == 2 and result.stderr.startswith(f"{path}:2:8: depth:"), result.stderr
    path = write_spec("preset: efficientnet_b0\nblocks: []\n", "p")
    result = run("analyze", path)
    assert result.exit_code == 2 and "unknown field" in result.stderr


OPTIONS_SPEC = """\
input: {resolution: 32}
classes: 10
depth: 1.5
defaults: {activation: silu, expansion_rounding: make_divisible, se: {of: input, rounding: round, activation: silu, gate: sigmoid}}
stem: {conv: {kernel: 3, stride: 2, channels: 20}}
blocks:
  - separable: {channels: 20, se: true, pointwise_activation: none, residual: true}
  - separable: {channels: 24, se: {rounding: make_divisible}, stride: 2}
  - bottleneck: {expansion: 1, channels: 24, expand_conv: always, stage: 3}
  - bottleneck: {expansion: 2.5, channels: 24, se: true, stage: 3}
  - bottleneck: {expansion: 3, channels: 32, stride: 2, expansion_rounding: round, depth_scaling: none}
pool: average
classifier: {dropout: 0.2}
"""


@pytest.mark.parametrize("alpha, resolution", [(1.0, 32), (0.6, 29), (1.7, 40)])
def test_new_options_verify_in_torch(write_spec, alpha, resolution):
    """Every new option in one spec, built in torch: analytic == measured, layer by layer."""
    from mbcost.pytorch.verify import verify

    result = verify(build_graph(load(write_spec(OPTIONS_SPEC)), alpha, resolution))
    assert [(row.name, row.differences) for row in result.mismatches] == []
    assert result.ok
