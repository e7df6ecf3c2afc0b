"""`mbcost bench`: parsing ONNX Runtime's profile and joining its nodes to mbcost layers, on a recorded
profile (tests/fixtures/bench/, written by record.py there with onnxruntime 1.32), and one live run that
checks every layer is measured and joined (never a timing threshold)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mbcost import build_graph, load
from mbcost.runtime.bench import layer_times
from mbcost.runtime.join import JoinError, OptimizedNode, join, undecorated
from mbcost.runtime.profile import ProfileError, parse

from .conftest import run

FIXTURE = Path(__file__).parent / "fixtures" / "bench"
US = 1e-6


@pytest.fixture(scope="module")
def recorded():
    graph = build_graph(load(FIXTURE / "net.yaml"))
    events = json.loads((FIXTURE / "profile.json").read_text())
    optimized = json.loads((FIXTURE / "optimized.json").read_text())
    nodes = [OptimizedNode(n["name"], n["op"], tuple(n["inputs"]), tuple(n["outputs"])) for n in optimized["nodes"]]
    return graph, events, nodes, optimized["layer_tensors"]


def test_the_profile_splits_into_runs(recorded):
    _, events, _, _ = recorded
    profile = parse(events)
    # The fixture holds 4 model_run events (1 warm-up + 3 measured) of 981, 698, 2487 and 727 us.
    assert profile.run_seconds == pytest.approx((981 * US, 698 * US, 2487 * US, 727 * US))
    # stem/act_nchwc_kernel_time: 103, 22, 18, 24 us in the four runs.
    assert [r["stem/act_nchwc"] for r in profile.runs] == pytest.approx([103 * US, 22 * US, 18 * US, 24 * US])
    assert len(profile.after(1).runs) == 3
    assert dict(profile.nodes)["HardSigmoid_54"] == "HardSigmoid"


def test_every_rule_joins_the_recorded_nodes(recorded):
    graph, events, nodes, tensors = recorded
    profile = parse(events)
    joined = join(graph, profile.nodes, nodes, tensors)
    of = joined.layer_of
    assert of["stem/act_nchwc"] == "stem"  # rule 1: conv + activation fused in NCHWc, named after the activation
    assert of["blocks.3.split.1/GatherSliceToSplitFusion"] == "blocks.3.split.1"  # rule 1: two Slices made one Split
    assert of["ReorderOutput_token_47"] == "blocks.0.depthwise"  # rule 2: reads the depthwise's NCHWc output
    assert of["ReorderInput"] == "blocks.0.se"  # rule 2: reorders the SE multiply's output for the next conv
    assert of["HardSigmoid_54"] == of["Mul_55"] == "classifier.hidden"  # rule 2: the inlined, unnamed hard-swish
    # Layers without a node of their own: both residual adds (16 channels in and out at stride 1), fused into
    # the conv before them (rule b); the first half of the split, written by the Split named after the
    # second (rule a).
    assert joined.measured_in == {
        "blocks.0.add": "blocks.0.project", "blocks.1.add": "blocks.1.project", "blocks.3.split.0": "blocks.3.split.1"
    }
    assert set(of.values()) | set(joined.measured_in) == {n.name for n in graph.nodes}


def test_layer_times_sum_a_layers_nodes_per_run_then_take_min_and_median(recorded):
    graph, events, nodes, tensors = recorded
    profile = parse(events).after(1)
    times = {t.name: t for t in layer_times(graph, profile, join(graph, profile.nodes, nodes, tensors))}
    # stem: 22, 18, 24 us in the measured runs.
    assert (times["stem"].min_s, times["stem"].median_s) == pytest.approx((18 * US, 22 * US))
    # blocks.0.se: /pool 8, 8, 6 + /act 8, 8, 6 + /gate 8, 8, 6 + ReorderOutput_token_46 5, 6, 4 + the multiply
    # 14, 14, 10 + ReorderInput (its output reordered for the project conv) 8, 8, 11 = 51, 52, 43 us.
    assert (times["blocks.0.se"].min_s, times["blocks.0.se"].median_s) == pytest.approx((43 * US, 51 * US))
    # classifier.hidden: /flatten 7, 6, 6 + Gemm 9, 7, 8 + HardSigmoid_54 7, 5, 7 + Mul_55 7, 5, 7 = 30, 23, 28 us.
    assert (times["classifier.hidden"].min_s, times["classifier.hidden"].median_s) == pytest.approx((23 * US, 28 * US))
    add = times["blocks.1.add"]
    assert (add.min_s, add.median_s, add.nodes, add.measured_in) == (0.0, 0.0, (), "blocks.1.project")


def test_an_unknown_node_is_an_error_never_dropped(recorded):
    graph, events, nodes, tensors = recorded
    run0 = next(e for e in events if e["cat"] == "Session")
    stray = {"cat": "Node", "name": "somebody_else_kernel_time", "ts": run0["ts"] + 1, "dur": 3, "args": {"op_name": "Conv"}}
    profile = parse([*events, stray])
    with pytest.raises(JoinError, match="'somebody_else' .* joins no layer"):
        join(graph, profile.nodes, nodes, tensors)


def test_a_layer_no_node_computes_is_an_error(recorded):
    graph, events, nodes, tensors = recorded
    kept = [e for e in events if not e["name"].startswith("pool_")]
    profile = parse(kept)
    with pytest.raises(JoinError, match="layer 'pool' .* has no profiled node"):
        join(graph, profile.nodes, nodes, tensors)


def test_fusion_decorations():
    assert undecorated("fused classifier.hidden") == "classifier.hidden"
    assert undecorated("blocks.3.expand/act_nchwc") == "blocks.3.expand/act"
    assert undecorated("blocks.3.expand") == "blocks.3.expand"


@pytest.mark.parametrize(
    "events, message",
    [
        ({"a": 1}, "not an ONNX Runtime profile"),
        ([{"cat": "Node", "name": "x_kernel_time", "ts": 1, "dur": 1}], "no model_run"),
        (
            [{"cat": "Session", "name": "model_run", "ts": 10, "dur": 5}, {"cat": "Node", "name": "x_kernel_time", "ts": 20, "dur": 1}],
            "outside every model_run",
        ),
    ],
)
def test_bad_profiles(events, message):
    with pytest.raises(ProfileError, match=message):
        parse(events)


def test_live_bench_measures_and_joins_every_layer(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    out = tmp_path / "bench.json"
    result = run("bench", FIXTURE / "net.yaml", "--runs", "2", "--warmup", "1", "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["spec"] == str(FIXTURE / "net.yaml")
    assert data["bench"]["threads"] == 1 and data["bench"]["runs"] == 2 and data["bench"]["warmup"] == 1
    assert data["bench"]["runtime"].startswith("onnxruntime ")
    graph = build_graph(load(FIXTURE / "net.yaml"))
    assert [layer["name"] for layer in data["layers"]] == [n.name for n in graph.nodes]
    for layer in data["layers"]:
        assert layer["runtime_nodes"] or layer["measured_in"], layer["name"]  # joined, or computed in another's kernel
        assert layer["measured_min_s"] <= layer["measured_median_s"]
    total = data["total"]
    assert total["measured_min_s"] == pytest.approx(sum(layer["measured_min_s"] for layer in data["layers"]))
    assert total["wall_min_s"] <= total["wall_median_s"]


def test_bench_table_names_every_layer():
    pytest.importorskip("onnxruntime")
    result = run("bench", "mobilenet_v1", "--alpha", "0.25", "--resolution", "64", "--runs", "1", "--warmup", "0")
    assert result.exit_code == 0, result.output
    for name in ("stem", "blocks.12.pointwise", "classifier"):
        assert f"\n  {name} " in result.output


def test_bench_with_a_device_puts_the_roofline_estimate_beside_the_measurement(tmp_path):
    """Each layer's estimate is the MobileNetV4 paper's Eq. 1 on the profile, written out here:
    max(MACs / peak, bytes / bandwidth) + overhead, with the depthwise roof for depthwise layers."""
    pytest.importorskip("onnxruntime")
    device = Path(__file__).resolve().parent / "fixtures" / "latency" / "device.yaml"  # 30G MAC/s, 12G B/s, 5us; depthwise 2G, 8G, 3us
    roofs = {"depthwise": (2e9, 8e9, 3e-6)}
    out = tmp_path / "bench.json"
    args = ("bench", "mobilenet_v1", "--alpha", "0.25", "--resolution", "64", "--runs", "1", "--warmup", "0", "--device", device)
    result = run(*args, "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["device"]["name"] == "round-numbers"
    convs = [layer for layer in data["layers"] if layer["op"] in ("conv", "depthwise", "pointwise")]
    assert len(convs) == 27  # MobileNetV1, Table 1: the full conv and 13 depthwise separable pairs
    for layer in convs:
        peak, bandwidth, overhead = roofs.get(layer["op"], (30e9, 12e9, 5e-6))
        expected = max(layer["macs"] / peak, layer["bytes_moved"] / bandwidth) + overhead
        assert layer["latency_s"] == pytest.approx(expected, rel=1e-4), layer["name"]
        assert layer["measured_min_s"] > 0
    table = run(*args)
    assert table.exit_code == 0 and "estimated us" in table.output
    bad = run("bench", "mobilenet_v1", "--device", "nosuchdevice")
    assert bad.exit_code == 2 and "nosuchdevice" in bad.stderr
