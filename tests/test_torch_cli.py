"""`mbcost verify`: report formats, exit codes (0 equal, 1 any difference, 2 bad input or no torch),
a deliberately wrong cost rule caught and named, and torch kept off the analysis path."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from mbcost import build_graph, load
from mbcost.arch.ops import OPS

from .conftest import REPO, run

TOTAL_KEYS = {"macs", "params", "weights", "biases", "norm_params", "norm_buffers"}




def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_verify_table_exit_0(torch):
    result = run("verify", "mobilenet_v2")
    assert result.exit_code == 0, result.output
    assert "verified: all 64 layers match" in result.stdout
    assert "300,774,272" in result.stdout and "3,504,872" in result.stdout  # totals side by side
    assert "differ" not in result.stdout


def test_verify_json_matches_analyze_totals(torch):
    result = run("verify", "mobilenet_v1", "--alpha", "0.5", "--resolution", "160", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["mismatches"] == []
    assert set(report["analytic"]) >= TOTAL_KEYS and set(report["measured"]) >= TOTAL_KEYS
    assert report["measured"] == report["analytic"]
    analyzed = json.loads(run("analyze", "mobilenet_v1", "--alpha", "0.5", "--resolution", "160", "--format", "json").stdout)
    assert {k: analyzed["total"][k] for k in TOTAL_KEYS} == {k: report["analytic"][k] for k in TOTAL_KEYS}


def test_verify_writes_output_file(torch, tmp_path):
    out = tmp_path / "verify.json"
    result = run("verify", "mobilenet_v2", "--format", "json", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["ok"] is True


def depthwise_counted_as_standard(original):
    """A plausible mistake: depthwise MACs as a standard conv's (not divided by the groups)."""

    def cost(self, inputs, output):
        right = original(self, inputs, output)
        if self.kind != "depthwise":
            return right
        return dataclasses.replace(right, macs=right.macs * self.in_channels)

    return cost


def test_wrong_mac_rule_exits_1_and_names_every_layer(torch, monkeypatch):
    conv = OPS["conv"]
    monkeypatch.setattr(conv, "cost", depthwise_counted_as_standard(conv.cost))
    depthwise = [n.name for n in build_graph(load("mobilenet_v1")).nodes if n.op.kind == "depthwise"]
    assert len(depthwise) == 13  # MobileNetV1, paper Table 1

    result = run("verify", "mobilenet_v1", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [m["name"] for m in report["mismatches"]] == depthwise
    assert all(m["fields"] == ["macs"] for m in report["mismatches"])
    first = report["mismatches"][0]  # blocks.0.depthwise: 3x3 on 32 channels at 112x112
    assert first["measured"]["macs"] == 3 * 3 * 32 * 112 * 112
    assert first["analytic"]["macs"] == 3 * 3 * 32 * 112 * 112 * 32
    assert report["analytic"]["macs"] != report["measured"]["macs"]

    table = run("verify", "mobilenet_v1")
    assert table.exit_code == 1
    assert "blocks.0.depthwise" in table.stdout and "blocks.12.depthwise" in table.stdout
    assert "blocks.0.pointwise" not in table.stdout
    assert "MISMATCH: 13 of 29 layers differ" in table.stdout  # after the full report


def test_wrong_param_rule_names_the_classifier(torch, monkeypatch):
    linear = OPS["linear"]
    original = linear.cost
    # A forgotten bias: the classifier's 1000 biases go missing.
    monkeypatch.setattr(linear, "cost", lambda self, i, o: dataclasses.replace(original(self, i, o), biases=0))
    result = run("verify", "mobilenet_v2", "--format", "json")
    assert result.exit_code == 1
    (mismatch,) = json.loads(result.stdout)["mismatches"]
    assert mismatch["name"] == "classifier"
    assert mismatch["fields"] == ["params", "biases"]
    assert mismatch["measured"]["biases"] == 1000 and mismatch["analytic"]["biases"] == 0


@pytest.mark.parametrize(
    "args",
    [
        ("verify", "no_such_spec.yaml"),
        ("verify", "mobilenet_v2", "--alpha", "-1"),
        ("verify", "mobilenet_v2", "--resolution", "0"),
        ("verify", "mobilenet_v2", "--format", "csv"),
    ],
)
def test_bad_input_exits_2_with_one_line(args):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_without_torch_verify_says_how_to_install_and_exits_2():
    # A fresh interpreter where `import torch` fails, as on a machine without it.
    proc = python(
        "import sys; sys.modules['torch'] = None\n"
        "from mbcost.cli import main\n"
        "sys.argv = ['mbcost', 'verify', 'mobilenet_v2']\n"
        "main()\n"
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "pip install '.[torch]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_without_torch_build_module_raises_import_error():
    proc = python(
        "import sys; sys.modules['torch'] = None\n"
        "import mbcost\n"
        "try:\n    mbcost.build_module('mobilenet_v2')\n"
        "except ImportError as error:\n    print(error)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert "pip install '.[torch]'" in proc.stdout


def test_analysis_path_never_imports_torch():
    proc = python(
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from mbcost.cli import cli\n"
        "assert CliRunner().invoke(cli, ['analyze', 'mobilenet_v2', '--format', 'json']).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy')))\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
