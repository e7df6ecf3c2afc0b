"""`mbcost check --max-memory`: gating on peak live activation memory, node by node or fused."""

import json

import pytest
from click.testing import CliRunner

from mbcost.cli import cli

# MobileNetV1 at fp16, node by node: the peak is at blocks.0.pointwise, whose input (the depthwise
# output, 32x112x112) and output (64x112x112) are live together: (32 + 64) * 112 * 112 * 2 bytes.
V1_PEAK_FP16 = (32 + 64) * 112 * 112 * 2
# MobileNetV2 at fp16 with bottlenecks fused: the peak is the first bottleneck (t = 1), holding its
# input (32x112x112) and output (16x112x112): (32 + 16) * 112 * 112 * 2 bytes.
V2_FUSED_PEAK_FP16 = (32 + 16) * 112 * 112 * 2


def check(*args):
    return CliRunner().invoke(cli, ["check", *args])


@pytest.mark.parametrize("limit, code", [(V1_PEAK_FP16, 0), (V1_PEAK_FP16 - 1, 1)])
def test_node_by_node_peak(limit, code):
    assert check("mobilenet_v1", "--dtype", "fp16", "--max-memory", str(limit)).exit_code == code


@pytest.mark.parametrize("limit, code", [(V2_FUSED_PEAK_FP16, 0), (V2_FUSED_PEAK_FP16 - 1, 1)])
def test_fused_peak(limit, code):
    assert check("mobilenet_v2", "--dtype", "fp16", "--fused", "--max-memory", str(limit)).exit_code == code


def test_fp32_doubles_fp16():
    result = check("mobilenet_v1", "--max-memory", "1G", "--format", "json")
    data = json.loads(result.stdout)
    assert data["specs"][0]["memory_bytes"] == 2 * V1_PEAK_FP16


def test_budget_section_in_the_spec(tmp_path):
    from .conftest import REPO

    spec = tmp_path / "v2.yaml"
    source = (REPO / "configs" / "mobilenet_v2.yaml").read_text()
    spec.write_text(source + f"budget:\n  max_memory: {V2_FUSED_PEAK_FP16 - 1}\n  dtype: fp16\n  fused: true\n")
    result = check(str(spec), "--format", "github")
    assert result.exit_code == 1
    line = source.count("\n") + 2  # the max_memory line
    assert result.stdout.startswith(f"::error file={spec},line={line},")
    assert check(str(spec), "--max-memory", str(V2_FUSED_PEAK_FP16)).exit_code == 0


@pytest.mark.parametrize("value", ["0", "-2M", "lots"])
def test_bad_memory_budget(value):
    result = check("mobilenet_v1", "--max-memory", value)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


def test_compare_shows_memory_at_the_dtype():
    # V2 node by node peaks at blocks.1.depthwise: its input 96x112x112 (6 x 16 expanded) and output
    # 96x56x56 are live together.
    v2_peak_fp16 = (96 * 112 * 112 + 96 * 56 * 56) * 2
    result = CliRunner().invoke(cli, ["compare", "mobilenet_v1", "mobilenet_v2", "--dtype", "fp16", "--format", "json"])
    memory = json.loads(result.stdout)["memory"]
    assert memory["peak_memory_bytes"] == {"a": V1_PEAK_FP16, "b": v2_peak_fp16, "delta": v2_peak_fp16 - V1_PEAK_FP16,
                                           "relative": round((v2_peak_fp16 - V1_PEAK_FP16) / V1_PEAK_FP16, 6)}
    assert memory["peak_memory_fused_bytes"]["b"] == V2_FUSED_PEAK_FP16
    assert memory["largest_tensor_bytes"]["a"] == 64 * 112 * 112 * 2  # the paper's 1600K (v2 paper, Table 3)
