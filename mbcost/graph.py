"""The layer graph: the spec expanded into named primitive nodes with inferred shapes.

Names are dotted and say the node's role: `stem`, `blocks.3.expand`, `blocks.3.depthwise`,
`blocks.3.se`, `blocks.3.project`, `blocks.3.add`, `head`, `pool`, `classifier` (or `classifier.hidden`
and `classifier.output` when the classifier has a hidden layer). Inputs refer to earlier nodes by
name; the network's input is `input`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from . import limits
from .blocks import Block
from .counts import Shape
from .errors import SpecError
from .fieldtypes import Int, Number
from .ops import Linear, GlobalPool, Op
from .scaling import scale_channels
from .spec import Spec

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


_ALPHA = Number(maximum=limits.MAX_WIDTH_MULTIPLIER)
_RESOLUTION = Int(maximum=limits.MAX_RESOLUTION, limit_name="MAX_RESOLUTION")


def check_width_multiplier(value: float) -> float:
    return _ALPHA.convert(value)


def check_resolution(value: int) -> int:
    return _RESOLUTION.convert(value)


class Builder:
    """Running state while a spec expands: the scaling rule, model defaults and the nodes so far."""

    def __init__(self, spec: Spec, width_multiplier: float):
        self.spec = spec
        self.width_multiplier = width_multiplier
        self.nodes: list[Node] = []
        self.pairs: list[Pair] = []
        self.fused: list[Fused] = []
        self.block = ""
        self.names: set[str] = {INPUT}

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

    def add(self, name: str, op: Op, inputs: tuple[Tensor, ...], block: Block | None) -> Tensor:
        if len(self.nodes) >= limits.MAX_LAYERS:
            self.fail(block, "repeat", f"the graph has more than {limits.MAX_LAYERS} layers (MAX_LAYERS)")
        shapes = tuple(t.shape for t in inputs)
        try:
            out = op.output_shape(shapes)
        except ValueError as error:
            self.fail(block, op.name, str(error))
        node = Node(name, op, tuple(t.name for t in inputs), shapes, out, self.block, block.line if block else 0)
        self.nodes.append(node)
        return Tensor(name, out)

    def pair(self, depthwise: Tensor, pointwise: Tensor) -> None:
        self.pairs.append(Pair(depthwise.name, pointwise.name))


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


def build_graph(spec: Spec, width_multiplier: float | None = None, resolution: int | None = None) -> Graph:
    """Expand `spec` at width multiplier alpha and input resolution (defaults: the spec's own)."""
    alpha = spec.width_multiplier if width_multiplier is None else check_width_multiplier(width_multiplier)
    size = spec.input.resolution if resolution is None else check_resolution(resolution)
    _check_repeats(spec)
    b = Builder(spec, alpha)
    x = Tensor(INPUT, Shape(spec.input.channels, size, size))
    for section, layers in (("stem", spec.stem), ("blocks", spec.blocks), ("head", spec.head)):
        count = sum(layer.repeat for layer in layers)
        index = 0
        for layer in layers:
            for i in range(layer.repeat):
                name = section if count == 1 and section != "blocks" else f"{section}.{index}"
                b.block = name
                start = len(b.nodes)
                for names in layer.one_of:
                    b.exactly_one(layer, names)
                x = layer.build(b, name, x, layer.first_stride if i == 0 else 1)
                if layer.fusable and len(b.nodes) - start > 1:
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
