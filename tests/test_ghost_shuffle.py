"""GhostNet and ShuffleNetV2 (issue 12): the concat, split, channel shuffle and max pool ops, the ghost
module, ghost bottleneck, ShuffleNetV2 unit and maxpool kinds, and the shipped configs. Expected counts
come from closed forms written here, from the reference modules of tests/reference/ (re-implementations
of timm's ghostnet.py and torchvision's shufflenetv2.py), or from published figures with their source."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from mbcost import analyze_spec, build_graph, load
from mbcost.analysis import memory
from mbcost.arch.counts import Shape
from mbcost.arch.ops import ChannelShuffle, Concat, Conv, MaxPool, Split
from mbcost.cli import cli
from mbcost.errors import SpecError
from mbcost.graph import Net, Wired, infer_shapes
from mbcost.spec.builtin import config_dir
from mbcost.spec.parse import parse_spec

from .test_errors import assert_one_line_error


def spec(text: str):
    return parse_spec(text, "net.yaml", "net")


def block_cost(text: str, block: str = "blocks.0", alpha=None, resolution=None):
    return analyze_spec(spec(text), alpha, resolution).by_block()[block]


# --- primitive ops ----------------------------------------------------------------------------------


def test_data_movement_ops_cost_nothing_and_keep_sizes():
    a, b = Shape(5, 7, 9), Shape(3, 7, 9)
    assert Concat().output_shape((a, b)) == Shape(8, 7, 9)
    assert Split(2, 3).output_shape((a,)) == Shape(3, 7, 9)
    assert ChannelShuffle(3).output_shape((Shape(6, 7, 9),)) == Shape(6, 7, 9)
    for op, inputs in ((Concat(), (a, b)), (Split(2, 3), (a,)), (ChannelShuffle(3), (Shape(6, 7, 9),))):
        cost = op.cost(inputs, op.output_shape(inputs))
        assert (cost.macs, cost.params, cost.other_ops) == (0, 0, 0)


@pytest.mark.parametrize("size,kernel,stride", [(15, 3, 2), (56, 3, 2), (9, 5, 1), (7, 3, 3)])
def test_maxpool_shape_and_pool_ops(size, kernel, stride):
    # torch.nn.MaxPool2d(K, s, K // 2): floor((H + 2 * (K // 2) - K) / s) + 1, which is ceil(H / s) for odd K
    out = (size + 2 * (kernel // 2) - kernel) // stride + 1
    op = MaxPool(kernel, stride)
    shape = op.output_shape((Shape(6, size, size),))
    assert shape == Shape(6, out, out)
    cost = op.cost((Shape(6, size, size),), shape)
    # counts.py: one op per window element per output element
    assert (cost.macs, cost.params, cost.pool_ops) == (0, 0, kernel * kernel * 6 * out * out)


def test_ops_refuse_what_does_not_fit():
    with pytest.raises(ValueError, match="one spatial size"):
        Concat().output_shape((Shape(4, 7, 7), Shape(4, 4, 4)))
    with pytest.raises(ValueError, match="divisible by 3"):
        ChannelShuffle(3).output_shape((Shape(8, 5, 5),))
    with pytest.raises(ValueError, match="needs at least 9 input channels"):
        Split(4, 5).output_shape((Shape(8, 5, 5),))


def test_channel_shuffle_and_split_in_torch_move_the_channels_as_torchvision():
    torch = pytest.importorskip("torch")
    from .reference.torchvision_nets import channel_shuffle

    x = torch.randn(2, 12, 3, 5)
    nn = torch.nn
    shuffle = ChannelShuffle(3)
    assert torch.equal(shuffle.torch_module(nn)(x), channel_shuffle(x, 3))
    split = Split(4, 5)
    assert torch.equal(split.torch_module(nn)(x), x[:, 4:9])
    concat = Concat()
    y = torch.randn(2, 3, 3, 5)
    assert torch.equal(concat.torch_module(nn)(x, y), torch.cat([x, y], 1))


# --- block kinds: closed forms at odd sizes -----------------------------------------------------------

HEADER = "input: {channels: 3, resolution: 15}\nclasses: 10\ndivisor: 1\n"


def test_ghost_module_closed_form():
    # in 4 at 7x7 (stem 3x3 s2 from 13), N = 8, ratio s = 3, primary 3x3, cheap 5x5:
    # init = ceil(8 / 3) = 3, cheap makes 3 * 2 = 6 (groups 3), concat 9, the first 8 kept.
    text = (
        "input: {channels: 3, resolution: 13}\nclasses: 10\ndivisor: 1\n"
        "stem: {conv: {kernel: 3, stride: 2, channels: 4}}\n"
        "blocks:\n  - ghost: {channels: 8, ratio: 3, kernel: 3, cheap_kernel: 5}\n"
    )
    hw = 7 * 7
    primary, cheap = 3 * 3 * 4 * 3, 5 * 5 * 1 * 6
    cost = block_cost(text)
    assert cost.macs == (primary + cheap) * hw
    assert cost.params == primary + cheap + 2 * 3 + 2 * 6
    graph = build_graph(spec(text))
    assert [n.name for n in graph.nodes if n.block == "blocks.0"] == [
        "blocks.0.primary", "blocks.0.cheap", "blocks.0.concat", "blocks.0.slice",
    ]
    assert graph.node("blocks.0.concat").output_shape == Shape(9, 7, 7)
    assert graph.node("blocks.0.slice").output_shape == Shape(8, 7, 7)


def test_ghost_module_of_even_width_has_no_slice():
    text = HEADER + "blocks:\n  - ghost: {channels: 8}\n"
    graph = build_graph(spec(text))
    assert graph.output.name == "blocks.0.concat" and graph.output.output_shape == Shape(8, 15, 15)


def test_ghost_bottleneck_strided_closed_form():
    # stem 3x3 s2: 3 -> 6 channels, 15 -> 8 px. Ghost bottleneck m = 6, mid = 10, out = 7, K = 5, s = 2:
    text = HEADER + (
        "stem: {conv: {kernel: 3, stride: 2, channels: 6}}\n"
        "blocks:\n  - ghost_bottleneck: {expanded_channels: 10, channels: 7, kernel: 5, stride: 2,"
        " se: {rounding: make_divisible, divisor: 4}}\n"
    )
    big, small = 8 * 8, 4 * 4
    g1_primary, g1_cheap = 6 * 5, 3 * 3 * 5  # ghost1: init ceil(10 / 2) = 5, cheap dw 3x3 makes 5
    depthwise = 5 * 5 * 10  # dw 5x5 s2 on mid
    squeeze = 4  # timm make_divisible(10 * 0.25, 4) = 4
    g2_primary, g2_cheap = 10 * 4, 3 * 3 * 4  # ghost2: init ceil(7 / 2) = 4, concat 8, 7 kept
    sc_depthwise, sc_pointwise = 5 * 5 * 6, 6 * 7  # conv shortcut: dw 5x5 s2, 1x1 6 -> 7
    macs = (
        (g1_primary + g1_cheap) * big + (depthwise + g2_primary + g2_cheap + sc_depthwise + sc_pointwise) * small
        + 2 * 10 * squeeze
    )
    norms = 2 * (5 + 5 + 10 + 4 + 4 + 6 + 7)
    params = g1_primary + g1_cheap + depthwise + 2 * 10 * squeeze + (squeeze + 10) + g2_primary + g2_cheap
    params += sc_depthwise + sc_pointwise + norms
    cost = block_cost(text)
    assert (cost.macs, cost.params) == (macs, params)
    assert cost.add_ops == 7 * small
    graph = build_graph(spec(text))
    assert graph.output.output_shape == Shape(7, 4, 4)
    assert graph.node("blocks.0.add").inputs == ("blocks.0.ghost2.slice", "blocks.0.shortcut.pointwise")


def test_ghost_bottleneck_identity_shortcut():
    # m = out = 8, stride 1: no depthwise conv, no conv shortcut; mid 12 at 15x15.
    text = HEADER + "stem: {conv: {kernel: 1, channels: 8}}\nblocks:\n  - ghost_bottleneck: {expanded_channels: 12, channels: 8}\n"
    hw = 15 * 15
    weights = 8 * 6 + 9 * 6 + 12 * 4 + 9 * 4
    cost = block_cost(text)
    assert (cost.macs, cost.params) == (weights * hw, weights + 2 * (6 + 6 + 4 + 4))
    graph = build_graph(spec(text))
    assert graph.node("blocks.0.add").inputs == ("blocks.0.ghost2.concat", "stem")


def test_shuffle_units_closed_form():
    # stem 3x3: 3 -> 10 channels at 9x9; a stride-2 unit to 14 (branch 7, 9 -> 5 px, K = 5), then a stride-1 unit.
    text = (
        "input: {channels: 3, resolution: 9}\nclasses: 10\ndivisor: 1\n"
        "stem: {conv: {kernel: 3, channels: 10}}\n"
        "blocks:\n  - shuffle_unit: {channels: 14, stride: 2, kernel: 5}\n  - shuffle_unit: {channels: 14, kernel: 5}\n"
    )
    big, small = 9 * 9, 5 * 5
    b1_dw, b1_pw, b2_pw1, b2_dw, b2_pw2 = 5 * 5 * 10, 10 * 7, 10 * 7, 5 * 5 * 7, 7 * 7
    strided = block_cost(text, "blocks.0")
    assert strided.macs == b2_pw1 * big + (b1_dw + b1_pw + b2_dw + b2_pw2) * small
    assert strided.params == b1_dw + b1_pw + b2_pw1 + b2_dw + b2_pw2 + 2 * (10 + 7 + 7 + 7 + 7)
    unit = block_cost(text, "blocks.1")  # the second half through 1x1 7 -> 7, dw 5x5, 1x1 7 -> 7
    assert (unit.macs, unit.params) == ((49 + 175 + 49) * small, 49 + 175 + 49 + 2 * 3 * 7)
    graph = build_graph(spec(text))
    assert graph.node("blocks.1.split.1").op == Split(7, 7)
    assert graph.node("blocks.1.concat").inputs == ("blocks.1.split.0", "blocks.1.branch2.pointwise2")
    assert graph.output.output_shape == Shape(14, 5, 5)


@pytest.mark.parametrize("alpha,resolution", [(1.0, 15), (0.5, 31), (1.3, 8)])
def test_new_kinds_verify_in_torch_at_odd_sizes(alpha, resolution):
    pytest.importorskip("torch")
    from mbcost.pytorch.verify import verify

    text = (
        f"input: {{channels: 3, resolution: {resolution}}}\nclasses: 10\ndivisor: 2\n"
        "defaults: {se: {rounding: make_divisible, divisor: 4}}\n"
        "stem:\n  - conv: {kernel: 3, stride: 2, channels: 12}\n  - maxpool: {kernel: 3, stride: 2}\n"
        "blocks:\n"
        "  - ghost: {channels: 10, ratio: 3, cheap_kernel: 5}\n"
        "  - ghost_bottleneck: {expanded_channels: 30, channels: 14, kernel: 5, stride: 2, se: true}\n"
        "  - ghost_bottleneck: {expanded_channels: 30, channels: 14, se: true}\n"
        "  - shuffle_unit: {channels: 20, stride: 2}\n  - shuffle_unit: {channels: 20, repeat: 2}\n"
        "pool: average\nclassifier: {}\n"
    )
    result = verify(build_graph(spec(text), alpha))
    assert [(row.name, row.differences) for row in result.mismatches] == []
    assert result.ok


# --- activation memory of multi-branch units ----------------------------------------------------------


def test_memory_of_a_stride_1_shuffle_unit_keeps_the_untouched_half_live():
    # in 4 channels at 5x5 (25 px), branch 2 channels: input 100 elements, each half and branch tensor 50,
    # concat and shuffle 100. split.0 stays live until the concat reads it.
    text = "input: {channels: 4, resolution: 5}\nclasses: 10\ndivisor: 1\ndefaults: {norm: none}\nblocks:\n  - shuffle_unit: {channels: 4}\n"
    result = memory.analyze(build_graph(spec(text)))
    live = {
        "blocks.0.split.0": 100 + 50,
        "blocks.0.split.1": 100 + 50 + 50,  # the input's last reader
        "blocks.0.branch2.pointwise1": 50 + 50 + 50,
        "blocks.0.branch2.depthwise": 50 + 50 + 50,
        "blocks.0.branch2.pointwise2": 50 + 50 + 50,
        "blocks.0.concat": 50 + 50 + 100,
        "blocks.0.shuffle": 100 + 100,
    }
    assert {layer.name: layer.live_bytes for layer in result.layers} == {k: 4 * v for k, v in live.items()}
    assert (result.peak.bytes, result.peak.at) == (4 * 200, "blocks.0.split.1")


def test_memory_of_a_stride_2_shuffle_unit_keeps_the_input_for_both_branches():
    # in 4 channels at 4x4 (64 elements), branch 2 channels, out at 2x2. The input is read by both branches.
    text = "input: {channels: 4, resolution: 4}\nclasses: 10\ndivisor: 1\ndefaults: {norm: none}\nblocks:\n  - shuffle_unit: {channels: 4, stride: 2}\n"
    result = memory.analyze(build_graph(spec(text)))
    live = {
        "blocks.0.branch1.depthwise": 64 + 16,
        "blocks.0.branch1.pointwise": 64 + 16 + 8,
        "blocks.0.branch2.pointwise1": 64 + 8 + 32,  # the input's last reader; branch1's output waits
        "blocks.0.branch2.depthwise": 8 + 32 + 8,
        "blocks.0.branch2.pointwise2": 8 + 8 + 8,
        "blocks.0.concat": 8 + 8 + 16,
        "blocks.0.shuffle": 16 + 16,
    }
    assert {layer.name: layer.live_bytes for layer in result.layers} == {k: 4 * v for k, v in live.items()}
    assert memory.peak(build_graph(spec(text))) == 4 * 104
    # The torch forward pass frees by the same rule: every tensor is released after its last reader.
    releases = memory.release_points(memory.steps(build_graph(spec(text))))
    assert releases[2] == ("input",) and releases[5] == ("blocks.0.branch1.pointwise", "blocks.0.branch2.pointwise2")


# --- shipped configs against the reference modules ----------------------------------------------------


def reference_counts(factory, resolution):
    torch = pytest.importorskip("torch")
    from .reference.measure import conv_linear_macs, params

    with torch.device("meta"):
        module = factory()
    return params(module), conv_linear_macs(module, resolution)


@pytest.mark.parametrize("width,resolution", [(0.5, 224), (1.0, 224), (1.3, 224), (1.0, 161), (0.5, 97), (1.3, 97)])
def test_ghostnet_matches_timm(width, resolution):
    from .reference.timm_ghostnet import ghostnet

    a = analyze_spec("ghostnet_1_0", width, resolution)
    assert (a.total.params, a.total.macs) == reference_counts(lambda: ghostnet(width), resolution)


def shufflenet_table(width: float):
    """configs/shufflenet_v2_1_0.yaml with another of torchvision's channel tables written in."""
    from .reference.torchvision_nets import SHUFFLENET_V2_CHANNELS

    text = (config_dir() / "shufflenet_v2_1_0.yaml").read_text()
    for old, new in zip((116, 232, 464, 1024), SHUFFLENET_V2_CHANNELS[width][1:]):
        assert f"channels: {old}," in text or f"channels: {old}}}" in text
        text = text.replace(f"channels: {old},", f"channels: {new},").replace(f"channels: {old}}}", f"channels: {new}}}")
    return parse_spec(text, "shufflenet.yaml", f"shufflenet_v2_{width}")


@pytest.mark.parametrize("width,resolution", [(0.5, 224), (1.0, 224), (1.5, 224), (2.0, 224), (1.0, 97), (2.0, 161)])
def test_shufflenet_v2_matches_torchvision(width, resolution):
    from .reference.torchvision_nets import shufflenet_v2

    a = analyze_spec(shufflenet_table(width), None, resolution)
    assert (a.total.params, a.total.macs) == reference_counts(lambda: shufflenet_v2(width), resolution)


def test_published_figures():
    # torchvision ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1.meta["num_params"]: 2,278,604
    assert analyze_spec("shufflenet_v2_1_0").total.params == 2_278_604
    # GhostNet paper (Han et al. 2020), Table 7: GhostNet 1.0x, 5.2M params, 141M FLOPs (multiply-adds), rounded there
    ghost = analyze_spec("ghostnet_1_0").total
    assert round(ghost.params / 1e5) == 52 and round(ghost.macs / 1e6) == 141


def test_configs_read_as_the_tables():
    shuffle = load("shufflenet_v2_1_0")
    assert [(b.channels, b.repeat, b.stride) for b in shuffle.blocks] == [
        (116, 1, 2), (116, 3, 1), (232, 1, 2), (232, 7, 1), (464, 1, 2), (464, 3, 1),  # Table 5: repeats 4, 8, 4
    ]
    ghost = load("ghostnet_1_0")
    assert len(ghost.blocks) == 16 and sum(1 for b in ghost.blocks if b.se) == 7  # Table 1: 16 G-bnecks, 7 with SE


# --- bad input -------------------------------------------------------------------------------------------

BAD = "input: {channels: 3, resolution: 16}\nclasses: 10\ndivisor: 1\nstem: {conv: {kernel: 3, channels: 12}}\nblocks:\n"


@pytest.mark.parametrize(
    "row,field,message",
    [
        ("shuffle_unit: {channels: 15, stride: 2}", "shuffle_unit.channels", "must be even"),
        ("shuffle_unit: {channels: 16}", "shuffle_unit.channels", r"splits its input in halves and keeps its channels: input 12, channels 16"),
        ("ghost: {channels: 8, ratio: 1}", "ghost.ratio", "at least 2"),
        ("maxpool: {kernel: 2}", "maxpool.kernel", "odd"),
    ],
)
def test_bad_rows_are_one_located_line(tmp_path, row, field, message):
    path = tmp_path / "net.yaml"
    path.write_text(BAD + f"  - {row}\n")
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert_one_line_error(result, path, 6, field, message)


@pytest.mark.parametrize(
    "op,inputs,message",
    [
        (Concat(), ("input", "small"), "concat needs inputs of one spatial size"),
        (ChannelShuffle(5), ("input",), "channel shuffle in 5 groups needs channels divisible by 5"),
        (Split(8, 8), ("input",), "split of channels 8..15 needs at least 16 input channels, got 12"),
    ],
)
def test_shape_errors_of_the_new_ops_are_located(op, inputs, message):
    # No shipped kind wires these wrongly; a graph that does is refused at its row, not with a traceback.
    base = spec("input: {channels: 12, resolution: 9}\nclasses: 10\n")
    nodes = (
        Wired("small", Conv(12, 12, 3, 2), ("input",), "blocks.0", "conv", 4, (4, 5)),
        Wired("bad", op, inputs, "blocks.1", "shuffle_unit", 7, (7, 5), "blocks[1] (blocks.1)"),
    )
    with pytest.raises(SpecError) as error:
        infer_shapes(Net(base, 1.0, nodes, (), ()))
    assert str(error.value).startswith(f"net.yaml:7:5: blocks[1].shuffle_unit.{op.name} (blocks.1): {message}")
    assert "\n" not in str(error.value)


def test_ghost_width_math_is_timm():
    # timm GhostModule: init = ceil(out / ratio); GhostNet rounds every width to a multiple of 4
    graph = build_graph(load("ghostnet_1_0"), 0.5)
    node = graph.node("blocks.1.ghost1.primary").op
    assert node.out_channels == math.ceil(24 / 2)  # mid = make_divisible(48 * 0.5, 4) = 24


# --- dilation and TensorFlow 'SAME' padding -------------------------------------------------------------

DILATED = (
    "input: {{channels: 3, resolution: 15}}\nclasses: 10\ndivisor: 1\n{defaults}"
    "stem: {{conv: {{kernel: 3, stride: 2, channels: 6}}}}\n"
    "blocks:\n  - bottleneck: {{expansion: 2, channels: 6, dilation: {d}}}\n"
    "  - separable: {{channels: 8, kernel: 5, dilation: {d}}}\n  - depthwise: {{dilation: {d}}}\n"
)


@pytest.mark.parametrize("dilation", [2, 4])
def test_dilation_keeps_the_size_and_the_macs(dilation):
    # stem 15 -> 8 px; every dilated stride-1 conv keeps 8x8, and costs K*K*C per output pixel as undilated.
    hw = 8 * 8
    dilated = analyze_spec(spec(DILATED.format(defaults="", d=dilation)))
    assert all(layer.node.output_shape[1:] == (8, 8) for layer in dilated.layers[1:])
    depthwise = {layer.node.name: layer.cost.macs for layer in dilated.layers if layer.node.op.kind == "depthwise"}
    assert depthwise == {"blocks.0.depthwise": 3 * 3 * 12 * hw, "blocks.1.depthwise": 5 * 5 * 6 * hw, "blocks.2": 3 * 3 * 8 * hw}
    plain = analyze_spec(spec(DILATED.format(defaults="", d=1)))
    assert (dilated.total.macs, dilated.total.params) == (plain.total.macs, plain.total.params)


@pytest.mark.parametrize("resolution", [15, 16, 33])
@pytest.mark.parametrize("padding", ["symmetric", "same"])
def test_dilated_and_same_padded_convs_verify_in_torch(resolution, padding):
    pytest.importorskip("torch")
    from mbcost.pytorch.verify import verify

    text = DILATED.format(defaults=f"defaults: {{padding: {padding}}}\n", d=2)
    result = verify(build_graph(spec(text), None, resolution))
    assert [(row.name, row.differences) for row in result.mismatches] == []
    assert result.ok


@pytest.mark.parametrize(
    "size,kernel,stride,dilation,expected",
    [
        # TensorFlow 'SAME': total = max((ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0), the odd pixel after
        (224, 3, 2, 1, (0, 1)),  # (112 - 1) * 2 + 3 - 224 = 1
        (225, 3, 2, 1, (1, 1)),  # (113 - 1) * 2 + 3 - 225 = 2
        (224, 5, 2, 1, (1, 2)),  # 222 + 5 - 224 = 3
        (17, 3, 1, 2, (2, 2)),  # 16 + 5 - 17 = 4
    ],
)
def test_tf_same_padding(size, kernel, stride, dilation, expected):
    from mbcost.arch.ops import tf_same_padding

    assert tf_same_padding(size, kernel, stride, dilation) == expected


def test_same_padding_pads_as_tensorflow_in_torch():
    torch = pytest.importorskip("torch")
    # A 3x3 stride-2 conv on 6x6: TF pads 0 before and 1 after, so output pixel (0, 0) sees input rows and
    # columns 0..2 (a symmetric pad of 1 would see -1..1). All-ones weights sum that window.
    conv = Conv(1, 1, 3, 2, bias=False, norm="none", padding="same").torch_module(torch.nn).conv
    torch.nn.init.ones_(conv.weight)
    x = torch.arange(36.0).reshape(1, 1, 6, 6)
    assert conv(x)[0, 0, 0, 0].item() == x[0, 0, :3, :3].sum().item()
    assert conv(x)[0, 0, 2, 2].item() == x[0, 0, 4:6, 4:6].sum().item()  # the last window: rows 4, 5 and the pad


def test_a_dilation_with_a_stride_is_one_located_line(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(BAD + "  - bottleneck: {expansion: 6, channels: 16, stride: 2, dilation: 2}\n")
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert_one_line_error(result, path, 6, "bottleneck.dilation", "needs stride 1; this repeat has stride 2")
