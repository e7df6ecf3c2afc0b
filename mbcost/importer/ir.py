"""The import's common language: `Prim`, one primitive op of the source with its output shape, and
`Unit`, one mbcost op made of a few prims (a conv with its norm and activation, a squeeze-and-excitation
with its pool, convs, gate and multiply). Units are what the recogniser reads and what the spec's layers
are compared with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..arch.ops import Add as AddOp
from ..arch.ops import ChannelShuffle, Concat, Conv, GlobalPool, Linear, MaxPool, MixedConv, Op, Split, SqueezeExcite
from ..errors import SpecError


@dataclass(frozen=True)
class Prim:
    """One primitive op: `name` as the source calls it (module path, ONNX node name), its input values,
    its output value, its output's per-sample shape (C, H, W) or (F,), its attributes, and the parameters it
    holds (`params`, the source's own count)."""

    name: str
    # conv, norm, act, add, mul, global_pool, linear, maxpool, concat, split, shuffle, or identity: anything that moves no data a
    # count sees (flatten, a reshape of a pooled vector, dropout with its rate in `attrs`, a conv's Pad)
    kind: str
    inputs: tuple[str, ...]
    output: str
    shape: tuple[int, ...]
    attrs: dict[str, Any] = field(default_factory=dict)
    params: int = 0


@dataclass(frozen=True)
class Unit:
    """One mbcost op recognised in the source: its op, the values it reads, the value it writes, and what it
    counts in the source (the params its prims hold, its MACs from the source's shapes)."""

    op: Op
    inputs: tuple[str, ...]
    output: str
    shape: tuple[int, ...]
    sources: tuple[str, ...]
    params: int
    macs: int

    @property
    def name(self) -> str:
        return self.sources[0]


class Unsupported(SpecError):
    """A part of the source with no op or block in mbcost's vocabulary: named, with why."""

    def __init__(self, source: str, where: str, why: str):
        super().__init__(f"{why}: no block of mbcost's vocabulary makes it, so nothing was written", file=source, field=where)


def units(prims: list[Prim], source: str) -> list[Unit]:
    """The prims fused into mbcost ops, in order: squeeze-and-excitation first (it contains convs), then
    conv (+ norm) (+ activation) and linear (+ norm) (+ activation); adds, pools and max pools stand alone."""
    by_output = {p.output: p for p in prims}
    readers: dict[str, list[Prim]] = {}
    for p in prims:
        for value in p.inputs:
            readers.setdefault(value, []).append(p)

    def real(value: str) -> str:
        return _through_identities(value, by_output)

    def sole_reader(p: Prim) -> Prim | None:
        """The one prim reading `p`'s output through any identities, or None."""
        value = p.output
        while len(readers.get(value, [])) == 1:
            (reader,) = readers[value]
            if reader.kind != "identity":
                return reader
            value = reader.output
        return None

    se_members = _squeeze_excitations(prims, by_output)
    se_muls = set(se_members.values())
    used: set[str] = set()
    out: list[Unit] = []
    for p in prims:
        if p.name in used or p.kind == "identity" or p.output in se_members:
            continue
        if p.name in se_muls:
            out.append(_squeeze_excite(p, [q for q in prims if se_members.get(q.output) == p.name], real))
        elif p.kind in ("conv", "linear"):
            chain = [p]
            for kind in ("norm", "act"):
                nxt = sole_reader(chain[-1])
                if nxt is not None and nxt.kind == kind:
                    chain.append(nxt)
            used.update(c.name for c in chain)
            out.append(_conv_or_linear(chain, real, by_output, source))
        elif p.kind == "add":
            out.append(Unit(AddOp(), tuple(real(v) for v in p.inputs), p.output, p.shape, (p.name,), 0, 0))
        elif p.kind == "concat":
            out.append(Unit(Concat(), tuple(real(v) for v in p.inputs), p.output, p.shape, (p.name,), 0, 0))
        elif p.kind == "split":
            out.append(Unit(Split(p.attrs["start"], p.attrs["channels"]), (real(p.inputs[0]),), p.output, p.shape, (p.name,), 0, 0))
        elif p.kind == "shuffle":
            out.append(Unit(ChannelShuffle(p.attrs["groups"]), (real(p.inputs[0]),), p.output, p.shape, (p.name,), 0, 0))
        elif p.kind == "global_pool":
            out.append(Unit(GlobalPool(), (real(p.inputs[0]),), p.output, p.shape, (p.name,), 0, 0))
        elif p.kind == "maxpool":
            a = p.attrs
            if a["padding"] != a["kernel"] // 2 or a["kernel"] % 2 == 0:
                raise Unsupported(source, p.name, f"a {a['kernel']}x{a['kernel']} max pool padded by {a['padding']}: "
                                  "mbcost's max pool has an odd K, padded by K // 2")
            out.append(Unit(MaxPool(a["kernel"], a["stride"]), (real(p.inputs[0]),), p.output, p.shape, (p.name,), 0, 0))
        elif p.kind == "norm":
            raise Unsupported(source, p.name, "a batch norm after something other than a conv or linear layer")
        elif p.kind == "act":
            raise Unsupported(source, p.name, f"a {p.attrs['name']} activation after something other than a conv or linear layer")
        elif p.kind == "mul":
            raise Unsupported(source, p.name, "an elementwise multiply that is not a squeeze-and-excitation gate")
        else:
            raise Unsupported(source, p.name, f"a {p.kind} op")
    return out


def _conv_or_linear(chain: list[Prim], real, by_output, source: str) -> Unit:
    p, rest = chain[0], chain[1:]
    a = p.attrs
    norm = "batch" if any(c.kind == "norm" for c in rest) else "none"
    activation = next((c.attrs["name"] for c in rest if c.kind == "act"), "none")
    params = sum(c.params for c in chain)
    x = p.inputs[0]
    last = chain[-1]
    if "kernels" in a:
        op: Op = MixedConv(a["in_channels"], a["out_channels"], a["kernels"], a["stride"], a["depthwise"], a["bias"], norm, activation)
        if op.splits != tuple((k, m, n) for k, (m, n) in zip(a["kernels"], a["splits"])):
            raise Unsupported(source, p.name, f"a mixed conv split {a['splits']}: mbcost's splits are equal, the remainder to the first")
        macs = a["weights"] * p.shape[1] * p.shape[2]
    elif p.kind == "conv" and a["spatial_in"] != (1, 1):
        op = Conv(
            a["in_channels"], a["out_channels"], a["kernel"], a["stride"], a["groups"], a["bias"], norm, activation,
            a["dilation"], a["padding"],
        )
        macs = a["weights"] * p.shape[1] * p.shape[2]
    else:  # a linear layer, or a 1x1 conv on a pooled 1x1 map (timm's efficient head): the same counts
        if p.kind == "conv" and (a["kernel"] != 1 or a["groups"] != 1):
            raise Unsupported(source, p.name, f"a {a['kernel']}x{a['kernel']} conv in {a['groups']} groups on a 1x1 map")
        op = Linear(a["in_channels"], a["out_channels"], a["bias"], _dropout_before(x, by_output), activation, norm)
        macs = a["in_channels"] * a["out_channels"]
    return Unit(op, (real(x),), last.output, last.shape, tuple(c.name for c in chain), params, macs)


def _dropout_before(value: str, by_output) -> float:
    """The dropout rate on the way to a linear layer (through flatten, reshape and dropout), 0 when none."""
    while value in by_output and by_output[value].kind == "identity":
        p = by_output[value]
        if p.attrs.get("dropout"):
            return p.attrs["dropout"]
        value = p.inputs[0]
    return 0.0


def _squeeze_excite(mul: Prim, inner: list[Prim], real) -> Unit:
    pool = next(q for q in inner if q.kind == "global_pool")
    reduce, expand = (q for q in inner if q.kind == "conv")
    acts = [q for q in inner if q.kind == "act"]
    inner_act = acts[0].attrs["name"] if len(acts) == 2 else "none"
    channels, squeeze = reduce.attrs["in_channels"], reduce.attrs["out_channels"]
    op = SqueezeExcite(channels, squeeze, inner_act, acts[-1].attrs["name"])
    sources = (mul.name, *(q.name for q in inner))
    return Unit(op, (real(pool.inputs[0]),), mul.output, mul.shape, sources, reduce.params + expand.params, 2 * channels * squeeze)


def _squeeze_excitations(prims: list[Prim], by_output: dict[str, Prim]) -> dict[str, str]:
    """Squeeze-and-excitation found at each multiply of a C x H x W tensor by a C x 1 x 1 gate computed from
    it: global pool -> 1x1 conv (bias) -> activation -> 1x1 conv (bias) -> gate -> multiply. Returns
    {value of every prim inside: the multiply's name}."""
    found: dict[str, str] = {}
    for p in prims:
        if p.kind != "mul" or len(p.inputs) != 2:
            continue
        shapes = [by_output[v].shape if v in by_output else None for v in p.inputs]
        for gate_side in (0, 1):
            g, x = p.inputs[gate_side], p.inputs[1 - gate_side]
            gs, xs = shapes[gate_side], shapes[1 - gate_side]
            if gs is None or xs is None or len(gs) != 3 or gs[1:] != (1, 1) or gs != (xs[0], 1, 1) or xs[1:] == (1, 1):
                continue
            chain = _walk_back(g, by_output, ("act", "conv", "act?", "conv", "global_pool"))
            if chain is None:
                continue
            pool = chain[-1]
            if _through_identities(pool.inputs[0], by_output) != _through_identities(x, by_output):
                continue
            for q in chain:
                found[q.output] = p.name
            break
    return found


def _through_identities(value: str, by_output) -> str:
    while value in by_output and by_output[value].kind == "identity":
        value = by_output[value].inputs[0]
    return value


def _walk_back(value: str, by_output, kinds: tuple[str, ...]) -> list[Prim] | None:
    """The prims producing `value` backwards through `kinds` (a trailing ? makes one optional)."""
    chain = []
    for kind in kinds:
        value = _through_identities(value, by_output)
        p = by_output.get(value)
        optional = kind.endswith("?")
        if p is None or p.kind != kind.rstrip("?"):
            if optional:
                continue
            return None
        chain.append(p)
        value = p.inputs[0]
    return chain
