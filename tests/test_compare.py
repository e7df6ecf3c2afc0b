"""`mbcost compare`: two specs or one spec at two settings, by total, op kind and stage. Expected values:
MobileNetV1 by hand from its paper (closed_form.py); MobileNetV2 1.0-224 totals from torchvision's
published figures (300,774,272 MACs, 3,504,872 params)."""

import json
from collections import defaultdict

import pytest

from mbcost.analysis.compare import Target, parse_target
from mbcost.arch.scaling import Resolution

from .closed_form import v1_layers, v1_totals
from .conftest import run

V2_MACS, V2_PARAMS = 300_774_272, 3_504_872  # torchvision MobileNet_V2_Weights.IMAGENET1K_V1




def compare_json(*args):
    result = run("compare", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def by(layers, index):
    out = defaultdict(lambda: [0, 0])
    for layer in layers:
        out[layer[index]][0] += layer[2]
        out[layer[index]][1] += layer[3]
    return out


def test_v1_vs_v2_totals_and_deltas():
    data = compare_json("mobilenet_v1", "mobilenet_v2")
    v1_macs, v1_params = v1_totals()
    assert (data["a"]["label"], data["b"]["label"]) == ("mobilenet_v1", "mobilenet_v2")
    total = data["total"]
    assert (total["a"]["macs"], total["b"]["macs"]) == (v1_macs, V2_MACS)
    assert (total["a"]["params"], total["b"]["params"]) == (v1_params, V2_PARAMS)
    assert total["delta"] == {"macs": V2_MACS - v1_macs, "params": V2_PARAMS - v1_params}
    assert total["relative"]["macs"] == pytest.approx((V2_MACS - v1_macs) / v1_macs, abs=1e-6)


def test_by_op_kind_of_v1_matches_the_closed_form():
    data = compare_json("mobilenet_v1", "mobilenet_v2")
    expected = by(v1_layers(), 0)
    got = {row["op"]: row for row in data["by_op"]}
    for kind, (macs, params) in expected.items():
        assert (got[kind]["a"]["macs"], got[kind]["a"]["params"]) == (macs, params), kind
    # v1 paper, Table 2 (shares of mult-adds, to 0.01%): Conv 1x1 94.86%, Conv DW 3x3 3.06%, FC 0.18%.
    macs = data["total"]["a"]["macs"]
    for kind, percent in (("pointwise", 94.86), ("depthwise", 3.06), ("linear", 0.18)):
        assert 100 * got[kind]["a"]["macs"] / macs == pytest.approx(percent, abs=0.005), kind
    # Every op kind of either side is listed, and the rows add up to the totals on both sides.
    for side in ("a", "b"):
        assert sum(r[side]["macs"] for r in data["by_op"]) == data["total"][side]["macs"]
        assert sum(r[side]["params"] for r in data["by_op"]) == data["total"][side]["params"]


def test_stages_align_by_resolution():
    data = compare_json("mobilenet_v1", "mobilenet_v2")
    assert [row["stage"] for row in data["by_stage"]] == ["112", "56", "28", "14", "7", "pooled"]
    expected = by(v1_layers(), 1)  # by output size: the classifier's is 1
    for row in data["by_stage"]:
        size = 1 if row["stage"] == "pooled" else int(row["stage"])
        assert [row["a"]["macs"], row["a"]["params"]] == expected[size], row["stage"]
    for side in ("a", "b"):
        assert sum(r[side]["macs"] for r in data["by_stage"]) == data["total"][side]["macs"]


def test_one_spec_at_two_resolutions_aligns_stage_by_stage():
    data = compare_json("mobilenet_v1@1,160", "mobilenet_v1")
    assert (data["a"]["label"], data["b"]["label"]) == ("mobilenet_v1@1,160", "mobilenet_v1@1,224")
    assert [row["stage"] for row in data["by_stage"]] == ["80 | 112", "40 | 56", "20 | 28", "10 | 14", "5 | 7", "pooled"]
    at_160, at_224 = by(v1_layers(1.0, 160), 1), by(v1_layers(1.0, 224), 1)
    for row, small, large in zip(data["by_stage"], (80, 40, 20, 10, 5, 1), (112, 56, 28, 14, 7, 1)):
        assert row["size"] == {"a": small, "b": large}
        assert row["a"]["macs"] == at_160[small][0] and row["b"]["macs"] == at_224[large][0]
        assert row["delta"]["macs"] == at_224[large][0] - at_160[small][0]


def test_one_spec_at_two_widths():
    data = compare_json("mobilenet_v1@0.75", "mobilenet_v1@0.5,224")
    assert (data["a"]["label"], data["b"]["label"]) == ("mobilenet_v1@0.75,224", "mobilenet_v1@0.5,224")
    assert (data["total"]["a"]["macs"], data["total"]["b"]["macs"]) == (v1_totals(0.75)[0], v1_totals(0.5)[0])


def test_options_apply_to_sides_without_settings():
    data = compare_json("mobilenet_v1", "mobilenet_v1@1", "--alpha", "0.5", "--resolution", "128")
    assert (data["a"]["alpha"], data["a"]["resolution"]) == (0.5, 128)
    assert (data["b"]["alpha"], data["b"]["resolution"]) == (1.0, 128)
    assert data["total"]["a"]["macs"] == v1_totals(0.5, 128)[0]
    assert data["total"]["b"]["macs"] == v1_totals(1.0, 128)[0]


def test_same_stem_in_two_folders_is_labelled_by_file(tmp_path):
    for folder in ("old", "new"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "net.yaml").write_text(
            "input: {resolution: 32}\nclasses: 10\nstem: {conv: {kernel: 3, channels: 8}}\npool: average\nclassifier: {}\n"
        )
    data = compare_json(tmp_path / "old" / "net.yaml", tmp_path / "new" / "net.yaml")
    assert data["a"]["label"].startswith(str(tmp_path / "old" / "net.yaml"))
    assert data["b"]["label"].startswith(str(tmp_path / "new" / "net.yaml"))
    assert data["total"]["delta"] == {"macs": 0, "params": 0}


@pytest.mark.parametrize(
    "text, target",
    [
        ("mobilenet_v2", Target("mobilenet_v2")),
        ("mobilenet_v2@0.75", Target("mobilenet_v2", 0.75)),
        ("mobilenet_v2@0.75,160", Target("mobilenet_v2", 0.75, Resolution(160, 160))),
        ("models/v2.yaml@1.4,224", Target("models/v2.yaml", 1.4, Resolution(224, 224))),
        ("mobilenet_v2@1,512x1024", Target("mobilenet_v2", 1.0, Resolution(512, 1024))),
        ("a@b/net.yaml@.5", Target("a@b/net.yaml", 0.5)),
    ],
)
def test_targets(text, target):
    assert parse_target(text) == target


def test_an_existing_file_with_at_in_its_name_is_a_file(tmp_path):
    path = tmp_path / "net@0.5"
    path.write_text("")
    assert parse_target(str(path)) == Target(str(path))


@pytest.mark.parametrize(
    "argument, message",
    [
        ("mobilenet_v2@x", "SPEC@ALPHA,RESOLUTION"),
        ("mobilenet_v2@", "SPEC@ALPHA,RESOLUTION"),
        ("@0.5", "SPEC@ALPHA,RESOLUTION"),
        ("mobilenet_v2@0.5,", "SPEC@ALPHA,RESOLUTION"),
        ("mobilenet_v2@0.5x160", "SPEC@ALPHA,RESOLUTION"),
        ("mobilenet_v2@0", "greater than 0"),
        ("mobilenet_v2@0.5,0", "at least 1"),
        ("mobilenet_v2@0.5,99999", "MAX_RESOLUTION"),
        ("mobilenet_v2@0.5,0x224", "height must be at least 1"),
        ("mobilenet_v2@0.5,512x", "width is nothing"),
        ("mobilenet_v2@0.5,512x1024x3", "HEIGHTxWIDTH"),
        ("mobilenet_v3@0.5", "not a built-in spec"),
        ("missing.yaml", "no such file"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argument, message):
    result = run("compare", argument, "mobilenet_v1")
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert message in line


def test_compare_needs_two_specs():
    assert run("compare", "mobilenet_v1").exit_code == 2


def test_table_markdown_and_csv():
    v1_macs, _ = v1_totals()
    table = run("compare", "mobilenet_v1", "mobilenet_v2").stdout
    assert "A = mobilenet_v1  vs  B = mobilenet_v2" in table
    assert f"{v1_macs:,}" in table and f"{V2_MACS - v1_macs:+,}" in table
    markdown = run("compare", "mobilenet_v1", "mobilenet_v2", "--format", "markdown").stdout
    assert f"| MACs | {v1_macs:,} | {V2_MACS:,} | {V2_MACS - v1_macs:+,} | {100 * (V2_MACS - v1_macs) / v1_macs:+.1f}% |" in markdown
    assert "### by stage (output size)" in markdown
    csv_lines = run("compare", "mobilenet_v1", "mobilenet_v2", "--format", "csv").stdout.splitlines()
    assert csv_lines[0] == "section,name,metric,a,b,delta,relative"
    assert csv_lines[1].startswith(f"total,total,macs,{v1_macs},{V2_MACS},{V2_MACS - v1_macs},")


def test_output_file(tmp_path):
    out = tmp_path / "cmp.json"
    assert run("compare", "mobilenet_v1", "mobilenet_v2", "--format", "json", "--output", out).exit_code == 0
    assert json.loads(out.read_text())["b"]["model"] == "mobilenet_v2"


# ----------------------------------------------------------------------------------------------------
# Alignment: the pooled classifier stage pairs with the other side's, a stage one side lacks stands
# against nothing; and more than two specs, each against the first.

V2_CLASSIFIER = (1280 * 1000, 1280 * 1000 + 1000)  # the 1280 -> 1000 linear layer with bias: MACs, params


def test_classifier_pairs_with_the_classifier_at_32_px():
    # At 32 px the last conv stage of MobileNetV2 is 1x1, like the pooled stage; before, the classifier
    # was booked into the row of the other side's 7x7 stage.
    data = compare_json("mobilenet_v2@1,32", "mobilenet_v2")
    stages = data["by_stage"]
    assert [row["stage"] for row in stages] == ["16 | 112", "8 | 56", "4 | 28", "2 | 14", "1 | 7", "pooled"]
    pooled = stages[-1]
    for side in ("a", "b"):
        assert (pooled[side]["macs"], pooled[side]["params"]) == V2_CLASSIFIER
    # one width: every stage has the same params on both sides
    assert all(row["a"]["params"] == row["b"]["params"] for row in stages)
    assert all(row["size"]["a"] is not None and row["size"]["b"] is not None for row in stages)


def test_a_stage_without_counterpart_is_shown_as_such(write_spec):
    from .closed_form import tiny_spec

    c = 16
    short = write_spec(tiny_spec(c), "short")
    deeper = tiny_spec(c).replace("blocks:\n", "blocks:\n  - separable: {stride: 2, channels: 16}\n", 1)
    deeper = deeper.replace(f"  - separable: {{stride: 2, channels: {c}}}\npool", "  - separable: {stride: 2, channels: 32}\npool")
    deep = write_spec(deeper, "deep")
    data = compare_json(short, deep)
    stages = {row["stage"]: row for row in data["by_stage"]}
    assert list(stages) == ["16", "8", "- | 4", "pooled"]
    extra = stages["- | 4"]
    assert extra["size"] == {"a": None, "b": 4}
    assert (extra["a"]["macs"], extra["a"]["params"]) == (0, 0)
    # separable s2 at 8 -> 4 px, 16 -> 32 channels: depthwise 3*3*16 per output pixel, pointwise 16*32
    assert extra["b"]["macs"] == (3 * 3 * 16 + 16 * 32) * 4 * 4
    assert extra["b"]["params"] == (3 * 3 * 16 + 2 * 16) + (16 * 32 + 2 * 32)
    assert (stages["pooled"]["a"]["macs"], stages["pooled"]["b"]["macs"]) == (16 * 10, 32 * 10)


def test_three_specs_each_against_the_first():
    result = run("compare", "mobilenet_v1", "mobilenet_v2", "mobilenet_v1@0.5", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    v1_macs, v1_params = v1_totals()
    half_macs, half_params = v1_totals(0.5)
    assert data["a"]["label"] == "mobilenet_v1@1,224"
    assert [v["b"]["label"] for v in data["variants"]] == ["mobilenet_v2@1,224", "mobilenet_v1@0.5,224"]
    assert all(v["a"] == data["a"] for v in data["variants"])
    (v2, half) = (v["total"] for v in data["variants"])
    assert (v2["a"]["macs"], v2["b"]["macs"], v2["delta"]["macs"]) == (v1_macs, V2_MACS, V2_MACS - v1_macs)
    assert (half["b"]["macs"], half["b"]["params"]) == (half_macs, half_params)
    assert half["delta"]["params"] == half_params - v1_params
    table = run("compare", "mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "--format", "markdown").stdout
    assert "by stage (output size): B = mobilenet_v2" in table and "by stage (output size): B = mobilenet_v3_large" in table


def test_two_specs_keep_the_two_sided_report():
    assert "variants" not in compare_json("mobilenet_v1", "mobilenet_v2")


@pytest.mark.parametrize("args", [["mobilenet_v1"], []])
def test_fewer_than_two_specs(args):
    result = run("compare", *args)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "at least two specs" in result.stderr
