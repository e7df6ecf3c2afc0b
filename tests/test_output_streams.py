"""Exit codes and output whatever happens to stdout, through the real command line in subprocesses: a
reader that leaves early (`| head -1`), an encoding without the bar and box glyphs, Ctrl-C; and `-o FILE`
writing the format its name says."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from .conftest import REPO

OVER = ["check", "mobilenet_v2", "--max-macs", "200M"]  # MobileNetV2 is 300.8M MACs (v2 paper, Table 4: 300M)
WITHIN = ["check", "mobilenet_v2", "--max-macs", "400M"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "COLUMNS", "NO_COLOR")}
    return {**env, "PYTHONPATH": str(REPO), **extra}


def _start(args, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mbcost", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=_env(**env)
    )


def _run(args, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mbcost", *args], capture_output=True, cwd=REPO, env=_env(**env), check=False)


CLOSED_PIPE_CASES = {
    "analyze": (["analyze", "mobilenet_v2"], 0),
    "analyze-json": (["analyze", "mobilenet_v2", "--format", "json"], 0),
    "resolution": (["analyze", "mobilenet_v3_large", "--by", "resolution"], 0),
    "check-over": (OVER, 1),
    "check-over-json": ([*OVER, "--format", "json"], 1),
    "check-within": (WITHIN, 0),
    "compare": (["compare", "mobilenet_v1", "mobilenet_v2"], 0),
    "sweep": (["sweep", "mobilenet_v1", "--alpha", "0.25:1:0.05", "--resolution", "96:224:32", "--format", "csv"], 0),
    "list": (["list"], 0),
    "validate": (["validate", "mobilenet_v1", "mobilenet_v2"], 0),
    "show": (["show", "mobilenet_v2"], 0),
    "help": (["--help"], 0),
    "no-arguments": ([], 0),
    "command-help": (["analyze", "--help"], 0),
}


@pytest.mark.parametrize("case", list(CLOSED_PIPE_CASES))
def test_a_reader_that_leaves_at_once_changes_no_exit_code(case):
    # `mbcost ... | true`: the reader is gone before the first write, so every write meets a closed pipe.
    args, code = CLOSED_PIPE_CASES[case]
    proc = _start(args)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == code, stderr
    assert stderr == ""  # no traceback, no "Exception ignored ... BrokenPipeError"


@pytest.mark.parametrize("args, code", [(["analyze", "mobilenet_v2", "--format", "json"], 0), ([*OVER, "--format", "json"], 1)])
def test_head_one_keeps_the_exit_code(args, code):
    proc = _start(args)
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert first == b"{\n"
    assert proc.wait(timeout=120) == code and stderr == ""


ENCODINGS = {
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "windows-1252": {"PYTHONIOENCODING": "cp1252"},
    "dos-437": {"PYTHONIOENCODING": "cp437"},
    "C-locale-no-utf8-mode": {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
}
REPORTS = {
    "analyze": (["analyze", "mobilenet_v2"], 0),
    "resolution": (["analyze", "mobilenet_v2", "--by", "resolution"], 0),
    "compare": (["compare", "mobilenet_v1", "mobilenet_v2"], 0),
    "sweep": (["sweep", "mobilenet_v2", "--alpha", "1,0.5", "--max-macs", "200M"], 0),
    "check-over": (OVER, 1),
    "check-markdown": ([*OVER, "--format", "markdown"], 1),
    "analyze-markdown": (["analyze", "mobilenet_v2", "--format", "markdown"], 0),
    "list": (["list"], 0),
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("report", list(REPORTS))
def test_an_output_without_the_glyphs_gets_ascii(encoding, report):
    args, code = REPORTS[report]
    proc = _run(args, COLUMNS="200", **ENCODINGS[encoding])  # wide enough for the bar columns
    assert proc.returncode == code, proc.stderr.decode()
    assert proc.stderr == b""
    text = proc.stdout.decode("ascii")  # every byte ASCII: no glyph left, none replaced by '?'
    assert "?" not in text
    if report == "analyze":
        # MobileNetV2 at 224: 300,774,272 MACs and 3,504,872 params (torchvision's 3.5M; v2 paper, Table 4
        # 300M) shown as 300.8M and 3.505M, whole; the largest layer's bar is all '#' cells.
        assert "300.8M" in text and "3.505M" in text and "########" in text
        assert text.splitlines()[1].startswith("+---")  # rich's ASCII box, under the title


def test_ctrl_c_exits_130():
    # A sweep under a memory limit infers every point's shapes: ~1,750 x 53 points take a minute, long
    # enough to be interrupted in the middle.
    proc = _start(["sweep", "mobilenet_v2", "--alpha", "0.25:2:0.001", "--resolution", "96:512:8", "--max-memory", "1G"])
    time.sleep(2.0)
    assert proc.poll() is None, proc.stderr.read().decode()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stderr.decode() == "mbcost: aborted\n"


# ---------------------------------------------------------------- -o FILE


def _stdout(*args: str) -> str:
    proc = _run(list(args))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode()


@pytest.mark.parametrize("suffix, fmt", [(".json", "json"), (".csv", "csv"), (".md", "markdown"), (".MD", "markdown")])
def test_the_suffix_chooses_the_format(tmp_path, suffix, fmt):
    path = tmp_path / f"report{suffix}"
    proc = _run(["analyze", "mobilenet_v2", "-o", str(path)])
    assert proc.returncode == 0 and proc.stdout == b"" and proc.stderr == b""
    assert path.read_text() == _stdout("analyze", "mobilenet_v2", "--format", fmt)


def test_a_json_file_is_json(tmp_path):
    path = tmp_path / "report.json"
    assert _run(["analyze", "mobilenet_v2", "-o", str(path)]).returncode == 0
    assert json.loads(path.read_text())["model"] == "mobilenet_v2"


def test_another_suffix_keeps_the_default_format(tmp_path):
    path = tmp_path / "report.txt"
    assert _run(["analyze", "mobilenet_v2", "-o", str(path)]).returncode == 0
    assert path.read_text() == _stdout("analyze", "mobilenet_v2")


@pytest.mark.parametrize(
    "args, name, message",
    [
        (["analyze", "mobilenet_v2", "--format", "csv"], "report.json", "the name says json, but --format is csv"),
        (["analyze", "mobilenet_v2", "--format", "table"], "report.md", "the name says markdown, but --format is table"),
        (WITHIN, "report.csv", "the name says csv, which this command does not write"),
    ],
)
def test_a_suffix_against_the_format_is_bad_input(tmp_path, args, name, message):
    path = tmp_path / name
    proc = _run([*args, "-o", str(path)])
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode().startswith(f"{path}: --output: {message}")
    assert proc.stderr.count(b"\n") == 1 and not path.exists()


def test_dash_is_stdout(tmp_path):
    proc = _run(["analyze", "mobilenet_v2", "--format", "json", "-o", "-"])
    assert proc.returncode == 0
    assert proc.stdout.decode() == _stdout("analyze", "mobilenet_v2", "--format", "json")
    assert not (REPO / "-").exists()


# ---------------------------------------------------------------- colour

RED, GREEN = "\x1b[31m", "\x1b[32m"
COMPARE = ["compare", "mobilenet_v1", "mobilenet_v3_large"]  # V3-Large: fewer MACs, more params than V1


def test_colour_says_growth_or_saving_and_over_budget():
    out = _run(COMPARE, FORCE_COLOR="1", COLUMNS="100").stdout.decode()
    # MACs 568,740,352 -> 216,589,760 (v1 paper: 569M mult-adds; v3 paper, Table 3: 217M) and params
    # 4,231,976 -> 5,483,032 (4.2M; 5.4M): the saving reads green, the growth red.
    saving, growth = f"{216_589_760 - 568_740_352:+,}", f"{5_483_032 - 4_231_976:+,}"
    assert re.search(re.escape(GREEN) + " *" + re.escape(saving), out)
    assert re.search(re.escape(RED) + " *" + re.escape(growth), out)
    check = _run(["check", "mobilenet_v2", "mobilenet_v3_small", "--max-macs", "200M"], FORCE_COLOR="1", COLUMNS="140")
    lines = check.stdout.decode().splitlines()
    over = next(line for line in lines if "mobilenet_v2" in line and "OVER" in line)
    within = next(line for line in lines if "mobilenet_v3_small" in line)
    assert f"{RED}300,774,272" in over and RED not in within


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_no_color_and_dumb_terminals_get_none(env):
    out = _run(COMPARE, FORCE_COLOR="1", COLUMNS="100", **env).stdout.decode()
    assert RED not in out and GREEN not in out
