"""`mbcost schema`: a JSON Schema (draft 2020-12) generated from the loader's own field declarations.
Checked with the `jsonschema` package against every shipped config and against the loader itself."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import ClassVar

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from mbcost.analysis.validate import validate
from mbcost.arch import blocks
from mbcost.arch.blocks import BLOCKS, Block, register
from mbcost.cli import cli
from mbcost.errors import SpecError
from mbcost.fields import Int, spec_field, spec_fields
from mbcost.spec.builtin import config_dir
from mbcost.spec.parse import parse_spec
from mbcost.spec.records import Spec
from mbcost.spec.schema import spec_schema

CONFIGS = sorted(config_dir().glob("*.yaml"))


def validator() -> jsonschema.Draft202012Validator:
    schema = spec_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_accepts(text: str) -> bool:
    return validator().is_valid(yaml.safe_load(text))


def loader_accepts(text: str) -> bool:
    try:
        parse_spec(text, "example.yaml", "example")
    except SpecError:
        return False
    return True


def test_the_schema_is_draft_2020_12_and_closed():
    schema = spec_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"]
    jsonschema.Draft202012Validator.check_schema(schema)

    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    found = list(objects(schema))
    assert len(found) >= 1 + 3 + len(BLOCKS) + 1  # spec, its 3 records, each block body, the layer
    assert all(o.get("additionalProperties") is False for o in found)


def test_the_cli_prints_the_same_schema():
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == spec_schema()


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_every_shipped_config_is_valid(config):
    errors = list(validator().iter_errors(yaml.safe_load(config.read_text())))
    assert errors == []


def test_every_field_and_block_kind_appears():
    schema = spec_schema()
    assert list(schema["$defs"]["Spec"]["properties"]) == [f.name for f in spec_fields(Spec)]
    assert list(schema["$defs"]["layer"]["properties"]) == list(BLOCKS)
    for kind, cls in BLOCKS.items():
        body = schema["$defs"][f"block.{kind}"]
        body = next((b for b in body.get("anyOf", [body]) if b.get("type") == "object"))
        assert list(body["properties"]) == [f.name for f in spec_fields(cls)]
        for f in spec_fields(cls):
            assert body["properties"][f.name]["description"] == f.metadata["doc"]


def test_a_new_block_kind_appears_without_touching_the_schema():
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Shuffle(Block):
        kind: ClassVar[str] = "shuffle_for_test"
        doc: ClassVar[str] = "a test-only kind"
        shuffle_groups: int = spec_field(Int(maximum=64), doc="channel groups to shuffle")

    register(Shuffle)
    try:
        schema = spec_schema()
        assert "shuffle_for_test" in schema["$defs"]["layer"]["properties"]
        body = schema["$defs"]["block.shuffle_for_test"]
        assert body["properties"]["shuffle_groups"] == {"type": "integer", "minimum": 1, "maximum": 64, "description": "channel groups to shuffle"}
        assert body["required"] == ["shuffle_groups"]
        text = "input: {resolution: 8}\nclasses: 2\nblocks:\n  - shuffle_for_test: {shuffle_groups: 2}\n"
        assert schema_accepts(text) and loader_accepts(text)
    finally:
        del blocks.BLOCKS["shuffle_for_test"]


BASE = "input: {resolution: 32}\nclasses: 10\n"

# (name, YAML, valid?): the loader and the schema must both give the expected verdict.
EXAMPLES = [
    ("minimal", BASE, True),
    ("a full spec", BASE + "width_multiplier: 0.5\nrounding: truncate\ndivisor: 4\ndefaults: {norm: none, activation: relu}\n"
     "stem: {conv: {kernel: 3, stride: 2, channels: 16}}\nblocks:\n  - separable: {channels: 32, repeat: 2}\n"
     "  - bottleneck: {expansion: 6, channels: 32, residual: true, scaling: none}\nhead: [{pointwise: {channels: 64}}]\n"
     "pool: average\nclassifier: {dropout: 0.1}\n", True),
    ("a layer with every default", BASE + "blocks:\n  - depthwise:\n", True),
    ("missing classes", "input: {resolution: 32}\n", False),
    ("missing resolution", "input: {channels: 3}\nclasses: 10\n", False),
    ("not a mapping", "- 1\n- 2\n", False),
    ("unknown top-level field", BASE + "optimizer: sgd\n", False),
    ("unknown field in input", "input: {resolution: 32, size: 3}\nclasses: 10\n", False),
    ("unknown layer field", BASE + "blocks: [{conv: {kernel: 3, channels: 8, strides: 2}}]\n", False),
    ("unknown layer kind", BASE + "blocks: [{mbconv: {channels: 8}}]\n", False),
    ("two kinds in one layer", BASE + "blocks: [{depthwise: {}, pointwise: {channels: 8}}]\n", False),
    ("an empty layer", BASE + "blocks: [{}]\n", False),
    ("a layer that is text", BASE + "blocks: [depthwise]\n", False),
    ("blocks as a mapping", BASE + "blocks: {depthwise: {}}\n", False),
    ("stem as one layer", BASE + "stem: {depthwise: {}}\n", True),
    ("head as a list", BASE + "head: [{depthwise: {}}, {pointwise: {channels: 8}}]\n", True),
    ("required layer fields missing", BASE + "blocks: [{conv: {kernel: 3}}]\n", False),
    ("a null body where fields are required", BASE + "blocks:\n  - conv:\n", False),
    ("even kernel", BASE + "blocks: [{depthwise: {kernel: 4}}]\n", False),
    ("kernel 0", BASE + "blocks: [{depthwise: {kernel: 0}}]\n", False),
    ("negative channels", BASE + "blocks: [{pointwise: {channels: -8}}]\n", False),
    ("channels as text", BASE + "blocks: [{pointwise: {channels: '8'}}]\n", False),
    ("channels as a boolean", BASE + "blocks: [{pointwise: {channels: true}}]\n", False),
    ("channels above MAX_CHANNELS", BASE + "blocks: [{pointwise: {channels: 100001}}]\n", False),
    ("channels at MAX_CHANNELS", BASE + "blocks: [{pointwise: {channels: 100000}}]\n", True),
    ("stride above MAX_STRIDE", BASE + "blocks: [{depthwise: {stride: 33}}]\n", False),
    ("repeat 0", BASE + "blocks: [{depthwise: {repeat: 0}}]\n", False),
    ("repeat of a trillion", BASE + "blocks: [{depthwise: {repeat: 1000000000000}}]\n", False),
    ("resolution above MAX_RESOLUTION", "input: {resolution: 16385}\nclasses: 10\n", False),
    ("unknown activation", BASE + "defaults: {activation: mish}\n", False),
    ("swish, another name of silu", BASE + "defaults: {activation: swish}\n", True),
    ("squeeze-and-excitation record", BASE + "blocks:\n  - bottleneck: {expansion: 4, channels: 16, se: {of: input, rounding: round, gate: sigmoid}}\n", True),
    ("squeeze-and-excitation unknown field", BASE + "blocks:\n  - bottleneck: {expansion: 4, channels: 16, se: {ration: 0.5}}\n", False),
    ("squeeze-and-excitation ratio above 1", BASE + "blocks:\n  - bottleneck: {expansion: 4, channels: 16, se: {ratio: 2}}\n", False),
    ("model-wide squeeze-and-excitation", BASE + "defaults: {se: {rounding: make_divisible, gate: sigmoid}}\n", True),
    ("unknown norm in a layer", BASE + "blocks: [{depthwise: {norm: layer}}]\n", False),
    ("activation null", BASE + "blocks: [{depthwise: {activation: null}}]\n", False),
    ("unknown rounding", BASE + "rounding: ceil\n", False),
    ("unknown pooling", BASE + "pool: max\n", False),
    ("unknown scaling", BASE + "blocks: [{pointwise: {channels: 8, scaling: half}}]\n", False),
    ("width multiplier 0", BASE + "width_multiplier: 0\n", False),
    ("width multiplier above the limit", BASE + "width_multiplier: 16.5\n", False),
    ("expansion 0", BASE + "blocks: [{bottleneck: {expansion: 0, channels: 8}}]\n", False),
    ("fractional expansion", BASE + "blocks: [{bottleneck: {expansion: 2.5, channels: 8}}]\n", True),
    ("dropout 1.5", BASE + "classifier: {dropout: 1.5}\n", False),
    ("dropout 0", BASE + "classifier: {dropout: 0}\n", True),
    ("residual as text", BASE + "blocks: [{bottleneck: {expansion: 1, channels: 8, residual: 'yes'}}]\n", False),
    ("description as a number", BASE + "description: 3\n", False),
    ("divisor 0", BASE + "divisor: 0\n", False),
    ("classes as a float", "input: {resolution: 32}\nclasses: 10.5\n", False),
    ("input as a list", "input: [3, 32]\nclasses: 10\n", False),
    ("a timestamp as description", BASE + "description: 2024-01-31\n", False),
]


@pytest.mark.parametrize("name,text,valid", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_schema_and_loader_agree(name, text, valid):
    assert loader_accepts(text) is valid
    assert schema_accepts(text) is valid


# Where the two cannot agree, and why. Each case asserts the disagreement, so the comment stays true.


def test_integral_floats_are_integers_to_json_schema_but_not_to_the_loader():
    # JSON has one number type: draft 2020-12 counts 3.0 as an integer. YAML tells 3.0 from 3, and the
    # loader refuses `kernel: 3.0` (with "write 3") rather than guess.
    text = BASE + "blocks: [{depthwise: {kernel: 3.0}}]\n"
    assert schema_accepts(text) and not loader_accepts(text)


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_non_finite_numbers_exist_in_yaml_only(value):
    # JSON has no NaN or infinity, so the schema cannot name them: NaN passes every comparison of
    # `exclusiveMinimum`/`maximum`; infinity fails `maximum` (the loader refuses both).
    text = BASE + f"classifier: {{dropout: {value}}}\n"
    assert not loader_accepts(text)
    assert schema_accepts(text) is math.isnan(yaml.safe_load(value))


def test_duplicate_and_merge_keys_are_below_what_json_sees():
    # A YAML reader hands JSON Schema one value per key: the last duplicate, or the merged mapping.
    duplicate = BASE + "classes: 20\n"
    merged = BASE + "blocks: [{depthwise: {<<: {kernel: 3}}}]\n"
    assert schema_accepts(duplicate) and not loader_accepts(duplicate)
    assert schema_accepts(merged) and not loader_accepts(merged)


CROSS_FIELD = [
    # Checks that need the running shapes of the expanded graph: a per-field schema cannot see them.
    ("groups must divide the channels", BASE + "blocks: [{conv: {kernel: 3, channels: 16, groups: 5}}]\n", "groups"),
    ("residual across a channel change", BASE + "blocks: [{bottleneck: {expansion: 6, channels: 24, residual: true}}]\n", "residual"),
    ("channels above MAX_CHANNELS after alpha", BASE + "width_multiplier: 2\nblocks: [{pointwise: {channels: 90000}}]\n", "MAX_CHANNELS"),
    ("a classifier without pooling", BASE + "blocks: [{pointwise: {channels: 8}}]\nclassifier: {}\n", "pool"),
    ("no layers at all", BASE, "no layers"),
]


@pytest.mark.parametrize("name,text,words", CROSS_FIELD, ids=[c[0] for c in CROSS_FIELD])
def test_cross_field_checks_are_left_to_validate(name, text, words, tmp_path):
    assert schema_accepts(text) and loader_accepts(text)
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    outcome = validate(str(path))
    assert outcome.error is not None and words in str(outcome.error)
