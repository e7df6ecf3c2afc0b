"""The first minutes of a new user, through the real command line: help (with no arguments, on every
click version the dependency range allows), examples, `mbcost show`, shell completion, and the install
commands of the README."""

from __future__ import annotations

import os
import subprocess
import sys
import venv

import pytest

from mbcost.cli import cli

from .conftest import REPO


def mbcost(*args: str, python: str = sys.executable, **env: str) -> subprocess.CompletedProcess:
    """`mbcost ARGS` in a fresh interpreter, stdout and stderr as text."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "80", "NO_COLOR": "1", **env}
    return subprocess.run([python, "-m", "mbcost", *args], capture_output=True, text=True, cwd=REPO, env=environment, check=False)


def _assert_full_help(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "Usage: mbcost [OPTIONS] COMMAND [ARGS]..."
    assert "Commands:" in lines
    for name in cli.commands:
        assert any(line.startswith(f"  {name} ") for line in lines), name


def test_no_arguments_prints_the_help():
    _assert_full_help(mbcost())


@pytest.mark.slow
def test_no_arguments_prints_the_help_with_the_lowest_click(tmp_path):
    # pyproject.toml: click>=8.1. Click 8.1 prints the help itself; from 8.2 click treats no arguments as a
    # usage error (NoArgsIsHelpError), which the group decides on its own. Both must print the same help.
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = str(env / "bin" / "python")
    pip = subprocess.run([python, "-m", "pip", "install", "-q", "click==8.1.8", "rich", "pyyaml"], capture_output=True, text=True, check=False)
    if pip.returncode != 0:
        pytest.skip(f"pip cannot install click 8.1 here: {pip.stderr.strip().splitlines()[-1:]}")
    version = subprocess.run([python, "-c", "import click; print(click.__version__)"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "8.1.8"
    low = mbcost(python=python)
    _assert_full_help(low)
    assert low.stdout == mbcost().stdout


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(name):
    command = cli.commands[name]
    assert command.help and command.short_help, name
    proc = mbcost(name, "--help")
    assert proc.returncode == 0, proc.stderr
    examples = proc.stdout[proc.stdout.index("Example") :]
    assert f"    mbcost {name}" in examples or name == "list", proc.stdout


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_summary_is_whole_in_the_group_help(name):
    # click cuts a summary it makes from the docstring at the terminal width ("...") ; ours are whole.
    summary = cli.commands[name].short_help
    line = next(line for line in mbcost("--help").stdout.splitlines() if line.startswith(f"  {name} "))
    assert line.split(None, 1)[1] == summary


def test_show_prints_the_builtin_spec_as_shipped(tmp_path):
    proc = mbcost("show", "mobilenet_v2")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (REPO / "configs" / "mobilenet_v2.yaml").read_text(encoding="utf-8")
    copy = tmp_path / "my_net.yaml"
    copy.write_text(proc.stdout)
    assert mbcost("validate", str(copy)).returncode == 0


def test_show_of_an_unknown_name_is_one_line_and_exit_2():
    proc = mbcost("show", "mobilenet_v9")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "did you mean 'mobilenet_v2'" in proc.stderr


def test_spec_completes_with_builtin_names_and_files():
    proc = mbcost(_MBCOST_COMPLETE="bash_complete", COMP_WORDS="mbcost analyze mobilenet_v3", COMP_CWORD="2")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["plain,mobilenet_v3_large", "plain,mobilenet_v3_small", "file,mobilenet_v3"]
    for command in ("check", "validate", "compare", "verify", "sweep", "show"):
        words = f"mbcost {command} mobilenet_v1"
        lines = mbcost(_MBCOST_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD="2").stdout.splitlines()
        assert "plain,mobilenet_v1" in lines and "file,mobilenet_v1" in lines, command


def test_the_readme_shows_the_commands_ci_runs():
    readme = (REPO / "README.md").read_text()
    quick_start = readme[readme.index("## Quick start") : readme.index("## Commands")]
    ci = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if line.startswith("pip install")]
    assert len(ci) == 2
    for line in ci:
        assert f"\n{line}\n" in quick_start, line
    assert "python3 -m venv" in quick_start and "git clone" in quick_start
    assert "--index-url https://download.pytorch.org/whl/cpu" in quick_start
    assert "_MBCOST_COMPLETE=bash_source mbcost" in quick_start


def test_the_torch_hint_is_a_command_of_the_readme():
    from mbcost.errors import TorchMissing

    hint = str(TorchMissing())
    quick_start = (REPO / "README.md").read_text().split("## Quick start")[1]
    assert "pip install '.[torch]'" in hint and "'mbcost[torch]'" not in hint
    assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in quick_start
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'torch = ["torch>=2.1", "numpy"]' in pyproject  # the extra brings numpy: torch runs without its warning


# ---------------------------------------------------------------- several specs: every one reported

BAD = "input: {channels: 3, resolution: 224}\nblocks:\n  - conv: {channels: 8, strid: 2}\n"


@pytest.mark.parametrize("budget, worst", [("400M", 2), ("200M", 2)])
def test_check_reports_every_spec_and_exits_with_the_worst(tmp_path, budget, worst):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    proc = mbcost("check", "mobilenet_v2", str(bad), "mobilenet_v3_small", "nothere", "--max-macs", budget, COLUMNS="140")
    assert proc.returncode == worst
    errors = proc.stderr.splitlines()  # every error of bad.yaml, each on its line (strid, kernel, classes), then nothere's
    assert len(errors) == 4 and all(line.startswith(f"{bad}:") for line in errors[:3])
    assert f"{bad}:3:25: blocks[0].conv.strid: unknown field" in proc.stderr and errors[3].startswith("nothere: ")
    # both good specs are in the report: MobileNetV2 300,774,272 MACs, V3-Small 56,510,400
    assert "300,774,272" in proc.stdout and "56,510,400" in proc.stdout
    assert ("OVER" in proc.stdout) == (budget == "200M")


def test_check_of_good_specs_still_exits_1_on_a_finding():
    proc = mbcost("check", "mobilenet_v2", "mobilenet_v3_small", "--max-macs", "200M")
    assert proc.returncode == 1 and proc.stderr == ""


def test_validate_reports_every_spec(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    proc = mbcost("validate", str(bad), "mobilenet_v2", "nothere")
    assert proc.returncode == 2
    errors = proc.stderr.splitlines()  # bad.yaml's three errors (strid, kernel, classes), then nothere's
    assert len(errors) == 4 and errors[3].startswith("nothere: ") and proc.stdout.startswith("mobilenet_v2: ok")


def test_a_graph_error_names_the_row_as_written_and_the_copy(tmp_path):
    # 60000 channels at alpha 2 are 120000, past MAX_CHANNELS (100000): found while expanding the third
    # row (blocks[2]), whose first copy is the graph's blocks.4 (1 conv + 3 bottleneck copies before it).
    spec = tmp_path / "wide.yaml"
    spec.write_text(
        "input: {channels: 3, resolution: 32}\nclasses: 10\nblocks:\n"
        "  - conv: {channels: 8, stride: 2, kernel: 3}\n"
        "  - bottleneck: {expansion: 6, channels: 16, repeat: 3, stride: 2}\n"
        "  - separable: {channels: 60000, repeat: 2}\n"
    )
    proc = mbcost("analyze", str(spec), "--alpha", "2")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{spec}:6:5: blocks[2].separable.channels (blocks.4, copy 1 of 2): ")
