"""`mbcost check`: the exit-code contract (0 within budget, 1 over budget after the full report, 2 bad
input), budgets from the spec and the command line, the baseline ratchet, and the output formats.

Expected counts: MobileNetV2 1.0-224 has 300,774,272 MACs and 3,504,872 params (torchvision's published
figures, "GFLOPS 0.30", `_ops`/`num_params` in its weights docs); the tiny spec's counts are worked out by
hand in closed_form.py."""

import json
import re
from pathlib import Path

import pytest

from .closed_form import tiny_spec, tiny_totals
from .conftest import run

V2_MACS, V2_PARAMS = 300_774_272, 3_504_872  # torchvision MobileNet_V2_Weights.IMAGENET1K_V1




def write_spec(folder, channels=16, budget="", name="net"):
    path = folder / f"{name}.yaml"
    path.write_text(tiny_spec(channels, budget))
    return path


def line_of(path, text):
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    "args, code",
    [
        (["--max-macs", V2_MACS], 0),  # a budget equal to the cost fits
        (["--max-macs", V2_MACS - 1], 1),
        (["--max-macs", "301M"], 0),
        (["--max-macs", "300M"], 1),
        (["--max-params", V2_PARAMS], 0),
        (["--max-params", V2_PARAMS - 1], 1),
        (["--max-params", "3.5M"], 1),
        (["--max-params", "3.6M"], 0),
        (["--max-macs", "301M", "--max-params", "3.5M"], 1),  # one limit over is enough
        (["--max-macs", "1.2G", "--max-params", "512K"], 1),
        (["--max-macs", "1.2G", "--max-params", "3600K"], 0),
    ],
)
def test_exit_code_is_0_within_budget_and_1_over(args, code):
    assert run("check", "mobilenet_v2", *args).exit_code == code


@pytest.mark.parametrize("value", ["0", "-5M", "-1", "abc", "1.5", "3.5MB", "", "0.0001"])
@pytest.mark.parametrize("option", ["--max-macs", "--max-params"])
def test_bad_quantities_exit_2_with_one_line(option, value):
    result = run("check", "mobilenet_v2", option, value)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0] and "Traceback" not in result.output
    assert result.stdout == ""


def test_over_budget_prints_the_full_report_before_exiting_1():
    result = run("check", "mobilenet_v2", "--max-macs", "250M", "--max-params", "4M")
    assert result.exit_code == 1
    assert f"{V2_MACS:,}" in result.stdout and "250,000,000" in result.stdout and "OVER" in result.stdout
    assert f"{V2_PARAMS:,}" in result.stdout and "4,000,000" in result.stdout  # the limit that passed is shown too
    assert "over budget: 1 of 2 limits exceeded" in result.stdout


def test_alpha_and_resolution_apply(tmp_path):
    # TF-slim's MobileNetV2 table: 0.75-224 has 209M MACs (truncated), the 1.0 model 300M.
    assert run("check", "mobilenet_v2", "--alpha", "0.75", "--max-macs", "210M").exit_code == 0
    assert run("check", "mobilenet_v2", "--alpha", "0.75", "--max-macs", "209M").exit_code == 1


def test_spec_budget_is_enforced(tmp_path):
    macs, params = tiny_totals(16)
    ok = write_spec(tmp_path, budget=f"budget:\n  max_macs: {macs}\n  max_params: {params}\n")
    assert run("check", ok).exit_code == 0
    over = write_spec(tmp_path, budget=f"budget:\n  max_macs: {macs - 1}\n", name="over")
    assert run("check", over).exit_code == 1


def test_command_line_budget_overrides_the_spec_field_by_field(tmp_path):
    macs, params = tiny_totals(16)
    path = write_spec(tmp_path, budget=f"budget:\n  max_macs: {macs - 1}\n  max_params: {params}\n")
    assert run("check", path).exit_code == 1
    assert run("check", path, "--max-macs", macs).exit_code == 0
    assert run("check", path, "--max-macs", macs, "--max-params", params - 1).exit_code == 1


def test_spec_with_bad_budget_exits_2_naming_file_line_and_field(tmp_path):
    path = write_spec(tmp_path, budget="budget:\n  max_macs: -3M\n")
    result = run("check", path)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{path}:{line_of(path, 'max_macs')}:13: budget.max_macs: must be positive, got -3M"


def test_nothing_to_check_is_bad_input(tmp_path):
    result = run("check", write_spec(tmp_path))
    assert result.exit_code == 2 and "nothing to check" in result.stderr


def test_github_annotation_points_at_the_budget_field(tmp_path):
    macs, _ = tiny_totals(16)
    path = write_spec(tmp_path, budget=f"budget:\n  max_params: 1M\n  max_macs: {macs - 1}\n")
    result = run("check", path, "--format", "github")
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    match = re.fullmatch(r"::error file=([^,]+),line=(\d+),title=([^:]+)::(.+)", errors[0])
    assert match, errors[0]
    assert match[1] == str(path).replace(":", "%3A")
    assert int(match[2]) == line_of(path, "max_macs")
    assert match[3] == "mbcost%3A MACs over budget"
    assert f"{macs:,} MACs" in match[4] and f"{macs - 1:,}" in match[4]


def test_github_annotation_of_a_command_line_budget_points_at_the_costliest_block(tmp_path):
    # The stem conv costs 3*3*3*8*16*16 = 55,296 of the 68,256 MACs (closed_form.py): the costliest block.
    path = write_spec(tmp_path)
    result = run("check", path, "--max-macs", "60K", "--format", "github")
    assert result.exit_code == 1
    (error,) = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert f",line={line_of(path, 'conv:')}," in error
    assert "costliest block is stem" in error


def test_github_format_prints_no_error_within_budget(tmp_path):
    result = run("check", "mobilenet_v2", "--max-macs", "301M", "--format", "github")
    assert result.exit_code == 0
    assert "::error" not in result.stdout and "within budget" in result.stdout


def test_markdown_job_summary(tmp_path):
    result = run("check", "mobilenet_v2", "--max-macs", "300M", "--max-params", "4M", "--format", "markdown")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("## mbcost check: ❌")
    rows = [line for line in lines if line.startswith("| mobilenet_v2 |")]
    assert len(rows) == 2
    assert f"| {V2_MACS:,} | 300,000,000 |" in rows[0] and "over" in rows[0]
    assert f"| {V2_PARAMS:,} | 4,000,000 |" in rows[1] and "ok" in rows[1]


def test_json_report(tmp_path):
    result = run("check", "mobilenet_v2", "--max-macs", "300M", "--max-params", "4M", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    (spec,) = data["specs"]
    assert (spec["model"], spec["macs"], spec["params"]) == ("mobilenet_v2", V2_MACS, V2_PARAMS)
    macs, params = spec["limits"]
    assert (macs["metric"], macs["actual"], macs["limit"], macs["ok"], macs["source"]) == ("macs", V2_MACS, 300_000_000, False, "--max-macs")
    assert (params["metric"], params["limit"], params["ok"]) == ("params", 4_000_000, True)
    assert macs["used"] == pytest.approx(V2_MACS / 300_000_000, abs=1e-6)


def test_several_specs_one_over_exits_1(tmp_path):
    macs, _ = tiny_totals(16)
    small = write_spec(tmp_path, 16, name="small")
    wide = write_spec(tmp_path, 64, name="wide")
    result = run("check", small, wide, "--max-macs", macs, "--format", "json")
    assert result.exit_code == 1
    assert [s["ok"] for s in json.loads(result.stdout)["specs"]] == [True, False]


def test_one_bad_spec_among_several_exits_2_after_reporting_the_others(tmp_path):
    # issue 14: several specs are each checked and reported; the exit code is the worst of them.
    good = write_spec(tmp_path, name="good")
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: {resolution: 224}\nclasses: ten\n")
    result = run("check", good, bad, "--max-macs", "1G")
    assert result.exit_code == 2 and "good" in result.stdout and "bad" not in result.stdout
    assert result.stderr.startswith(f"{bad}:2:10: classes: ") and result.stderr.count("\n") == 1


# The baseline ratchet. Widening the separable block from 16 to 24 channels grows (closed_form.py)
# MACs by 8*8*8*8 + 8*10 = 4,176 (68,256 -> 72,432, +6.1%) and params by 8*8 + 2*8 + 8*10 = 160 (650 -> 810, +24.6%).


@pytest.fixture
def baseline(tmp_path):
    before = write_spec(tmp_path, 16)
    report = tmp_path / "base.json"
    assert run("analyze", before, "--format", "json", "--output", report).exit_code == 0
    after_dir = tmp_path / "after"
    after_dir.mkdir()
    return report, write_spec(after_dir, 24)


def test_growth_numbers_of_the_fixture():
    (m16, p16), (m24, p24) = tiny_totals(16), tiny_totals(24)
    assert (m24 - m16, p24 - p16) == (8 * 8 * 8 * 8 + 8 * 10, 8 * 8 + 2 * 8 + 8 * 10)


@pytest.mark.parametrize(
    "growth, code",
    [
        (None, 1),  # default 0%: any growth fails
        ("2%", 1),
        ("10%", 1),  # MACs +6.1% pass, params +24.6% fail
        ("30%", 0),
    ],
)
def test_baseline_ratchet(baseline, growth, code):
    report, after = baseline
    args = ["check", after, "--baseline", report] + (["--max-growth", growth] if growth else [])
    assert run(*args).exit_code == code


def test_baseline_limit_is_base_times_one_plus_growth(baseline):
    report, after = baseline
    data = json.loads(run("check", after, "--baseline", report, "--max-growth", "2%", "--format", "json").stdout)
    macs, params = data["specs"][0]["limits"]
    base_macs, base_params = tiny_totals(16)
    assert macs["limit"] == base_macs * 102 // 100
    assert params["limit"] == base_params * 102 // 100
    assert "base.json" in macs["source"]


def test_same_spec_against_its_own_baseline_passes(tmp_path):
    path = write_spec(tmp_path)
    report = tmp_path / "base.json"
    run("analyze", path, "--format", "json", "--output", report)
    assert run("check", path, "--baseline", report).exit_code == 0


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"rows": []}', "schema_version"),  # e.g. a sweep report without its version
        ('{"schema_version": 1, "rows": []}', "no `total` object"),
        ('{"schema_version": 1, "model": "net", "alpha": 1, "resolution": 32, "total": {"macs": "big", "params": 1}}', "total.macs"),
        ('{"schema_version": 1, "model": "net", "alpha": 1, "resolution": 32, "total": {"macs": 5, "params": 0}}', "total.params"),
        ('{"schema_version": 2, "total": {}}', "schema_version is 2"),
    ],
)
def test_a_baseline_that_is_not_an_analyze_report_exits_2(tmp_path, content, message):
    path = write_spec(tmp_path)
    report = tmp_path / "base.json"
    report.write_text(content)
    result = run("check", path, "--baseline", report)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(str(report)) and "--baseline" in line and message in line
    assert "mbcost analyze SPEC --format json" in line


def test_baseline_of_another_model_exits_2(tmp_path):
    path = write_spec(tmp_path)
    report = tmp_path / "v2.json"
    run("analyze", "mobilenet_v2", "--format", "json", "--output", report)
    result = run("check", path, "--baseline", report)
    assert result.exit_code == 2 and "'mobilenet_v2', not of 'net'" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--max-growth", "2%", "--max-macs", "1G"], "--max-growth needs --baseline"),
        (["--baseline", "missing.json"], "no such file"),
    ],
)
def test_usage_errors_exit_2(tmp_path, args, message):
    result = run("check", write_spec(tmp_path), *args)
    assert result.exit_code == 2 and message in result.stderr


@pytest.mark.parametrize("growth", ["-1%", "2", "lots"])
def test_bad_growth_exits_2(baseline, growth):
    report, after = baseline
    result = run("check", after, "--baseline", report, "--max-growth", growth)
    assert result.exit_code == 2 and "--max-growth" in result.stderr


def test_check_needs_a_spec():
    assert run("check", "--max-macs", "1G").exit_code == 2


def test_the_readme_github_actions_job_runs_and_passes(monkeypatch):
    import shlex

    import yaml

    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)  # the job runs in a checkout of the repository
    readme = (root / "README.md").read_text()
    section = readme[readme.index("## Budgets in CI") :]
    block = section[section.index("```yaml\n# .github/workflows/") + len("```yaml\n") :]
    job = yaml.safe_load(block[: block.index("```")])
    steps = job["jobs"]["budget"]["steps"]
    commands = [s["run"] for s in steps if s.get("run", "").startswith("mbcost ")]
    assert len(commands) == 2 and any("pip install" in s.get("run", "") for s in steps)
    for command in commands:
        args = shlex.split(command.split(">>")[0])
        result = run(*args[1:])
        assert result.exit_code == 0, (command, result.stdout, result.stderr)


def test_pre_commit_hook_runs_mbcost_check_on_spec_files():
    import yaml

    root = Path(__file__).resolve().parent.parent
    (hook,) = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"]) == ("mbcost-check", "mbcost check", "python")
    files = re.compile(hook["files"])
    assert files.search("models/net.yaml") and files.search("configs/mobilenet_v2.yml")
    assert not files.search(".github/workflows/ci.yml") and not files.search(".pre-commit-config.yaml")
