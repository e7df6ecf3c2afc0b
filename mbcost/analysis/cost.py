"""Applying the cost model to a graph: per-node counts, totals, the "as standard convs" model
(v1 paper, Table 4) and roll-ups by op kind (v1 paper, Table 2) and by block. The counting
convention itself is stated in `counts.py`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..arch.counts import Cost, Stored, stored, total
from ..arch.ops import Conv
from ..graph import Graph, Node, Pair
from .memory import Memory, bytes_per_element
from .memory import analyze as analyze_memory


@dataclass(frozen=True)
class LayerCost:
    node: Node
    cost: Cost

    @property
    def stored(self) -> Stored:
        """The values this layer stores with batch norm folded (counts.py, "Weight bytes")."""
        return stored(self.cost)


@dataclass(frozen=True)
class PairCost:
    """A depthwise separable pair next to one standard conv with the same channels, kernel and stride."""

    pair: Pair
    block: str
    cost: Cost
    standard: Cost

    @property
    def ratio(self) -> float:
        """Separable / standard MACs: 1/N + 1/K^2 (v1 paper, eq. 5)."""
        return self.cost.macs / self.standard.macs


@dataclass(frozen=True)
class Analysis:
    graph: Graph
    layers: tuple[LayerCost, ...]
    pairs: tuple[PairCost, ...]
    total: Cost
    standard: Cost  # the whole network with every separable pair replaced by one standard conv
    dtype: str = "fp32"  # activation element type of `memory`
    separable: Cost = Cost()  # the depthwise separable pairs alone ...
    separable_standard: Cost = Cost()  # ... and the standard convs they stand in for

    @cached_property
    def memory(self) -> Memory:
        """Activation memory (memory.py), computed on first use: a sweep of MACs and params skips it."""
        return analyze_memory(self.graph, self.dtype)

    @property
    def max_layer_macs(self) -> int:
        """The scale of the per-layer MACs bars."""
        return max(layer.cost.macs for layer in self.layers)

    @cached_property
    def stored(self) -> Stored:
        """The whole network's stored weights and biases, batch norm folded."""
        return sum((layer.stored for layer in self.layers), Stored())

    @property
    def weight_bytes(self) -> int:
        """Weight storage at the analysis' dtype (counts.py, "Weight bytes")."""
        return self.stored.bytes(self.dtype)

    def stored_by_block(self) -> dict[str, Stored]:
        return self._stored_by_block

    @cached_property
    def _stored_by_block(self) -> dict[str, Stored]:
        groups: dict[str, Stored] = {}
        for layer in self.layers:
            groups[layer.node.block] = groups.get(layer.node.block, Stored()) + layer.stored
        return groups

    def to_dict(self) -> dict:
        """The report of `mbcost analyze --format json` (schema_version 1) as Python data (data.py)."""
        from .data import to_dict

        return to_dict(self)

    def by_kind(self) -> dict[str, Cost]:
        return self._by_kind

    def by_block(self) -> dict[str, Cost]:
        return self._by_block

    @cached_property
    def _by_kind(self) -> dict[str, Cost]:
        return _group(self.layers, lambda layer: layer.node.op.kind)

    @cached_property
    def _by_block(self) -> dict[str, Cost]:
        return _group(self.layers, lambda layer: layer.node.block)


def _group(layers, key) -> dict[str, Cost]:
    groups: dict[str, list[Cost]] = {}
    for layer in layers:
        groups.setdefault(key(layer), []).append(layer.cost)
    return {name: total(costs) for name, costs in groups.items()}


def standard_conv(depthwise: Node, pointwise: Node) -> tuple[Conv, Cost]:
    """The standard conv a separable pair stands in for: the depthwise's kernel, stride and input,
    the pointwise's output channels, norm and activation."""
    dw, pw = depthwise.op, pointwise.op
    assert isinstance(dw, Conv) and isinstance(pw, Conv)
    conv = Conv(dw.in_channels, pw.out_channels, dw.kernel, dw.stride, 1, pw.bias, pw.norm, pw.activation)
    return conv, conv.cost(depthwise.input_shapes, pointwise.output_shape)


def analyze(graph: Graph, dtype: str = "fp32") -> Analysis:
    """Cost every node of `graph` for its batch of images; activation memory counted at `dtype` (fp32,
    fp16, int8)."""
    batch = graph.batch
    layers = [LayerCost(node, node.op.cost(node.input_shapes, node.output_shape).batched(batch)) for node in graph.nodes]
    by_name = {layer.node.name: layer for layer in layers}
    pairs = []
    for pair in graph.pairs:
        dw, pw = by_name[pair.depthwise], by_name[pair.pointwise]
        pairs.append(PairCost(pair, pw.node.block, dw.cost + pw.cost, standard_conv(dw.node, pw.node)[1].batched(batch)))
    overall = total(layer.cost for layer in layers)
    separable = total(p.cost for p in pairs)
    standard = total(p.standard for p in pairs)
    bytes_per_element(dtype)  # an unknown dtype fails here, not at the first use of `memory`
    return Analysis(graph, tuple(layers), tuple(pairs), overall, overall - separable + standard, dtype, separable, standard)
