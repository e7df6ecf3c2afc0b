"""The spec: a YAML file that reads like a paper's architecture table, loaded into frozen records.

Every record field declares its type with `spec_field`; `parse_record` reads any record generically,
so every error names FILE:LINE:COL and the field, with a "did you mean" for misspelt keys.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import limits
from ..arch.blocks import BLOCKS, Block
from ..arch.counts import DTYPE_BYTES
from ..arch.ops import activation_names, norm_names
from ..arch.scaling import RESOLUTION, ROUNDING, SCALING_MODES, WIDTH_MULTIPLIER
from ..errors import SpecError, did_you_mean
from ..fields import REQUIRED, Bool, Choice, FieldError, Int, Number, Quantity, Text, show, spec_field
from ..gcpause import gc_paused
from .reader import Located, parse_yaml, read_text


@dataclass(frozen=True)
class Record:
    """A nested section of the spec, parsed by `parse_record`."""

    cls: type

    def schema(self) -> dict:
        from .schema import record_schema  # only `mbcost schema` needs it

        return record_schema(self.cls)


@dataclass(frozen=True)
class Layers:
    """A list of layers `- kind: {fields}`; `single` also allows one layer as a plain mapping."""

    single: bool = False

    def schema(self) -> dict:
        from .schema import layers_schema

        return layers_schema(self.single)


@dataclass(frozen=True, kw_only=True)
class Input:
    channels: int = spec_field(Int(maximum=limits.MAX_CHANNELS, limit_name="MAX_CHANNELS"), 3, "image channels")
    resolution: int = spec_field(
        RESOLUTION, doc="input height and width in pixels"
    )


@dataclass(frozen=True, kw_only=True)
class Defaults:
    norm: str = spec_field(Choice(norm_names, "norm"), "batch", "normalization after every conv")
    activation: str = spec_field(Choice(activation_names, "activation"), "relu", "activation after every conv")


@dataclass(frozen=True, kw_only=True)
class Classifier:
    dropout: float = spec_field(Number(0.0, 1.0, inclusive_min=True), 0.0, "dropout before the output linear layer")
    hidden: int | None = spec_field(
        Int(maximum=limits.MAX_CHANNELS, limit_name="MAX_CHANNELS"),
        None,
        "width of a hidden linear layer with bias before the output (MobileNetV3: 1280 / 1024), before the width multiplier",
    )
    hidden_activation: str | None = spec_field(
        Choice(activation_names, "activation"), None, "activation after the hidden layer; default: the model's"
    )
    hidden_scaling: str = spec_field(
        Choice(lambda: SCALING_MODES, "scaling"), "full", "how the width multiplier applies to hidden: full, none, grow_only"
    )
    line: int = 0
    col: int = 0


@dataclass(frozen=True, kw_only=True)
class Budget:
    """Limits kept next to the model, enforced by `mbcost check` (and marked by `mbcost sweep`)."""

    max_macs: int | None = spec_field(Quantity(), None, "most multiply-accumulates allowed, e.g. 300M")
    max_params: int | None = spec_field(Quantity(), None, "most parameters allowed, e.g. 3.5M")
    max_memory: int | None = spec_field(Quantity(), None, "most bytes of live activation memory allowed, e.g. 2M")
    dtype: str | None = spec_field(Choice(lambda: tuple(DTYPE_BYTES), "dtype"), None, "activation type of max_memory")
    fused: bool = spec_field(Bool(), False, "gate memory on the fused-bottleneck peak (v2 paper, Section 5)")
    line: int = 0
    col: int = 0
    field_lines: tuple[tuple[str, int], ...] = ()  # (field, line) of each limit, for CI annotations

    def line_of(self, field: str) -> int:
        return dict(self.field_lines).get(field, self.line)


@dataclass(frozen=True, kw_only=True)
class Spec:
    """A whole model, as written; `graph.build_graph` applies alpha and resolution."""

    description: str = spec_field(Text(), "", "free text, e.g. the paper and table the spec follows")
    input: Input = spec_field(Record(Input), doc="input image")
    classes: int = spec_field(Int(maximum=limits.MAX_CLASSES, limit_name="MAX_CLASSES"), doc="classifier outputs")
    width_multiplier: float = spec_field(
        WIDTH_MULTIPLIER, 1.0, "alpha: thins every layer whose scaling allows it"
    )
    rounding: str = spec_field(
        Choice(lambda: tuple(ROUNDING), "rounding rule"), "make_divisible", "how scaled channels round"
    )
    divisor: int = spec_field(Int(maximum=1024), 8, "channel rounding granularity and minimum")
    defaults: Defaults = spec_field(Record(Defaults), Defaults(), "model-wide norm and activation")
    stem: tuple[Block, ...] = spec_field(Layers(single=True), (), "first layer(s), named stem")
    blocks: tuple[Block, ...] = spec_field(Layers(), (), "the body, named blocks.0, blocks.1, ...")
    head: tuple[Block, ...] = spec_field(Layers(single=True), (), "layers after the body, named head")
    pool: str | None = spec_field(Choice(lambda: ("average",), "pooling"), None, "global pooling before the classifier")
    classifier: Classifier | None = spec_field(Record(Classifier), None, "fully connected layer to `classes`, with bias (and optionally a hidden layer)")
    budget: Budget | None = spec_field(Record(Budget), None, "limits on MACs and params, checked by `mbcost check`")
    # Not read from YAML:
    model: str = ""
    file: str = ""


def spec_fields(cls: type) -> list[dataclasses.Field]:
    """The fields of a record that are read from YAML, in declaration order."""
    return [f for f in dataclasses.fields(cls) if "kind" in f.metadata]


@dataclass(frozen=True)
class _RecordInfo:
    """What `parse_record` needs to know of a record class, worked out once per class: a spec of
    10,000 rows would otherwise walk `dataclasses.fields` 10,000 times."""

    kinds: dict[str, Any]  # YAML field name -> its kind, in declaration order
    required: tuple[str, ...]
    has_position: bool  # the record keeps its line and col
    has_field_lines: bool
    defaults: dict[str, Any] | None  # every field's default, when instances may be made without __init__


_INFO: dict[type, _RecordInfo] = {}


def _record_info(cls: type) -> _RecordInfo:
    info = _INFO.get(cls)
    if info is None:
        fields = spec_fields(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        required = tuple(f.name for f in fields if f.default is REQUIRED)
        info = _INFO[cls] = _RecordInfo(
            kinds={f.name: f.metadata["kind"] for f in fields},
            required=required,
            has_position="line" in names,
            has_field_lines="field_lines" in names,
            defaults=_plain_defaults(cls, required),
        )
    return info


def _plain_defaults(cls: type, required: tuple[str, ...]) -> dict[str, Any] | None:
    """The defaults of a dataclass whose __init__ only stores its arguments (no __post_init__, default
    factories, non-init fields or slots), so that an instance can be made by filling its __dict__;
    None for any other class. Fields without a default must be required spec fields, which
    `parse_record` checks are given."""
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        return None
    defaults = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.default_factory is not dataclasses.MISSING:
            return None
        if f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.name not in required:
            return None
    return defaults


def _make(cls: type, info: _RecordInfo, values: dict[str, Any]) -> Any:
    """cls(**values). A frozen dataclass's __init__ sets each field through object.__setattr__, some
    15 calls for a block; a 10,000-row spec makes 10,000 blocks, so plain records skip it."""
    if info.defaults is None:
        return cls(**values)
    record = object.__new__(cls)
    fields = record.__dict__
    fields.update(info.defaults)
    fields.update(values)
    return record


def load_spec(source: str | Path, model: str | None = None) -> Spec:
    """Read and validate a spec file. `model` names it (default: the file's stem)."""
    path = Path(source)
    text = read_text(path)
    return parse_spec(text, str(path), model or path.stem)


def parse_spec(text: str, file: str, model: str) -> Spec:
    with gc_paused():
        root = parse_yaml(text, file)
        return dataclasses.replace(parse_record(Spec, root, "", file), model=model, file=file)


def _fail(file: str, loc: Located | tuple[int, int], field: str, message: str) -> SpecError:
    line, col = (loc.line, loc.col) if isinstance(loc, Located) else loc
    return SpecError(message, file=file, line=line, col=col, field=field)


def parse_record(cls: type, loc: Located, path: str, file: str, at: tuple[int, int] | None = None) -> Any:
    """Read a mapping into record `cls`, converting each field with its declared kind. A record that
    keeps its position gets `at` (line, col), by default the mapping's own."""
    name = path or "spec"
    if not isinstance(loc.value, dict):
        raise _fail(file, loc, name, f"expected a mapping of fields, got {_kind_of(loc)}")
    info = _record_info(cls)
    kinds = info.kinds
    values: dict[str, Any] = {}
    for key, item in loc.value.items():
        kind = kinds.get(key)
        if kind is None:
            hint = did_you_mean(key, kinds) or _belongs_in(key, kinds)
            where = f"{path}.{key}" if path else key
            raise _fail(file, loc.keys[key], where, f"unknown field{hint}; expected one of: {', '.join(kinds)}")
        values[key] = _convert(kind, item, f"{path}.{key}" if path else key, file)
    for required in info.required:
        if required not in values:
            raise _fail(file, loc, f"{path}.{required}" if path else required, "missing required field")
    if info.has_position:
        values["line"], values["col"] = at or (loc.line, loc.col)
    if info.has_field_lines:
        values["field_lines"] = tuple((key, loc.keys[key][0]) for key in values if key in loc.keys)
    return _make(cls, info, values)


def _belongs_in(key: str, kinds: dict[str, Any]) -> str:
    """A hint for a field written one level too high, e.g. `resolution` beside `input`."""
    for name, kind in kinds.items():
        if isinstance(kind, Record) and key in _record_info(kind.cls).kinds:
            return f" (did you mean '{name}.{key}'?)"
    return ""


def _convert(kind: Any, item: Located, where: str, file: str) -> Any:
    if isinstance(kind, Record):
        return parse_record(kind.cls, item, where, file)
    if isinstance(kind, Layers):
        return _parse_layers(kind, item, where, file)
    try:
        return kind.convert(item.value)
    except FieldError as error:
        raise _fail(file, item, where, str(error)) from None


def _parse_layers(kind: Layers, loc: Located, path: str, file: str) -> tuple[Block, ...]:
    if kind.single and loc.is_map:
        return (_parse_layer(loc, path, file),)
    if not loc.is_list:
        expected = "a layer or a list of layers" if kind.single else "a list of layers"
        raise _fail(file, loc, path, f"expected {expected}, got {_kind_of(loc)}")
    return tuple(_parse_layer(item, f"{path}[{i}]", file) for i, item in enumerate(loc.value))


def _parse_layer(loc: Located, path: str, file: str) -> Block:
    layer = loc.value
    if isinstance(layer, dict) and len(layer) == 1:
        ((kind, body),) = layer.items()
        cls = BLOCKS.get(kind)
        if cls is not None:
            if body.value is None:
                body = Located({}, body.line, body.col)
            # A block's position is its kind key's, where the row starts.
            return parse_record(cls, body, f"{path}.{kind}", file, loc.keys[kind])
    kinds = ", ".join(BLOCKS)
    if loc.is_map and len(loc.value) > 1:
        named = [k for k in loc.value if k in BLOCKS]
        if len(named) == 1:  # `- separable:` with its fields beside it instead of inside it
            extra = next(k for k in loc.value if k not in BLOCKS)
            raise _fail(
                file,
                loc.keys[extra],
                f"{path}.{extra}",
                f"a layer has one key, its kind: write '{extra}' inside '{named[0]}' ({named[0]}: {{{extra}: ...}})",
            )
        shown = ", ".join(show(k) for k in list(loc.value)[:5]) + (", ..." if len(loc.value) > 5 else "")
        raise _fail(file, loc, path, f"a layer has one key, its kind, but this one has {len(loc.value)}: {shown}; kinds: {kinds}")
    if not loc.is_map or len(loc.value) != 1:
        raise _fail(file, loc, path, f"expected a layer written `kind: {{fields}}` with one kind of: {kinds}; got {_kind_of(loc)}")
    ((kind, body),) = loc.value.items()
    hint = did_you_mean(kind, BLOCKS)
    if not hint and any(kind in {f.name for f in spec_fields(cls)} for cls in BLOCKS.values()):
        hint = f" ('{kind}' is a field: write it inside a layer, e.g. `- conv: {{{kind}: ...}}`)"
    raise _fail(file, loc.keys[kind], path, f"unknown layer kind {show(kind)}{hint}; expected one of: {kinds}")


def _kind_of(loc: Located) -> str:
    return show(loc.value)  # "a mapping", "a list", "nothing (null)" or the value, shortened
