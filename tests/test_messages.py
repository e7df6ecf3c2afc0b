"""Error messages that help: the nearest valid key or value, and the valid block kinds and activations
when one is unknown. Each is one located line."""

from __future__ import annotations

import pytest

from mbcost.arch.blocks import BLOCKS
from mbcost.arch.ops import ACTIVATIONS
from mbcost.errors import SpecError
from mbcost.spec.parse import parse_spec

BASE = "input: {resolution: 32}\nclasses: 10\n"


def error_of(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "m.yaml", "m")
    return caught.value


@pytest.mark.parametrize(
    "layer,wrong,meant",
    [
        ("{depthwise: {strdie: 2}}", "strdie", "stride"),
        ("{separable: {chanels: 64}}", "chanels", "channels"),
        ("{conv: {kernel_size: 3, channels: 8}}", "kernel_size", "kernel"),
        ("{bottleneck: {expand_ratio: 6, channels: 8}}", "expand_ratio", "expansion"),  # torchvision's name
        ("{bottleneck: {t: 6, channels: 8}}", "t", "expansion"),  # MobileNetV2 Table 2's symbol
        ("{depthwise: {Stride: 2}}", "Stride", "stride"),
    ],
)
def test_misspelt_layer_fields_suggest_the_field(layer, wrong, meant):
    error = error_of(BASE + f"blocks:\n  - {layer}\n")
    assert error.line == 4 and error.field.endswith(f".{wrong}")
    assert f"did you mean '{meant}'?" in error.message


def test_a_misspelt_top_level_key_suggests_it():
    error = error_of(BASE + "widht_multiplier: 0.5\n")
    assert (error.line, error.col) == (3, 1) and "did you mean 'width_multiplier'?" in error.message


def test_a_field_written_one_level_too_high_names_its_section():
    error = error_of("classes: 10\nresolution: 224\ninput: {channels: 3}\n")
    assert error.line == 2 and "did you mean 'input.resolution'?" in error.message


def test_an_unknown_block_kind_lists_every_kind():
    error = error_of(BASE + "blocks:\n  - seperable: {channels: 8}\n")
    assert error.line == 4 and "did you mean 'separable'?" in error.message
    assert error.message.endswith("expected one of: " + ", ".join(BLOCKS))


def test_a_synonym_of_a_block_kind_is_suggested():
    error = error_of(BASE + "blocks:\n  - inverted_residual: {channels: 8}\n")
    assert "did you mean 'bottleneck'?" in error.message


def test_an_unknown_activation_lists_every_activation():
    error = error_of(BASE + "blocks:\n  - depthwise: {activation: ReLu6}\n")
    assert error.line == 4 and error.field == "blocks[0].depthwise.activation"
    assert "did you mean 'relu6'?" in error.message  # case is ignored
    assert error.message.endswith("expected one of: " + ", ".join(ACTIVATIONS))


def test_an_unknown_model_wide_activation_lists_them_too():
    error = error_of(BASE + "defaults: {activation: swishy}\n")
    assert error.field == "defaults.activation" and ", ".join(ACTIVATIONS) in error.message


def test_swish_is_silu_and_never_hard_swish():
    """The EfficientNet paper's swish is x * sigmoid(x), PyTorch's SiLU; hard-swish is another function."""
    spec = parse_spec(BASE + "defaults: {activation: swish}\n", "net.yaml", "net")
    assert spec.defaults.activation == "silu"
    error = error_of(BASE + "defaults: {activation: swich}\n")
    assert "did you mean 'hardswish'" not in error.message


def test_fields_beside_the_kind_instead_of_inside_it():
    # `- separable:` then `stride: 2` on the next line at the same indent is a two-key mapping.
    error = error_of(BASE + "blocks:\n  - separable: {channels: 64}\n    stride: 2\n")
    assert (error.line, error.field) == (5, "blocks[0].stride")
    assert "write 'stride' inside 'separable'" in error.message


def test_a_field_used_as_a_layer_kind_says_so():
    error = error_of(BASE + "blocks:\n  - channels: 64\n")
    assert "'channels' is a field" in error.message


def test_nothing_close_means_no_suggestion():
    error = error_of(BASE + "blocks:\n  - depthwise: {zzzz: 1}\n")
    assert "did you mean" not in error.message and "expected one of: repeat" in error.message


def test_messages_stay_on_one_line():
    error = error_of(BASE + '"a\\nb\\u2028c": 1\n')
    assert len(str(error).splitlines()) == 1
