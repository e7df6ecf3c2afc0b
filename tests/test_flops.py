"""`--unit flops` (issue 15): 2 FLOPs per multiply-accumulate, as papers, fvcore's FLOP totals and
`torch.utils.flop_counter.FlopCounterMode` count them, labelled FLOPs wherever the report names the
count: table headers and text, CSV columns, JSON keys (`flops`, `standard_flops`, `flops_share`,
`max_flops`, a check's `"metric": "flops"`) and `"unit": "flops"`."""

from __future__ import annotations

import json
import re

import pytest

from .closed_form import v1_totals
from .conftest import run

V1_MACS = 568_740_352  # TF-slim MobileNet_v1_1.0_224 (mobilenet_v1.md: 569 million MACs), as closed_form.py derives


def test_v1_in_flops_is_twice_its_macs():
    assert v1_totals()[0] == V1_MACS
    data = json.loads(run("analyze", "mobilenet_v1", "--unit", "flops", "--format", "json").stdout)
    assert data["unit"] == "flops" and data["total"]["flops"] == 2 * V1_MACS == 1_137_480_704


def _pairs(macs, flops, path=""):
    """Walk the MACs report and the FLOPs report together: every key naming MACs is renamed, counts of
    MACs double, everything else (shares, ratios, params, memory) is equal."""
    if isinstance(macs, dict):
        renamed = {re.sub(r"(?<![a-z])macs(?![a-z])", "flops", k): v for k, v in macs.items()}
        assert [k for k in flops if k != "unit"] == list(renamed), path  # the same keys in the same order
        for key, value in macs.items():
            new = re.sub(r"(?<![a-z])macs(?![a-z])", "flops", key)
            if key in ("macs", "standard_macs", "max_macs") and isinstance(value, int) and not isinstance(value, bool):
                assert flops[new] == 2 * value, f"{path}.{key}"
            elif key == "metric":
                assert flops[new] == ("flops" if value == "macs" else value)
            elif key in ("actual", "limit", "amount") and macs.get("metric", path.rsplit(".", 1)[-1]) == "macs":
                assert flops[new] == 2 * value, f"{path}.{key}"
            else:
                _pairs(value, flops[new], f"{path}.{key}")
    elif isinstance(macs, list):
        assert len(macs) == len(flops)
        for i, (a, b) in enumerate(zip(macs, flops)):
            _pairs(a, b, f"{path}[{i}]")
    else:
        assert macs == flops, path


COMMANDS = {
    "analyze": ["analyze", "mobilenet_v2"],
    "analyze-rows": ["analyze", "mobilenet_v3_large", "--by", "row"],
    "analyze-stages": ["analyze", "mobilenet_v3_large", "--by", "stage", "--resolution", "160x320", "--batch", "2"],
    "analyze-top": ["analyze", "mobilenet_v2", "--top", "5"],
    "compare": ["compare", "mobilenet_v1", "mobilenet_v2"],
    "leaderboard": ["compare", "mobilenet_v1", "mobilenet_v2", "mobilenet_v3_small"],
    "sweep": ["sweep", "mobilenet_v2", "--alpha", "1,0.75,0.5", "--resolution", "224,160", "--max-macs", "200M"],
    "check": ["check", "mobilenet_v2", "mobilenet_v1", "--max-macs", "400M", "--max-params", "4M"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_json_in_flops_renames_and_doubles_exactly_the_mac_counts(name):
    command = COMMANDS[name]
    macs = run(*command, "--format", "json")
    flops = run(*command, "--format", "json", "--unit", "flops")
    assert macs.exit_code == flops.exit_code  # the verdict does not depend on the unit
    a, b = json.loads(macs.stdout), json.loads(flops.stdout)
    assert "unit" not in a and b["unit"] == "flops" and list(b)[:2] == ["schema_version", "unit"]
    _pairs(a, b)
    assert '"macs' not in flops.stdout and "_macs" not in flops.stdout


FORMATS = [(name, fmt) for name in COMMANDS for fmt in ("table", "markdown", "github" if name == "check" else "csv")]


@pytest.mark.parametrize("name, fmt", FORMATS)
def test_every_format_says_flops(name, fmt):
    macs = run(*COMMANDS[name], "--format", fmt)
    flops = run(*COMMANDS[name], "--format", fmt, "--unit", "flops")
    assert macs.exit_code == flops.exit_code
    text = flops.stdout.replace("--max-macs", "")  # the option a limit came from keeps its name
    assert "MACs" not in text and "macs" not in text
    assert "FLOPs" in text or "flops" in text


def test_the_table_shows_twice_the_macs():
    line = next(x for x in run("sweep", "mobilenet_v1", "--alpha", "1", "--unit", "flops").stdout.splitlines() if "mobilenet_v1-224" in x)
    assert f"{2 * V1_MACS:,}" in line and "1137.5" in line
    table = run("sweep", "mobilenet_v1", "--alpha", "1", "--unit", "flops").stdout
    assert "million FLOPs" in table


def test_budgets_are_given_in_macs_and_shown_in_flops():
    over = run("check", "mobilenet_v1", "--max-macs", str(V1_MACS - 1), "--unit", "flops", "--format", "json")
    within = run("check", "mobilenet_v1", "--max-macs", str(V1_MACS), "--unit", "flops", "--format", "json")
    assert (over.exit_code, within.exit_code) == (1, 0)
    (limit,) = json.loads(within.stdout)["specs"][0]["limits"]
    assert limit == {**limit, "metric": "flops", "actual": 2 * V1_MACS, "limit": 2 * V1_MACS, "used": 1.0}
    note = run("sweep", "mobilenet_v1", "--alpha", "1", "--max-macs", "300M", "--unit", "flops").stdout
    assert "FLOPs <= 600,000,000 (600.0M)" in note


def test_a_report_in_flops_is_not_a_baseline(tmp_path):
    report = tmp_path / "flops.json"
    report.write_text(run("analyze", "mobilenet_v1", "--unit", "flops", "--format", "json").stdout)
    result = run("check", "mobilenet_v1", "--baseline", report)
    assert result.exit_code == 2 and "a baseline counts MACs" in result.stderr and len(result.stderr.splitlines()) == 1


def test_the_resolution_view_has_no_count_to_rename():
    plain = run("analyze", "mobilenet_v1", "--by", "resolution", "--format", "json").stdout
    assert run("analyze", "mobilenet_v1", "--by", "resolution", "--format", "json", "--unit", "flops").stdout == plain


@pytest.mark.parametrize("command", [["analyze", "mobilenet_v1"], ["compare", "mobilenet_v1", "mobilenet_v2"], ["sweep", "mobilenet_v1"],
                                     ["check", "mobilenet_v1", "--max-macs", "1G"]], ids=lambda c: c[0])
@pytest.mark.parametrize("unit", ["flop", "FLOPs", "gflops", ""])
def test_an_unknown_unit_exits_2_with_one_line(command, unit):
    result = run(*command, "--unit", unit)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "'--unit'" in line and "macs" in line and "flops" in line
