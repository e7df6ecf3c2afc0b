"""Bad input: one line on stderr, `FILE:LINE:COL: field: message`, exit code 2, never a traceback."""

import re

import pytest
from click.testing import CliRunner

from mbcost.cli import cli

GOOD = """\
input: {channels: 3, resolution: 32}
classes: 10
blocks:
  - separable: {channels: 16, stride: 2}
  - bottleneck: {expansion: 6, channels: 16, stride: 1}
pool: average
classifier: {}
"""


def analyze(path, *extra):
    return CliRunner().invoke(cli, ["analyze", str(path), "--format", "json", *extra])


def assert_one_line_error(result, file, line, field, message):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    err = result.stderr
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    match = re.match(rf"^{re.escape(str(file))}:(\d+):(\d+): (.*?): (.*)$", err.strip())
    assert match, err
    assert int(match.group(1)) == line, err
    assert field in match.group(3), err
    assert re.search(message, match.group(4)), err


def test_good_spec_is_fine(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    assert analyze(path).exit_code == 0


# (replace this text of GOOD, with this, expected line, field, message pattern)
CASES = [
    ("stride: 2}", "strid: 2}", 4, "blocks[0].separable.strid", r"unknown field \(did you mean 'stride'\?\)"),
    ("channels: 16, stride: 2", "channels: abc, stride: 2", 4, "blocks[0].separable.channels", "expected an integer"),
    ("channels: 16, stride: 2", "channels: 0, stride: 2", 4, "channels", "at least 1"),
    ("channels: 16, stride: 2", "channels: -3, stride: 2", 4, "channels", "at least 1"),
    ("channels: 16, stride: 2", "channels: 2.5, stride: 2", 4, "channels", "expected an integer"),
    ("channels: 16, stride: 2", "channels: 16, stride: 0", 4, "stride", "at least 1"),
    ("channels: 16, stride: 2", "channels: 16, stride: 2, kernel: 4", 4, "kernel", "odd"),
    ("channels: 16, stride: 2", "channels: 16, stride: 2, activation: relu7", 4, "activation", r"did you mean 'relu6?'.*relu, relu6, hardswish, hardsigmoid, silu, sigmoid, gelu, none"),
    ("- bottleneck:", "- bottlenek:", 5, "blocks[1]", r"unknown layer kind 'bottlenek' \(did you mean 'bottleneck'\?\).*separable"),
    ("stride: 1}", "stride: 2, residual: true}", 5, "residual", "residual add needs stride 1"),
    ("classes: 10", "classes: ten", 2, "classes", "expected an integer"),
    ("resolution: 32", "resolution: 0", 1, "input.resolution", "at least 1"),
    ("resolution: 32", "resolution: 100000", 1, "input.resolution", "limit of 16384"),
    ("classes: 10", "classes: 10\nwidth_multiplier: 0", 3, "width_multiplier", "greater than 0"),
    ("classes: 10", "classes: 10\nwidth_multiplier: .nan", 3, "width_multiplier", "finite"),
    ("classes: 10", "classes: 10\nwidth_multiplier: .inf", 3, "width_multiplier", "finite"),
    ("classes: 10", "classes: 10\nwidth_multiplier: -1", 3, "width_multiplier", "greater than 0"),
    ("classes: 10", "classes: 10\nrepeat: 3", 3, "repeat", "unknown field"),
    ("stride: 2}", "stride: 2, repeat: 1000000000000}", 4, "repeat", "limit of 10000"),
    ("channels: 16, stride: 2", "channels: 100000000, stride: 2", 4, "channels", "limit"),
    ("classes: 10", "classes: 10\nclasses: 11", 3, "classes", "duplicate key"),
    ("classes: 10", "classes: !!python/object/apply:os.system ['echo hacked']", 2, "classes", "python/object/apply:os.system' is not supported"),
    ("pool: average", "pool: max", 6, "pool", "unknown pooling 'max'"),
    ("input: {channels: 3, resolution: 32}\n", "", 1, "input", "missing required field"),
    ("classifier: {}", "classifier: {dropout: 2}", 7, "classifier.dropout", "above the limit"),
    ("  - separable: {channels: 16, stride: 2}", "  - separable: {channels: 16, stride: 2", 4, "YAML syntax error", "did not find expected ',' or '}'"),  # where the mapping opened
]


@pytest.mark.parametrize("old, new, line, field, message", CASES, ids=[c[1][:40] for c in CASES])
def test_spec_error(tmp_path, old, new, line, field, message):
    assert old in GOOD
    path = tmp_path / "spec.yaml"
    path.write_text(GOOD.replace(old, new, 1))
    assert_one_line_error(analyze(path), path, line, field, message)


def test_python_tag_constructs_nothing(tmp_path):
    marker = tmp_path / "hacked"
    path = tmp_path / "spec.yaml"
    path.write_text(GOOD.replace("classes: 10", f"classes: !!python/object/apply:os.system ['touch {marker}']"))
    assert analyze(path).exit_code == 2
    assert not marker.exists()


def test_billion_laughs_is_refused(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = analyze(path)
    assert result.exit_code == 2
    assert "expands to more than" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_not_a_file(tmp_path, kind):
    path = tmp_path / "nothing.yaml"
    if kind == "directory":
        path.mkdir()
    result = analyze(path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}: ") and result.stderr.count("\n") == 1
    assert ("no such file" if kind == "missing" else "not a file") in result.stderr


def test_unknown_builtin_name_suggests():
    result = CliRunner().invoke(cli, ["analyze", "mobilenet_v3x"])
    assert result.exit_code == 2
    assert "built-in" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("option, value, message", [
    ("--alpha", "0", "greater than 0"),
    ("--alpha", "-0.5", "greater than 0"),
    ("--alpha", "nan", "finite"),
    ("--alpha", "inf", "finite"),
    ("--alpha", "abc", "not a number"),
    ("--resolution", "0", "at least 1"),
    ("--resolution", "1.5", "whole number"),
    ("--resolution", "99999999", "limit"),
])
def test_bad_options(option, value, message):
    result = CliRunner().invoke(cli, ["analyze", "mobilenet_v2", option, value])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and re.search(message, result.stderr), result.stderr
    assert option in result.stderr


def test_empty_and_non_mapping_documents(tmp_path):
    for text, message in (("", "empty document"), ("- 1\n- 2\n", "expected a mapping"), ("\xff\xfe", "")):
        path = tmp_path / "odd.yaml"
        path.write_text(text) if text != "\xff\xfe" else path.write_bytes(b"\xff\xfe\x00")
        result = analyze(path)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert message in result.stderr
