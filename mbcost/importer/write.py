"""The spec as a person would write it: the model's defaults (activation, norm, padding, the
squeeze-and-excitation that `se: true` means) taken out of the rows, expansions as factors where they are
whole or half, equal consecutive rows folded into `repeat:`, the channel divisor found, and a comment naming
the source."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any

from ..arch.blocks import SqueezeExcitation
from ..arch.ops import Conv
from ..arch.scaling import SQUEEZE_ROUNDING
from .ir import Unsupported
from .recognise import Found, Row, most_common

# The squeeze-and-excitation rules of the implementations mbcost knows, tried in this order among equally
# good ones: torchvision's MobileNetV3, timm's EfficientNet, timm's MobileNetV3, torchvision's EfficientNet.
SE_RULES = (
    ("expanded", "floor_make_divisible"), ("input", "round"), ("expanded", "make_divisible"), ("input", "floor"),
    *((of, rounding) for of in ("input", "expanded") for rounding in SQUEEZE_ROUNDING),
)
FIELD_ORDER = ("start_kernel", "middle_kernel", "expansion", "expanded_channels", "kernel", "channels", "repeat", "stride")


def spec_text(found: Found, input_shape: tuple[int, int, int], classes: int, source: str, kind: str) -> str:
    """The YAML text of the spec `found` describes, at width multiplier 1."""
    rows = found.rows
    if not rows:
        raise Unsupported(source, "network", "no conv layer: nothing a spec's rows could hold")
    acts = [r.activation for r in rows if r.activation is not None]
    activation = most_common(acts, "relu")
    norm = most_common([r.norm for r in rows if r.kind != "maxpool"], "batch")
    paddings = {u.op.padding for r in rows for u in r.units if isinstance(u.op, Conv)} - {"either"}
    if len(paddings) > 1:
        raise Unsupported(source, rows[0].units[0].name, "convs padded both symmetrically and as TensorFlow's 'SAME'")
    padding = paddings.pop() if paddings else "symmetric"
    # One table style: expansion factors (t) when every bottleneck's is whole or half, else every expanded
    # width as written (MobileNetV3's exp size).
    by_factor = all((2 * r.hidden) % r.in_channels == 0 for r in rows if r.kind == "bottleneck")
    written = [_fields(r, by_factor) for r in rows]
    declared = [w for r, f in zip(rows, written) for w in _declared(r, f)]
    declared += [lin.out_features for lin in found.linears[:-1]]
    divisor = next(d for d in (8, 4, 2, 1) if all(w % d == 0 for w in declared))
    se_default = _se_default(rows, divisor)
    for r, f in zip(rows, written):
        if r.activation is not None and r.activation != activation:
            f["activation"] = r.activation
        if r.kind != "maxpool" and r.norm != norm:
            f["norm"] = r.norm
        if r.se is not None:
            f["se"] = True if se_default is not None and _squeeze(se_default, r, divisor) == r.se.squeeze and _same_acts(se_default, r) else _se_own(r, source, divisor)
    items = list(zip((r.kind for r in rows), written))
    stem, body, head = _split(items)
    lines = [
        f"# Imported by `mbcost import` from {source} ({kind}), input {'x'.join(map(str, input_shape))}.",
        "# Every layer's params and MACs were compared with the source's when it was written.",
        f"description: {_scalar('imported from ' + source)}",
        f"input: {{channels: {input_shape[0]}, resolution: {input_shape[1]}}}",
        f"classes: {classes}",
    ]
    if divisor != 8:
        lines.append(f"divisor: {divisor}                      # every width here is a multiple of {divisor}")
    defaults: dict[str, Any] = {"norm": norm, "activation": activation}
    if padding != "symmetric":
        defaults["padding"] = padding
    if se_default is not None:
        defaults["se"] = _record(se_default)
    lines.append("defaults:")
    lines += [f"  {key}: {_flow(value)}" for key, value in defaults.items()]
    for section, section_rows in (("stem", stem), ("blocks", body), ("head", head)):
        if not section_rows:
            continue
        lines.append("")
        lines.append(f"{section}:")
        if section != "blocks" and len(section_rows) == 1:
            (name, f), = section_rows
            lines.append(f"  {name}: {_flow(f)}")
        else:
            lines += [f"  - {name}: {_flow(f)}" for name, f in _fold(section_rows)]
    lines.append("")
    if found.pool:
        lines.append("pool: average")
    if found.linears:
        lines.append(f"classifier: {_flow(_classifier(found, source))}")
    return "\n".join(lines) + "\n"


def _fields(r: Row, by_factor: bool) -> dict[str, Any]:
    f = dict(r.fields)
    if r.kind == "conv" and f.get("stride") == 1:
        del f["stride"]
    if r.kind == "bottleneck":
        m, h = r.in_channels, r.hidden
        if by_factor:
            f = {"expansion": _number(h / m), **f}
        else:
            f = {"expanded_channels": h, **f}
    elif r.kind in ("fused_bottleneck", "universal_bottleneck", "mixed_bottleneck"):
        f = {"expansion": _number(r.hidden / r.in_channels), **f}
    return f


def _declared(r: Row, f: dict[str, Any]) -> list[int]:
    """The widths the spec declares (scaled by make_divisible at width 1, so kept whole only by a divisor
    that divides them)."""
    out = [f[k] for k in ("channels", "expanded_channels") if k in f]
    if r.kind in ("fused_bottleneck", "universal_bottleneck", "mixed_bottleneck"):
        out.append(r.hidden)  # make_divisible(in * t)
    return out


def _squeeze(record: SqueezeExcitation, r: Row, divisor: int) -> int:
    return record.squeeze(r.in_channels, r.hidden or r.in_channels, divisor)


def _same_acts(record: SqueezeExcitation, r: Row) -> bool:
    return (record.activation, record.gate) == (r.se.activation, r.se.gate)


def _se_default(rows: list[Row], divisor: int) -> SqueezeExcitation | None:
    """The squeeze-and-excitation rule that most blocks follow (their `se: true`)."""
    with_se = [r for r in rows if r.se is not None]
    if not with_se:
        return None
    acts = most_common([(r.se.activation, r.se.gate) for r in with_se], None)
    best, best_count = None, 0
    for record in _se_rules(*acts):
        count = sum(1 for r in with_se if _same_acts(record, r) and _squeeze(record, r, divisor) == r.se.squeeze)
        if count > best_count:
            best, best_count = record, count
    if best is None:  # no rule of the papers: the first block's own
        best = _se_own(with_se[0], "", divisor)
    return best


def _se_rules(activation: str, gate: str):
    """The squeeze-and-excitation records of the papers' rules. timm's GhostNet rounds its squeeze widths to
    multiples of 4 (_make_divisible(mid * 0.25, 4)); MixNet squeezes half its input (se_ratio 0.5)."""
    for ratio in (0.25, 0.5):
        for own_divisor in (None, 4):
            for of, rounding in SE_RULES:
                yield SqueezeExcitation(ratio=ratio, of=of, rounding=rounding, divisor=own_divisor, activation=activation, gate=gate)


def _se_own(r: Row, source: str, divisor: int) -> SqueezeExcitation:
    """A block's own record: a rule of the papers that gives its squeeze width, else the exact ratio of its
    expanded width, rounded (round(C * S / C) = S)."""
    for record in _se_rules(r.se.activation, r.se.gate):
        if _squeeze(record, r, divisor) == r.se.squeeze:
            return record
    channels = r.hidden or r.in_channels
    if not 0 < r.se.squeeze <= channels:
        raise Unsupported(source, r.units[0].name, f"a squeeze-and-excitation squeezing {channels} channels to {r.se.squeeze}")
    return SqueezeExcitation(ratio=r.se.squeeze / channels, of="expanded", rounding="round", activation=r.se.activation, gate=r.se.gate)


def _record(record: SqueezeExcitation) -> dict[str, Any]:
    """The fields of a record that differ from the class's defaults (what parsing fills in)."""
    out = {}
    for f in dataclass_fields(record):
        value = getattr(record, f.name)
        if f.name == "ratio" or value != f.default:
            out[f.name] = value
    return out


def _split(items: list[tuple[str, dict]]) -> tuple[list, list, list]:
    """The first conv as the stem, the convs after the last other block as the head."""
    convs = [kind == "conv" for kind, _ in items]
    if all(convs) or len(items) < 2:
        return [], items, []
    start = 1 if convs[0] else 0
    end = len(items)
    while end > start and convs[end - 1]:
        end -= 1
    return items[:start], items[start:end], items[end:]


def _fold(items: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Consecutive equal rows as one row with `repeat:`: the copies after the first must have stride 1
    (a row's stride applies to its first copy) and every other field equal."""
    out: list[tuple[str, dict]] = []
    for kind, f in items:
        if out:
            last_kind, last = out[-1]
            rest = {k: v for k, v in last.items() if k not in ("stride", "repeat")}
            if kind == last_kind and f.get("stride", 1) == 1 and {k: v for k, v in f.items() if k != "stride"} == rest:
                last["repeat"] = last.get("repeat", 1) + 1
                continue
        out.append((kind, dict(f)))
    return [(kind, {k: f[k] for k in sorted(f, key=_order)}) for kind, f in out]


def _order(key: str) -> tuple[int, str]:
    return (FIELD_ORDER.index(key), "") if key in FIELD_ORDER else (len(FIELD_ORDER), "")


def _classifier(found: Found, source: str) -> dict[str, Any]:
    *hidden, output = found.linears
    if not output.bias or output.norm != "none" or output.activation != "none":
        raise Unsupported(source, found.units[-1].name, "an output linear layer without a bias, or with a norm or activation")
    out: dict[str, Any] = {}
    if hidden:
        (h,) = hidden
        if h.bias != (h.norm == "none"):
            raise Unsupported(source, found.units[-2].name, "a hidden linear layer with a bias before batch norm")
        out.update(hidden=h.out_features, hidden_activation=h.activation)
        if h.norm != "none":
            out["hidden_norm"] = h.norm
    if output.dropout:
        out["dropout"] = output.dropout
    return out


def _number(value: float) -> float | int:
    return int(value) if value == int(value) else value


def _scalar(value: Any) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("\n...").strip()


def _flow(value: Any) -> str:
    """A value as a one-line YAML flow: mappings `{a: 1, b: x}`, squeeze-and-excitation records as mappings."""
    if isinstance(value, SqueezeExcitation):
        value = _record(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


