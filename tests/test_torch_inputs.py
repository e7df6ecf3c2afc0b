"""The torch witness for non-square inputs and batches (issue 15): every block kind and primitive op, built
in torch from the graph at a height x width input and run on a batch, verifies analytic == measured per
layer (FlopCounterMode on the whole batch); and the reference modules of tests/reference (independent
re-implementations of timm and torchvision) give the shipped specs' MACs at height x width and batch N."""

from __future__ import annotations

import functools

import pytest

torch = pytest.importorskip("torch")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from mbcost import analyze_spec, build_graph, build_module, load  # noqa: E402
from mbcost.arch.blocks import BLOCKS  # noqa: E402
from mbcost.arch.ops import OPS  # noqa: E402
from mbcost.pytorch.verify import verify  # noqa: E402

from .reference import timm_efficientnet as te  # noqa: E402
from .reference import timm_ghostnet as tg  # noqa: E402
from .reference import torchvision_nets as tv  # noqa: E402
from .reference.measure import conv_linear_macs, params  # noqa: E402
from .test_torch_registry import block_spec  # noqa: E402

SIZES = [(33, 47), (47, 33), (17, 64)]  # odd and even sides, wider and taller


# The registry's small spec of each kind, and two variants that bring the ops its defaults leave out:
# a MixNet depthwise split over two kernels (mixed_conv) and squeeze-and-excitation.
VARIANTS = {
    "mixed_bottleneck+split": ("mixed_bottleneck", ("repeat: 2", "repeat: 2, kernel: [3, 5]")),
    "bottleneck+se": ("bottleneck", ("repeat: 2", "repeat: 2, se: true")),
}
KINDS = sorted(BLOCKS) + list(VARIANTS)


@pytest.fixture(scope="module")
def kind_specs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kinds")
    paths = {}
    for kind in KINDS:
        base, (old, new) = VARIANTS.get(kind, (kind, ("", "")))
        text = block_spec(base)
        if old:
            assert old in text
            text = text.replace(old, new)
        paths[kind] = folder / f"{kind.replace('+', '_')}.yaml"
        paths[kind].write_text(text)
    return paths


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_block_kind_verifies_at_height_by_width_and_batch(kind, size, kind_specs):
    graph = build_graph(load(kind_specs[kind]), resolution=size, batch=3)
    assert graph.input_shape == (3, *size)
    result = verify(graph)
    assert [(row.name, row.differences) for row in result.mismatches] == []
    assert result.ok
    # the measured total is of three images: three times the analytic count of one
    assert result.measured.macs == 3 * analyze_spec(load(kind_specs[kind]), resolution=size).total.macs


def test_every_op_is_among_those_verified(kind_specs):
    ops = {node.op.name for kind in KINDS for node in build_graph(load(kind_specs[kind]), resolution=SIZES[0]).nodes}
    assert ops == set(OPS), set(OPS) - ops


@pytest.mark.parametrize("kind", KINDS)
def test_every_block_kind_runs_a_real_non_square_batch(kind, kind_specs):
    model = build_module(kind_specs[kind], resolution=(33, 47))
    model.eval()
    with torch.no_grad():
        assert list(model(torch.randn(2, 3, 33, 47)).shape) == [2, 10]


# ------------------------------------------------------------------ reference modules, independent of mbcost

# (shipped spec, reference factory and its arguments)
REFERENCES = {
    "mnasnet_1_0": (tv.mnasnet, (1.0,)),  # torchvision
    "shufflenet_v2_1_0": (tv.shufflenet_v2, (1.0,)),  # torchvision
    "efficientnet_b0": (te.efficientnet, (1.0, 1.0)),  # timm
    "mixnet_s": (te.mixnet_s, ()),  # timm
    "mobilenetv4_conv_small": (te.mobilenetv4_conv, ("small",)),  # timm
    "ghostnet_1_0": (tg.ghostnet, (1.0,)),  # timm
}


@functools.cache
def reference(factory, args):
    with torch.device("meta"):
        return factory(*args)


@pytest.mark.parametrize("name", list(REFERENCES))
@pytest.mark.parametrize("size", [(224, 160), (161, 97), (96, 320)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_shipped_specs_at_height_by_width_equal_the_reference(name, size):
    factory, args = REFERENCES[name]
    module = reference(factory, args)
    a = analyze_spec(name, resolution=size)
    assert (a.total.params, a.total.macs) == (params(module), conv_linear_macs(module, size))


@pytest.mark.parametrize("name", ["mnasnet_1_0", "shufflenet_v2_1_0", "ghostnet_1_0"])
def test_a_batch_through_the_reference_is_the_batched_count(name):
    factory, args = REFERENCES[name]
    module = reference(factory, args)
    module.eval()
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        module(torch.zeros(5, 3, 128, 96, device="meta"))
    a = analyze_spec(name, resolution=(128, 96), batch=5)
    assert counter.get_total_flops() // 2 == a.total.macs  # 2 FLOPs per MAC (FlopCounterMode)
    assert a.total.params == params(module)
