"""Joining the nodes ONNX Runtime ran to the mbcost layers they compute.

The exported model names every node by its layer (`blocks.3.expand`, `blocks.3.expand/act`: the text
before the first `/`). ORT's graph optimisations rename, fuse and insert nodes; the rules, in order:

1. A fused node keeps the name of one of the nodes it replaced, decorated: the NCHWc layout transformer
   appends `_nchwc` (`blocks.3.expand/act_nchwc`: conv and activation fused), the Gemm+activation fusion
   prefixes `fused ` (`fused classifier.hidden`), the Slice-to-Split fusion appends a `/` part
   (`blocks.1.split.1/GatherSliceToSplitFusion`). Undecorated, the text before the first `/` is a layer.
2. A node ORT made itself (NCHWc `ReorderInput`/`ReorderOutput`, the HardSigmoid and Mul of an inlined
   HardSwish function body, with generated names) belongs to the layer whose tensor it reads: its first
   input is followed back through the optimised graph to a node joined by rule 1; a node fed by the
   network's input belongs to the layer that reads its output. A node the saved optimised model leaves
   unnamed is profiled as `<op>_<index>` (`HardSigmoid_180`): the unnamed nodes of one op type are paired
   with the profiled names of that op in order (ORT numbers them as it creates them, in graph order).
3. Anything else is an error: a profiled node is never dropped.

A layer with no node of its own ran inside another layer's kernel, and is measured as 0 with
`measured_in` naming that layer: (a) the optimised graph's node that writes the layer's output tensor
(a Split from two Slices writes both halves); (b) for a residual add whose tensors were renamed by the
layout transformer, the later of its inputs (ORT fuses the add into that conv as its `Sum` input). Any
other layer without a node is an error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..graph import INPUT, Graph

FUSED_PREFIXES = ("fused ",)  # GemmActivationFusion, MatMul fusions
FUSED_SUFFIXES = ("_nchwc",)  # NchwcTransformer


class JoinError(ValueError):
    """A profiled node that joins no layer, or a layer that no node computes."""


@dataclass(frozen=True)
class OptimizedNode:
    """A node of the model as ORT optimised it (saved by `SessionOptions.optimized_model_filepath`)."""

    name: str
    op: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class Join:
    """`layer_of`: each profiled node's layer; `measured_in`: each layer without a node of its own, and
    the layer whose kernel computes it."""

    layer_of: dict[str, str]
    measured_in: dict[str, str]


def undecorated(name: str) -> str:
    """`name` without ORT's fusion prefixes and suffixes (rule 1)."""
    changed = True
    while changed:
        changed = False
        for prefix in FUSED_PREFIXES:
            if name.startswith(prefix):
                name, changed = name[len(prefix) :], True
        for suffix in FUSED_SUFFIXES:
            if name.endswith(suffix):
                name, changed = name[: -len(suffix)], True
    return name


def layer_by_name(name: str, layers: Mapping[str, object]) -> str | None:
    layer = undecorated(name).split("/", 1)[0]
    return layer if layer in layers else None


def _generated_index(name: str, op: str) -> int | None:
    """N of a profiled name `<op>_<N>`, which ORT gives a node that has no name."""
    head, _, tail = name.rpartition("_")
    return int(tail) if head == op and tail.isdigit() else None


def join(
    graph: Graph, profiled: Iterable[tuple[str, str]], optimized: Iterable[OptimizedNode], layer_tensors: Mapping[str, str]
) -> Join:
    """Join every profiled node (name, op type) to a layer of `graph`. `optimized`: the optimised model's
    nodes; `layer_tensors`: each layer's output tensor in the exported model."""
    layers = {node.name: node for node in graph.nodes}
    profiled = list(profiled)
    optimized = list(optimized)
    nodes = {n.name: n for n in optimized if n.name}
    for op in {n.op for n in optimized if not n.name}:
        unnamed = [n for n in optimized if not n.name and n.op == op]
        generated = sorted((i, name) for name, o in profiled if name not in nodes and (i := _generated_index(name, o)) is not None)
        for (_, name), node in zip(generated, unnamed):
            nodes[name] = OptimizedNode(name, node.op, node.inputs, node.outputs)
    producer = {out: n for n in nodes.values() for out in n.outputs}
    consumers: dict[str, list[OptimizedNode]] = {}
    for n in nodes.values():
        for tensor in n.inputs:
            consumers.setdefault(tensor, []).append(n)

    def by_topology(name: str) -> str | None:
        seen = set()
        node = nodes.get(name)
        while node is not None and node.name not in seen:  # rule 2: back along first inputs
            seen.add(node.name)
            layer = layer_by_name(node.name, layers)
            if layer is not None:
                return layer
            source = node.inputs[0] if node.inputs else INPUT
            if source == INPUT:  # fed by the network's input: the layer that reads its output
                for reader in (r for out in node.outputs for r in consumers.get(out, ())):
                    layer = layer_by_name(reader.name, layers) or by_topology(reader.name)
                    if layer is not None:
                        return layer
                return None
            node = producer.get(source)
        return None

    layer_of: dict[str, str] = {}
    for name, _ in profiled:
        layer = layer_by_name(name, layers) or by_topology(name)
        if layer is None:
            op = nodes[name].op if name in nodes else "unknown"
            raise JoinError(f"profiled node {name!r} ({op}) joins no layer of {graph.model}")
        layer_of[name] = layer

    measured = set(layer_of.values())
    measured_in: dict[str, str] = {}
    for layer in graph.nodes:
        if layer.name in measured:
            continue
        writer = producer.get(layer_tensors.get(layer.name, ""))
        host = None
        if writer is not None:
            host = layer_by_name(writer.name, layers) or by_topology(writer.name)
        elif layer.op.name == "add":
            host = max(layer.inputs, key=lambda name: list(layers).index(name) if name in layers else -1)
        if host is None or host not in measured:
            raise JoinError(f"layer {layer.name!r} ({layer.op.kind}) has no profiled node and runs in no other layer's kernel")
        measured_in[layer.name] = host
    return Join(layer_of, measured_in)
