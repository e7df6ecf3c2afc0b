"""A hostile corpus driven through the real command line, each case in its own process: numbers of any
size and spelling in every option and spec field, files that are not what they seem (folders, FIFOs,
links, devices, the input itself), a full or closed stdout, writers racing for one -o file, Ctrl-C at
any moment from the first line of the console script, and nonsense terminal widths.

Every case holds the README's contract: exit 0 (or 1 for a finding), or exit 2 with located lines on
stderr (one per error) and nothing on stdout; never a traceback; a file the command was not asked to
write untouched. The processes run a few at a time (RESULTS), so the corpus takes a minute or two."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIG = "9" * 3000  # past what Decimal rounds at, under Python's 4,300-digit int() limit
HUGE = "9" * 5000  # past that limit too
SPEC_TEXT = """\
input: {channels: 3, resolution: 32}
classes: 10
width_multiplier: 1.0
defaults: {norm: batch, activation: relu6}
blocks:
  - conv: {channels: 16, kernel: 3, stride: 2}
  - bottleneck: {expansion: 6, channels: 24, repeat: 2, stride: 2}
budget: {max_macs: 5M}
"""


@dataclass
class Case:
    args: list[str]
    codes: tuple[int, ...] = (0, 2)  # exit codes the contract allows here
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # name -> text, written before the run
    setup: str = ""  # a named preparation: fifo, folder, link, ...
    stdout: str = "pipe"  # pipe, full (/dev/full), closed
    untouched: tuple[str, ...] = ()  # files that must be byte for byte as before
    max_width: int | None = None  # every stdout line at most this wide


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(PYTHONPATH=str(REPO), NO_COLOR="1", **extra)
    return env


# ---------------------------------------------------------------- the corpus

NUMBERS = [BIG, f"-{BIG}", HUGE, f"0.{BIG}", f"{BIG}.5", "1e999999", "-1e-999999", "0x10", "0o17", "0b11", "1_0", "_1", "1__0",
           "true", "false", "null", "nan", "-inf", "", " ", "1,5", "١٠", "0", "-0", "1.0000000000000000000000000001"]
OPTIONS = {  # option -> the command it belongs to
    "--alpha": ["analyze", "spec.yaml"],
    "--resolution": ["analyze", "spec.yaml"],
    "--depth": ["analyze", "spec.yaml"],
    "--top": ["analyze", "spec.yaml"],
    "--max-macs": ["check", "spec.yaml"],
    "--max-params": ["check", "spec.yaml"],
    "--max-memory": ["check", "spec.yaml"],
    "--max-weight-bytes": ["check", "spec.yaml"],
}
SPEC_FIELDS = {  # a name -> (a line of SPEC_TEXT, the same line with VALUE in place of one number)
    "resolution": ("input: {channels: 3, resolution: 32}", "input: {channels: 3, resolution: VALUE}"),
    "classes": ("classes: 10", "classes: VALUE"),
    "width_multiplier": ("width_multiplier: 1.0", "width_multiplier: VALUE"),
    "channels": ("  - conv: {channels: 16, kernel: 3, stride: 2}", "  - conv: {channels: VALUE, kernel: 3, stride: 2}"),
    "expansion": ("  - bottleneck: {expansion: 6, channels: 24, repeat: 2, stride: 2}",
                  "  - bottleneck: {expansion: VALUE, channels: 24, repeat: 2, stride: 2}"),
    "repeat": ("  - bottleneck: {expansion: 6, channels: 24, repeat: 2, stride: 2}",
               "  - bottleneck: {expansion: 6, channels: 24, repeat: VALUE, stride: 2}"),
    "budget": ("budget: {max_macs: 5M}", "budget: {max_macs: VALUE}"),
}
YAML_VALUES = [BIG, f"-{BIG}", HUGE, f"0.{BIG}", "1e999999", "0x10", "0o17", "1_0", "true", "false", "~", "'12'", '"0x10"', ".inf", ".nan",
               "[1]", "{a: 1}", "!!binary aGk=", "!!float 1e400", "1.0000000000000000000000000001"]


def _cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    spec = {"spec.yaml": SPEC_TEXT}
    for option, command in OPTIONS.items():
        for i, value in enumerate(NUMBERS):
            cases[f"option{option}[{i}]"] = Case([*command, option, value], (0, 1, 2), files=spec, untouched=("spec.yaml",))
    for i, value in enumerate(NUMBERS):
        cases[f"sweep-alpha[{i}]"] = Case(["sweep", "spec.yaml", "--alpha", f"0.5:{value}:0.25"], files=spec)
        cases[f"sweep-resolution[{i}]"] = Case(["sweep", "spec.yaml", "--resolution", f"{value},32"], files=spec)
        cases[f"growth[{i}]"] = Case(["check", "spec.yaml", "--baseline", "spec.yaml", "--max-growth", f"{value}%"], files=spec)
    for label, (line, template) in SPEC_FIELDS.items():
        for i, value in enumerate(YAML_VALUES):
            text = SPEC_TEXT.replace(line, template.replace("VALUE", value))
            command = ["check", "spec.yaml"] if label == "budget" else ["analyze", "spec.yaml", "--format", "json"]
            cases[f"field-{label}[{i}]"] = Case(command, (0, 1, 2), files={"spec.yaml": text})
    # files that are not what they seem
    cases["spec-folder"] = Case(["analyze", "folder"], (2,), setup="folder")
    cases["spec-fifo"] = Case(["analyze", "pipe.yaml"], (2,), setup="fifo")
    cases["spec-dangling-link"] = Case(["analyze", "dangling.yaml"], (2,), setup="dangling")
    cases["spec-link-loop"] = Case(["analyze", "loop.yaml"], (2,), setup="loop")
    cases["spec-dev-null"] = Case(["analyze", "/dev/null"], (2,))
    cases["spec-dev-zero"] = Case(["analyze", "/dev/zero"], (2,))
    cases["spec-empty"] = Case(["analyze", "empty.yaml"], (2,), files={"empty.yaml": ""})
    cases["spec-binary"] = Case(["analyze", "junk.yaml"], (2,), files={"junk.yaml": "\x00\x01\xff\ufffe" * 50})
    cases["spec-unreadable"] = Case(["analyze", "secret.yaml"], (0, 2), files=spec, setup="unreadable")
    cases["baseline-fifo"] = Case(["check", "spec.yaml", "--baseline", "pipe.yaml"], (2,), files=spec, setup="fifo")
    cases["baseline-folder"] = Case(["check", "spec.yaml", "--baseline", "folder"], (2,), files=spec, setup="folder")
    for name, target in [("same", "spec.yaml"), ("relative", "./sub/../spec.yaml"), ("link", "link.yaml"), ("hard-link", "hard.yaml")]:
        for command in (["analyze", "spec.yaml"], ["check", "spec.yaml"], ["sweep", "spec.yaml"], ["compare", "spec.yaml", "mobilenet_v1"]):
            cases[f"output-is-input-{name}-{command[0]}"] = Case(
                [*command, "-o", target], (2,), files=spec, setup="links", untouched=("spec.yaml",)
            )
    cases["output-is-baseline"] = Case(["check", "spec.yaml", "--baseline", "base.json", "-o", "base.json"], (2,),
                                       files={**spec, "base.json": "{}"}, untouched=("base.json",))
    cases["output-fifo"] = Case(["analyze", "spec.yaml", "-o", "pipe.yaml"], (2,), files=spec, setup="fifo")
    cases["output-folder"] = Case(["analyze", "spec.yaml", "-o", "folder"], (2,), files=spec, setup="folder")
    cases["output-dev-full"] = Case(["analyze", "spec.yaml", "-o", "/dev/full"], (2,), files=spec)
    cases["output-no-folder"] = Case(["analyze", "spec.yaml", "-o", "nowhere/report.txt"], (2,), files=spec)
    cases["output-link-to-folder"] = Case(["analyze", "spec.yaml", "-o", "folderlink"], (2,), files=spec, setup="folder")
    for command in (["analyze", "spec.yaml"], ["analyze", "spec.yaml", "--by", "resolution"], ["list"], ["validate", "spec.yaml"],
                    ["schema"], ["show", "mobilenet_v2"], ["sweep", "spec.yaml", "--alpha", "1,0.5"], ["check", "spec.yaml"],
                    ["compare", "spec.yaml", "mobilenet_v1"]):
        for fmt in (["--format", "json"], ["--format", "csv"], []) if command[0] in ("analyze", "sweep", "compare") else ([],):
            label = "-".join([command[0], *fmt[1:]])
            if "--by" in command:
                label += "-resolution"
            cases[f"stdout-full-{label}"] = Case([*command, *fmt], (2,), files=spec, stdout="full")
            cases[f"stdout-closed-{label}"] = Case([*command, *fmt], (2,), files=spec, stdout="closed")
    for value in ("0", "-5", "abc", "99999999", "", " 80", "1e3", "٣٠", "80.5", BIG):
        cases[f"columns[{value[:12]!r}]"] = Case(["analyze", "mobilenet_v2"], (0,), env={"COLUMNS": value}, max_width=140)
    return cases


CASES = _cases()


# ---------------------------------------------------------------- running them

@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    before: dict[str, bytes]
    after: dict[str, bytes]


def _prepare(case: Case, folder: Path) -> None:
    for name, text in case.files.items():
        (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    if case.setup == "folder":
        (folder / "folder").mkdir()
        (folder / "folderlink").symlink_to("folder")
    elif case.setup == "fifo":
        os.mkfifo(folder / "pipe.yaml")
    elif case.setup == "dangling":
        (folder / "dangling.yaml").symlink_to("missing.yaml")
    elif case.setup == "loop":
        (folder / "loop.yaml").symlink_to("loop.yaml")
    elif case.setup == "unreadable":
        (folder / "secret.yaml").write_text(SPEC_TEXT)
        (folder / "secret.yaml").chmod(0)
    elif case.setup == "links":
        (folder / "sub").mkdir()
        (folder / "link.yaml").symlink_to("spec.yaml")
        os.link(folder / "spec.yaml", folder / "hard.yaml")


def _run(name: str, case: Case, root: Path) -> Result:
    folder = root / re.sub(r"[^\w.-]", "_", name)
    folder.mkdir()
    _prepare(case, folder)
    before = {f: (folder / f).read_bytes() for f in case.untouched}
    command = [sys.executable, "-m", "mbcost", *case.args]
    options = dict(cwd=folder, env=_env(**case.env), stderr=subprocess.PIPE, timeout=30)
    if case.stdout == "full":
        with open("/dev/full", "w") as full:
            proc = subprocess.run(command, stdout=full, **options)
    elif case.stdout == "closed":
        proc = subprocess.run(command, stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1), **options)
    else:
        proc = subprocess.run(command, stdout=subprocess.PIPE, **options)
    after = {f: (folder / f).read_bytes() for f in case.untouched}
    out = proc.stdout.decode("utf-8", "replace") if proc.stdout else ""
    return Result(proc.returncode, out, proc.stderr.decode("utf-8", "replace"), before, after)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, Result]:
    root = tmp_path_factory.mktemp("hostile")
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(_run, name, case, root) for name, case in CASES.items()}
        return {name: future.result() for name, future in futures.items()}


LOCATED = re.compile(r"(mbcost: error: .+|mbcost: aborted|[^:\n]+(:\d+:\d+)?: (.+))")


def _assert_contract(case: Case, result: Result) -> None:
    assert result.code in case.codes, (result.code, result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr[-2000:]
    if result.code == 2:
        lines = result.stderr.splitlines()
        assert lines and all(LOCATED.fullmatch(line) for line in lines), lines[:3]
        assert len(lines) == 1 or all(not line.startswith("mbcost: error:") for line in lines), lines[:3]
        assert result.stdout == ""
    else:
        assert result.stderr == "", result.stderr[-2000:]
    assert result.after == result.before, "a file the command was not asked to write changed"
    if case.max_width:
        assert max(len(line) for line in result.stdout.splitlines()) <= case.max_width


@pytest.mark.parametrize("name", list(CASES))
def test_hostile(results, name):
    _assert_contract(CASES[name], results[name])


def test_the_corpus_is_of_the_size_the_readme_states():
    assert len(CASES) >= 400


# ---------------------------------------------------------------- numbers: exactly, and the same everywhere

def test_a_non_whole_limit_is_refused_at_any_length(results):
    for i, value in enumerate(NUMBERS):
        if "." in value and value.strip("0.") and not value.endswith(".0"):
            for option in ("--max-macs", "--max-params", "--max-memory", "--max-weight-bytes"):
                assert results[f"option{option}[{i}]"].code == 2, (option, value[:40])


def test_underscores_mean_the_same_on_the_command_line_and_in_the_spec(results):
    # YAML 1.1 reads 1_0 as 10, and so does the command line: accepted in both or refused in both.
    i = YAML_VALUES.index("1_0")
    in_spec = results[f"field-classes[{i}]"].code
    on_line = results[f"option--top[{NUMBERS.index('1_0')}]"].code
    assert in_spec == on_line == 0


def test_a_json_boolean_is_not_a_number(results):
    i = YAML_VALUES.index("true")
    for name in [n for n in CASES if n.startswith("field-") and n.endswith(f"[{i}]")]:
        assert results[name].code == 2, name


# ---------------------------------------------------------------- writers racing for one file

def test_concurrent_writers_leave_one_whole_report(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC_TEXT)
    alphas = ("0.25", "0.5", "0.75", "1", "1.25", "1.5", "1.75", "2")
    env = _env()
    procs = [
        subprocess.Popen([sys.executable, "-m", "mbcost", "analyze", "spec.yaml", "--alpha", a, "-o", "out.json"], cwd=tmp_path, env=env,
                         stderr=subprocess.PIPE)
        for a in alphas
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    report = json.loads((tmp_path / "out.json").read_text())  # whole: it parses
    assert str(report["alpha"]) in {str(float(a)) for a in alphas} | set(alphas)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


# ---------------------------------------------------------------- Ctrl-C at any moment

def _console_script() -> str:
    """The console script pip writes for [project.scripts] (read from pyproject.toml, not from an
    install that may be older), telling the test when the entry module is imported: before that, the
    interpreter is still starting and looking the module up, where no package's code can run (a signal
    there ends Python with its own KeyboardInterrupt; a few ms, most of it compiling without bytecode)."""
    text = (REPO / "pyproject.toml").read_text()
    module, function = re.search(r'^mbcost = "([\w.]+):(\w+)"', text, re.M).groups()
    return (
        f"import os\nimport re\nimport sys\nfrom {module} import {function}\n"
        f"os.write(int(os.environ['READY_FD']), b'.')\nsys.exit({function}())\n"
    )


DELAYS_MS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 400)


@pytest.mark.parametrize("args", [["analyze", "mobilenet_v2"], ["sweep", "mobilenet_v2", "--alpha", "0.25:2:0.001", "--resolution", "96:512:8",
                                                                "--max-memory", "1G"]], ids=["analyze", "sweep"])
def test_ctrl_c_at_any_moment_is_one_line_and_130(tmp_path, args):
    """From the entry point's first line on: the command line's imports, the work and the output."""

    def interrupted(delay_ms: int) -> tuple[int, str]:
        ready, tell = os.pipe()
        proc = subprocess.Popen([sys.executable, "-c", _console_script(), *args], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, pass_fds=(tell,), env=_env(READY_FD=str(tell)))
        os.close(tell)
        os.read(ready, 1)
        os.close(ready)
        time.sleep(delay_ms / 1000)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        return proc.returncode, err.decode()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = dict(zip(DELAYS_MS, pool.map(interrupted, DELAYS_MS)))
    for delay, (code, err) in outcomes.items():
        if code == 0:  # finished before the signal came
            assert err == "" and delay >= 100, (delay, err)
        else:
            assert (code, err) == (130, "mbcost: aborted\n"), (delay, code, err[-1500:])
    assert sum(code == 130 for code, _ in outcomes.values()) >= len(DELAYS_MS) // 2


def test_a_second_ctrl_c_cannot_cut_the_goodbye_short(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "mbcost", "sweep", "mobilenet_v2", "--alpha", "0.25:2:0.001", "--resolution", "96:512:8",
                             "--max-memory", "1G"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    time.sleep(1.5)
    for _ in range(5):
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.decode()) == (130, "mbcost: aborted\n")


def test_unreadable_spec_is_refused_when_permissions_apply(results):
    # As root every file is readable, and the spec is analysed; otherwise it is one line and exit 2.
    result = results["spec-unreadable"]
    assert result.code == (0 if os.geteuid() == 0 else 2)
    if result.code == 2:
        assert "cannot read" in result.stderr


def test_a_fifo_is_never_waited_on(results):
    for name in ("spec-fifo", "baseline-fifo", "output-fifo"):
        assert results[name].code == 2 and results[name].stderr.count("\n") == 1, name

