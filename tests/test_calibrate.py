"""Fitting a device profile to measurements (mbcost/latency: measurements, fit, accuracy, calibrate):
the three file formats read from small real-format fixtures (tests/fixtures/latency/), a profile recovered
from synthetic measurements made here from a known one, the accuracy metrics, and bad input through the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mbcost import analyze_spec
from mbcost.latency.accuracy import accuracy, ranks, seconds_per_mac, spearman
from mbcost.latency.fit import fit_device, predict
from mbcost.latency.measurements import Sample, analysis_of, read_json, read_ort, read_tflite
from mbcost.latency.profile import parse_device
from mbcost.latency.traffic import bytes_moved, kernels

from .conftest import run

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "latency"
TINY = FIXTURES / "tiny.yaml"


# ---------------------------------------------------------------- reading measurements


def test_onnx_runtime_profile():
    # ort_profile_tiny.json (make_ort_profile.py): two runs; each node's minimum, summed over a layer's nodes (us):
    # stem 139/32 + stem/act 9/4; depthwise 112/18 + act 4/3; pointwise 18/7 + act 4/4; pool 10/5;
    # classifier/flatten 4/4 + classifier 7/5.
    path = FIXTURES / "ort_profile_tiny.json"
    text, data = read_json(path)
    m = read_ort(path, text, data, analysis_of(str(TINY), None, None, "fp32"))
    assert {s.layer: round(s.seconds * 1e6, 6) for s in m.samples} == {
        "stem": 36, "blocks.0.depthwise": 21, "blocks.0.pointwise": 11, "pool": 5, "classifier": 9,
    }
    assert m.label == "tiny@1,32"


def test_tflite_op_profile():
    # tflite_op_profile_tiny.csv, written in benchmark_model's CSV format (tensorflow/core/util/stats_calculator.cc,
    # `format_as_csv`): the Run Order section's avg_ms x times called; classifier = FULLY_CONNECTED + SOFTMAX.
    path = FIXTURES / "tflite_op_profile_tiny.csv"
    m = read_tflite(path, path.read_text(), analysis_of(str(TINY), None, None, "fp32"))
    assert {s.layer: round(s.seconds * 1e3, 9) for s in m.samples} == {
        "stem": 0.052, "blocks.0.depthwise": 0.028, "blocks.0.pointwise": 0.017, "pool": 0.020, "classifier": 0.018,
    }


def test_samples_carry_the_roofline_features():
    path = FIXTURES / "ort_profile_tiny.json"
    text, data = read_json(path)
    stem = read_ort(path, text, data, analysis_of(str(TINY), None, None, "fp32")).samples[0]
    # 3x3 conv 3 -> 8 at stride 2 on 32 px: 216 weights + 8 folded biases, 3x32x32 read, 8x16x16 written, fp32
    assert (stem.kind, stem.macs, stem.bytes_moved, stem.kernels) == ("conv", 216 * 16 * 16, (216 + 8 + 3 * 32 * 32 + 8 * 16 * 16) * 4, 1)


# ---------------------------------------------------------------- fitting


TRUE = parse_device(
    """\
name: truth
peak_macs_per_s: 40G
bandwidth_bytes_per_s: 10G
overhead_s: 4us
kinds:
  depthwise: {peak_macs_per_s: 1.5G, bandwidth_bytes_per_s: 6G, overhead_s: 20us}
  pointwise: {peak_macs_per_s: 25G, bandwidth_bytes_per_s: 9G, overhead_s: 8us}
  add: {bandwidth_bytes_per_s: 15G, overhead_s: 2us}
""",
    "truth.yaml",
)


def synthetic(spec: str, alpha: float, resolution: int) -> list[Sample]:
    """Every layer of the network timed by the known profile, the roofline written out here."""
    out = []
    for layer in analyze_spec(spec, alpha, resolution).layers:
        node, op = layer.node, layer.node.op
        moved = bytes_moved(op, node.input_shapes, node.output_shape, layer.cost, "fp32")
        roof = TRUE.roof_of(op.kind)
        seconds = max(layer.cost.macs / roof.peak_macs_per_s, moved / roof.bandwidth_bytes_per_s) + kernels(op) * roof.overhead_s
        out.append(Sample(node.name, op.kind, layer.cost.macs, moved, kernels(op), seconds))
    return out


def test_fit_recovers_a_known_profile():
    samples = [s for a in (0.35, 0.75, 1.4) for r in (96, 160, 224) for s in synthetic("mobilenet_v2", a, r)]
    fitted = fit_device(samples, "fitted", "test")
    assert {kind for kind, _ in fitted.kinds} >= {"depthwise", "pointwise", "add"}
    for s in samples:
        assert predict(fitted.roof_of(s.kind), s) == pytest.approx(s.seconds, rel=0.01), s
    # what the samples show of each roof comes back: pointwise layers are both compute- and memory-bound here
    pw = fitted.roof_of("pointwise")
    assert pw.peak_macs_per_s == pytest.approx(25e9, rel=0.01) and pw.bandwidth_bytes_per_s == pytest.approx(9e9, rel=0.01)
    assert pw.overhead_s == pytest.approx(8e-6, rel=0.02)
    dw = fitted.roof_of("depthwise")  # compute-bound at 1.5 GMAC/s in every sample
    assert dw.peak_macs_per_s == pytest.approx(1.5e9, rel=0.01) and dw.overhead_s == pytest.approx(20e-6, rel=0.02)
    add = fitted.roof_of("add")  # no MACs: bandwidth and overhead only
    assert add.bandwidth_bytes_per_s == pytest.approx(15e9, rel=0.01) and add.overhead_s == pytest.approx(2e-6, rel=0.02)
    # held out: another width and resolution of the same family
    for s in synthetic("mobilenet_v2", 0.5, 128):
        assert predict(fitted.roof_of(s.kind), s) == pytest.approx(s.seconds, rel=0.02)


# ---------------------------------------------------------------- accuracy metrics


def test_ranks_and_spearman():
    assert ranks([10, 30, 20, 20]) == [1, 4, 2.5, 2.5]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1)
    # d = (0, 0, 1, -1): 1 - 6 * 2 / (4 * 15) = 0.8 without ties
    assert spearman([1, 2, 3, 4], [1, 2, 4, 3]) == pytest.approx(0.8)


def test_accuracy_terms():
    measured = [1.0, 2.0, 4.0, 8.0]
    a = accuracy([1.05, 2.4, 3.0, 8.0], measured)  # errors 5%, 20%, 25%, 0%
    assert (a.count, a.within_10, a.within_25) == (4, 0.5, 1.0)
    assert a.mape == pytest.approx((0.05 + 0.2 + 0.25 + 0) / 4)
    assert seconds_per_mac([10, 40, 0], [1.0, 1.0, 5.0]) == pytest.approx(math.exp((math.log(0.1) + math.log(0.025)) / 2))


# ---------------------------------------------------------------- the command


def bench_report(tmp_path: Path, spec: str, alpha: float, resolution: int) -> Path:
    """A bench report as the contract describes it, its times made by the known profile."""
    data = json.loads(run("analyze", spec, "--alpha", alpha, "--resolution", resolution, "--format", "json").stdout)
    data["bench"] = {"runtime": "synthetic", "threads": 1, "runs": 1, "warmup": 0, "machine": "the tests"}
    data["spec"] = spec
    for row, s in zip(data["layers"], synthetic(spec, alpha, resolution)):
        assert row["name"] == s.layer
        row["measured_min_s"] = row["measured_median_s"] = s.seconds
    path = tmp_path / f"{spec}-{alpha}-{resolution}.json"
    path.write_text(json.dumps(data, indent=1))
    return path


def test_calibrate_command(tmp_path):
    train = [bench_report(tmp_path, "mobilenet_v2", a, r) for a, r in ((0.35, 96), (0.75, 160), (1.4, 224), (1.0, 128))]
    held = bench_report(tmp_path, "mobilenet_v2", 0.5, 192)
    out = tmp_path / "fitted.yaml"
    result = run("calibrate", *train, "--holdout", held, "-o", out, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["evaluated_on"] == "held-out" and data["device"]["name"] == "fitted"
    layers = data["accuracy"]["layers"]
    assert layers["roofline"]["within_10"] == 1.0 and layers["roofline"]["spearman"] > 0.99
    assert layers["macs"]["mape"] > layers["roofline"]["mape"]
    # the profile written is one --device reads, and it estimates the held-out network as measured
    estimate = json.loads(run("analyze", "mobilenet_v2", "--alpha", 0.5, "--resolution", 192, "--device", out, "--format", "json").stdout)
    measured = sum(s.seconds for s in synthetic("mobilenet_v2", 0.5, 192))
    assert estimate["total"]["latency_s"] == pytest.approx(measured, rel=0.01)
    table = run("calibrate", *train, "-o", out)
    assert table.exit_code == 0 and "accuracy on training layers (no --holdout)" in table.stdout


def test_calibrate_from_runtime_profiles(tmp_path):
    out = tmp_path / "tiny.yaml"
    files = [FIXTURES / "ort_profile_tiny.json", FIXTURES / "tflite_op_profile_tiny.csv"]
    result = run("calibrate", *files, "--spec", TINY, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert parse_device(out.read_text(), str(out)).name == "tiny"


def _located(result, path, line: int, start: str) -> None:
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"{path}:{line}:"), result.stderr
    assert start in result.stderr, result.stderr


def test_a_bench_report_of_another_network(tmp_path):
    path = bench_report(tmp_path, "mobilenet_v2", 1.0, 224)
    text = path.read_text().replace('"name": "blocks.15.add"', '"name": "blocks.99.add"', 1)
    path.write_text(text)
    line = text[: text.index('"blocks.99.add"')].count("\n") + 1
    _located(run("calibrate", path, "-o", tmp_path / "x.yaml"), path, line, "layer 'blocks.99.add' is not a layer of mobilenet_v2")
    assert not (tmp_path / "x.yaml").exists()


def test_a_runtime_profile_with_an_unknown_node(tmp_path):
    text = (FIXTURES / "ort_profile_tiny.json").read_text().replace('"pool_kernel_time"', '"pooling_kernel_time"')
    path = tmp_path / "profile.json"
    path.write_text(text)
    line = text[: text.index('"pooling_kernel_time"')].count("\n") + 1
    _located(run("calibrate", path, "--spec", TINY, "-o", tmp_path / "x.yaml"), path, line, "node 'pooling' is not a layer of tiny")
    # the same profile against another network
    other = run("calibrate", FIXTURES / "ort_profile_tiny.json", "--spec", "mobilenet_v2", "-o", tmp_path / "x.yaml")
    assert other.exit_code == 2 and "is not a layer of mobilenet_v2" in other.stderr


def test_a_tflite_csv_with_an_unknown_op(tmp_path):
    text = (FIXTURES / "tflite_op_profile_tiny.csv").read_text().replace("[pool/Mean]:3", "[model/pool/Mean]:3", 1)
    path = tmp_path / "ops.csv"
    path.write_text(text)
    _located(run("calibrate", path, "--spec", TINY, "-o", tmp_path / "x.yaml"), path, 7, "joins no layer of tiny")


def test_a_runtime_profile_needs_its_spec(tmp_path):
    result = run("calibrate", FIXTURES / "ort_profile_tiny.json", "-o", tmp_path / "x.yaml")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "--spec" in result.stderr


def test_a_layer_computed_in_another_layers_kernel_is_booked_to_it():
    """ONNX Runtime fuses a residual add into the projection conv before it (`mbcost bench` reports the
    add at 0 s with `measured_in` naming the projection); calibrate books the add's bytes to the
    projection's sample, whose one measured time covers both, and keeps no sample of its own."""
    from mbcost.latency.measurements import read_bench

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "latency" / "runs" / "mobilenet_v2-0.35-96.json"
    text, data = read_json(path)
    rows = {row["name"]: row for row in data["layers"]}
    assert rows["blocks.2.add"]["measured_min_s"] == 0 and rows["blocks.2.add"]["measured_in"] == "blocks.2.project"
    samples = {s.layer: s for s in read_bench(path, text, data).samples}
    assert "blocks.2.add" not in samples
    c, h, w = rows["blocks.2.add"]["output_shape"]
    add_bytes = 3 * c * h * w * 4  # two fp32 inputs read, one output written
    project = analysis_of("mobilenet_v2", 0.35, 96, "fp32").layers
    node = next(layer for layer in project if layer.node.name == "blocks.2.project")
    own = bytes_moved(node.node.op, node.node.input_shapes, node.node.output_shape, node.cost, "fp32")
    assert samples["blocks.2.project"].bytes_moved == own + add_bytes
    assert samples["blocks.2.project"].seconds == rows["blocks.2.project"]["measured_min_s"]
    fused = sum(1 for row in data["layers"] if row.get("measured_in") not in (None, row["name"]))
    assert len(samples) == len(data["layers"]) - fused
