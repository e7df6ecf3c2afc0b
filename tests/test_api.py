"""The Python API for notebooks and NAS loops: a spec as a path, a built-in name, a dict or a YAML string;
`Analysis.to_dict()` is the JSON report. Expected values: MobileNetV1 by hand (closed_form.py)."""

import json

import pytest
import yaml

import mbcost
from mbcost.errors import SpecError

from .closed_form import TINY_SPEC, tiny_totals, v1_totals
from .conftest import REPO, run

V1_FILE = REPO / "configs" / "mobilenet_v1.yaml"


@pytest.mark.parametrize("source", [
    "mobilenet_v1",
    V1_FILE,
    str(V1_FILE),
    V1_FILE.read_text(),
    yaml.safe_load(V1_FILE.read_text()),
], ids=["name", "path", "path-string", "yaml-string", "dict"])
def test_every_kind_of_source(source):
    a = mbcost.analyze_spec(source, width_multiplier=0.5, resolution=160)
    assert (a.total.macs, a.total.params) == v1_totals(0.5, 160)


def test_one_line_mapping_string():
    text = "{input: {resolution: 32}, classes: 10, stem: {conv: {kernel: 3, stride: 2, channels: 8}}, pool: average, classifier: {}}"
    a = mbcost.analyze_spec(text)
    # stem conv 3x3 s2, 3 -> 8 channels at 16x16 output, with batch norm; classifier 8 -> 10 with bias
    assert a.total.macs == 3 * 3 * 3 * 8 * 16 * 16 + 8 * 10
    assert a.total.params == 3 * 3 * 3 * 8 + 2 * 8 + 8 * 10 + 10


def test_to_dict_is_the_json_report():
    a = mbcost.analyze_spec("mobilenet_v2", width_multiplier=0.5, resolution=160, dtype="fp16")
    report = run("analyze", "mobilenet_v2", "--alpha", "0.5", "--resolution", "160", "--dtype", "fp16", "--format", "json")
    assert json.loads(json.dumps(a.to_dict())) == json.loads(report.stdout)


def test_a_dict_error_is_located():
    spec = yaml.safe_load(TINY_SPEC.format(channels=16, budget=""))
    spec["blocks"][0]["separable"]["strid"] = 2
    with pytest.raises(SpecError) as error:
        mbcost.analyze_spec(spec)
    assert str(error.value).startswith("<dict>:") and "strid" in str(error.value)


def test_build_module_from_a_dict():
    torch = pytest.importorskip("torch")
    module = mbcost.build_module(yaml.safe_load(TINY_SPEC.format(channels=24, budget="")))
    assert sum(p.numel() for p in module.parameters()) == tiny_totals(24)[1]
    assert module(torch.zeros(1, 3, 32, 32)).shape == (1, 10)
