"""Every registered block kind and primitive op has a working torch builder whose counts verify:
adding a kind or an op without one fails here."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from mbcost import build_graph, build_module, load  # noqa: E402
from mbcost.arch.blocks import BLOCKS  # noqa: E402
from mbcost.arch.ops import OPS, Op  # noqa: E402
from mbcost.fields import (
    REQUIRED,  # noqa: E402
    spec_fields,  # noqa: E402
)
from mbcost.pytorch.verify import verify  # noqa: E402
from mbcost.spec.builtin import builtin_names  # noqa: E402

# Values for the required fields of block kinds; a new kind with another required field must add one.
REQUIRED_VALUES = {"channels": 24, "kernel": 3, "expansion": 6, "expanded_channels": 48}
# Fields a kind needs beyond those to fit the 16-channel stem: a ShuffleNetV2 unit keeps its channels at
# stride 1, so its first copy is the stride-2 unit (and the second the stride-1 one).
KIND_VALUES = {"shuffle_unit": {"stride": 2}}


def block_spec(kind: str) -> str:
    """A small spec: a stem, two repeats of `kind` (the second repeat keeps shapes, so a bottleneck gets
    its residual add), pooling and a classifier."""
    fields = {}
    # Required fields, and the first of each group of alternatives (`Block.one_of`).
    names = [f.name for f in spec_fields(BLOCKS[kind]) if f.default is REQUIRED]
    names += [group[0] for group in BLOCKS[kind].one_of]
    for name in names:
        assert name in REQUIRED_VALUES, f"block kind {kind!r}: add a test value for required field {name!r}"
        fields[name] = REQUIRED_VALUES[name]
    body = ", ".join(f"{k}: {v}" for k, v in {**fields, **KIND_VALUES.get(kind, {}), "repeat": 2}.items())
    return (
        "input: {channels: 3, resolution: 33}\nclasses: 10\n"
        "stem: {conv: {kernel: 3, stride: 2, channels: 16}}\n"
        f"blocks:\n  - {kind}: {{{body}}}\n"
        "pool: average\nclassifier: {dropout: 0.1}\n"
    )


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_every_block_kind_builds_and_verifies(kind, write_spec):
    path = write_spec(block_spec(kind))
    graph = build_graph(load(path))
    assert {n.block for n in graph.nodes} >= {"blocks.0", "blocks.1"}
    result = verify(graph)
    assert [(row.name, row.differences) for row in result.mismatches] == []
    assert result.ok
    model = build_module(path)
    model.eval()
    with torch.no_grad():
        assert list(model(torch.randn(1, 3, 33, 33)).shape) == [1, 10]


@pytest.fixture(scope="module")
def all_graphs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kinds")
    graphs = [build_graph(load(name)) for name in builtin_names()]
    for kind in BLOCKS:
        path = folder / f"{kind}.yaml"
        path.write_text(block_spec(kind))
        graphs.append(build_graph(load(path)))
    return graphs


def check_op(op_name, graphs):
    """Every node of op `op_name` in `graphs` builds a torch module whose counts verify; at least one exists."""
    checked = 0
    for graph in graphs:
        nodes = {n.name for n in graph.nodes if n.op.name == op_name}
        if not nodes:
            continue
        for node in graph.nodes:
            if node.name in nodes:
                assert isinstance(node.op.torch_module(torch.nn), torch.nn.Module)
        result = verify(graph)
        rows = [row for row in result.rows if row.name in nodes]
        assert rows and all(not row.differences for row in rows), [(r.name, r.differences) for r in rows]
        checked += len(rows)
    assert checked, f"no block kind or shipped config produces op {op_name!r}: nothing tests its torch builder"


@pytest.mark.parametrize("op_name", sorted(OPS))
def test_every_op_has_a_torch_builder_that_verifies(op_name, all_graphs):
    check_op(op_name, all_graphs)


def test_the_op_check_fails_for_an_op_without_a_builder(all_graphs, monkeypatch):
    linear = OPS["linear"]
    # An op no block produces cannot pass ...
    with pytest.raises(AssertionError, match="nothing tests its torch builder"):
        check_op("an_op_nobody_builds", all_graphs)
    # ... nor can one whose torch builder is missing (the base class's).
    monkeypatch.setattr(linear, "torch_module", Op.torch_module)
    with pytest.raises(NotImplementedError):
        check_op("linear", all_graphs)
