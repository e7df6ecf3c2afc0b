"""Reading a spec: YAML text -> validated, located records (records.py).

`parse_record` reads any record generically from its fields' declared kinds, so every error names
FILE:LINE:COL and the field, with a "did you mean" for misspelt keys.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Any

from ..arch.blocks import BLOCKS, Block
from ..errors import MAX_COUNTED_ERRORS, MAX_SHOWN_ERRORS, SpecError, SpecErrors, did_you_mean, raise_together
from ..fields import REQUIRED, FieldError, Layers, Record, Toggle, show, spec_fields
from .builtin import path_exists, resolve
from .reader import Located, parse_yaml, read_text
from .records import Preset, Spec

_found = [0]  # errors met in the current pass


class _Stop(SpecErrors):
    """MAX_COUNTED_ERRORS met: the pass ends, with the errors found so far."""


def _found_one(errors: list[SpecError], error: SpecError) -> None:
    """Note `error` (one, or the SpecErrors of a part) in `errors`; the pass stops at MAX_COUNTED_ERRORS."""
    errors.append(error)
    if not isinstance(error, SpecErrors):  # a part's errors were counted one by one as they were found
        _found[0] += 1
    if _found[0] >= MAX_COUNTED_ERRORS:
        raise _Stop(errors, stopped=True)


@cache
def _kinds(cls: type) -> dict[str, Any]:
    """YAML field name -> its kind, in declaration order."""
    return {f.name: f.metadata["kind"] for f in spec_fields(cls)}


def load_spec(source: str | Path, model: str | None = None) -> Spec:
    """Read and validate a spec file. `model` names it (default: the file's stem)."""
    path = Path(source)
    text = read_text(path)
    return parse_spec(text, str(path), model or path.stem)


def parse_spec(text: str, file: str, model: str) -> Spec:
    """The spec in `text`. Every error a pass over the fields finds is raised at once (a SpecErrors, in
    the order of the file, a mapping's missing fields after its own keys' errors); an error that stops
    the pass (YAML syntax, a limit) alone."""
    _found[0] = 0
    try:
        return _parse_spec(text, file, model)
    except _Stop as stop:
        raise SpecErrors(stop.errors, stopped=True) from None


def _parse_spec(text: str, file: str, model: str) -> Spec:
    root = parse_yaml(text, file)
    if root.is_map and "preset" in root.value:
        return _apply_preset(parse_record(Preset, root, "", file), root, file, model)
    return dataclasses.replace(parse_record(Spec, root, "", file), model=model, file=file)


def _apply_preset(preset: Preset, root: Located, file: str, model: str) -> Spec:
    """The spec a preset names, at the preset's settings. Rows keep the named spec's file, where they are."""
    at = root.value["preset"]
    beside = Path(file).parent / preset.preset
    try:
        path, _ = (beside, beside.stem) if beside.suffix and path_exists(beside) else resolve(preset.preset)
        target = parse_yaml(read_text(path), str(path))
    except SpecError as error:
        raise _fail(file, at, "preset", error.message if error.file == preset.preset else str(error)) from None
    if target.is_map and "preset" in target.value:
        raise _fail(file, at, "preset", f"{preset.preset!r} is itself a preset; name the spec it sets")
    base = parse_record(Spec, target, "", str(path))
    return dataclasses.replace(
        base,
        model=model,
        file=str(path),
        description=base.description if preset.description is None else preset.description,
        width_multiplier=base.width_multiplier if preset.width_multiplier is None else preset.width_multiplier,
        depth=base.depth if preset.depth is None else preset.depth,
        input=base.input if preset.resolution is None else dataclasses.replace(base.input, resolution=preset.resolution, height=None, width=None),
    )


def _fail(file: str, loc: Located | tuple[int, int], field: str, message: str) -> SpecError:
    line, col = (loc.line, loc.col) if isinstance(loc, Located) else loc
    return SpecError(message, file=file, line=line, col=col, field=field)


def parse_record(cls: type, loc: Located, path: str, file: str, at: tuple[int, int] | None = None) -> Any:
    """Read a mapping into record `cls`, converting each field with its declared kind. A record that
    keeps its position gets `at` (line, col), by default the mapping's own."""
    name = path or "spec"
    if not isinstance(loc.value, dict):
        raise _fail(file, loc, name, f"expected a mapping of fields, got {_kind_of(loc)}")
    kinds = _kinds(cls)
    values: dict[str, Any] = {}
    errors: list[SpecError] = []  # every field is read, whatever the others gave: all the errors at once
    hints = ""  # the "did you mean" of the unknown keys
    for key, item in loc.value.items():
        kind = kinds.get(key)
        if kind is None:
            # A preset file whose `preset:` key is misspelt reads as a spec: `preset` is a candidate there too.
            names = [*kinds, "preset"] if cls is Spec else kinds
            # Past what is shown, a hint (a fuzzy match over the names) is time for nothing.
            hint = did_you_mean(key, names) or _belongs_in(key, kinds) if _found[0] < MAX_SHOWN_ERRORS else ""
            hints += hint
            where = f"{path}.{key}" if path else key
            _found_one(errors, _fail(file, loc.keys[key], where, f"unknown field{hint}; expected one of: {', '.join(kinds)}"))
            continue
        try:
            values[key] = _convert(kind, item, f"{path}.{key}" if path else key, file)
        except _Stop as stop:
            raise _Stop([*errors, stop]) from None
        except SpecError as error:
            _found_one(errors, error)
    for required in (f.name for f in spec_fields(cls) if f.default is REQUIRED):
        if required not in loc.value and f"'{required}'" not in hints:  # a misspelling said it already
            _found_one(errors, _fail(file, loc, f"{path}.{required}" if path else required, "missing required field"))
    raise_together(errors)
    if hasattr(cls, "forms"):
        _check_forms(cls.forms, values, loc, path, file)
    if "line" in cls.__dataclass_fields__:
        values["line"], values["col"] = at or (loc.line, loc.col)
    if "field_lines" in cls.__dataclass_fields__:
        values["field_lines"] = tuple((key, loc.keys[key][0]) for key in values if key in loc.keys)
    return cls(**values)


def _check_forms(forms: tuple[tuple[str, ...], ...], values: dict[str, Any], loc: Located, path: str, file: str) -> None:
    """A record that can be written in several forms (an input's `resolution`, or `height` and `width`)
    takes exactly one, in full: none is a missing field, two a conflict at the second one's key."""
    order = list(values)  # as written
    given = sorted((form for form in forms if any(name in values for name in form)),
                   key=lambda form: min(order.index(name) for name in form if name in values))
    where = (lambda name: f"{path}.{name}") if path else (lambda name: name)
    if not given:
        raise _fail(file, loc, where(forms[0][0]), "missing required field")
    if len(given) > 1:
        key = next(name for name in given[1] if name in values)
        first = " and ".join(given[0])
        raise _fail(file, loc.keys[key], where(key), f"give {first} or {' and '.join(given[1])}, not both")
    missing = [name for name in given[0] if name not in values]
    if missing:
        present = next(name for name in given[0] if name in values)
        raise _fail(file, loc.keys[present], where(missing[0]), f"missing: {present} needs {' and '.join(missing)}")


def _belongs_in(key: str, kinds: dict[str, Any]) -> str:
    """A hint for a field written one level too high, e.g. `resolution` beside `input`."""
    for name, kind in kinds.items():
        if isinstance(kind, Record) and key in _kinds(kind.cls):
            return f" (did you mean '{name}.{key}'?)"
    return ""


def _convert(kind: Any, item: Located, where: str, file: str) -> Any:
    if isinstance(kind, Record):
        return parse_record(kind.cls, item, where, file)
    if isinstance(kind, Toggle):
        if isinstance(item.value, bool):
            return item.value
        if not isinstance(item.value, dict):
            raise _fail(file, item, where, f"expected true, false or a mapping of fields, got {_kind_of(item)}")
        return parse_record(kind.cls, item, where, file)
    if isinstance(kind, Layers):
        return _parse_layers(kind, item, where, file)
    try:
        return kind.convert(item.value)
    except FieldError as error:
        raise _fail(file, error.at or item, where, str(error)) from None


def _parse_layers(kind: Layers, loc: Located, path: str, file: str) -> tuple[Block, ...]:
    if kind.single and loc.is_map:
        return (_parse_layer(loc, path, file),)
    if not loc.is_list:
        expected = "a layer or a list of layers" if kind.single else "a list of layers"
        raise _fail(file, loc, path, f"expected {expected}, got {_kind_of(loc)}")
    layers, errors = [], []
    for i, item in enumerate(loc.value):
        try:
            layers.append(_parse_layer(item, f"{path}[{i}]", file))
        except _Stop as stop:
            raise _Stop([*errors, stop]) from None
        except SpecError as error:
            _found_one(errors, error)
    raise_together(errors)
    return tuple(layers)


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
