"""The layer graph: the spec expanded into named primitive nodes with inferred shapes.

Names are dotted and say the node's role: `stem`, `blocks.3.expand`, `blocks.3.depthwise`,
`blocks.3.se`, `blocks.3.project`, `blocks.3.add`, `head`, `pool`, `classifier` (or `classifier.hidden`
and `classifier.output` when the classifier has a hidden layer). Inputs refer to earlier nodes by
name; the network's input is `input`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache
from operator import attrgetter
from typing import Any, NoReturn

from . import limits
from .arch.blocks import Block
from .arch.counts import Shape
from .arch.ops import GlobalPool, Linear, Op
from .arch.scaling import RESOLUTION, WIDTH_MULTIPLIER, scale_channels
from .errors import SpecError
from .gcpause import gc_paused
from .spec.records import Spec

INPUT = "input"


@dataclass(frozen=True)
class Tensor:
    """A value flowing through the graph: the node that makes it and its shape."""

    name: str
    shape: Shape


@dataclass(frozen=True)
class Node:
    name: str
    op: Op
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    block: str  # the spec row's instance this node belongs to, e.g. `blocks.3`
    line: int  # spec line of that row (0 when none)

    @property
    def input_shape(self) -> Shape:
        return self.input_shapes[0]


@dataclass(frozen=True)
class Pair:
    """A depthwise conv and the pointwise (or projection) conv after it: a depthwise separable pair."""

    depthwise: str
    pointwise: str


@dataclass(frozen=True)
class Fused:
    """The nodes of one copy of a fusable block kind (`Block.fusable`), in order: run as one unit, only
    the tensors they read from outside and the last node's output need to be materialized."""

    block: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class Graph:
    model: str
    width_multiplier: float
    resolution: int
    input_shape: Shape
    nodes: tuple[Node, ...]
    pairs: tuple[Pair, ...]
    fused: tuple[Fused, ...] = ()

    @property
    def output(self) -> Node:
        return self.nodes[-1]

    def node(self, name: str) -> Node:
        return self._by_name[name]

    @property
    def _by_name(self) -> dict[str, Node]:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {n.name: n for n in self.nodes}
            object.__setattr__(self, "_cache", cache)
        return cache


class Builder:
    """Running state while a spec expands: the scaling rule, model defaults and the nodes so far."""

    def __init__(self, spec: Spec, width_multiplier: float):
        self.spec = spec
        self.width_multiplier = width_multiplier
        self.nodes: list[Node] = []
        self.pairs: list[Pair] = []
        self.fused: list[Fused] = []
        self.block = ""
        # Equal ops and shapes become one object, so later passes can key memos on identity (cost.analyze).
        self.interned: dict = {}

    def fail(self, block: Block | None, field: str, message: str) -> NoReturn:
        line, col = (block.line, block.col) if block else (0, 0)
        kind = f"{block.kind}." if block else ""
        raise SpecError(message, file=self.spec.file, line=line, col=col, field=f"{self.block} ({kind}{field})" if block else field)

    def channels(self, channels: int, scaling: str, block: Block, field: str) -> int:
        spec = self.spec
        out = scale_channels(channels, self.width_multiplier, spec.rounding, spec.divisor, scaling)
        if out > limits.MAX_CHANNELS:
            self.fail(block, field, f"{channels} channels at alpha {self.width_multiplier:g} give {out}, above the limit of {limits.MAX_CHANNELS} (MAX_CHANNELS)")
        return out

    def checked(self, channels: int, block: Block, field: str) -> int:
        """A channel count derived from the input (an expansion), held to 1..MAX_CHANNELS."""
        if channels < 1:  # round(m * t) is 0 for t < 1 / (2m): a conv with no channels is no layer
            self.fail(block, field, f"gives {channels} channels; it must give at least 1")
        if channels > limits.MAX_CHANNELS:
            self.fail(block, field, f"expands to {channels} channels, above the limit of {limits.MAX_CHANNELS} (MAX_CHANNELS)")
        return channels

    def exactly_one(self, block: Block, names: tuple[str, ...]) -> None:
        """Alternative fields, e.g. a bottleneck's `expansion` (t) or `expanded_channels` (exp size)."""
        given = [n for n in names if getattr(block, n) is not None]
        if len(given) != 1:
            what = "both " + " and ".join(given) if given else "neither"
            self.fail(block, names[0], f"give exactly one of {' or '.join(names)}, not {what}")

    def activation(self, override: str | None) -> str:
        return override or self.spec.defaults.activation

    def norm(self, override: str | None) -> str:
        return override or self.spec.defaults.norm

    def intern(self, value: Any) -> Any:
        return self.interned.setdefault(value, value)

    def add(self, name: str, op: Op, inputs: tuple[Tensor, ...], block: Block | None) -> Tensor:
        if len(self.nodes) >= limits.MAX_LAYERS:
            self.fail(block, "repeat", f"the graph has more than {limits.MAX_LAYERS} layers (MAX_LAYERS)")
        shapes = self.intern(tuple(t.shape for t in inputs))
        op = self.intern(op)
        try:
            out = self.intern(op.output_shape(shapes))
        except ValueError as error:
            self.fail(block, op.name, str(error))
        node = Node(name, op, tuple(t.name for t in inputs), shapes, out, self.block, block.line if block else 0)
        self.nodes.append(node)
        return Tensor(name, out)

    def pair(self, depthwise: Tensor, pointwise: Tensor) -> None:
        self.pairs.append(Pair(depthwise.name, pointwise.name))

    def record(self, prefix: str, x: Tensor, start: int, pairs: int, out: Tensor) -> Copy | None:
        """The nodes and pairs added since `start` and `pairs` by one copy of a row that read `x` and
        returned `out`, with names relative to `prefix`; None if they cannot be replayed (a name outside
        the prefix or an input from outside the copy)."""
        local = {x.name: 0}
        nodes = []
        for n in self.nodes[start:]:
            if not n.name.startswith(prefix) or any(name not in local for name in n.inputs):
                return None
            nodes.append((n.name[len(prefix):], n.op, tuple(local[name] for name in n.inputs), n.input_shapes, n.output_shape))
            local[n.name] = len(local)
        added = self.pairs[pairs:]
        if out.name not in local or any(p.depthwise not in local or p.pointwise not in local for p in added):
            return None
        return Copy(tuple(nodes), tuple((local[p.depthwise], local[p.pointwise]) for p in added), local[out.name])

    def replay(self, copy: Copy, prefix: str, x: Tensor, line: int) -> Tensor:
        """Add the nodes and pairs of `copy` under `prefix`, reading `x`; return the output."""
        names = [x.name]
        block, append = self.block, self.nodes.append
        for suffix, op, refs, shapes, out in copy.nodes:
            name = prefix + suffix
            append(Node(name, op, tuple(map(names.__getitem__, refs)), shapes, out, block, line))
            names.append(name)
        self.pairs.extend(Pair(names[dw], names[pw]) for dw, pw in copy.pairs)
        k = copy.output
        return Tensor(names[k], copy.nodes[k - 1][4]) if k else x


class Copy:
    """One expanded copy of a spec row with names relative to its prefix. Tensors are numbered: 0 the
    copy's input, k its k-th node. `nodes` holds (name suffix, op, input numbers, input shapes, output
    shape) per node, `pairs` the (depthwise, pointwise) numbers, `output` the number it returns.
    A plain class, not a dataclass: this module is on the import path of every command."""

    __slots__ = ("nodes", "output", "pairs")

    def __init__(self, nodes: tuple, pairs: tuple[tuple[int, int], ...], output: int):
        self.nodes, self.pairs, self.output = nodes, pairs, output


@cache
def _content(cls: type[Block]) -> Callable[[Block], tuple]:
    """What decides the expansion of one copy of a row: its kind and fields, but not its position or
    repeat count. (Each spec field converts to one type, fieldtypes.py, so equal values build equal ops.)"""
    names = [f.name for f in fields(cls) if f.name not in ("repeat", "line", "col")]
    get = attrgetter(*names) if names else (lambda block: None)
    return lambda block: (cls, get(block))


def _check_repeats(spec: Spec) -> None:
    """Every repeat adds at least one node: refuse a spec that must pass MAX_LAYERS before building it."""
    count = 0
    for section, layers in (("stem", spec.stem), ("blocks", spec.blocks), ("head", spec.head)):
        for i, layer in enumerate(layers):
            count += layer.repeat
            if count > limits.MAX_LAYERS:
                raise SpecError(
                    f"the repeats add up to more than {limits.MAX_LAYERS} layers (MAX_LAYERS)",
                    file=spec.file, line=layer.line, col=layer.col, field=f"{section}[{i}].{layer.kind}.repeat",
                )


@gc_paused()
def build_graph(spec: Spec, width_multiplier: float | None = None, resolution: int | None = None) -> Graph:
    """Expand `spec` at width multiplier alpha and input resolution (defaults: the spec's own)."""
    alpha = spec.width_multiplier if width_multiplier is None else WIDTH_MULTIPLIER.convert(width_multiplier)
    size = spec.input.resolution if resolution is None else RESOLUTION.convert(resolution)
    _check_repeats(spec)
    b = Builder(spec, alpha)
    x = Tensor(INPUT, Shape(spec.input.channels, size, size))
    # A copy of a row expands the same way wherever it comes (Block.build), so each distinct (row
    # content, input shape, stride) is built once and replayed after: the repeats of a row, and rows
    # that differ only in position, cost one node construction per node and none of the checks.
    copies: dict[tuple, Copy | None] = {}
    for section, layers in (("stem", spec.stem), ("blocks", spec.blocks), ("head", spec.head)):
        count = sum(layer.repeat for layer in layers)
        index = 0
        for layer in layers:
            content = _content(type(layer))(layer)
            fusable = layer.fusable
            for i in range(layer.repeat):
                name = section if count == 1 and section != "blocks" else f"{section}.{index}"
                b.block = name
                start = len(b.nodes)
                stride = layer.first_stride if i == 0 else 1
                key = (content, x.shape, stride)
                copy = copies.get(key)
                if copy is not None and start + len(copy.nodes) <= limits.MAX_LAYERS:
                    x = b.replay(copy, name, x, layer.line)
                else:
                    if i == 0:  # the same row for every copy: checked once
                        for names in layer.one_of:
                            b.exactly_one(layer, names)
                    pairs = len(b.pairs)
                    out = layer.build(b, name, x, stride)
                    if key not in copies:
                        copies[key] = b.record(name, x, start, pairs, out)
                    x = out
                if fusable and len(b.nodes) - start > 1:
                    b.fused.append(Fused(name, tuple(n.name for n in b.nodes[start:])))
                index += 1
    if spec.pool:
        b.block = "pool"
        x = b.add("pool", GlobalPool(), (x,), None)
    if spec.classifier is not None:
        b.block = "classifier"
        head = spec.classifier
        if (x.shape.height, x.shape.width) != (1, 1):
            raise SpecError("needs a Cx1x1 input: add `pool: average` before it", file=spec.file, line=head.line, col=head.col, field="classifier")
        if head.hidden is not None:
            # MobileNetV3 (torchvision): Linear -> Hardswish -> Dropout -> Linear, hidden width adjust_channels(1280).
            width = scale_channels(head.hidden, alpha, spec.rounding, spec.divisor, head.hidden_scaling)
            if width > limits.MAX_CHANNELS:
                raise SpecError(
                    f"{head.hidden} channels at alpha {alpha:g} give {width}, above the limit of {limits.MAX_CHANNELS} (MAX_CHANNELS)",
                    file=spec.file, line=head.line, col=head.col, field="classifier.hidden",
                )
            hidden = Linear(x.shape.channels, width, True, 0.0, b.activation(head.hidden_activation))
            x = b.add("classifier.hidden", hidden, (x,), None)
        name = "classifier" if head.hidden is None else "classifier.output"  # a name is never also a prefix
        x = b.add(name, Linear(x.shape.channels, spec.classes, True, head.dropout), (x,), None)
    if not b.nodes:
        raise SpecError("the spec has no layers", file=spec.file, line=1, col=1, field="blocks")
    return Graph(spec.model, alpha, size, Shape(spec.input.channels, size, size), tuple(b.nodes), tuple(b.pairs), tuple(b.fused))
