"""Every registered block kind and primitive op has a working torch builder whose counts verify:
adding a kind or an op without one fails here."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from mbcost import build_graph, build_module, load  # noqa: E402
from mbcost.arch.blocks import BLOCKS  # noqa: E402
from mbcost.arch.ops import OPS, Op  # noqa: E402
from mbcost.pytorch.verify import verify  # noqa: E402
from mbcost.spec.builtin import builtin_names  # noqa: E402

from .kind_specs import block_spec  # noqa: E402


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
