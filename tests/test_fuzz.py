"""Fuzzing `mbcost analyze` with broken specs: mutations of every shipped config, and random YAML.

Whatever the input, a run ends with exit 0 (and a parseable report), or with exit 2 and exactly one
stderr line `FILE:LINE:COL: field: message` (the field is absent only for YAML-level errors: syntax,
limits, bad bytes) and nothing on stdout. Where a mutation changes a known node, the reported line
must be that node's line. Hypothesis runs a fixed, derandomized number of examples (CI-stable);
MBCOST_FUZZ_SCALE=10 runs ten times more. `benchmarks/fuzz_stats.py` reports counts and timings.
"""

from __future__ import annotations

import copy
import json
import os
import re
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mbcost.arch.blocks import BLOCKS
from mbcost.cli import cli
from mbcost.errors import MAX_SHOWN_ERRORS
from mbcost.fields import spec_fields
from mbcost.spec.builtin import config_dir
from mbcost.spec.records import Spec

CONFIGS = sorted(config_dir().glob("*.yaml"))
CONFIG_IDS = [p.stem for p in CONFIGS]
SCALE = int(os.environ.get("MBCOST_FUZZ_SCALE", "1"))
RUNNER = CliRunner()
STATS: list[tuple[float, str, int]] = []  # (seconds, what, exit code) per run, for benchmarks/fuzz_stats.py


def fuzz_settings(examples: int):
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    yield folder
    target = os.environ.get("MBCOST_FUZZ_STATS")
    if target:
        Path(target).write_text(json.dumps(STATS))


# ---------------------------------------------------------------- running and checking one case


@dataclass(frozen=True)
class Failure:
    line: int
    col: int
    field: str
    message: str


LOCATED = re.compile(r"(?P<line>\d+):(?P<col>\d+): (?:(?P<field>[^:]+): )?(?P<message>\S.*)")


def run(workdir: Path, data: bytes, what: str, fmt: str = "json") -> Failure | None:
    """Run `mbcost analyze` on `data`; check the exit contract; return the parsed error (None on exit 0)."""
    path = workdir / "spec.yaml"
    path.write_bytes(data)
    start = time.perf_counter()
    result = RUNNER.invoke(cli, ["analyze", str(path), "--format", fmt])
    STATS.append((time.perf_counter() - start, what, result.exit_code))
    crash = ""
    if result.exc_info and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(*result.exc_info))
    assert result.exit_code in (0, 2), f"exit {result.exit_code} on {what}\n{crash}\n{data[:2000]!r}"
    if result.exit_code == 0:
        assert result.stderr == ""
        if fmt == "json":
            assert json.loads(result.stdout)["schema_version"] == 1
        return None
    assert result.stdout == "", "nothing may be printed on stdout when the input is bad"
    # One located line per error of the file (errors.SpecErrors), at most MAX_SHOWN_ERRORS of them, then
    # maybe one line counting the rest; the first error is returned.
    lines = result.stderr.splitlines()
    if len(lines) > 1 and re.fullmatch(rf"{re.escape(str(path))}: and (at least )?\d+ more errors?( \(counting stops at \d+\))?", lines[-1]):
        lines = lines[:-1]
    assert 1 <= len(lines) <= MAX_SHOWN_ERRORS, f"expected one line per error, got {lines!r}"
    failures = []
    prefix = f"{path}:"
    for line in lines:
        assert line.startswith(prefix), line
        match = LOCATED.fullmatch(line[len(prefix) :])
        assert match, f"not FILE:LINE:COL: field: message: {line!r}"
        failures.append(Failure(int(match["line"]), int(match["col"]), match["field"] or "", match["message"]))
        assert failures[-1].line >= 1 and failures[-1].col >= 1, line
        assert "Traceback" not in line
    return failures[0]


def line_count(data: bytes) -> int:
    """Lines as YAML 1.1 counts them: breaks are CR LF, CR, LF, NEL, LS and PS."""
    text = data.decode("utf-8", "replace")
    return len(re.findall("\r\n|\r|\n|\x85|\u2028|\u2029", text)) + 1


# ---------------------------------------------------------------- a YAML emitter that records lines


class Pairs(list):
    """A mapping written as (key, value) pairs, so a key can be written twice."""


def items(value):
    return list(value) if isinstance(value, Pairs) else list(value.items())


def is_map(value) -> bool:
    return isinstance(value, (dict, Pairs))


def scalar_text(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    return yaml.safe_dump(value, default_flow_style=True, width=10**9).splitlines()[0]


def key_text(key: str) -> str:
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) and yaml.safe_load(key) == key
    return key if plain else json.dumps(key)


class Emitted:
    """Block-style YAML of a tree, with the line (1-based) where each node starts and ends,
    and the line(s) of each mapping key (a repeated key has several)."""

    def __init__(self, tree):
        self.lines: list[str] = []
        self.starts: dict[tuple, int] = {}
        self.ends: dict[tuple, int] = {}
        self.key_lines: dict[tuple, list[int]] = {}
        if (is_map(tree) or isinstance(tree, list)) and len(tree):
            self.starts[()] = 1
            self._collection(tree, (), 0)
        else:
            self.lines.append(self._inline(tree))
            self.starts[()] = 1
        self.ends[()] = len(self.lines)

    @property
    def data(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode("utf-8")

    def _inline(self, value) -> str:
        if is_map(value):
            return "{}"
        if isinstance(value, list):
            return "[]"
        return scalar_text(value)

    def _collection(self, value, path: tuple, indent: int) -> None:
        pad = " " * indent
        if is_map(value):
            for key, child in items(value):
                self.key_lines.setdefault(path + (key,), []).append(len(self.lines) + 1)
                self._entry(f"{pad}{key_text(key)}:", child, path + (key,), indent)
        else:
            for i, child in enumerate(value):
                self._entry(f"{pad}-", child, path + (i,), indent)

    def _entry(self, head: str, value, path: tuple, indent: int) -> None:
        line = len(self.lines) + 1
        if (is_map(value) or isinstance(value, list)) and len(value):
            self.lines.append(head)
            self.starts[path] = line + 1
            self._collection(value, path, indent + 2)
        else:
            self.lines.append(f"{head} {self._inline(value)}")
            self.starts[path] = line
        self.ends[path] = len(self.lines)


def walk(tree, path=()):
    """Every (path, value) of a tree, the root included."""
    yield path, tree
    if is_map(tree):
        for key, child in items(tree):
            yield from walk(child, path + (key,))
    elif isinstance(tree, list):
        for i, child in enumerate(tree):
            yield from walk(child, path + (i,))


def get(tree, path):
    for part in path:
        tree = tree[part]
    return tree


def kind_lines(doc: Emitted) -> set[int]:
    return {lines[0] for path, lines in doc.key_lines.items() if path[-1] in BLOCKS and path[0] in ("stem", "blocks", "head")}


def layer_key_path(path: tuple) -> tuple | None:
    """For a field of a layer (`blocks/3/bottleneck/stride`), the path of its kind key (`blocks/3/bottleneck`):
    checks across a layer's fields are reported at the kind key's line."""
    for end in range(len(path), 0, -1):
        if isinstance(path[end - 1], str) and path[end - 1] in BLOCKS and path[0] in ("stem", "blocks", "head"):
            return path[:end]
    return None


TREES = {p.stem: yaml.safe_load(p.read_text()) for p in CONFIGS}
TEXTS = {p.stem: p.read_text() for p in CONFIGS}


def names_everywhere() -> set[str]:
    """Every key the loader knows, at any level: a misspelling that lands on one is not a misspelling."""
    names = set(BLOCKS)
    records, seen = [Spec, *BLOCKS.values()], set()
    while records:  # every record reachable through a field, at any depth (e.g. defaults.se.ratio)
        cls = records.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for f in spec_fields(cls):
            names.add(f.name)
            if hasattr(f.metadata["kind"], "cls"):
                records.append(f.metadata["kind"].cls)
    return names


KNOWN = names_everywhere()

# ---------------------------------------------------------------- value strategies

JUNK_SCALARS = st.one_of(
    st.integers(-(10**6), 0),
    st.integers(10**7, 10**40),
    st.sampled_from([0, -1, 10**100, 2**63, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from([None, True, False, "", "relu7", "avg", "3", "1e3"]),
)

# Raw YAML tokens spliced into a shipped config's text in place of a value.
TOKENS = [
    "-1", "0", "-0", "3.5", "1e400", "-1e400", ".inf", "-.inf", ".nan", "'text'", "text", "~", "null", "",
    "yes", "off", "2001-12-14", "2001-12-14 21:59:43.10 -5", "!!binary aGVsbG8=", "!!python/object/apply:os.getcwd []",
    "!!python/name:os.system", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]", "[1, 2]", "{a: 1}", "[]", "{}",
    "*nowhere", "&anchor 3", "!local 3", "!!str 3", "!!float 3", "!!int '3'", "1:30", "0x1F", "0o17", "0b101",
    "1_000", "'\\u0000'", '"\\x07"', '"\\ud800"', '"a\\nb"', "9" * 5000, "0x" + "f" * 3000, "1" + "0" * 40,
    "- 1", "? a", "| block", "> folded", "'unterminated", '"unterminated', "{", "[", "]", "}", "@", "`", "%",
    # a core tag on text that is not of its type: PyYAML's constructors raise KeyError or IndexError
    "!!bool maybe", "!!bool", "!!int", "!!int abc", "!!int 0x", "!!float x", "!!float", "!!null x",
]
TOKEN = st.one_of(
    st.sampled_from(TOKENS),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(scalar_text),
)


def scalar_nodes(text: str):
    """(value node, line) of every scalar in value position of a YAML text (character offsets)."""
    out = []

    def visit(node):
        if isinstance(node, yaml.MappingNode):
            for _, value in node.value:
                visit(value)
        elif isinstance(node, yaml.SequenceNode):
            for value in node.value:
                visit(value)
        else:
            out.append(node)

    visit(yaml.compose(text, Loader=yaml.SafeLoader))
    return out


SCALARS = {name: scalar_nodes(text) for name, text in TEXTS.items()}


def layer_lines(text: str) -> set[int]:
    """Lines of the kind keys of a config's layers (`- bottleneck: {...}`)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    out = set()
    for key, section in root.value:
        if key.value in ("stem", "blocks", "head"):
            layers = section.value if isinstance(section, yaml.SequenceNode) else [section]
            out |= {kind.start_mark.line + 1 for layer in layers for kind, _ in layer.value}
    return out


LAYER_LINES = {name: layer_lines(text) for name, text in TEXTS.items()}

# ---------------------------------------------------------------- mutations of the shipped configs


@pytest.mark.parametrize("name", CONFIG_IDS)
@fuzz_settings(120)
@given(data=st.data())
def test_value_replaced_in_text(workdir, name, data):
    """A value of the shipped file replaced by a raw YAML token: an error is on that value's line (in
    the shipped configs every layer is written on one line, so its layer's checks land there too), or,
    for a valid value that makes a later layer fail while the graph expands (channels that a later
    expansion takes past MAX_CHANNELS), on a later layer's line."""
    text = TEXTS[name]
    node = data.draw(st.sampled_from(SCALARS[name]), label="node")
    token = data.draw(TOKEN, label="token")
    mutated = text[: node.start_mark.index] + token + text[node.end_mark.index :]
    failure = run(workdir, mutated.encode("utf-8", "surrogatepass"), f"{name}: value on line {node.start_mark.line + 1} -> {token[:40]!r}")
    if failure is not None:
        line = node.start_mark.line + 1
        if " (" in failure.field:  # `blocks[1].bottleneck.expansion (blocks.4, copy 3 of 4)`: found while expanding the graph
            assert failure.line >= line and failure.line in LAYER_LINES[name], failure
        else:
            assert failure.line == line, failure


@pytest.mark.parametrize("token", TOKENS, ids=[f"token{i}" for i in range(len(TOKENS))])
def test_every_token_as_the_class_count(workdir, token):
    """Each raw token once, in every run: the sampled tests above may never draw a given one."""
    text = TEXTS["mobilenet_v2"]
    assert text.count("\nclasses: 1000\n") == 1
    line = text[: text.index("\nclasses: 1000\n")].count("\n") + 2
    failure = run(workdir, text.replace("\nclasses: 1000\n", f"\nclasses: {token}\n").encode("utf-8", "surrogatepass"), f"classes: {token[:40]!r}")
    if failure is not None:
        assert failure.line == line, failure


@pytest.mark.parametrize("name", CONFIG_IDS)
@fuzz_settings(100)
@given(data=st.data())
def test_value_replaced_in_tree(workdir, name, data):
    """A scalar of the config replaced by a negative, zero, huge, float, string, null or boolean value."""
    tree = copy.deepcopy(TREES[name])
    paths = [p for p, v in walk(tree) if p and not (is_map(v) or isinstance(v, list))]
    path = data.draw(st.sampled_from(paths), label="path")
    value = data.draw(JUNK_SCALARS, label="value")
    get(tree, path[:-1])[path[-1]] = value
    doc = Emitted(tree)
    failure = run(workdir, doc.data, f"{name}: {path} -> {value!r}")
    if failure is not None:
        if " (" in failure.field:  # found while expanding the graph: this layer's kind key, or a later layer's
            layer = layer_key_path(path)
            first = doc.key_lines[layer][0] if layer is not None else doc.starts[path]
            assert failure.line >= first and failure.line in kind_lines(doc), (failure, path, value)
        else:
            assert failure.line == doc.starts[path], (failure, path, value)


def misspell(word: str, how: int, position: int, letter: str) -> str:
    i = position % max(len(word), 1)
    if how == 0:
        return word[:i] + word[i + 1 :]  # a letter dropped
    if how == 1:
        return word[:i] + letter + word[i:]  # a letter added
    if how == 2 and len(word) > 1:
        i = min(i, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two letters swapped
    if how == 3:
        return word[:i] + letter + word[i + 1 :]  # a letter replaced
    return word.upper()


@pytest.mark.parametrize("name", CONFIG_IDS)
@fuzz_settings(100)
@given(data=st.data())
def test_key_misspelt(workdir, name, data):
    """A misspelt key is refused on its line, and the message suggests the key that was meant."""
    tree = copy.deepcopy(TREES[name])
    paths = [p for p, _ in walk(tree) if p and isinstance(p[-1], str)]
    path = data.draw(st.sampled_from(paths), label="path")
    how = data.draw(st.integers(0, 4), label="how")
    new = misspell(path[-1], how, data.draw(st.integers(0, 50)), data.draw(st.sampled_from("aeiouxz_")))
    assume(new and new not in KNOWN)
    parent = get(tree, path[:-1])
    tree_items = [(new if k == path[-1] else k, v) for k, v in parent.items()]
    parent.clear()
    parent.update(tree_items)
    doc = Emitted(tree)
    failure = run(workdir, doc.data, f"{name}: key {path} -> {new!r}")
    assert failure is not None, "a misspelt key must be an error"
    assert failure.line == doc.key_lines[path[:-1] + (new,)][0], failure
    assert "unknown" in failure.message
    if len(path[-1]) >= 4:
        assert f"did you mean '{path[-1]}'?" in failure.message, failure


@pytest.mark.parametrize("name", CONFIG_IDS)
@fuzz_settings(60)
@given(data=st.data())
def test_key_removed(workdir, name, data):
    """A removed key: valid, or 'missing required field' at the mapping that lacks it, or another error
    inside the file."""
    tree = copy.deepcopy(TREES[name])
    paths = [p for p, _ in walk(tree) if p and isinstance(p[-1], str)]
    path = data.draw(st.sampled_from(paths), label="path")
    del get(tree, path[:-1])[path[-1]]
    doc = Emitted(tree)
    failure = run(workdir, doc.data, f"{name}: removed {path}")
    if failure is not None:
        assert failure.line <= len(doc.lines), failure
        if failure.message == "missing required field":
            assert failure.field.endswith(path[-1]), failure
            assert failure.line == doc.starts[path[:-1]], failure


@pytest.mark.parametrize("name", CONFIG_IDS)
@fuzz_settings(60)
@given(data=st.data())
def test_key_duplicated(workdir, name, data):
    """A key written twice is refused at its second occurrence."""
    tree = copy.deepcopy(TREES[name])
    paths = [p for p, _ in walk(tree) if p and isinstance(p[-1], str)]
    path = data.draw(st.sampled_from(paths), label="path")
    parent_path, key = path[:-1], path[-1]
    parent = get(tree, parent_path)
    pairs = Pairs()
    for k, v in parent.items():
        pairs.append((k, v))
        if k == key:
            pairs.append((k, copy.deepcopy(v)))
    if parent_path:
        get(tree, parent_path[:-1])[parent_path[-1]] = pairs
    else:
        tree = pairs
    doc = Emitted(tree)
    failure = run(workdir, doc.data, f"{name}: duplicated {path}")
    assert failure is not None and failure.message == "duplicate key", failure
    assert failure.line == doc.key_lines[path][1], failure


@pytest.mark.parametrize("name", CONFIG_IDS)
@fuzz_settings(60)
@given(data=st.data())
def test_list_and_map_swapped(workdir, name, data):
    """A mapping turned into the list of its values, or a list into a mapping: the error lies within
    the swapped part."""
    tree = copy.deepcopy(TREES[name])
    paths = [p for p, v in walk(tree) if is_map(v) or isinstance(v, list)]
    path = data.draw(st.sampled_from(paths), label="path")
    old = get(tree, path)
    new = list(old.values()) if is_map(old) else {f"item{i}": v for i, v in enumerate(old)}
    if path:
        get(tree, path[:-1])[path[-1]] = new
    else:
        tree = new
    doc = Emitted(tree)
    failure = run(workdir, doc.data, f"{name}: swapped {path}")
    if failure is not None:
        first = doc.key_lines[path][0] if path and isinstance(path[-1], str) else doc.starts[path]
        assert first <= failure.line <= doc.ends[path], (failure, path, first, doc.ends[path])


@pytest.mark.parametrize("name", CONFIG_IDS)
@fuzz_settings(60)
@given(data=st.data())
def test_truncated(workdir, name, data):
    text = TEXTS[name].encode()
    cut = data.draw(st.integers(0, len(text)), label="cut")
    failure = run(workdir, text[:cut], f"{name}: truncated at byte {cut}")
    if failure is not None:
        assert failure.line <= line_count(text[:cut]), failure


@pytest.mark.parametrize("name", CONFIG_IDS)
@fuzz_settings(100)
@given(data=st.data())
def test_random_bytes(workdir, name, data):
    """Random bytes written over or into the file; bytes that are not UTF-8 are reported at their line."""
    text = TEXTS[name].encode()
    at = data.draw(st.integers(0, len(text)), label="at")
    chunk = data.draw(st.binary(min_size=1, max_size=8), label="bytes")
    overwrite = data.draw(st.booleans(), label="overwrite")
    mutated = text[:at] + chunk + text[at + (len(chunk) if overwrite else 0) :]
    failure = run(workdir, mutated, f"{name}: {'over' if overwrite else 'in'}to byte {at}: {chunk!r}")
    if failure is not None:
        assert failure.line <= line_count(mutated), failure
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        if b"\n" not in chunk and b"\r" not in chunk:  # the shipped text is ASCII: the first bad byte is in `chunk`
            assert failure is not None and "UTF-8" in failure.message, failure
            assert failure.line == text[:at].count(b"\n") + 1, failure


# ---------------------------------------------------------------- random documents

VOCABULARY = sorted(KNOWN) + ["average", "relu6", "batch", "item", "x"]
KEYS = st.one_of(st.sampled_from(VOCABULARY), st.text(min_size=1, max_size=8))
LEAVES = st.one_of(
    st.integers(-3, 300),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.sampled_from(VOCABULARY),
    st.text(max_size=10),
)
DOCS = st.recursive(
    LEAVES,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(KEYS, children, max_size=6)),
    max_leaves=40,
)


def layer_strategy():
    """A layer of a random kind with a random subset of its fields, values mostly in range."""

    def fields(kind: str):
        declared = [f.name for f in spec_fields(BLOCKS[kind])]
        values = {
            "kernel": st.sampled_from([1, 3, 5, 2, 0]),
            "channels": st.sampled_from([8, 16, 24, 32, 7, 0, 100_001]),
            "stride": st.sampled_from([1, 2, 3, 0]),
            "groups": st.sampled_from([1, 2, 4, 3, 8]),
            "repeat": st.integers(0, 4),
            "expansion": st.sampled_from([1, 6, 0.5, 0.01, 0]),
            "residual": st.sampled_from([None, True, False]),
            "bias": st.booleans(),
            "activation": st.sampled_from(["relu", "relu6", "none", "gelu"]),
            "norm": st.sampled_from(["batch", "none", "layer"]),
            "scaling": st.sampled_from(["full", "none", "grow_only", "half"]),
        }
        return st.fixed_dictionaries({}, optional={name: values.get(name, LEAVES) for name in declared})

    return st.sampled_from(sorted(BLOCKS)).flatmap(lambda kind: fields(kind).map(lambda body: {kind: body}))


SPECS = st.fixed_dictionaries(
    {
        "input": st.fixed_dictionaries({"resolution": st.sampled_from([1, 7, 32, 224])}, optional={"channels": st.sampled_from([1, 3])}),
        "classes": st.sampled_from([1, 10, 1000]),
    },
    optional={
        "width_multiplier": st.sampled_from([0.25, 0.5, 1.0, 1.4, 0.001]),
        "rounding": st.sampled_from(["truncate", "make_divisible"]),
        "divisor": st.sampled_from([1, 4, 8]),
        "stem": layer_strategy(),
        "blocks": st.lists(layer_strategy(), max_size=5),
        "head": st.lists(layer_strategy(), max_size=2),
        "pool": st.just("average"),
        "classifier": st.fixed_dictionaries({}, optional={"dropout": st.sampled_from([0.0, 0.2, 1.5])}),
    },
)


@fuzz_settings(250)
@given(doc=DOCS, flow=st.booleans())
def test_random_yaml_documents(workdir, doc, flow):
    data = yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True).encode("utf-8", "surrogatepass")
    failure = run(workdir, data, f"random document {str(doc)[:80]}")
    if failure is not None:
        assert failure.line <= line_count(data), failure


@fuzz_settings(250)
@given(spec=SPECS, fmt=st.sampled_from(["json", "json", "json", "csv", "markdown"]))
def test_random_specs(workdir, spec, fmt):
    """Spec-shaped documents, often valid: shape checks across fields (groups, residual adds) must
    be reported at the line of the layer's kind key."""
    doc = Emitted(spec)
    failure = run(workdir, doc.data, f"random spec {str(spec)[:80]}", fmt)
    if failure is not None:
        assert failure.line <= len(doc.lines), failure
        if " (" in failure.field:  # `blocks[2].conv.groups (blocks.2)`: an error found while expanding the graph
            assert failure.line in kind_lines(doc), failure


@fuzz_settings(100)
@given(text=st.text(max_size=200))
def test_random_text(workdir, text):
    data = text.encode("utf-8", "surrogatepass")
    failure = run(workdir, data, f"random text {text[:60]!r}")
    if failure is not None:
        assert failure.line <= line_count(data), failure
