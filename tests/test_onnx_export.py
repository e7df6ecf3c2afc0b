"""`mbcost export`: every shipped config, block kind, op and activation exports to an ONNX model that
onnx.checker accepts and onnxruntime runs, with the analysis' stored parameters and output shape; small
networks compute what mbcost's torch modules compute with the same weights."""

from __future__ import annotations

from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
np = pytest.importorskip("numpy")

from mbcost import build_graph, load  # noqa: E402
from mbcost.analysis.cost import analyze  # noqa: E402
from mbcost.arch.blocks import BLOCKS  # noqa: E402
from mbcost.arch.ops import ACTIVATIONS, OPS  # noqa: E402
from mbcost.runtime.export import EXPORTERS, OUTPUT, export  # noqa: E402
from mbcost.spec.builtin import builtin_names  # noqa: E402

from .conftest import run  # noqa: E402
from .kind_specs import block_spec  # noqa: E402

RUN_RESOLUTION = 64  # onnxruntime runs every config at this size: the output shape never depends on it


def expected_stored(graph) -> int:
    """The parameters an export stores, from the analysis' counts: every weight, and per layer one bias
    per output channel when it has a bias or a batch norm. A batch norm folds away (as runtimes fold it):
    its scale gamma / sigma multiplies the conv's weights, its shift beta - mu * gamma / sigma (plus the
    conv's own bias, scaled) becomes the conv's bias; its 2 params per channel and 2 buffers leave none
    of their own. So a layer stores `weights` plus `biases` when it has no norm, else `norm_params / 2`
    (one per normalised channel, which already holds the conv's own bias)."""
    total = 0
    for layer in analyze(graph).layers:
        c = layer.cost
        total += c.weights + (c.norm_params // 2 if c.norm_params else c.biases)
    return total


def initializer_count(model) -> int:
    return sum(int(np.prod(t.dims)) for t in model.graph.initializer)


def out_shape(graph) -> list[int]:
    shape = graph.output.output_shape
    return [1, shape.channels] if (shape.height, shape.width) == (1, 1) and graph.output.op.name == "linear" else [1, *shape.as_list()]


def run_model(model, shape, seed: int = 1):
    """Run `model` on one random image of `shape` (the graph's C x H x W input shape)."""
    x = np.random.default_rng(seed).standard_normal((1, *shape)).astype("float32")
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return x, session.run(None, {"input": x})[0]


def check_export(graph) -> None:
    model = export(graph).model  # onnx.checker (full) has run inside
    assert initializer_count(model) == expected_stored(graph)
    dims = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
    assert model.graph.output[0].name == OUTPUT and dims == out_shape(graph)
    layers = {n.name for n in graph.nodes}
    named = {node.name.split("/", 1)[0] for node in model.graph.node if node.op_type != "Constant"}
    assert named == layers  # every node names its layer, every layer has a node


def kind_graph(kind, write_spec):
    return build_graph(load(write_spec(block_spec(kind), kind)))


@pytest.mark.parametrize("name", builtin_names())
def test_every_shipped_config_exports_with_its_params_and_output_shape(name):
    check_export(build_graph(load(name)))
    small = build_graph(load(name), resolution=RUN_RESOLUTION)
    _, y = run_model(export(small).model, small.input_shape)
    assert list(y.shape) == out_shape(small) and np.isfinite(y).all()


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_every_block_kind_exports_and_runs(kind, write_spec):
    graph = kind_graph(kind, write_spec)
    check_export(graph)
    _, y = run_model(export(graph).model, graph.input_shape)
    assert list(y.shape) == out_shape(graph)


def test_every_op_has_an_exporter_that_some_config_or_kind_uses(write_spec):
    assert set(EXPORTERS) == set(OPS)
    used = {n.op.name for name in builtin_names() for n in build_graph(load(name)).nodes}
    used |= {n.op.name for kind in BLOCKS for n in kind_graph(kind, write_spec).nodes}
    assert used == set(OPS)


def assert_matches_torch(graph) -> None:
    """onnxruntime's output of the export equals mbcost's torch module's (eval mode) loaded with the
    export's unfolded weights: batch norm folding, padding, splits and gates all agree."""
    torch = pytest.importorskip("torch")
    from mbcost.pytorch.build import build

    exported = export(graph)
    x, y = run_model(exported.model, graph.input_shape)
    module = build(graph).eval()
    missing, unexpected = module.load_state_dict({k: torch.from_numpy(v) for k, v in exported.params.items()}, strict=False)
    assert unexpected == [] and all(k.endswith("num_batches_tracked") for k in missing)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-3, atol=1e-4)


ACTIVATION_SPEC = """
input: {{channels: 3, resolution: 17}}
classes: 5
stem: {{conv: {{kernel: 3, stride: 2, channels: 8, activation: {act}}}}}
blocks:
  - bottleneck: {{kernel: 3, expansion: 2, channels: 8, activation: {act}, se: {{ratio: 0.5}}, repeat: 2}}
pool: average
classifier: {{hidden: 12, hidden_activation: {act}}}
"""


@pytest.mark.parametrize("act", [a for a in ACTIVATIONS if a != "none"])
def test_every_activation_matches_torch(act, write_spec):
    """The stem, the bottleneck's convs and the hidden classifier layer use `act`; the export with folded
    batch norm computes what the torch module computes with the same (unfolded) weights."""
    assert_matches_torch(build_graph(load(write_spec(ACTIVATION_SPEC.format(act=act), f"act_{act}"))))


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_every_block_kind_matches_torch(kind, write_spec):
    assert_matches_torch(kind_graph(kind, write_spec))


def test_export_is_deterministic_and_records_the_spec():
    graph = build_graph(load("mobilenet_v3_small"), 0.5, 96)
    a, b = export(graph, "text").model, export(graph, "text").model
    assert a.SerializeToString() == b.SerializeToString()
    assert export(graph, "text", seed=1).model.SerializeToString() != a.SerializeToString()
    props = {p.key: p.value for p in a.metadata_props}
    assert props["mbcost.spec"] == "text" and props["mbcost.width_multiplier"] == "0.5" and props["mbcost.resolution"] == "96"
    assert [i.name for i in a.graph.input] == ["input"]
    assert [d.dim_value for d in a.graph.input[0].type.tensor_type.shape.dim] == [1, 3, 96, 96]


def test_cli_writes_a_model_that_loads(tmp_path):
    path = tmp_path / "net.onnx"
    result = run("export", "mobilenet_v2", "--alpha", "0.35", "--resolution", "96", "-o", path)
    assert result.exit_code == 0, result.output
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    props = {p.key: p.value for p in model.metadata_props}
    assert props["mbcost.spec"] == Path(load("mobilenet_v2").file).read_text(encoding="utf-8")
    assert initializer_count(model) == expected_stored(build_graph(load("mobilenet_v2"), 0.35, 96))


def test_cli_export_into_a_missing_folder_is_one_line(tmp_path):
    result = run("export", "mobilenet_v2", "-o", tmp_path / "nope" / "net.onnx")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "--output" in result.output


def test_without_onnx_the_command_says_which_extra(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` raises ImportError
    result = run("export", "mobilenet_v2", "-o", tmp_path / "net.onnx")
    assert result.exit_code == 2
    assert "pip install '.[onnx]'" in result.output and result.output.count("\n") == 1
    assert not (tmp_path / "net.onnx").exists()
