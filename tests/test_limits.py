"""Limits that keep every run bounded, and hostile YAML: each refusal is one located line, exit 2,
naming the limit. (Timings are measured by benchmarks/limits_timing.py, never asserted here.)"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from mbcost import limits
from mbcost.cli import cli


def analyze(tmp_path, data: bytes | str, *extra: str):
    path = tmp_path / "spec.yaml"
    path.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json", *extra])
    assert result.exit_code == 2, (result.exit_code, result.stdout[:300], result.exception)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    match = re.fullmatch(re.escape(str(path)) + r"(?::(\d+):(\d+))?: (.+)", line)
    assert match, line
    return (int(match[1]) if match[1] else None), (int(match[2]) if match[2] else None), match[3]


BASE = "input: {resolution: 32}\nclasses: 10\n"


def billion_laughs(levels: int = 10) -> str:
    """Each level is a list of nine aliases of the previous one: 9**levels strings once expanded."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_the_alias_that_passes_the_limit(tmp_path):
    line, col, message = analyze(tmp_path, billion_laughs())
    assert "MAX_YAML_NODES" in message and str(limits.MAX_YAML_NODES) in message
    # Level i expands to 1 + 9 * size(i - 1) nodes, size(0) = 10; the running total first passes the
    # limit inside the first level whose cumulative size does.
    sizes, total, level = [10], 1 + 2 + 10, 0  # root mapping, key and list of level 0
    while total <= limits.MAX_YAML_NODES:
        level += 1
        sizes.append(1 + 9 * sizes[-1])
        total += 1 + sizes[-1]
    assert line == level + 1


def test_a_self_referencing_alias_is_refused(tmp_path):
    line, _, message = analyze(tmp_path, "input: {resolution: 32}\nclasses: 10\nblocks: &b [*b]\n")
    assert line == 3 and "refers to a node that contains it" in message


def test_nesting_deeper_than_the_limit_is_refused_not_a_crash(tmp_path):
    # 200,000 open brackets: the C composer of libyaml recursed on this and crashed the interpreter.
    line, col, message = analyze(tmp_path, "[" * 200_000 + "]" * 200_000)
    # Our event pass stops at the bracket past the limit; with PyYAML 6.0.2+ wheels libyaml's scanner,
    # which reads ahead, may stop first at its own cap (a column past ours): the same limit is named.
    assert "MAX_NESTING" in message and line == 1 and col >= limits.MAX_NESTING + 1


def test_nesting_at_the_limit_reaches_the_loader(tmp_path):
    depth = limits.MAX_NESTING - 1  # inside the top-level mapping
    _, _, message = analyze(tmp_path, BASE + "description: " + "[" * depth + "]" * depth + "\n")
    assert "MAX_NESTING" not in message and "expected text" in message


def test_aliases_count_towards_nesting(tmp_path):
    deep = "[" * 30 + "]" * 30
    line, _, message = analyze(tmp_path, BASE + f"a: &a {deep}\nb: [[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]\n")
    assert line == 4 and "MAX_NESTING" in message


def test_file_size_limit(tmp_path):
    data = BASE + "description: '" + "x" * limits.MAX_FILE_BYTES + "'\n"
    line, _, message = analyze(tmp_path, data)
    assert line is None and str(limits.MAX_FILE_BYTES) in message  # the whole file: no line to point at


def test_layer_count_limit(tmp_path, monkeypatch):
    # 30 layers of depthwise each repeated MAX_REPEAT times pass MAX_LAYERS; checked at a small limit
    # so the test stays fast (the module constant is read at run time).
    monkeypatch.setattr(limits, "MAX_LAYERS", 50)
    line, _, message = analyze(tmp_path, BASE + "blocks:\n  - depthwise: {repeat: 30}\n  - depthwise: {repeat: 30}\n")
    assert line == 5 and "MAX_LAYERS" in message and "50" in message  # node 51 is in the second layer


@pytest.mark.parametrize(
    "spec,line,limit",
    [
        (BASE + "blocks: [{depthwise: {repeat: 1000000000000}}]\n", 3, "MAX_REPEAT"),
        (BASE + f"blocks: [{{pointwise: {{channels: {limits.MAX_CHANNELS + 1}}}}}]\n", 3, "MAX_CHANNELS"),
        (BASE + "width_multiplier: 4\nblocks: [{pointwise: {channels: 30000}}]\n", 4, "MAX_CHANNELS"),
        (BASE + "blocks: [{pointwise: {channels: 20000}}, {bottleneck: {expansion: 6, channels: 8}}]\n", 3, "MAX_CHANNELS"),
        (f"input: {{resolution: {limits.MAX_RESOLUTION + 1}}}\nclasses: 10\n", 1, "MAX_RESOLUTION"),
        (BASE + "blocks: [{depthwise: {kernel: 65}}]\n", 3, "MAX_KERNEL"),
        ("input: {resolution: 32}\nclasses: 10000000\n", 2, "MAX_CLASSES"),
    ],
)
def test_each_limit_is_named(tmp_path, spec, line, limit):
    got, _, message = analyze(tmp_path, spec)
    assert got == line and limit in message and str(getattr(limits, limit)) in message


def test_resolution_option_names_its_limit(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(BASE + "blocks: [{depthwise: {}}]\n")
    result = CliRunner().invoke(cli, ["analyze", str(path), "--resolution", str(limits.MAX_RESOLUTION + 1)])
    assert result.exit_code == 2 and "MAX_RESOLUTION" in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "value,words",
    [
        ("9" * 5000, "too long"),  # beyond Python's 4300-digit int parsing limit
        ("0x" + "f" * 20000, "above the limit"),  # hex has no digit limit: shown as its size, not printed
        ("-" + "9" * 400, "at least"),
        (".inf", "expected an integer"),
        (".nan", "expected an integer"),
        ("2001-12-14", "date"),
        ("!!binary aGVsbG8=", "binary"),
        ("!!set {a, b}", "set"),
        ("!!python/object/apply:os.getcwd []", "python/object"),
        ("!custom 3", "!custom"),
    ],
)
def test_hostile_values_are_refused_on_their_line(tmp_path, value, words):
    line, col, message = analyze(tmp_path, f"classes: 10\ninput:\n  resolution: {value}\n")
    assert (line, col) == (3, 15) and words in message
    assert len(message) < 300


def test_no_tag_ever_runs_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    analyze(tmp_path, BASE + "description: !!python/object/apply:builtins.open ['PWNED', 'w']\n")
    assert not (tmp_path / "PWNED").exists()


def test_bytes_that_are_not_utf8_are_located(tmp_path):
    line, col, message = analyze(tmp_path, b"input: {resolution: 32}\nclasses: 1\xff0\n")
    assert (line, col) == (2, 11) and "0xff" in message and "UTF-8" in message


def test_control_characters_are_located(tmp_path):
    # "é" is two bytes: the column counts characters.
    line, col, message = analyze(tmp_path, "input: {resolution: 32}\ndescription: é\x07\nclasses: 10\n")
    assert (line, col) == (2, 15) and "U+0007" in message


def test_an_unclosed_quote_points_at_where_it_opens(tmp_path):
    line, col, message = analyze(tmp_path, BASE + "description: 'unclosed\nblocks: []\n")
    assert (line, col) == (3, 14) and "quoted scalar" in message


def test_odd_path_names_are_bad_input(tmp_path):
    result = CliRunner().invoke(cli, ["analyze", "x" * 5000 + ".yaml"])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1


def test_merge_keys_are_refused_by_name(tmp_path):
    line, col, message = analyze(tmp_path, BASE + "blocks: [{depthwise: {<<: {kernel: 3}}}]\n")
    assert (line, col) == (3, 23) and "merge keys" in message


def test_verify_has_a_layer_limit_of_its_own(tmp_path):
    """verify runs one PyTorch module per layer: a spec within MAX_LAYERS but past MAX_VERIFY_LAYERS is
    refused before torch is touched, in one line naming the limit."""
    path = tmp_path / "deep.yaml"
    path.write_text(
        "input: {resolution: 8}\nclasses: 2\nblocks:\n"
        f"  - depthwise: {{repeat: {limits.MAX_VERIFY_LAYERS + 1}}}\n"
    )
    result = CliRunner().invoke(cli, ["verify", str(path)])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert "MAX_VERIFY_LAYERS" in result.stderr and f"{limits.MAX_VERIFY_LAYERS + 1:,} layers" in result.stderr
