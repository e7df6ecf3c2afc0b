"""`mbcost validate SPEC...`: every file is checked, one error line per bad file, exit 0 or 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import mbcost.analysis.cost
import mbcost.report.views.analysis
import mbcost.report.views.resolution
from mbcost.cli import cli
from mbcost.spec.builtin import config_dir

GOOD = "input: {resolution: 32}\nclasses: 10\nblocks:\n  - separable: {channels: 16}\n"
BAD_FIELD = "input: {resolution: 32}\nclasses: 10\nblocks:\n  - separable: {chanels: 16}\n"
# Valid field by field; only expanding the graph finds that 16 -> 24 channels cannot take a residual add.
BAD_SHAPE = "input: {resolution: 32}\nclasses: 10\nblocks:\n  - pointwise: {channels: 16}\n  - bottleneck: {expansion: 6, channels: 24, residual: true}\n"


@pytest.fixture
def files(tmp_path):
    out = {}
    for name, text in (("good", GOOD), ("bad_field", BAD_FIELD), ("bad_shape", BAD_SHAPE)):
        out[name] = tmp_path / f"{name}.yaml"
        out[name].write_text(text)
    return out


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    """Validation computes no cost and renders nothing."""

    def refuse(*args, **kwargs):
        raise AssertionError("validate must not compute a report")

    monkeypatch.setattr(mbcost.analysis.cost, "analyze", refuse)
    for view in (mbcost.report.views.analysis, mbcost.report.views.resolution):
        monkeypatch.setattr(view, "document", refuse)


def test_all_valid_exits_0():
    configs = [str(p) for p in sorted(config_dir().glob("*.yaml"))]
    result = CliRunner().invoke(cli, ["validate", *configs, "mobilenet_v1"])
    assert result.exit_code == 0 and result.stderr == ""
    assert len(result.stdout.splitlines()) == len(configs) + 1


def test_every_file_is_checked_and_each_bad_one_gets_one_line(files):
    args = [str(files["bad_field"]), str(files["good"]), str(files["bad_shape"])]
    result = CliRunner().invoke(cli, ["validate", *args])
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"{files['bad_field']}:4:17: blocks[0].separable.chanels: unknown field")
    assert errors[1].startswith(f"{files['bad_shape']}:5:5: blocks[1].bottleneck.residual (blocks.1):")
    assert result.stdout.startswith(f"{files['good']}: ok")


def test_quiet_prints_nothing_for_valid_specs(files):
    result = CliRunner().invoke(cli, ["validate", "-q", str(files["good"])])
    assert result.exit_code == 0 and result.stdout == ""


def test_a_missing_file_is_one_line_too(files, tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.yaml"), str(files["good"])])
    assert result.exit_code == 2 and result.stderr.splitlines() == [f"{tmp_path / 'nope.yaml'}: no such file"]


def test_validate_needs_a_spec():
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
