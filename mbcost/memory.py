"""Activation memory: the bytes of each tensor, and the peak of *live* memory when the graph runs step by
step. A tensor is live from the step that makes it (the network input: from the start) until its last
reader has run; at each step the live set is every tensor still needed later, the step's inputs and outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .counts import DTYPE_BYTES, Shape
from .graph import INPUT, Graph



def bytes_per_element(dtype: str) -> int:
    if dtype not in DTYPE_BYTES:
        raise ValueError(f"unknown dtype {dtype!r}; expected one of: {', '.join(DTYPE_BYTES)}")
    return DTYPE_BYTES[dtype]


@dataclass(frozen=True)
class TensorSize:
    """One activation tensor: the node that makes it (or `input`), its shape and its size in bytes."""

    name: str
    shape: Shape
    bytes: int


@dataclass(frozen=True)
class LayerMemory:
    name: str
    output_elements: int
    output_bytes: int
    live_bytes: int  # every tensor live while this node runs, one node at a time


@dataclass(frozen=True)
class Step:
    """What runs at once: one node, or a fused block whose inner tensors are never held whole."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class Peak:
    bytes: int
    at: str  # the step where live memory peaks: a node name, or a fused block's name


@dataclass(frozen=True)
class SizeRow:
    """One spatial size (v2 paper, Table 3): its largest tensor, and the largest that must be
    materialized when fusable blocks run as one unit (None when every tensor of this size is inside one)."""

    height: int
    width: int
    largest: TensorSize
    largest_fused: TensorSize | None


@dataclass(frozen=True)
class Memory:
    dtype: str
    bytes_per_element: int
    layers: tuple[LayerMemory, ...]  # in node order
    peak: Peak
    peak_fused: Peak
    largest: TensorSize  # the largest tensor of the run, the network input included
    by_resolution: tuple[SizeRow, ...]  # in order of first appearance

    @property
    def max_output_bytes(self) -> int:
        """The scale of the per-layer memory bars."""
        return max(layer.output_bytes for layer in self.layers)


def tensor_shapes(graph: Graph) -> dict[str, Shape]:
    """Every tensor of the graph by name, the network input first, then in node order."""
    shapes = {INPUT: graph.input_shape}
    shapes.update((n.name, n.output_shape) for n in graph.nodes)
    return shapes


def steps(graph: Graph, fused: bool = False) -> tuple[Step, ...]:
    """The graph as a sequence of steps: one per node, or with each fused group as one step whose
    inputs are what the group reads from outside and whose outputs are what is read outside it (or the
    group's last tensor)."""
    if not fused or not graph.fused:
        return tuple(Step(n.name, n.inputs, (n.name,)) for n in graph.nodes)
    readers: dict[str, set[str]] = {}
    for n in graph.nodes:
        for name in n.inputs:
            readers.setdefault(name, set()).add(n.name)
    group_of = {name: group for group in graph.fused for name in group.nodes}
    out: list[Step] = []
    done: set[str] = set()
    for n in graph.nodes:
        group = group_of.get(n.name)
        if group is None:
            out.append(Step(n.name, n.inputs, (n.name,)))
            continue
        if group.block in done:
            continue
        done.add(group.block)
        members = set(group.nodes)
        inputs = tuple(dict.fromkeys(i for m in group.nodes for i in graph.node(m).inputs if i not in members))
        outputs = tuple(
            m for m in group.nodes if m == group.nodes[-1] or readers.get(m, set()) - members
        )
        out.append(Step(group.block, inputs, outputs))
    return tuple(out)


def release_points(sequence: tuple[Step, ...]) -> list[tuple[str, ...]]:
    """For each step, the tensors that die after it: those it is the last to read, and its outputs that
    nothing reads (the network output). The one liveness rule of the project: the memory figures and
    the torch module's forward pass both free tensors by it."""
    last_read: dict[str, int] = {}
    made: dict[str, int] = {INPUT: 0}
    for i, step in enumerate(sequence):
        for name in step.inputs:
            last_read[name] = i
        for name in step.outputs:
            made.setdefault(name, i)
    released: list[list[str]] = [[] for _ in sequence]
    for name, i in made.items():
        released[last_read.get(name, i)].append(name)
    return [tuple(names) for names in released]


def live_elements(sequence: tuple[Step, ...], shapes: dict[str, Shape]) -> list[int]:
    """Elements live at each step: tensors made earlier and read at or after it, plus its outputs."""
    releases = release_points(sequence)
    alive = {INPUT: shapes[INPUT].elements}
    total = alive[INPUT]
    out = []
    for i, step in enumerate(sequence):
        for name in step.outputs:
            if name not in alive:
                alive[name] = shapes[name].elements
                total += alive[name]
        out.append(total)
        for name in releases[i]:
            total -= alive.pop(name)
    return out


def _peak(sequence: tuple[Step, ...], live: list[int], size: int) -> Peak:
    top = max(live)
    return Peak(top * size, sequence[live.index(top)].name)


def peak(graph: Graph, dtype: str = "fp32", fused: bool = False) -> int:
    """Peak live activation bytes of one inference, for Python callers (`check --max-memory` reads the
    same figure from `Analysis.memory`)."""
    size = bytes_per_element(dtype)
    sequence = steps(graph, fused)
    return max(live_elements(sequence, tensor_shapes(graph))) * size


def _largest(names, shapes: dict[str, Shape], size: int) -> TensorSize:
    name = max(names, key=lambda n: shapes[n].elements)  # the first of equals
    return TensorSize(name, shapes[name], shapes[name].elements * size)


def by_resolution(graph: Graph, fused_steps: tuple[Step, ...], size: int) -> tuple[SizeRow, ...]:
    shapes = tensor_shapes(graph)
    materialized = {INPUT} | {name for step in fused_steps for name in step.outputs}
    groups: dict[tuple[int, int], list[str]] = {}
    for name, shape in shapes.items():
        groups.setdefault((shape.height, shape.width), []).append(name)
    rows = []
    for (height, width), names in groups.items():
        kept = [n for n in names if n in materialized]
        rows.append(SizeRow(height, width, _largest(names, shapes, size), _largest(kept, shapes, size) if kept else None))
    return tuple(rows)


def analyze(graph: Graph, dtype: str = "fp32") -> Memory:
    size = bytes_per_element(dtype)
    shapes = tensor_shapes(graph)
    nodes, fused = steps(graph), steps(graph, fused=True)
    live, live_fused = live_elements(nodes, shapes), live_elements(fused, shapes)
    layers = tuple(
        LayerMemory(n.name, n.output_shape.elements, n.output_shape.elements * size, live[i] * size)
        for i, n in enumerate(graph.nodes)
    )
    return Memory(
        dtype,
        size,
        layers,
        _peak(nodes, live, size),
        _peak(fused, live_fused, size),
        _largest(shapes, shapes, size),
        by_resolution(graph, fused, size),
    )
