"""`mbcost sweep` judges every point by every limit `mbcost check` applies: MACs, params, activation
memory (at its dtype, fused or not) and weight bytes, from the options and the spec's `budget:`."""

import json

import pytest

from .conftest import REPO, run
from .test_weight_bytes import nbytes, v1_stored


# MobileNetV1 node by node peaks at blocks.0.pointwise: its input (32 channels) and output (64 channels)
# at half the input size live together (test_check_memory.py).
def v1_peak(resolution: int, element_bytes: int) -> int:
    size = resolution // 2
    return (32 + 64) * size * size * element_bytes


# MobileNetV2 fused: the first bottleneck (t = 1) holds its input (32) and output (16 channels).
def v2_fused_peak(resolution: int, element_bytes: int) -> int:
    size = resolution // 2
    return (32 + 16) * size * size * element_bytes


def sweep(*args):
    result = run("sweep", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def fits(data):
    return {(r["alpha"], r["resolution"]): r["fits"] for r in data["rows"]}


def v1_with_budget(tmp_path, budget: str):
    spec = tmp_path / "v1.yaml"
    spec.write_text((REPO / "configs" / "mobilenet_v1.yaml").read_text() + budget)
    return spec


def test_sweep_rejects_what_check_rejects(tmp_path):
    # The spec's budget.max_memory alone: check rejects 224 and accepts 192, and so must sweep
    # (before, sweep ignored max_memory and marked 224 as fitting).
    spec = v1_with_budget(tmp_path, f"budget:\n  max_memory: {v1_peak(224, 2) - 1}\n  dtype: fp16\n")
    assert run("check", spec).exit_code == 1
    assert run("check", spec, "--resolution", 192).exit_code == 0
    data = sweep(spec, "--resolution", "224,192")
    assert fits(data) == {(1.0, 224): False, (1.0, 192): True}
    assert [r["memory_bytes"] for r in data["rows"]] == [v1_peak(224, 2), v1_peak(192, 2)]
    assert data["best"]["resolution"] == 192
    assert (data["max_memory"], data["dtype"], data["fused"]) == (v1_peak(224, 2) - 1, "fp16", False)


@pytest.mark.parametrize("resolution", [224, 160, 128])
def test_memory_option_at_the_edge(resolution):
    limit = v1_peak(resolution, 4)
    assert fits(sweep("mobilenet_v1", "--resolution", resolution, "--max-memory", limit)) == {(1.0, resolution): True}
    assert fits(sweep("mobilenet_v1", "--resolution", resolution, "--max-memory", limit - 1)) == {(1.0, resolution): False}


def test_fused_and_dtype():
    limit = v2_fused_peak(224, 1)
    data = sweep("mobilenet_v2", "--resolution", "224,192", "--max-memory", limit, "--fused", "--dtype", "int8")
    assert [r["memory_bytes"] for r in data["rows"]] == [v2_fused_peak(224, 1), v2_fused_peak(192, 1)]
    assert fits(data) == {(1.0, 224): True, (1.0, 192): True}
    # node by node the peak is higher (blocks.1.depthwise: 96 channels at 112 and 56 px), so 224 no longer fits
    assert fits(sweep("mobilenet_v2", "--resolution", 224, "--max-memory", limit, "--dtype", "int8")) == {(1.0, 224): False}


def test_weight_bytes():
    # the weights do not depend on the resolution: every resolution at alpha 1 stores the same bytes
    full, half = nbytes(v1_stored(1.0), "int8"), nbytes(v1_stored(0.5), "int8")
    data = sweep("mobilenet_v1", "--alpha", "1,0.5", "--resolution", "224,128", "--max-weight-bytes", full - 1, "--dtype", "int8")
    assert {(r["alpha"], r["resolution"]): r["weight_bytes"] for r in data["rows"]} == {
        (1.0, 224): full, (1.0, 128): full, (0.5, 224): half, (0.5, 128): half
    }
    assert fits(data) == {(1.0, 224): False, (1.0, 128): False, (0.5, 224): True, (0.5, 128): True}


def test_every_limit_must_hold(tmp_path):
    # MACs allow 224 (569M at alpha 1, v1 paper Table 7: under 600M), memory only 160 and below.
    spec = v1_with_budget(tmp_path, f"budget:\n  max_macs: 600M\n  max_memory: {v1_peak(160, 4)}\n")
    assert fits(sweep(spec, "--resolution", "224,192,160")) == {(1.0, 224): False, (1.0, 192): False, (1.0, 160): True}
    # the option replaces the spec's limit, field by field
    assert fits(sweep(spec, "--resolution", "224,192,160", "--max-memory", "1G")) == {(1.0, 224): True, (1.0, 192): True, (1.0, 160): True}


def test_table_shows_the_columns_it_judges_by():
    result = run("sweep", "mobilenet_v2", "--max-memory", "8M", "--max-weight-bytes", "4M", "--dtype", "int8", "--fused", "--format", "markdown")
    assert result.exit_code == 0
    header = next(line for line in result.stdout.splitlines() if line.startswith("| model"))
    assert "fused memory int8" in header and "weights int8" in header and "fits" in header
    assert "fused peak memory int8 <= 8,000,000 bytes" in result.stdout
    csv = run("sweep", "mobilenet_v2", "--max-weight-bytes", "4M", "--format", "csv").stdout
    assert csv.splitlines()[0] == "alpha,resolution,macs,params,weight_bytes,fits,best"


def test_no_memory_work_without_a_memory_limit():
    data = sweep("mobilenet_v1", "--max-macs", "600M")
    assert data["rows"][0]["memory_bytes"] is None and data["rows"][0]["weight_bytes"] is None


@pytest.mark.parametrize("option, value", [("--max-memory", "lots"), ("--max-weight-bytes", "0"), ("--dtype", "int4")])
def test_bad_options(option, value):
    result = run("sweep", "mobilenet_v1", option, value)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
