"""Recognition: the source's units read as rows of mbcost's vocabulary (conv, depthwise, separable,
bottleneck with or without squeeze-and-excitation, fused bottleneck, max pool), then a pool and a
classifier. A run of units that no block makes is refused, never approximated."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from ..arch.blocks import BLOCKS, IN, BlockError, Context, SqueezeExcitation
from ..arch.ops import Add as AddOp
from ..arch.ops import ChannelShuffle, Concat, Conv, GlobalPool, Linear, MaxPool, MixedConv, Split, SqueezeExcite
from ..arch.scaling import WidthPolicy
from .ir import Unit, Unsupported


@dataclass
class Row:
    """One block as found: its kind, the input width it reads, and its fields before the model's defaults
    are taken out (`se` holds the SqueezeExcite op; `hidden` the expanded width of a bottleneck)."""

    kind: str
    in_channels: int
    fields: dict[str, Any]
    units: tuple[Unit, ...]
    se: SqueezeExcite | None = None
    hidden: int | None = None
    activation: str | None = None
    norm: str = "batch"


@dataclass
class Found:
    """The network as rows: body rows (stem and head are split off when the spec is written), whether a
    global pool follows, the classifier's linear layers, and the units in order (what the spec's layers
    are compared with)."""

    rows: list[Row]
    pool: bool
    linears: list[Linear] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)


def _dense(op: Any) -> bool:
    return isinstance(op, Conv) and op.groups == 1


def _pointwise(op: Any) -> bool:
    return _dense(op) and op.kernel == 1


def _depthwise(op: Any) -> bool:
    return isinstance(op, Conv) and op.groups == op.in_channels == op.out_channels and op.groups > 1


def recognise(units: list[Unit], input_value: str, channels: int, source: str) -> Found:
    """Read `units` (in order) as rows from the network's input `input_value` of `channels` channels."""
    n = len(units)
    i, x = 0, input_value
    rows: list[Row] = []
    cuts = _cuts(units, input_value)

    def reads(j: int, value: str) -> bool:
        return j < n and units[j].inputs == (value,)

    while i < n and not isinstance(units[i].op, (GlobalPool, Linear)):
        ends = [c for c in cuts if c > i]
        if _branches(units[i:ends[0]], x):
            row, i = _synthesise(units, i, ends[:3], x, channels, source)
        else:
            row, i = _match(units, i, x, reads, source)
        rows.append(row)
        x, channels = units[i - 1].output, units[i - 1].shape[0]
    found = Found(rows, False, units=units)
    if i < n and isinstance(units[i].op, GlobalPool):
        if units[i].inputs != (x,):
            raise Unsupported(source, units[i].name, "a global pool of a tensor other than the last layer's output")
        found.pool = True
        x = units[i].output
        i += 1
    while i < n:
        u = units[i]
        if not isinstance(u.op, Linear) or u.inputs != (x,):
            raise Unsupported(source, u.name, f"a {u.op.kind} after the classifier began (mbcost's classifier is a "
                              "pool, then at most two linear layers)")
        found.linears.append(u.op)
        x = u.output
        i += 1
    if found.linears and not found.pool:
        raise Unsupported(source, units[n - len(found.linears)].name, "a linear layer on a feature map that was not pooled")
    if len(found.linears) > 2:
        raise Unsupported(source, units[n - 3].name, "more than two linear layers in the classifier")
    return found


def _match(units: list[Unit], i: int, x: str, reads, source: str) -> tuple[Row, int]:
    """The row that starts at unit i (reading x) and the index after it."""
    u = units[i]
    op = u.op
    mixed = _mixed(units, i, x, reads)
    if mixed is not None:
        return mixed
    if isinstance(op, MaxPool):
        return Row("maxpool", 0, {"kernel": op.kernel, "stride": op.stride}, (u,), activation=None), i + 1
    if not isinstance(op, Conv):
        raise Unsupported(source, u.name, f"a {op.kind} with no block before it")
    j = i + 1
    # bottleneck: 1x1 expand -> depthwise -> [se] -> 1x1 linear projection -> [add]
    if (
        _pointwise(op) and op.activation != "none" and reads(j, u.output) and _depthwise(units[j].op)
        and units[j].op.activation != "none" and units[j].op.in_channels == op.out_channels
    ):
        chain, k = _tail(units, [u, units[j]], j + 1, reads)
        if chain is not None:
            return _bottleneck(chain, units, k, x, source)
    # universal bottleneck with a start depthwise (no activation): -> 1x1 expand -> [depthwise] -> [se] -> 1x1 linear
    if _depthwise(op) and op.activation == "none" and reads(j, u.output) and _pointwise(units[j].op) and units[j].op.activation != "none":
        chain, k = [u, units[j]], j + 1
        if reads(k, units[j].output) and _depthwise(units[k].op) and units[k].op.in_channels == units[j].op.out_channels:
            chain, k = chain + [units[k]], k + 1
        chain, k = _tail(units, chain, k, reads)
        if chain is not None:
            return _universal(chain, units, k, x, source)
    # bottleneck without expand conv, or separable: depthwise -> [se] -> 1x1 -> [add]
    if _depthwise(op):
        chain, k = _tail(units, [u], j, reads, linear=False)
        if chain is not None:
            if chain[-1].op.activation == "none":
                return _bottleneck(chain, units, k, x, source)
            return _separable(chain, units, k, x, source)
        return _single(u, "depthwise", x, units, j, source), j
    # fused bottleneck: dense KxK to the expanded width -> [se] -> 1x1 linear projection -> [add]
    if _dense(op) and op.activation != "none":
        chain, k = _tail(units, [u], j, reads)
        if chain is not None and op.kernel == 1:  # 1x1 expand -> [se] -> 1x1 linear: MobileNetV4's FFN
            return _universal(chain, units, k, x, source)
        if chain is not None:
            return _fused(chain, units, k, x, source)
        if _adds(units, j, x, u.output):  # the fused bottleneck whose expanded width is its input: one conv + add
            return _fused([u], units, j, x, source)
    return _single(u, "conv", x, units, j, source), j


def _tail(units: list[Unit], chain: list[Unit], j: int, reads, linear: bool = True) -> tuple[list[Unit] | None, int]:
    """chain + [squeeze-and-excitation] + a 1x1 conv (linear: without activation), or None."""
    last = chain[-1]
    if reads(j, last.output) and isinstance(units[j].op, SqueezeExcite):
        chain = chain + [units[j]]
        j += 1
    if reads(j, chain[-1].output) and _pointwise(units[j].op) and (not linear or units[j].op.activation == "none"):
        return chain + [units[j]], j + 1
    return None, j


def _adds(units: list[Unit], j: int, x: str, y: str) -> bool:
    return j < len(units) and isinstance(units[j].op, AddOp) and set(units[j].inputs) == {x, y} and x != y


def _residual(chain: list[Unit], units: list[Unit], j: int, x: str, stride: int, m: int, out: int) -> tuple[bool | None, int, tuple[Unit, ...]]:
    """(the residual field: None when as shapes allow, False when forbidden; index after; the units taken)."""
    if _adds(units, j, x, chain[-1].output):
        return None, j + 1, (*chain, units[j])
    fits = stride == 1 and m == out
    return (False if fits else None), j, tuple(chain)


def _same_norm_act(convs: list[Conv], where: str, source: str, acts: list[Conv]) -> tuple[str, str]:
    norms = {c.norm for c in convs}
    if len(norms) != 1:
        raise Unsupported(source, where, "a block whose convs differ in batch norm")
    (norm,) = norms
    for c in convs:
        if c.bias != (norm == "none"):
            raise Unsupported(source, where, f"a block conv {'with' if c.bias else 'without'} a bias {'before' if norm == 'batch' else 'and no'} "
                              "batch norm (a block's convs have a bias only without a norm)")
    names = {c.activation for c in acts}
    if len(names) != 1 or "none" in names:
        raise Unsupported(source, where, f"a block whose inner convs use activations {sorted(names)}: one, not none, is expected")
    return norm, names.pop()


def _block_common(chain: list[Unit]) -> tuple[list[Conv], SqueezeExcite | None]:
    convs = [u.op for u in chain if isinstance(u.op, Conv)]
    se = next((u.op for u in chain if isinstance(u.op, SqueezeExcite)), None)
    return convs, se


def _bottleneck(chain: list[Unit], units: list[Unit], j: int, x: str, source: str) -> tuple[Row, int]:
    convs, se = _block_common(chain)
    where = chain[0].name
    expand = convs[0] if len(convs) == 3 else None
    dw, project = convs[-2], convs[-1]
    if project.activation != "none":
        raise Unsupported(source, chain[-1].name, "a bottleneck projection with an activation")
    norm, act = _same_norm_act(convs, where, source, convs[:-1])
    m = chain[0].op.in_channels
    out = project.out_channels
    residual, j, taken = _residual(chain, units, j, x, dw.stride, m, out)
    fields: dict[str, Any] = {"kernel": dw.kernel, "channels": out, "stride": dw.stride}
    if dw.dilation != 1:
        fields["dilation"] = dw.dilation
    if residual is not None:
        fields["residual"] = residual
    hidden = dw.out_channels
    if expand is not None and hidden == m:
        fields["expand_conv"] = "always"
    return Row("bottleneck", m, fields, taken, se, hidden, act, norm), j


def _separable(chain: list[Unit], units: list[Unit], j: int, x: str, source: str) -> tuple[Row, int]:
    convs, se = _block_common(chain)
    dw, pw = convs
    norm, act = _same_norm_act(convs, chain[0].name, source, [dw])
    m = dw.in_channels
    fields: dict[str, Any] = {"kernel": dw.kernel, "channels": pw.out_channels, "stride": dw.stride}
    if dw.dilation != 1:
        fields["dilation"] = dw.dilation
    if pw.activation != act:
        fields["pointwise_activation"] = pw.activation
    if _adds(units, j, x, chain[-1].output):
        fields["residual"] = True
        return Row("separable", m, fields, (*chain, units[j]), se, None, act, norm), j + 1
    return Row("separable", m, fields, tuple(chain), se, None, act, norm), j


def _fused(chain: list[Unit], units: list[Unit], j: int, x: str, source: str) -> tuple[Row, int]:
    convs, se = _block_common(chain)
    first = convs[0]
    if len(convs) == 2 and convs[1].activation != "none":
        raise Unsupported(source, chain[-1].name, "a fused bottleneck projection with an activation")
    norm, act = _same_norm_act(convs, chain[0].name, source, convs[:1])
    m = first.in_channels
    out = convs[-1].out_channels
    if len(convs) == 2 and first.out_channels == m:
        raise Unsupported(source, chain[0].name, f"a fused bottleneck whose expanded width equals its input ({m}) but keeps "
                          "both convs (mbcost's, as torchvision's, is then one conv)")
    residual, j, taken = _residual(chain, units, j, x, first.stride, m, out)
    fields: dict[str, Any] = {"kernel": first.kernel, "channels": out, "stride": first.stride}
    if residual is not None:
        fields["residual"] = residual
    return Row("fused_bottleneck", m, fields, taken, se, first.out_channels, act, norm), j


def _universal(chain: list[Unit], units: list[Unit], j: int, x: str, source: str) -> tuple[Row, int]:
    """MobileNetV4's universal inverted bottleneck: [start depthwise, no activation] -> 1x1 expand -> [middle
    depthwise] -> [se] -> 1x1 linear projection -> [add]."""
    convs, se = _block_common(chain)
    start = convs[0] if _depthwise(convs[0]) and convs[0].activation == "none" else None
    rest = convs[1:] if start is not None else convs
    expand, *middle, project = rest
    norm, act = _same_norm_act(convs, chain[0].name, source, [expand, *middle])
    m = convs[0].in_channels
    if start is not None and middle and start.stride != 1:
        raise Unsupported(source, chain[0].name, "a universal bottleneck whose start depthwise is strided beside a middle one")
    stride = middle[0].stride if middle else start.stride if start is not None else 1
    fields: dict[str, Any] = {"channels": project.out_channels, "stride": stride}
    if start is not None:
        fields["start_kernel"] = start.kernel
    if middle:
        fields["middle_kernel"] = middle[0].kernel
    residual, j, taken = _residual(chain, units, j, x, stride, m, project.out_channels)
    if residual is not None:
        fields["residual"] = residual
    return Row("universal_bottleneck", m, fields, taken, se, expand.out_channels, act, norm), j


def _single(u: Unit, kind: str, x: str, units: list[Unit], j: int, source: str) -> Row:
    op: Conv = u.op
    if _adds(units, j, x, u.output):
        raise Unsupported(source, units[j].name, f"a residual add around a single {op.kind} conv")
    if kind == "depthwise":
        fields = {"kernel": op.kernel, "stride": op.stride}
        if op.dilation != 1:
            fields["dilation"] = op.dilation
        if op.bias != (op.norm == "none"):
            raise Unsupported(source, u.name, "a depthwise conv with a bias before batch norm")
    else:
        if op.dilation != 1:
            raise Unsupported(source, u.name, "a dilated conv outside a depthwise layer")
        fields = {"kernel": op.kernel, "channels": op.out_channels, "stride": op.stride}
        if op.groups != 1:
            fields["groups"] = op.groups
        if op.bias != (op.norm == "none"):
            fields["bias"] = op.bias
    return Row(kind, op.in_channels, fields, (u,), None, None, op.activation, op.norm)


def most_common(values: list[Any], fallback: Any) -> Any:
    """The most frequent value, the first seen among equals; `fallback` when there are none."""
    return Counter(values).most_common(1)[0][0] if values else fallback


def _cuts(units: list[Unit], input_value: str) -> list[int]:
    """The indices p where the network narrows to one tensor: no unit from p on reads anything written before
    unit p - 1 (p = 0: the input). A block lies between two cuts."""
    where = {input_value: -1} | {u.output: i for i, u in enumerate(units)}
    crossed = [0] * (len(units) + 2)
    for q, u in enumerate(units):
        for value in u.inputs:
            k = where[value]
            if k + 2 <= q:  # the read of unit k's output from unit q spans the cuts k + 2 .. q
                crossed[k + 2] += 1
                crossed[q + 1] -= 1
    cuts, running = [], 0
    for p in range(len(units) + 1):
        running += crossed[p]
        if running == 0:
            cuts.append(p)
    return cuts


def _branches(segment: list[Unit], x: str) -> bool:
    """Whether a stretch between two cuts is more than a chain with a residual add around it."""
    previous = x
    for u in segment:
        if isinstance(u.op, AddOp):
            if set(u.inputs) != {x, previous}:
                return True
        elif u.inputs != (previous,):
            return True
        previous = u.output
    return False


def _synthesise(units: list[Unit], i: int, ends: list[int], x: str, m: int, source: str) -> tuple[Row, int]:
    """A branching stretch from unit i read by synthesis: the fields of a ghost module, ghost bottleneck or
    shuffle unit are read off its units, the block expanded with them, and taken only if the expansion is the
    stretch, op for op and wire for wire. The stretch ends at one of the next cuts (a shuffle unit's shuffle
    follows the cut after its concatenation)."""
    for end in ends:
        row = _synthesised(units[i:end], x, m)
        if row is not None:
            return row, end
    segment = units[i:ends[0]]
    kinds = ", ".join(sorted({u.op.name for u in segment} - {"conv"}))
    raise Unsupported(source, segment[0].name, f"a branching part of {len(segment)} layers ({kinds} among them) that no ghost "
                      "module, ghost bottleneck or shuffle unit builds")


def _synthesised(segment: list[Unit], x: str, m: int) -> Row | None:
    convs = [u.op for u in segment if isinstance(u.op, Conv)]
    norms = {c.norm for c in convs}
    se = next((u.op for u in segment if isinstance(u.op, SqueezeExcite)), None)
    if len(norms) == 1:
        (norm,) = norms
        act = next((c.activation for c in convs if c.activation != "none"), "none")
        padding = next((c.padding for c in convs if c.padding != "either"), "symmetric")
        ctx = Context(WidthPolicy(1.0, "make_divisible", 1), norm, act, SqueezeExcitation(), padding)
        for kind, fields, hidden in _candidates(segment, convs, x):
            record = {}
            if se is not None:
                record["se"] = SqueezeExcitation(ratio=se.squeeze / se.channels, of="expanded", rounding="round",
                                                 activation=se.activation, gate=se.gate)
            try:
                expansion = BLOCKS[kind](**fields, **record).expand(m, fields.get("stride", 1), ctx)
            except (BlockError, TypeError):
                continue
            if _built_as(expansion, segment, x):
                return Row(kind, m, fields, tuple(segment), se, hidden, act, norm)
    return None


def _candidates(segment: list[Unit], convs: list[Conv], x: str):
    """(kind, fields, expanded width) to try for a branching stretch."""
    last = segment[-1]
    out = last.shape[0]
    depthwise = [c for c in convs if c.groups == c.in_channels == c.out_channels and c.groups > 1 and c.activation == "none"]
    if len(convs) == 2 and isinstance(last.op, (Concat, Split)):
        primary, cheap = convs
        yield "ghost", {"channels": out, "kernel": primary.kernel, "stride": primary.stride,
                        "ratio": cheap.out_channels // primary.out_channels + 1, "cheap_kernel": cheap.kernel}, None
    if isinstance(last.op, AddOp):
        first = next((i for i, u in enumerate(segment) if isinstance(u.op, Concat)), None)
        if first is not None:
            after = segment[first + 1] if first + 1 < len(segment) else None
            mid = after.shape[0] if after is not None and isinstance(after.op, Split) else segment[first].shape[0]
            kernel = depthwise[0].kernel if depthwise else 3
            stride = max((c.stride for c in depthwise), default=1)
            fields = {"expanded_channels": mid, "channels": out, "kernel": kernel, "stride": stride}
            yield "ghost_bottleneck", fields, mid
    if isinstance(last.op, ChannelShuffle) and depthwise:
        stride = max(c.stride for c in depthwise)
        yield "shuffle_unit", {"channels": out, "stride": stride, "kernel": depthwise[-1].kernel}, None


def _built_as(expansion: Any, segment: list[Unit], x: str) -> bool:
    """Whether a block's expansion is `segment`: the same ops, reading the same tensors, in the same order."""
    if len(expansion.layers) != len(segment):
        return False
    names = {IN: x}
    for layer, unit in zip(expansion.layers, segment):
        op = unit.op
        if isinstance(op, Conv) and op.padding == "either":
            op = replace(op, padding=layer.op.padding)
        wired = tuple(names[r] for r in layer.inputs)
        if layer.op != op or (wired != unit.inputs and not (isinstance(op, AddOp) and set(wired) == set(unit.inputs))):
            return False
        names[layer.role] = unit.output
    return True


def _mixed(units: list[Unit], i: int, x: str, reads) -> tuple[Row, int] | None:
    """MixNet's bottleneck, when a mixed conv is among its layers: 1x1 expand (maybe in groups) -> mixed depthwise
    -> [se] -> 1x1 projection (maybe in groups) -> [add], read by synthesis as a branching stretch is."""
    chain = [units[i]]
    while len(chain) < 4 and reads(i + len(chain), chain[-1].output) and isinstance(units[i + len(chain)].op, (Conv, MixedConv, SqueezeExcite)):
        chain.append(units[i + len(chain)])
    if not any(isinstance(u.op, MixedConv) for u in chain):
        return None
    convs = [u.op for u in chain if not isinstance(u.op, SqueezeExcite)]
    se = next((u.op for u in chain if isinstance(u.op, SqueezeExcite)), None)
    if len(convs) < 3:
        return None
    expand, dw, project = convs[:3]
    length = 4 if se is not None and chain[2].op is se else 3
    chain = chain[:length]
    j = i + length
    if _adds(units, j, x, chain[-1].output):
        chain.append(units[j])
    m = expand.in_channels
    kernels = dw.kernels if isinstance(dw, MixedConv) else (dw.kernel,)
    groups = [len(c.kernels) if isinstance(c, MixedConv) else 1 for c in (expand, project)]
    fields = {"expansion": dw.out_channels / m, "channels": project.out_channels, "stride": dw.stride, "kernel": kernels,
              "expand_groups": groups[0], "project_groups": groups[1]}
    norm = expand.norm
    act = dw.activation
    ctx = Context(WidthPolicy(1.0, "make_divisible", 1), norm, act, SqueezeExcitation(), "symmetric")
    record = {}
    if se is not None:
        record["se"] = SqueezeExcitation(ratio=se.squeeze / se.channels, of="expanded", rounding="round", activation=se.activation, gate=se.gate)
    try:
        expansion = BLOCKS["mixed_bottleneck"](**fields, **record).expand(m, dw.stride, ctx)
    except (BlockError, TypeError):
        return None
    if not _built_as(expansion, chain, x):
        fits = dw.stride == 1 and m == project.out_channels
        if not fits or len(chain) != length:
            return None
        fields["residual"] = False  # the shapes allow an add that the source does not make
        if not _built_as(BLOCKS["mixed_bottleneck"](**fields, **record).expand(m, dw.stride, ctx), chain, x):
            return None
    written = {k: v for k, v in fields.items() if k != "expansion" and (k not in ("expand_groups", "project_groups") or v != 1)}
    written["kernel"] = list(kernels) if len(kernels) > 1 else kernels[0]
    return Row("mixed_bottleneck", m, written, tuple(chain), se, dw.out_channels, act, norm), i + len(chain)
