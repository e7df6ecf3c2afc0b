"""The YAML reader (spec.reader.parse_yaml): aliases, the composer's refusals, and which error
comes first when a file holds several. Positions are counted by hand from the texts below."""

from __future__ import annotations

import pytest

from mbcost.errors import SpecError
from mbcost.spec.parse import parse_spec

HEAD = "input: {resolution: 32}\nclasses: 10\n"


def error_of(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "spec.yaml", "m")
    return caught.value


def test_an_alias_repeats_the_anchored_fields():
    spec = parse_spec(HEAD + "blocks:\n  - conv: &c {kernel: 5, channels: 8}\n  - conv: *c\n", "spec.yaml", "m")
    first, second = spec.blocks
    assert (first.kernel, first.channels) == (second.kernel, second.channels) == (5, 8)
    # A block's position is its kind key's: the alias row is line 5, `conv` at column 5.
    assert (first.line, first.col, second.line, second.col) == (4, 5, 5, 5)


def test_an_aliased_scalar_gives_its_value():
    spec = parse_spec("input: {resolution: &r 64, channels: 3}\nclasses: *r\n", "spec.yaml", "m")
    assert spec.classes == spec.input.resolution == 64


def test_an_undefined_alias_is_refused_where_it_stands():
    error = error_of("input: {resolution: 32}\nclasses: *n\n")
    assert (error.line, error.col) == (2, 10)
    assert "found undefined alias" in error.message


def test_a_duplicate_anchor_is_refused_at_its_second_occurrence():
    error = error_of("input: {resolution: &a 32}\nclasses: &a 10\n")
    assert (error.line, error.col) == (2, 10)
    assert "found duplicate anchor" in error.message


def test_a_second_document_is_refused():
    error = error_of(HEAD + "---\nclasses: 11\n")
    assert (error.line, error.col) == (3, 1)
    assert "expected a single document" in error.message


def test_a_syntax_error_later_in_the_file_comes_before_a_duplicate_key():
    error = error_of(HEAD + "classes: 11\nblocks: [\n")
    assert "YAML syntax error" in error.message and error.line == 4


def test_a_composer_error_comes_before_an_earlier_conversion_error():
    # The tag on line 2 would be refused, but composing (and its undefined alias on line 3) comes first.
    error = error_of("input: {resolution: 32}\nclasses: !!binary aGk=\ndescription: *nope\n")
    assert (error.line, error.col) == (3, 14)
    assert "found undefined alias" in error.message


def test_the_first_conversion_error_in_the_file_is_the_one_reported():
    error = error_of("input: {resolution: 32}\nclasses: !!binary aGk=\ndescription: !!set {a}\n")
    assert (error.line, error.col, error.field) == (2, 10, "classes")
    assert "binary data is not supported" in error.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!!bool maybe", "'maybe' is not a valid boolean"),  # PyYAML's constructor raised KeyError
        ("!!int", "'' is not a valid integer"),  # ... and IndexError
        ("!!int abc", "'abc' is not a valid integer"),  # was reported as "too long"
        ("!!float x", "'x' is not a valid number"),
        ("9" * 5000, "is too long"),  # past Python's 4,300-digit limit on reading an int
    ],
)
def test_a_scalar_that_is_not_its_tagged_type_is_a_spec_error(text, expected):
    error = error_of(f"input: {{resolution: 32}}\nclasses: {text}\n")
    assert (error.line, error.col, error.field) == (2, 10, "classes")
    assert expected in error.message
