"""Inputs as they come (issue 15): non-square inputs (`input: {height, width}`, `--resolution HxW`) and a
batch of images (`--batch N`). Expected counts are closed forms written here: a conv on an H x W input
with stride s has K*K*(M/groups)*N*ceil(H/s)*ceil(W/s) MACs, and a batch of N images costs N times the
MACs, other ops and activation memory of one, with the same params and weight bytes."""

from __future__ import annotations

import json
import math

import pytest

from mbcost import analyze_spec, build_graph, load
from mbcost.arch.scaling import Resolution
from mbcost.spec.parse import parse_spec

from .conftest import run

# A stem conv, a separable pair, a bottleneck with its residual add, pooling and a classifier.
SMALL = """\
input: {{channels: 3, {size}}}
classes: 10
defaults: {{norm: batch, activation: relu}}
stem: {{conv: {{kernel: 3, stride: 2, channels: 16}}}}
blocks:
  - separable: {{channels: 24, stride: {stride}}}
  - bottleneck: {{expansion: 2, channels: 24}}
pool: average
classifier: {{}}
"""


def small_layers(height: int, width: int, stride: int) -> dict[str, tuple[int, int]]:
    """(MACs, other ops) per node of SMALL on a height x width input, by hand: 'same' padding gives
    ceil(size / stride) per axis; batch norm and ReLU one op per output element each."""
    h, w = math.ceil(height / 2), math.ceil(width / 2)
    h2, w2 = math.ceil(h / stride), math.ceil(w / stride)
    return {
        "stem": (3 * 3 * 3 * 16 * h * w, 2 * 16 * h * w),
        "blocks.0.depthwise": (3 * 3 * 16 * h2 * w2, 2 * 16 * h2 * w2),
        "blocks.0.pointwise": (16 * 24 * h2 * w2, 2 * 24 * h2 * w2),
        "blocks.1.expand": (24 * 48 * h2 * w2, 2 * 48 * h2 * w2),
        "blocks.1.depthwise": (3 * 3 * 48 * h2 * w2, 2 * 48 * h2 * w2),
        "blocks.1.project": (48 * 24 * h2 * w2, 24 * h2 * w2),  # linear bottleneck: batch norm only
        "blocks.1.add": (0, 24 * h2 * w2),
        "pool": (0, 24 * h2 * w2),  # one op per input element
        "classifier": (24 * 10, 0),
    }


SIZES = [(512, 1024), (1024, 512), (33, 17), (7, 64), (1, 1), (224, 224)]


@pytest.mark.parametrize("height, width", SIZES)
@pytest.mark.parametrize("stride", [1, 2])
def test_every_layer_on_height_by_width_is_its_closed_form(height, width, stride):
    spec = parse_spec(SMALL.format(size=f"height: {height}, width: {width}", stride=stride), "<test>", "small")
    a = analyze_spec(spec)
    assert a.graph.input_shape == (3, height, width)
    assert {layer.node.name: (layer.cost.macs, layer.cost.other_ops) for layer in a.layers} == small_layers(height, width, stride)
    # the same network given as a square spec at --resolution HxW, and through the Python API's spellings
    square = parse_spec(SMALL.format(size="resolution: 224", stride=stride), "<test>", "small")
    for given in ((height, width), f"{height}x{width}", Resolution(height, width)):
        assert analyze_spec(square, resolution=given).total == a.total


def v1_hw(height: int, width: int) -> tuple[int, int]:
    """MobileNetV1 (paper Table 1; TF-slim's last stride 1) MACs and params on height x width, by hand:
    conv K*K*M*N*Ho*Wo, depthwise K*K*M*Ho*Wo (eq. 3), pointwise M*N*Ho*Wo; batch norm 2 params a channel."""
    rows = [(1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512)] + [(1, 512)] * 5 + [(2, 1024), (1, 1024)]
    h, w = math.ceil(height / 2), math.ceil(width / 2)
    macs, params, m = 3 * 3 * 3 * 32 * h * w, 3 * 3 * 3 * 32 + 2 * 32, 32
    for stride, n in rows:
        h, w = math.ceil(h / stride), math.ceil(w / stride)
        macs += 3 * 3 * m * h * w + m * n * h * w
        params += 3 * 3 * m + 2 * m + m * n + 2 * n
        m = n
    return macs + m * 1000, params + m * 1000 + 1000


@pytest.mark.parametrize("height, width", [(512, 1024), (224, 320), (97, 161), (224, 224)])
def test_mobilenet_v1_on_height_by_width(height, width):
    a = analyze_spec("mobilenet_v1", resolution=(height, width))
    assert (a.total.macs, a.total.params) == v1_hw(height, width)


def test_the_square_case_is_the_published_figure():
    # TF-slim mobilenet_v1.py: 569M MACs at 224 (MobileNet_v1_1.0_224 in its table), 568,740,352 exactly.
    assert v1_hw(224, 224)[0] == 568_740_352


# ------------------------------------------------------------------------------------- the spec's input


def test_input_height_and_width_in_a_spec(write_spec):
    path = write_spec(SMALL.format(size="height: 512, width: 1024", stride=2))
    graph = build_graph(load(path))
    assert graph.resolution == Resolution(512, 1024) and str(graph.resolution) == "512x1024"
    assert graph.input_shape == (3, 512, 1024)
    data = json.loads(run("analyze", path, "--format", "json").stdout)
    assert data["resolution"] == [512, 1024] and data["input_shape"] == [3, 512, 1024]
    # a square spec keeps the integer, whichever way it is written
    square = json.loads(run("analyze", write_spec(SMALL.format(size="height: 96, width: 96", stride=2), "sq"), "--format", "json").stdout)
    assert square["resolution"] == 96 and "batch" not in square


@pytest.mark.parametrize(
    "size, key, field, message",
    [
        ("resolution: 224, height: 512, width: 1024", "height", "height", "give resolution or height and width, not both"),
        ("height: 512, width: 4, resolution: 224", "resolution", "resolution", "give height and width or resolution, not both"),
        ("height: 512", "height", "width", "missing: height needs width"),
        ("width: 512", "width", "height", "missing: width needs height"),
        ("channels: 1", "{", "resolution", "missing required field"),
        ("height: 0, width: 4", "0", "height", "must be at least 1, got 0"),
        ("height: 4, width: 20000", "20000", "width", "20000 is above the limit of 16384 (MAX_RESOLUTION)"),
    ],
)
def test_a_spec_gives_its_input_size_one_way(write_spec, size, key, field, message):
    text = SMALL.format(size=size, stride=1).replace("{channels: 3, channels: 1}", "{channels: 1}")
    path = write_spec(text)
    result = run("analyze", path)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    col = text.splitlines()[0].index(key, len("input:")) + 1  # the key (or value) the error is about; the mapping when missing
    assert line == f"{path}:1:{col}: input.{field}: {message}"


# -------------------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "command",
    [
        ["analyze", "mobilenet_v1", "--format", "json"],
        ["compare", "mobilenet_v1", "mobilenet_v1@0.5", "--format", "json"],
        ["check", "mobilenet_v1", "--max-macs", "1G", "--format", "json"],
    ],
)
def test_every_command_takes_height_by_width(command):
    macs, params = v1_hw(320, 160)
    data = json.loads(run(*command, "--resolution", "320x160").stdout)
    if command[0] == "analyze":
        assert (data["resolution"], data["total"]["macs"], data["total"]["params"]) == ([320, 160], macs, params)
    elif command[0] == "compare":
        assert data["a"]["resolution"] == [320, 160] and data["total"]["a"]["macs"] == macs
        assert [row["size"]["a"] for row in data["by_stage"]] == ["160x80", "80x40", "40x20", "20x10", "10x5", 1]
    else:
        assert data["specs"][0]["resolution"] == [320, 160] and data["specs"][0]["macs"] == macs


def test_compare_syntax_takes_height_by_width():
    data = json.loads(run("compare", "mobilenet_v1@1,512x1024", "mobilenet_v1@1,224", "--format", "json").stdout)
    assert data["a"]["label"] == "mobilenet_v1@1,512x1024" and data["a"]["resolution"] == [512, 1024]
    assert data["total"]["a"]["macs"] == v1_hw(512, 1024)[0]
    assert data["total"]["b"]["macs"] == v1_hw(224, 224)[0]


def test_sweep_lists_mix_square_and_height_by_width():
    data = json.loads(run("sweep", "mobilenet_v1", "--alpha", "1", "--resolution", "224,512x1024,96:128:32", "--format", "json").stdout)
    got = {json.dumps(row["resolution"]): row["macs"] for row in data["rows"]}
    assert got == {"224": v1_hw(224, 224)[0], "[512, 1024]": v1_hw(512, 1024)[0], "96": v1_hw(96, 96)[0], "128": v1_hw(128, 128)[0]}
    table = run("sweep", "mobilenet_v1", "--alpha", "1", "--resolution", "224,512x1024").stdout
    assert "1.0 mobilenet_v1-512x1024" in table and "1.0 mobilenet_v1-224 " in table
    csv = run("sweep", "mobilenet_v1", "--alpha", "1", "--resolution", "512x1024", "--format", "csv").stdout
    assert csv.splitlines()[1].startswith("1.0,512x1024,")


def test_sweep_lists_a_size_once():
    result = run("sweep", "mobilenet_v1", "--resolution", "224,224x224")
    assert result.exit_code == 2 and "224 is listed twice" in result.stderr


def test_a_baseline_at_another_input_size_is_refused(tmp_path):
    report = tmp_path / "base.json"
    report.write_text(run("analyze", "mobilenet_v1", "--resolution", "512x1024", "--format", "json").stdout)
    assert run("check", "mobilenet_v1", "--resolution", "512x1024", "--baseline", report).exit_code == 0
    result = run("check", "mobilenet_v1", "--resolution", "1024x512", "--baseline", report)
    assert result.exit_code == 2
    assert "is a report at alpha 1, resolution 512x1024, not at alpha 1, resolution 1024x512" in result.stderr
    result = run("check", "mobilenet_v1", "--resolution", "512x1024", "--batch", "2", "--baseline", report)
    assert result.exit_code == 2 and "batch 1, not at alpha 1, resolution 512x1024, batch 2" in result.stderr


# ------------------------------------------------------------------------------------------------ batch


@pytest.mark.parametrize("batch", [2, 8, 65_536])
def test_a_batch_multiplies_work_and_memory_not_params(batch):
    one = analyze_spec("mobilenet_v2", resolution=(160, 96))
    many = analyze_spec("mobilenet_v2", resolution=(160, 96), batch=batch)
    for mine, theirs in zip(many.layers, one.layers):
        for field in ("macs", "norm_ops", "activation_ops", "add_ops", "pool_ops", "multiply_ops"):
            assert getattr(mine.cost, field) == batch * getattr(theirs.cost, field)
        for field in ("params", "weights", "biases", "norm_params", "norm_buffers"):
            assert getattr(mine.cost, field) == getattr(theirs.cost, field)
    assert many.standard.macs == batch * one.standard.macs
    assert many.weight_bytes == one.weight_bytes and many.stored == one.stored
    m1, mn = one.memory, many.memory
    assert (mn.peak.bytes, mn.peak_fused.bytes, mn.largest.bytes) == (batch * m1.peak.bytes, batch * m1.peak_fused.bytes, batch * m1.largest.bytes)
    assert (mn.peak.at, mn.peak_fused.at) == (m1.peak.at, m1.peak_fused.at)
    assert [x.output_bytes for x in mn.layers] == [batch * x.output_bytes for x in m1.layers]


def test_batch_closed_form_and_json():
    macs, params = v1_hw(224, 224)
    data = json.loads(run("analyze", "mobilenet_v1", "--batch", "4", "--format", "json").stdout)
    assert (data["batch"], data["total"]["macs"], data["total"]["params"]) == (4, 4 * macs, params)
    # the first pointwise conv's 32x112x112 input and 64x112x112 output, fp32, four images
    assert data["total"]["peak_memory_bytes"] == 4 * 4 * (32 + 64) * 112 * 112
    assert data["layers"][0]["output_elements"] == 4 * 32 * 112 * 112 and data["layers"][0]["output_shape"] == [32, 112, 112]
    assert "mobilenet_v1  alpha 1  resolution 224  batch 4" in run("analyze", "mobilenet_v1", "--batch", "4").stdout


def test_batch_is_named_only_when_not_1():
    for command in (["analyze", "mobilenet_v1"], ["compare", "mobilenet_v1", "mobilenet_v2"], ["check", "mobilenet_v1", "--max-macs", "1G"],
                    ["sweep", "mobilenet_v1"]):
        plain = run(*command, "--format", "json").stdout
        assert '"batch"' not in plain
        assert run(*command, "--batch", "1", "--format", "json").stdout == plain
        assert '"batch": 3' in run(*command, "--batch", "3", "--format", "json").stdout
        assert "batch 3" in run(*command, "--batch", "3").stdout


def test_batch_in_check_and_sweep_judges_the_whole_batch():
    macs = v1_hw(224, 224)[0]
    assert run("check", "mobilenet_v1", "--batch", "2", "--max-macs", str(2 * macs)).exit_code == 0
    assert run("check", "mobilenet_v1", "--batch", "2", "--max-macs", str(2 * macs - 1)).exit_code == 1
    data = json.loads(run("sweep", "mobilenet_v1", "--alpha", "1", "--batch", "3", "--max-macs", str(3 * macs), "--format", "json").stdout)
    assert data["rows"][0]["macs"] == 3 * macs and data["rows"][0]["fits"] is True
    limit = analyze_spec("mobilenet_v1", batch=3).memory.peak.bytes
    data = json.loads(run("sweep", "mobilenet_v1", "--batch", "3", "--max-memory", str(limit), "--format", "json").stdout)
    assert data["rows"][0]["memory_bytes"] == limit == 3 * 4 * (32 + 64) * 112 * 112


# --------------------------------------------------------------------------------------------- bad input

BAD = [
    ("--resolution", "0x224", "height must be at least 1, got 0"),
    ("--resolution", "224x0", "width must be at least 1, got 0"),
    ("--resolution", "512x", "width is nothing"),
    ("--resolution", "x512", "height is nothing"),
    ("--resolution", "512x1024x3", "expected PIXELS or HEIGHTxWIDTH"),
    ("--resolution", "512x99999", "width 99999 is above the limit of 16384 (MAX_RESOLUTION)"),
    ("--resolution", "1" * 50 + "x2", "far above the limit of 16384"),
    ("--resolution", "-3x4", "height is '-3'"),
    ("--batch", "0", "must be at least 1, got 0"),
    ("--batch", "-2", "must be at least 1, got -2"),
    ("--batch", "65537", "65537 is above the limit of 65536 (MAX_BATCH)"),
    ("--batch", "9" * 4000, "far above the limit of 65536 (MAX_BATCH)"),
    ("--batch", "2.5", "not a whole number of images"),
    ("--batch", "--5", "not a whole number of images"),
    ("--batch", "٣", "not a whole number of images"),  # a digit, but not an ASCII one
]
COMMANDS = [["analyze", "mobilenet_v1"], ["compare", "mobilenet_v1", "mobilenet_v2"], ["check", "mobilenet_v1", "--max-macs", "1G"],
            ["verify", "mobilenet_v1"]]


@pytest.mark.parametrize("option, value, message", BAD)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_bad_sizes_and_batches_exit_2_with_one_line(command, option, value, message):
    result = run(*command, f"{option}={value}")
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert message in line


@pytest.mark.parametrize("value, message", [("0x224", "height must be at least 1"), ("512x", "width is nothing"),
                                            ("x512", "height is nothing"), ("512x1024x3", "HEIGHTxWIDTH"), ("224,512x0", "width must be at least 1")])
def test_bad_sweep_sizes_exit_2(value, message):
    result = run("sweep", "mobilenet_v1", "--resolution", value)
    assert result.exit_code == 2 and result.stdout == "" and message in result.stderr


def test_the_api_refuses_bad_sizes_and_batches():
    for size in (0, (0, 224), (224,), "512x", (224, 16385)):
        with pytest.raises(ValueError):
            analyze_spec("mobilenet_v1", resolution=size)
    for batch in (0, -1, 65_537, 2.5, True):
        with pytest.raises(ValueError):
            analyze_spec("mobilenet_v1", batch=batch)
