"""Property tests against real PyTorch modules: random valid specs (every block kind and option, see
spec_strategies.py) verify exactly on the meta device, and a real CPU forward pass yields the inferred
output shape at every node."""

from __future__ import annotations

import os

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from mbcost import build_graph  # noqa: E402
from mbcost.arch.ops import ACTIVATIONS, Conv  # noqa: E402
from mbcost.pytorch.build import build  # noqa: E402
from mbcost.pytorch.verify import verify  # noqa: E402

from .spec_strategies import specs  # noqa: E402

# CI runs a fixed, derandomized set of examples (a new hypothesis release may still draw others);
# MBCOST_PROPERTY_SCALE=N runs N times as many, and MBCOST_PROPERTY_RANDOM=1 draws fresh ones.
SCALE = int(os.environ.get("MBCOST_PROPERTY_SCALE", "1"))
SETTINGS = settings(
    max_examples=50 * SCALE,
    deadline=None,
    derandomize=not os.environ.get("MBCOST_PROPERTY_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(specs(max_resolution=300))
def test_random_specs_verify_exactly(case):
    spec, alpha, resolution = case
    result = verify(build_graph(spec, alpha, resolution))
    assert [(row.name, row.differences) for row in result.mismatches] == []
    assert result.total_differences == ()
    assert result.ok


def expected_torch_shape(node, batch):
    """The graph's C x H x W; the classifier's torch output is flattened to [batch, classes]."""
    shape = node.output_shape
    if node.op.name == "linear":
        assert (shape.height, shape.width) == (1, 1)
        return [batch, shape.channels]
    return [batch, shape.channels, shape.height, shape.width]


def check_structure(node, module):
    """The torch module is the conv the node describes: kernel, stride, padding, groups, bias, norm, activation."""
    op = node.op
    if not isinstance(op, Conv):
        return
    conv = module.conv
    assert (conv.in_channels, conv.out_channels, conv.groups) == (op.in_channels, op.out_channels, op.groups)
    assert conv.kernel_size == (op.kernel, op.kernel) and conv.stride == (op.stride, op.stride)
    assert conv.dilation == (op.dilation, op.dilation)
    assert conv.padding == (op.dilation * (op.kernel // 2),) * 2
    assert (conv.bias is not None) == op.bias
    assert isinstance(getattr(module, "norm", None), torch.nn.BatchNorm2d) == (op.norm == "batch")
    act = getattr(module, "act", None)
    wanted = ACTIVATIONS[op.activation].torch_class
    assert (type(act).__name__ if act is not None else None) == wanted


def check_wiring(model, graph, x):
    """Each node's output is its module applied to the outputs of the nodes it names as inputs, and a
    residual add is the sum of its two inputs (eval mode: no dropout, fixed batch norm)."""
    model.eval()
    outputs = {"input": x}
    with torch.no_grad():
        model.run(x, lambda name, out: outputs.__setitem__(name, out))
        for node in graph.nodes:
            inputs = [outputs[name] for name in node.inputs]
            if node.op.name == "add":
                expected = inputs[0] + inputs[1]
            else:
                (expected,) = [model.get_submodule(node.name)(*inputs)]
            assert torch.equal(outputs[node.name], expected), node.name
    model.train()


@SETTINGS
@given(specs(max_resolution=24, max_layers=4))
def test_cpu_forward_gives_inferred_shape_at_every_node(case):
    spec, alpha, resolution = case
    graph = build_graph(spec, alpha, resolution)
    model = build(graph)
    modules = dict(model.named_modules())
    seen = {}
    for node in graph.nodes:
        module = modules[node.name]  # named like the node
        check_structure(node, module)
        module.register_forward_hook(lambda m, args, out, name=node.name: seen.__setitem__(name, list(out.shape)))
    batch = 2  # training-mode batch norm needs more than one value per channel
    x = torch.randn(batch, spec.input.channels, resolution, resolution)
    check_wiring(model, graph, x)
    out = model(x)
    assert seen == {node.name: expected_torch_shape(node, batch) for node in graph.nodes}
    if spec.classifier is not None:
        assert list(out.shape) == [batch, spec.classes]
    # trainable: every parameter receives a gradient (a net of max pools alone has none to train)
    if any(True for _ in model.parameters()):
        out.float().sum().backward()
        assert all(p.grad is not None for p in model.parameters())
