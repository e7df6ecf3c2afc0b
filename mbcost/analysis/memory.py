"""Activation memory: the bytes of each tensor, and the peak of *live* memory when the graph runs step by
step. A tensor is live from the step that makes it (the network input: from the start) until its last
reader has run; at each step the live set is every tensor still needed later, the step's inputs and outputs.
A batch of N images holds N times each tensor: every figure in bytes and elements is of the whole batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import accumulate

from ..arch.counts import DTYPE_BYTES, Shape
from ..graph import INPUT, Fused, Graph


def bytes_per_element(dtype: str) -> int:
    if dtype not in DTYPE_BYTES:
        raise ValueError(f"unknown dtype {dtype!r}; expected one of: {', '.join(DTYPE_BYTES)}")
    return DTYPE_BYTES[dtype]


@dataclass(frozen=True)
class TensorSize:
    """One activation tensor: the node that makes it (or `input`), its shape (of one image) and its size in
    bytes (of the whole batch)."""

    name: str
    shape: Shape
    bytes: int
    batch: int = 1

    @property
    def elements(self) -> int:
        return self.shape.elements * self.batch


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


# A step as a plain (name, inputs, outputs) tuple.
Parts = tuple[str, tuple[str, ...], tuple[str, ...]]


def steps(graph: Graph, fused: bool = False) -> tuple[Step, ...]:
    """The graph as a sequence of steps: one per node, or with each fused group as one step whose
    inputs are what the group reads from outside and whose outputs are what is read outside it (or the
    group's last tensor)."""
    return tuple(Step(*parts) for parts in _steps(graph, fused))


def _steps(graph: Graph, fused: bool) -> list[Parts]:
    if not fused or not graph.fused:
        return [(n.name, n.inputs, (n.name,)) for n in graph.nodes]
    group_of = {name: group for group in graph.fused for name in group.nodes}
    read_outside: set[str] = set()  # tensors of a group read by a node outside it
    reads: dict[str, dict[str, None]] = {}  # by group: what its nodes read from outside it, in node order
    out: list = []  # a group's step stands at its first node; filled in once all its reads are known
    current, outside = None, {}
    for n in graph.nodes:
        group = group_of.get(n.name)
        if group is None:
            out.append((n.name, n.inputs, (n.name,)))
            for name in n.inputs:
                if name in group_of:
                    read_outside.add(name)
            continue
        if group is not current:  # a group's nodes mostly come one after another
            current, outside = group, reads.get(group.block)
            if outside is None:
                outside = reads[group.block] = {}
                out.append(group)
        for name in n.inputs:
            source = group_of.get(name)
            if source is not group:
                outside[name] = None
                if source is not None:
                    read_outside.add(name)
    for i, step in enumerate(out):
        if isinstance(step, Fused):
            outputs = tuple(m for m in step.nodes if m == step.nodes[-1] or m in read_outside)
            out[i] = (step.block, tuple(reads[step.block]), outputs)
    return out


def _lifetimes(sequence: Iterable[tuple[tuple[str, ...], tuple[str, ...]]]) -> tuple[dict[str, int], dict[str, int]]:
    """From (inputs, outputs) per step: the step that makes each tensor (the input: 0) and the last that reads it."""
    last_read: dict[str, int] = {}
    made: dict[str, int] = {INPUT: 0}
    for i, (inputs, outputs) in enumerate(sequence):
        for name in inputs:
            last_read[name] = i
        for name in outputs:
            made.setdefault(name, i)
    return made, last_read


def release_points(sequence: tuple[Step, ...]) -> list[tuple[str, ...]]:
    """For each step, the tensors that die after it: those it is the last to read, and its outputs that
    nothing reads (the network output). The one liveness rule of the project: the memory figures and
    the torch module's forward pass both free tensors by it."""
    made, last_read = _lifetimes((step.inputs, step.outputs) for step in sequence)
    released: list[list[str]] = [[] for _ in sequence]
    for name, i in made.items():
        released[last_read.get(name, i)].append(name)
    return [tuple(names) for names in released]


def _live(sequence: Iterable[tuple[tuple[str, ...], tuple[str, ...]]], count: int, elements: dict[str, int]) -> list[int]:
    """Elements live at each of `count` steps given as (inputs, outputs): tensors made at or before it and
    released (release_points) at or after it. Each tensor adds its elements from the step that makes it to
    the one that releases it, so one pass over the tensors and a running sum give every step's figure."""
    made, last_read = _lifetimes(sequence)
    change = [0] * (count + 1)
    for start, end, size in zip(made.values(), map(last_read.get, made, made.values()), map(elements.__getitem__, made)):
        change[start] += size
        change[end + 1] -= size
    change.pop()
    return list(accumulate(change))


def _elements(shapes: dict[str, Shape], batch: int) -> dict[str, int]:
    """Elements of every tensor for the whole batch: a batch of N holds N images' activations at once."""
    if batch == 1:
        return {name: shape.elements for name, shape in shapes.items()}
    return {name: shape.elements * batch for name, shape in shapes.items()}


def _peak(names: Callable[[int], str], live: list[int], size: int) -> Peak:
    """The first step with the most live elements; `names` gives a step's name by index."""
    top = max(live)
    return Peak(top * size, names(live.index(top)))


def peak(graph: Graph, dtype: str = "fp32", fused: bool = False) -> int:
    """Peak live activation bytes of one inference, for Python callers (`check --max-memory` reads the
    same figure from `Analysis.memory`)."""
    size = bytes_per_element(dtype)
    sequence = _steps(graph, fused)
    return max(_live(((i, o) for _, i, o in sequence), len(sequence), _elements(tensor_shapes(graph), graph.batch))) * size


def _largest(names, shapes: dict[str, Shape], elements: dict[str, int], size: int, batch: int = 1) -> TensorSize:
    name = max(names, key=elements.__getitem__)  # the first of equals
    return TensorSize(name, shapes[name], elements[name] * size, batch)


def _by_resolution(
    shapes: dict[str, Shape], elements: dict[str, int], materialized: set[str], size: int, batch: int
) -> tuple[SizeRow, ...]:
    groups: dict[tuple[int, int], list[str]] = {}
    for name, shape in shapes.items():
        groups.setdefault((shape.height, shape.width), []).append(name)
    rows = []
    for (height, width), names in groups.items():
        kept = [n for n in names if n in materialized]
        largest = _largest(names, shapes, elements, size, batch)
        rows.append(SizeRow(height, width, largest, _largest(kept, shapes, elements, size, batch) if kept else None))
    return tuple(rows)


def analyze(graph: Graph, dtype: str = "fp32") -> Memory:
    size = bytes_per_element(dtype)
    shapes = tensor_shapes(graph)
    batch = graph.batch
    elements = _elements(shapes, batch)
    names = [n.name for n in graph.nodes]
    live = _live(zip([n.inputs for n in graph.nodes], zip(names)), len(names), elements)
    fused = _steps(graph, True)
    live_fused = _live(((i, o) for _, i, o in fused), len(fused), elements)
    layers = tuple([
        LayerMemory(name, count, count * size, alive * size)
        for name, count, alive in zip(names, map(elements.__getitem__, names), live)
    ])
    materialized = {INPUT}
    for _, _, outputs in fused:
        materialized.update(outputs)
    return Memory(
        dtype,
        size,
        layers,
        _peak(names.__getitem__, live, size),
        _peak(lambda i: fused[i][0], live_fused, size),
        _largest(shapes, shapes, elements, size, batch),
        _by_resolution(shapes, elements, materialized, size, batch),
    )
