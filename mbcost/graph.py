"""The layer graph: the spec expanded into named primitive nodes with inferred shapes, in two steps.

The width multiplier and depth decide the ops, the resolution only the shapes: `expand` turns a spec at
one width multiplier and depth into a `Net` (every node's op and wiring), and `infer_shapes` runs a Net
at one input resolution into a `Graph`. A sweep expands once per width and infers once per resolution.

Names are dotted and say the node's role: `stem`, `blocks.3.expand`, `blocks.3.depthwise`,
`blocks.3.se`, `blocks.3.project`, `blocks.3.add`, `head`, `pool`, `classifier` (or `classifier.hidden`
and `classifier.output` when the classifier has a hidden layer). Inputs refer to earlier nodes by
name; the network's input is `input`. Naming, limits and error positions live here, not in the blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from . import limits
from .arch.blocks import IN, Block, BlockError, Context
from .arch.counts import Shape
from .arch.ops import GlobalPool, Linear, Op
from .arch.scaling import BATCH, DEPTH, WIDTH_MULTIPLIER, Resolution, WidthPolicy, scale_stage_depth
from .errors import SpecError
from .spec.records import Spec

INPUT = "input"


@dataclass(frozen=True)
class Wired:
    """A node of a Net: its op and the names it reads, with the spec row it comes from (`block`, e.g.
    `blocks.3`, and that row's kind and position, for messages)."""

    name: str
    op: Op
    inputs: tuple[str, ...]
    block: str
    kind: str  # the row's block kind; "" for the pool and the classifier
    line: int  # 0 for the pool and the classifier (no spec row)
    at: tuple[int, int]  # where a shape error is reported
    row: str = ""  # for messages: the spec row as written and the block, `blocks[3] (blocks.12, copy 2 of 4)`


@dataclass(frozen=True)
class Pair:
    """A depthwise conv and the pointwise (or projection) conv after it: a depthwise separable pair."""

    depthwise: str
    pointwise: str


@dataclass(frozen=True)
class Fused:
    """The nodes of one copy of a fusable block (`Expansion.fusable`), in order: run as one unit, only
    the tensors they read from outside and the last node's output need to be materialized."""

    block: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class Net:
    """A spec expanded at one width multiplier: ops and wiring, no shapes yet."""

    spec: Spec
    width_multiplier: float
    nodes: tuple[Wired, ...]
    pairs: tuple[Pair, ...]
    fused: tuple[Fused, ...]
    depth: float = 1.0


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
class Graph:
    """A Net run at one input size. Shapes are of one image (C x H x W); `batch` images make one
    inference, which multiplies MACs, other ops and activation memory, never params (cost.py)."""

    model: str
    width_multiplier: float
    resolution: Resolution  # height x width; str() reads 224 when square, else 512x1024
    input_shape: Shape
    nodes: tuple[Node, ...]
    pairs: tuple[Pair, ...]
    fused: tuple[Fused, ...] = ()
    depth: float = 1.0
    batch: int = 1

    @property
    def output(self) -> Node:
        return self.nodes[-1]

    def node(self, name: str) -> Node:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Node]:
        return {n.name: n for n in self.nodes}


def _block_repeats(spec: Spec, depth: float) -> tuple[int, ...]:
    """The repeats of the `blocks` rows at `depth`: each stage (consecutive rows with one `stage` number, or
    a row without one) scales its total as timm's `_scale_stage_depth`; rows with `depth_scaling: none`
    keep theirs."""
    for section, rows in (("stem", spec.stem), ("head", spec.head)):
        for i, row in enumerate(rows):
            for name, given in (("stage", row.stage is not None), ("depth_scaling", row.depth_scaling != "full")):
                if given:
                    raise SpecError(
                        f"applies to blocks only (the {section} is never deepened)",
                        file=spec.file, line=row.line, col=row.col, field=f"{section}[{i}].{row.kind}.{name}",
                    )
    repeats = [row.repeat for row in spec.blocks]
    stages: list[list[int]] = []  # row indices of each stage: a run of rows with one stage number
    for i, row in enumerate(spec.blocks):
        if i and row.stage is not None and row.stage == spec.blocks[i - 1].stage:
            stages[-1].append(i)
        else:
            stages.append([i])
    if depth == 1.0:  # ceil or round of n * 1 is n, and each row keeps its share exactly
        return tuple(repeats)
    for rows in stages:
        scaled_rows = [i for i in rows if spec.blocks[i].depth_scaling == "full"]
        if scaled_rows:
            for i, r in zip(scaled_rows, scale_stage_depth([repeats[i] for i in scaled_rows], depth, spec.depth_rounding)):
                repeats[i] = r
    return tuple(repeats)


def _check_repeats(spec: Spec, block_repeats: tuple[int, ...]) -> None:
    """Every repeat adds at least one node: refuse a spec that must pass MAX_LAYERS before expanding it."""
    count = 0
    for section, layers in (("stem", spec.stem), ("blocks", spec.blocks), ("head", spec.head)):
        for i, layer in enumerate(layers):
            count += block_repeats[i] if section == "blocks" else layer.repeat
            if count > limits.MAX_LAYERS:
                raise SpecError(
                    f"the repeats add up to more than {limits.MAX_LAYERS} layers (MAX_LAYERS)",
                    file=spec.file, line=layer.line, col=layer.col, field=f"{section}[{i}].{layer.kind}.repeat",
                )


def _row_label(section: str, index: int, rows: int) -> str:
    """A spec row as the file names it: `blocks[3]`; a stem or head of one row is just `stem`, `head`."""
    return section if rows == 1 and section != "blocks" else f"{section}[{index}]"


def _block(block: str, copy: int, repeat: int) -> str:
    """The expanded block a row's error showed in, as reports name it: ` (blocks.12)`, and for a repeated
    row which copy: ` (blocks.12, copy 2 of 4)`."""
    return f" ({block}, copy {copy + 1} of {repeat})" if repeat > 1 else f" ({block})"


def _row_error(spec: Spec, written: str, row: Block, field: str, message: str, where: str = "") -> SpecError:
    """An error found while expanding a spec row, named as the file writes it (`blocks[3].bottleneck.
    channels`), then the expanded block it showed in (`where`)."""
    return SpecError(message, file=spec.file, line=row.line, col=row.col, field=f"{written}.{row.kind}.{field}{where}")


def _exactly_one(spec: Spec, written: str, row: Block, where: str) -> None:
    """Alternative fields, e.g. a bottleneck's `expansion` (t) or `expanded_channels` (exp size)."""
    for names in row.one_of:
        given = [n for n in names if getattr(row, n) is not None]
        if len(given) != 1:
            what = "both " + " and ".join(given) if given else "neither"
            raise _row_error(spec, written, row, names[0], f"give exactly one of {' or '.join(names)}, not {what}", where)


def expand(spec: Spec, width_multiplier: float | None = None, depth: float | None = None) -> Net:
    """The ops and wiring of `spec` at width multiplier alpha and depth d (defaults: the spec's own)."""
    alpha = spec.width_multiplier if width_multiplier is None else WIDTH_MULTIPLIER.convert(width_multiplier)
    d = spec.depth if depth is None else DEPTH.convert(depth)
    block_repeats = _block_repeats(spec, d)
    _check_repeats(spec, block_repeats)
    width = WidthPolicy(alpha, spec.rounding, spec.divisor)
    ctx = Context(width, spec.defaults.norm, spec.defaults.activation, spec.defaults.se, spec.defaults.padding, spec.defaults.expansion_rounding)
    nodes: list[Wired] = []
    pairs: list[Pair] = []
    fused: list[Fused] = []
    x, channels = INPUT, spec.input.channels

    def add(name: str, op: Op, inputs: tuple[str, ...], block: str, row: Block | None, at: tuple[int, int], written: str = "") -> None:
        if len(nodes) >= limits.MAX_LAYERS:
            raise _row_error(spec, written, row, "repeat", f"the graph has more than {limits.MAX_LAYERS} layers (MAX_LAYERS)", f" ({block})")
        nodes.append(Wired(name, op, inputs, block, row.kind if row else "", row.line if row else 0, at, written))

    for section, rows in (("stem", spec.stem), ("blocks", spec.blocks), ("head", spec.head)):
        repeats = block_repeats if section == "blocks" else tuple(row.repeat for row in rows)
        count = sum(repeats)
        index = 0
        for r, (row, repeat) in enumerate(zip(rows, repeats)):
            written = _row_label(section, r, len(rows))
            for i in range(repeat):
                block = section if count == 1 and section != "blocks" else f"{section}.{index}"
                index += 1
                if i == 0:  # the same row for every copy: checked once
                    _exactly_one(spec, written, row, _block(block, 0, 1))
                try:
                    expansion = row.expand(channels, row.first_stride if i == 0 else 1, ctx)
                except BlockError as error:
                    raise _row_error(spec, written, row, error.field, str(error), _block(block, i, row.repeat)) from None
                names, widths = {IN: x}, {IN: channels}
                for layer in expansion.layers:
                    name = f"{block}.{layer.role}" if layer.role else block
                    label = written + _block(block, i, row.repeat)
                    add(name, layer.op, tuple(names[r] for r in layer.inputs), block, row, (row.line, row.col), label)
                    names[layer.role] = name
                    widths[layer.role] = layer.op.output_channels(tuple(widths[r] for r in layer.inputs))
                pairs.extend(Pair(names[dw], names[pw]) for dw, pw in expansion.pairs)
                if expansion.fusable and len(expansion.layers) > 1:
                    fused.append(Fused(block, tuple(names[layer.role] for layer in expansion.layers)))
                last = expansion.layers[-1].role
                x, channels = names[last], widths[last]
    if spec.pool:
        add("pool", GlobalPool(), (x,), "pool", None, (0, 0))
        x = "pool"
    head = spec.classifier
    if head is not None:
        at = (head.line, head.col)
        if head.hidden is None and head.hidden_norm != "none":
            raise SpecError(
                "hidden_norm needs a hidden layer: give classifier.hidden", file=spec.file, line=head.line, col=head.col,
                field="classifier.hidden_norm",
            )
        if head.hidden is not None:
            # MobileNetV3 (torchvision): Linear -> Hardswish -> Dropout -> Linear, hidden width adjust_channels(1280).
            hidden = width.channels(head.hidden, head.hidden_scaling)
            if hidden > limits.MAX_CHANNELS:
                raise SpecError(
                    f"{head.hidden} channels at alpha {alpha:g} give {hidden}, above the limit of {limits.MAX_CHANNELS} (MAX_CHANNELS)",
                    file=spec.file, line=head.line, col=head.col, field="classifier.hidden",
                )
            # MobileNetV4 (timm head_norm): 1x1 conv without bias -> BN -> ReLU on the pooled map, a Linear's counts.
            hidden_op = Linear(
                channels, hidden, head.hidden_norm == "none", 0.0, head.hidden_activation or ctx.activation, head.hidden_norm
            )
            add("classifier.hidden", hidden_op, (x,), "classifier", None, at)
            x, channels = "classifier.hidden", hidden
        name = "classifier" if head.hidden is None else "classifier.output"  # a name is never also a prefix
        add(name, Linear(channels, spec.classes, True, head.dropout), (x,), "classifier", None, at)
    if not nodes:
        raise SpecError("the spec has no layers", file=spec.file, line=1, col=1, field="blocks")
    return Net(spec, alpha, tuple(nodes), tuple(pairs), tuple(fused), d)


def infer_shapes(net: Net, resolution: Resolution | int | tuple[int, int] | str | None = None, batch: int | None = None) -> Graph:
    """Run the shapes of `net` at an input `resolution`: one side (224, a square), (height, width), a
    Resolution or text '512x1024' (default: the spec's own), for `batch` images (default 1)."""
    spec = net.spec
    size = spec.input.size if resolution is None else Resolution.of(resolution)
    images = 1 if batch is None else BATCH.convert(batch)
    shapes = {INPUT: Shape(spec.input.channels, size.height, size.width)}
    nodes = []
    for w in net.nodes:
        inputs = tuple(shapes[name] for name in w.inputs)
        try:
            out = w.op.output_shape(inputs)
        except ValueError as error:
            field = w.block
            if w.kind:  # the row as written, its kind and op, then the block: blocks[3].bottleneck.add (blocks.12, copy 2 of 4)
                row, _, where = w.row.partition(" ")
                field = f"{row}.{w.kind}.{w.op.name} {where}"
            raise SpecError(str(error), file=spec.file, line=w.at[0], col=w.at[1], field=field) from None
        shapes[w.name] = out
        nodes.append(Node(w.name, w.op, w.inputs, inputs, out, w.block, w.line))
    return Graph(spec.model, net.width_multiplier, size, shapes[INPUT], tuple(nodes), net.pairs, net.fused, net.depth, images)


def build_graph(
    spec: Spec,
    width_multiplier: float | None = None,
    resolution: Resolution | int | tuple[int, int] | str | None = None,
    depth: float | None = None,
    batch: int | None = None,
) -> Graph:
    """Expand `spec` at width multiplier alpha, depth d and input resolution (defaults: the spec's own),
    for `batch` images (default 1)."""
    return infer_shapes(expand(spec, width_multiplier, depth), resolution, batch)
