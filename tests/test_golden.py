"""Golden outputs: every view in every format for the shipped configs, and the exit code and stderr of a
fixed corpus of broken specs, pinned byte for byte before the code moves.

The files under tests/golden/ were written by the code of the day and are compared byte for byte; they are
not expected values of any count (the formula and torch tests are those), they pin what a user sees so
that a refactor changes nothing. Regenerate them only on purpose, after a deliberate change of output:
`python -m pytest tests/test_golden.py --regen-golden`, then read the diff before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mbcost.cli import cli

GOLDEN = Path(__file__).resolve().parent / "golden"
CONFIGS = Path(__file__).resolve().parent.parent / "configs"
NAMES = sorted(p.stem for p in CONFIGS.glob("*.yaml"))

SETTINGS = {
    "default": [],
    "a050-r160": ["--alpha", "0.5", "--resolution", "160"],
    "a140-r96-int8": ["--alpha", "1.4", "--resolution", "96", "--dtype", "int8"],
    "a035-r128-fp16": ["--alpha", "0.35", "--resolution", "128", "--dtype", "fp16"],
}
FORMATS = ("table", "json", "csv", "markdown")


def _cases() -> dict[str, list[str]]:
    cases: dict[str, list[str]] = {}
    for name in NAMES:
        for setting, options in SETTINGS.items():
            for by in ("layer", "resolution"):
                for fmt in FORMATS:
                    cases[f"analyze-{name}-{setting}-{by}.{fmt}"] = ["analyze", name, *options, "--by", by, "--format", fmt]
    pairs = {
        "v1-v2": ["mobilenet_v1", "mobilenet_v2"],
        "v2-032-v2": ["mobilenet_v2@1,32", "mobilenet_v2"],
        "v3l-v3s-a075": ["mobilenet_v3_large", "mobilenet_v3_small", "--alpha", "0.75", "--dtype", "fp16"],
        "v2a05-v2r160": ["mobilenet_v2@0.5", "mobilenet_v2@1.0,160"],
        "v1-v2-v3l": ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large"],  # each against the first
    }
    for label, args in pairs.items():
        for fmt in FORMATS:
            cases[f"compare-{label}.{fmt}"] = ["compare", *args, "--format", fmt]
    views = {  # views of long tables (issue 15)
        "v2-by-row": ["mobilenet_v2", "--by", "row"],
        "v3l-by-stage-int8": ["mobilenet_v3_large", "--by", "stage", "--dtype", "int8"],
        "v2-top5-weights": ["mobilenet_v2", "--top", "5", "--sort", "weights"],
    }
    for label, args in views.items():
        for fmt in FORMATS:
            cases[f"analyze-view-{label}.{fmt}"] = ["analyze", *args, "--format", fmt]
    sweeps = {
        "v2-budget": ["mobilenet_v2", "--alpha", "1,0.75,0.5,0.35", "--resolution", "224,192,160,128", "--max-macs", "200M"],
        "v1-plain": ["mobilenet_v1", "--alpha", "0.25:1:0.25", "--resolution", "128:224:32"],
        "v3s-params": ["mobilenet_v3_small", "--alpha", "0.5,1", "--max-params", "2M", "--max-macs", "60M"],
    }
    for label, args in sweeps.items():
        for fmt in FORMATS:
            cases[f"sweep-{label}.{fmt}"] = ["sweep", *args, "--format", fmt]
    checks = {
        "v2-over": ["mobilenet_v2", "--max-macs", "200M", "--max-params", "3M"],
        "v2-within": ["mobilenet_v2", "--max-macs", "400M", "--max-params", "4M"],
        "all-memory": [*NAMES, "--max-memory", "2M", "--max-macs", "300M"],
        "v3l-fused-int8": ["mobilenet_v3_large", "--max-memory", "600K", "--fused", "--dtype", "int8"],
    }
    for label, args in checks.items():
        for fmt in ("table", "json", "markdown", "github"):
            cases[f"check-{label}.{fmt}"] = ["check", *args, "--format", fmt]
    inputs = {  # inputs as they come, and FLOPs (issue 15)
        "analyze-v2-512x1024-batch4": ["analyze", "mobilenet_v2", "--resolution", "512x1024", "--batch", "4"],
        "analyze-v3l-by-stage-160x320-flops": ["analyze", "mobilenet_v3_large", "--by", "stage", "--resolution", "160x320", "--unit", "flops"],
        "compare-v1-v2-flops-batch2": ["compare", "mobilenet_v1", "mobilenet_v2@1,512x1024", "--unit", "flops", "--batch", "2"],
        "sweep-v2-hw-flops": ["sweep", "mobilenet_v2", "--alpha", "1,0.5", "--resolution", "224,512x1024", "--max-macs", "1G", "--unit", "flops"],
    }
    for label, args in inputs.items():
        for fmt in FORMATS:
            cases[f"{label}.{fmt}"] = [*args, "--format", fmt]
    for fmt in ("table", "json", "markdown", "github"):
        cases[f"check-v2-flops-batch2-512x1024.{fmt}"] = [
            "check", "mobilenet_v2", "--max-macs", "3G", "--batch", "2", "--resolution", "512x1024", "--unit", "flops", "--format", fmt
        ]
    device = str(Path(__file__).resolve().parent / "fixtures" / "latency" / "device.yaml")
    latency = {  # the roofline on a device (issue 13): --device adds columns and keys, never changes the others
        "analyze-v2-device": ["analyze", "mobilenet_v2", "--device", device],
        "analyze-v3s-device-int8-top5": ["analyze", "mobilenet_v3_small", "--device", device, "--dtype", "int8", "--sort", "latency", "--top", "5"],
        "compare-v1-v2-device": ["compare", "mobilenet_v1@0.5", "mobilenet_v2@0.75,192", "--device", device],
        "sweep-v2-latency": ["sweep", "mobilenet_v2", "--alpha", "0.5,0.75,1", "--resolution", "160,224", "--device", device, "--max-latency", "12ms"],
        "ridge-v1-v2-v3s": ["ridge", "mobilenet_v1@0.5", "mobilenet_v2@0.75,192", "mobilenet_v3_small", "--device", device, "--ridge", "0:100:20"],
    }
    for label, args in latency.items():
        for fmt in FORMATS:
            cases[f"{label}.{fmt}"] = [*args, "--format", fmt]
    for fmt in ("table", "json", "github"):
        cases[f"check-v2-latency.{fmt}"] = ["check", "mobilenet_v2", "--device", device, "--max-latency", "15ms", "--max-macs", "400M", "--format", fmt]
    cases["list.table"] = ["list"]
    cases["schema.json"] = ["schema"]
    return cases


CASES = _cases()


def _regen(request) -> bool:
    return bool(request.config.getoption("--regen-golden"))


def _compare(request, path: Path, actual: str) -> None:
    if _regen(request):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run pytest with --regen-golden once, then review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs from its golden output"


def _invoke(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "140", "NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    text = f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
    return text.replace(str(CONFIGS.parent), "REPO")  # built-in specs are named by path in some reports


@pytest.mark.parametrize("case", list(CASES))
def test_output(request, case):
    _compare(request, GOLDEN / "outputs" / case, _invoke(CASES[case]))


@pytest.mark.parametrize("name", ["mobilenet_v1", "mobilenet_v3_small"])
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_verify_output(request, name, fmt):
    pytest.importorskip("torch")
    _compare(request, GOLDEN / "outputs" / f"verify-{name}.{fmt}", _invoke(["verify", name, "--alpha", "0.75", "--format", fmt]))


# ---------------------------------------------------------------- the corpus of broken specs

# Raw YAML tokens put in place of each scalar value of each shipped config.
TOKENS = ["0", "-3", "2.5", "1e400", ".nan", "text", "~", "[1, 2]", "{a: 1}", "yes", "'3'", "9" * 60, "!!int abc", "{"]


def _scalar_spans(text: str) -> list[tuple[int, int]]:
    spans = []

    def visit(node):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                spans.append((key.start_mark.index, key.end_mark.index, "key"))
                visit(value)
        elif isinstance(node, yaml.SequenceNode):
            for value in node.value:
                visit(value)
        else:
            spans.append((node.start_mark.index, node.end_mark.index, "value"))

    visit(yaml.compose(text, Loader=yaml.SafeLoader))
    return spans


def _corpus() -> list[tuple[str, str]]:
    """(label, spec text) for every mutation: each value replaced by each token, each key misspelt
    (one letter dropped) and replaced by an unknown name, each line removed."""
    out = []
    for name in NAMES:
        text = (CONFIGS / f"{name}.yaml").read_text()
        for start, end, what in _scalar_spans(text):
            if what == "value":
                for i, token in enumerate(TOKENS):
                    out.append((f"{name}@{start}:value={i}", text[:start] + token + text[end:]))
            else:
                key = text[start:end]
                out.append((f"{name}@{start}:key-drop", text[:start] + key[:-1] + text[end:]))
                out.append((f"{name}@{start}:key-unknown", text[:start] + "kernal_size" + text[end:]))
        lines = text.splitlines(keepends=True)
        for i in range(len(lines)):
            if lines[i].strip() and not lines[i].lstrip().startswith("#"):
                out.append((f"{name}:line{i + 1}-removed", "".join(lines[:i] + lines[i + 1 :])))
    return out


def test_error_corpus(request, tmp_path):
    """Exit code and stderr of `mbcost analyze --format json` on every mutation, the temporary path
    replaced by SPEC."""
    path = tmp_path / "spec.yaml"
    runner = CliRunner()
    lines = []
    for label, text in _corpus():
        path.write_text(text)
        result = runner.invoke(cli, ["analyze", str(path), "--format", "json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), (label, result.exception)
        err = result.stderr.replace(str(path), "SPEC")
        out = "report" if result.exit_code == 0 else result.stdout
        lines.append(json.dumps([label, result.exit_code, err, out]))
    refused = sum(json.loads(line)[1] == 2 for line in lines)
    assert refused > len(lines) // 2, "the corpus should mostly exercise error paths"
    _compare(request, GOLDEN / "error_corpus.jsonl", "\n".join(lines) + "\n")



# Bad command lines (issue 15): input sizes, batches and units, on every command that takes them.
BAD_OPTIONS = [
    ["--resolution", "0x224"], ["--resolution", "224x0"], ["--resolution", "512x"], ["--resolution", "x512"],
    ["--resolution", "512x1024x3"], ["--resolution", "512x99999"], ["--resolution", "ax3"], ["--resolution", "0"],
    ["--batch", "0"], ["--batch", "-1"], ["--batch", "65537"], ["--batch", "1" + "0" * 40], ["--batch", "2.5"], ["--batch", "two"], ["--batch", "--5"],
    ["--unit", "flop"], ["--unit", "GFLOPs"],
]
BAD_COMMANDS = {
    "analyze": ["analyze", "mobilenet_v1"],
    "compare": ["compare", "mobilenet_v1", "mobilenet_v2"],
    "sweep": ["sweep", "mobilenet_v1"],
    "check": ["check", "mobilenet_v1", "--max-macs", "1G"],
    "verify": ["verify", "mobilenet_v1"],
}
BAD_SETTINGS = ["mobilenet_v1@1,0x224", "mobilenet_v1@1,512x", "mobilenet_v1@1,x512", "mobilenet_v1@1,512x1024x3", "mobilenet_v1@1,224,224"]
BAD_SWEEPS = ["224,0x224", "224,512x", "x512", "512x1024x3", "224,224x224", "96:128:32x2"]


def _bad_command_lines() -> list[tuple[str, list[str]]]:
    out = []
    for name, command in BAD_COMMANDS.items():
        for option, value in BAD_OPTIONS:
            if option == "--unit" and name == "verify":
                continue  # verify compares MACs with FlopCounterMode's: it has no unit to choose
            out.append((f"{name} {option} {value[:20]}", [*command, option, value]))
    out += [(f"compare {target}", ["compare", target, "mobilenet_v1"]) for target in BAD_SETTINGS]
    out += [(f"sweep --resolution {value}", ["sweep", "mobilenet_v1", "--resolution", value]) for value in BAD_SWEEPS]
    return out


def test_bad_command_line_corpus(request):
    """Exit code and stderr of every bad command line: one located line and exit 2, each pinned."""
    runner = CliRunner()
    lines = []
    for label, args in _bad_command_lines():
        result = runner.invoke(cli, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (label, result.exception)
        assert result.exit_code == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1, (label, result.stderr)
        lines.append(json.dumps([label, result.exit_code, result.stderr]))
    _compare(request, GOLDEN / "cli_errors.jsonl", "\n".join(lines) + "\n")
