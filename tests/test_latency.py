"""The roofline (mbcost/latency): bytes moved per op kind from closed forms written here, the estimate
max(MACs / peak, bytes / bandwidth) + overhead (MobileNetV4 paper, Eq. 1), its limits and monotonicity, the
`--device` keys of the JSON contract, latency budgets, and the ridge-point sweep."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest

from mbcost import analyze_spec
from mbcost.arch.ops import OPS
from mbcost.latency.profile import OP_KINDS, Device, Roof, parse_device
from mbcost.latency.ridge import RidgeSweep, network
from mbcost.latency.roofline import of_analysis
from mbcost.quantity import QuantityError, parse_seconds

from .conftest import REPO, run

FIXTURES = REPO / "tests" / "fixtures" / "latency"

PROFILE = """\
name: test-device
source: "made up for the tests"
peak_macs_per_s: 30G
bandwidth_bytes_per_s: 12G
overhead_s: 5us
kinds:
  depthwise: {peak_macs_per_s: 2G, bandwidth_bytes_per_s: 8G, overhead_s: 3us}
"""
P, B, O = 30e9, 12e9, 5e-6
DW_P, DW_B, DW_O = 2e9, 8e9, 3e-6
E = {"fp32": 4, "fp16": 2, "int8": 1}  # bytes per activation element
W = {"fp32": (4, 4), "fp16": (2, 2), "int8": (1, 4)}  # bytes per stored weight and bias: int8 keeps int32 biases


@pytest.fixture
def device_file(tmp_path):
    path = tmp_path / "device.yaml"
    path.write_text(PROFILE)
    return path


def device() -> Device:
    return parse_device(PROFILE, "device.yaml")


def layers(spec: str, dtype: str = "fp32", **settings):
    a = analyze_spec(spec, settings.get("alpha"), settings.get("resolution"), dtype=dtype)
    return a, of_analysis(a, device())


def elements(shape) -> int:
    return shape.channels * shape.height * shape.width


# ---------------------------------------------------------------- bytes moved, per op kind


@pytest.mark.parametrize("dtype", ["fp32", "fp16", "int8"])
def test_conv_bytes(dtype):
    # MobileNetV2's stem: 3x3 conv 3 -> 32 at stride 2, batch norm folded into 32 biases.
    a, lat = layers("mobilenet_v2", dtype)
    weight, bias = W[dtype]
    stored = 3 * 3 * 3 * 32 * weight + 32 * bias
    activations = (3 * 224 * 224 + 32 * 112 * 112) * E[dtype]
    assert lat.layers[0].bytes_moved == stored + activations


def test_depthwise_pointwise_add_bytes():
    a, lat = layers("mobilenet_v2")
    by_name = {layer.node.name: t for layer, t in zip(a.layers, lat.layers)}
    # blocks.2 (t = 6, 24 channels at 56 px): the depthwise conv on 144 channels, stride 1
    assert by_name["blocks.2.depthwise"].bytes_moved == (9 * 144 + 144) * 4 + 2 * 144 * 56 * 56 * 4
    # its projection 144 -> 24
    assert by_name["blocks.2.project"].bytes_moved == (144 * 24 + 24) * 4 + (144 + 24) * 56 * 56 * 4
    # the residual add reads both inputs and writes the sum
    assert by_name["blocks.2.add"].bytes_moved == 3 * 24 * 56 * 56 * 4
    # the pool reads 1280 x 7 x 7 and writes 1280; the classifier stores 1280 x 1000 weights and 1000 biases
    assert by_name["pool"].bytes_moved == (1280 * 49 + 1280) * 4
    assert by_name["classifier"].bytes_moved == (1280 * 1000 + 1000) * 4 + (1280 + 1000) * 4


def test_squeeze_excite_bytes():
    # MobileNetV3-Small blocks.0.se: 16 channels at 56 px, squeezed to 8. The pool reads the tensor, the
    # multiply reads it again with the scale and writes the output; pooled (C), squeeze (S) and scale (C)
    # are each written and read once. Weights 2 * C * S with S + C biases.
    a, lat = layers("mobilenet_v3_small")
    i = next(i for i, layer in enumerate(a.layers) if layer.node.name == "blocks.0.se")
    c, s, hw = 16, 8, 56 * 56
    assert a.layers[i].node.input_shape.as_list() == [c, 56, 56]
    assert lat.layers[i].bytes_moved == (2 * c * s + s + c) * 4 + (3 * c * hw + 2 * (2 * c + s)) * 4
    assert lat.layers[i].kernels == 4  # pool, reduce, expand, multiply: four overheads


def test_data_movement_bytes():
    a, lat = layers("shufflenet_v2_1_0")
    by_name = {layer.node.name: (layer.node, t) for layer, t in zip(a.layers, lat.layers)}
    node, t = by_name["stem.1"]  # 3x3 max pool, stride 2: reads 24 x 112 x 112, writes 24 x 56 x 56
    assert t.bytes_moved == (24 * 112 * 112 + 24 * 56 * 56) * 4
    node, t = by_name["blocks.0.concat"]  # two 58-channel halves in, 116 out, at 28 px
    assert t.bytes_moved == (58 + 58 + 116) * 28 * 28 * 4
    node, t = by_name["blocks.0.shuffle"]
    assert t.bytes_moved == 2 * 116 * 28 * 28 * 4
    node, t = by_name["blocks.1.split.0"]  # a split reads only the 58 channels it keeps
    assert t.bytes_moved == 2 * 58 * 28 * 28 * 4
    for name in ("stem.1", "blocks.0.concat", "blocks.0.shuffle", "blocks.1.split.0"):
        assert by_name[name][1].bound == "memory" and by_name[name][1].intensity == 0


def test_every_op_kind_can_have_its_own_roof():
    kinds = {"conv", "pointwise", "depthwise", "grouped"}  # a conv's kinds, by its groups and kernel
    kinds |= {name for name in OPS if name not in ("conv", "mixed_conv")}
    kinds |= {"linear"}
    assert kinds <= set(OP_KINDS)


# ---------------------------------------------------------------- the estimate


def test_estimate_closed_form():
    a, lat = layers("mobilenet_v2")
    for layer, t in zip(a.layers, lat.layers):
        peak, bandwidth, overhead = (DW_P, DW_B, DW_O) if layer.node.op.kind == "depthwise" else (P, B, O)
        compute, memory = layer.cost.macs / peak, t.bytes_moved / bandwidth
        assert t.seconds == pytest.approx(max(compute, memory) + overhead, rel=1e-12)
        assert t.bound == ("compute" if layer.cost.macs and compute >= memory else "memory")
        assert t.intensity == pytest.approx(layer.cost.macs / t.bytes_moved)
    assert lat.total_s == pytest.approx(sum(t.seconds for t in lat.layers))


def test_monotone_in_width_and_resolution():
    def seconds(alpha, resolution):
        return layers("mobilenet_v2", alpha=alpha, resolution=resolution)[1].total_s

    widths = [seconds(alpha, 224) for alpha in (0.35, 0.5, 0.75, 1.0, 1.4)]
    assert widths == sorted(widths) and len(set(widths)) == len(widths)
    sizes = [seconds(1.0, r) for r in (96, 128, 160, 192, 224)]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)


# ---------------------------------------------------------------- the ridge sweep


NETWORKS = ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "shufflenet_v2_1_0", "ghostnet_1_0"]


def _ridge(ridges):
    nets = []
    for name in NETWORKS:
        a, lat = layers(name)
        nets.append(network(name, name, 1.0, 224, lat))
    return RidgeSweep("test-device", P, "fp32", ridges, tuple(nets))


def test_ridge_zero_is_the_mac_ranking():
    sweep = _ridge((0.0,))
    for n in sweep.networks:
        assert sweep.seconds(n, 0.0) == pytest.approx(n.macs / P)
    by_time = sorted(sweep.networks, key=lambda n: sweep.seconds(n, 0.0))
    assert [n.label for n in by_time] == [n.label for n in sorted(sweep.networks, key=lambda n: n.macs)]


def test_large_ridge_is_the_memory_ranking():
    sweep = _ridge((1e6,))
    total_bytes = {n.label: sum(b for _, b in n.layers) for n in sweep.networks}
    for n in sweep.networks:  # every layer memory-bound: time is bytes * ridge / peak
        assert sweep.seconds(n, 1e6) == pytest.approx(total_bytes[n.label] * 1e6 / P)
    by_time = sorted(sweep.networks, key=lambda n: sweep.seconds(n, 1e6))
    assert [n.label for n in by_time] == sorted(total_bytes, key=total_bytes.get)


def test_ridge_command(device_file):
    result = run("ridge", "mobilenet_v1@0.5", "mobilenet_v2@0.75,192", "mobilenet_v3_small", "--device", device_file, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [p["ridge"] for p in data["points"]] == [float(r) for r in range(0, 501, 25)]
    macs = [n["macs"] for n in data["networks"]]
    first = data["points"][0]
    assert first["bandwidth_bytes_per_s"] is None
    assert first["latency_s"] == pytest.approx([m / P for m in macs])
    assert first["fastest"] == data["networks"][macs.index(min(macs))]["label"]
    for point in data["points"][1:]:
        assert point["bandwidth_bytes_per_s"] == pytest.approx(P / point["ridge"])
    assert run("ridge", "mobilenet_v2", "--device", device_file, "--ridge", "-1").exit_code == 2


# ---------------------------------------------------------------- the CLI and the JSON contract


def test_analyze_json_keys(device_file):
    result = run("analyze", "mobilenet_v2", "--device", device_file, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["device"] == {"name": "test-device", "peak_macs_per_s": P, "bandwidth_bytes_per_s": B, "overhead_s": O,
                              "kinds": {"depthwise": {"peak_macs_per_s": DW_P, "bandwidth_bytes_per_s": DW_B, "overhead_s": DW_O}}}
    plain = json.loads(run("analyze", "mobilenet_v2", "--format", "json").stdout)
    added = {"bytes_moved", "intensity", "bound", "latency_s", "latency_share"}
    for with_device, without in zip(data["layers"], plain["layers"]):
        assert set(with_device) - set(without) == added
        assert isinstance(with_device["bytes_moved"], int) and with_device["bound"] in ("compute", "memory")
    assert set(data["total"]) - set(plain["total"]) == {"latency_s"}
    assert data["total"]["latency_s"] == pytest.approx(sum(layer["latency_s"] for layer in data["layers"]), rel=1e-5)
    assert sum(layer["latency_share"] for layer in data["layers"]) == pytest.approx(1, abs=1e-4)
    assert sum(row["latency_s"] for row in data["by_op"]) == pytest.approx(data["total"]["latency_s"], rel=1e-5)
    assert sum(row["latency_s"] for row in data["by_block"]) == pytest.approx(data["total"]["latency_s"], rel=1e-5)


def test_analyze_table_and_csv(device_file):
    table = run("analyze", "mobilenet_v2", "--device", device_file, "--sort", "latency", "--top", "3")
    assert table.exit_code == 0 and "latency %" in table.stdout and "latency on test-device" in table.stdout
    # the slowest layers on this profile are depthwise (2 GMAC/s): the top 3 are depthwise convs
    rows = [line.split()[0] for line in table.stdout.splitlines() if line.strip().startswith("blocks.")][:3]
    assert all(name.endswith(".depthwise") for name in rows), rows
    csv = run("analyze", "mobilenet_v2", "--device", device_file, "--format", "csv").stdout
    assert csv.splitlines()[0].endswith(",bytes_moved,intensity,bound,latency_s,latency_share")
    assert run("analyze", "mobilenet_v2", "--sort", "latency").exit_code == 2
    assert run("analyze", "mobilenet_v2", "--device", device_file, "--by", "stage").exit_code == 2


def test_compare_and_sweep(device_file):
    data = json.loads(run("compare", "mobilenet_v1@0.5", "mobilenet_v2@0.75,192", "--device", device_file, "--format", "json").stdout)
    a = json.loads(run("analyze", "mobilenet_v1", "--alpha", "0.5", "--device", device_file, "--format", "json").stdout)
    assert data["device"] == "test-device"
    assert data["latency_s"]["a"] == pytest.approx(a["total"]["latency_s"], rel=1e-5)
    result = run("sweep", "mobilenet_v2", "--alpha", "0.5,1", "--resolution", "160,224", "--device", device_file,
                 "--max-latency", "10ms", "--format", "json")
    assert result.exit_code == 0, result.stderr
    sweep = json.loads(result.stdout)
    assert sweep["device"] == "test-device" and sweep["max_latency_s"] == 0.01
    for row in sweep["rows"]:
        one = json.loads(run("analyze", "mobilenet_v2", "--alpha", row["alpha"], "--resolution", row["resolution"],
                             "--device", device_file, "--format", "json").stdout)
        assert row["latency_s"] == pytest.approx(one["total"]["latency_s"], rel=1e-5)
        assert row["fits"] == (row["latency_s"] <= 0.01)
    assert "latency test-device" in run("sweep", "mobilenet_v2", "--device", device_file).stdout


def test_check_latency_budget(device_file, tmp_path):
    spec = tmp_path / "v2.yaml"
    spec.write_text((REPO / "configs" / "mobilenet_v2.yaml").read_text() + "budget:\n  max_macs: 400M\n  max_latency: 5ms\n")
    line = len(spec.read_text().splitlines())  # the budget's last line
    result = run("check", spec, "--device", device_file, "--format", "github")
    assert result.exit_code == 1
    assert f"file={spec},line={line}," in result.stdout and "latency" in result.stdout
    data = json.loads(run("check", spec, "--device", device_file, "--format", "json").stdout)
    limit = next(x for x in data["specs"][0]["limits"] if x["metric"] == "latency")
    assert limit["limit"] == 0.005 and limit["source"] == "budget.max_latency" and not limit["ok"]
    assert run("check", "mobilenet_v2", "--device", device_file, "--max-latency", "1s").exit_code == 0


@pytest.mark.parametrize("command", ["check", "sweep"])
def test_latency_budget_without_a_device(command, tmp_path):
    spec = tmp_path / "v2.yaml"
    text = (REPO / "configs" / "mobilenet_v2.yaml").read_text() + "budget:\n  max_latency: 5ms\n"
    spec.write_text(text)
    result = run(command, spec)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{spec}:{len(text.splitlines())}:3: budget.max_latency: a latency budget needs a device: "
        "give --device NAME|FILE (`mbcost devices` lists them)\n"
    )
    result = run(command, "mobilenet_v2", "--max-latency", "5ms")
    assert result.exit_code == 2 and result.stderr.startswith("--max-latency: a latency budget needs a device")


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize("text, seconds", [
    ("5ms", Fraction(1, 200)), ("2.5 ms", Fraction(1, 400)), ("1s", Fraction(1)), ("250us", Fraction(1, 4000)),
    ("250µs", Fraction(1, 4000)), ("800ns", Fraction(8, 10**7)), ("0.1ns", Fraction(1, 10**10)), ("1_000ms", Fraction(1)),
])
def test_durations(text, seconds):
    assert parse_seconds(text) == seconds


@pytest.mark.parametrize("text", ["5", "5m", "ms", "-1ms", "0ms", "1e3ms", 5, 0.5, None])
def test_bad_durations(text):
    with pytest.raises(QuantityError):
        parse_seconds(text)


def test_zero_overhead():
    assert parse_seconds(0, zero=True) == 0 and parse_seconds("0us", zero=True) == 0
    assert Roof(1.0, 2.0).ridge == 0.5


def test_latency_commands_stay_light(device_file, tmp_path):
    # --device and the latency commands import none of the runtimes' packages (the analysis path stays light)
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from mbcost.cli import cli\n"
        f"device = {str(device_file)!r}\n"
        "for args in (['analyze', 'mobilenet_v2', '--device', device], ['sweep', 'mobilenet_v1', '--alpha', '1,0.5', '--device', device],"
        " ['compare', 'mobilenet_v1', 'mobilenet_v2', '--device', device], ['ridge', 'mobilenet_v1', '--device', device],"
        " ['check', 'mobilenet_v2', '--max-latency', '1s', '--device', device], ['devices'],"
        f" ['calibrate', {str(FIXTURES / 'ort_profile_tiny.json')!r}, '--spec', {str(FIXTURES / 'tiny.yaml')!r},"
        f" '-o', {str(tmp_path / 'fitted.yaml')!r}]):\n"
        "    result = CliRunner().invoke(cli, args)\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
        "print(sorted(m for m in ('torch', 'numpy', 'onnx', 'onnxruntime') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
