"""Field types of the spec: each converts a YAML value (or says what is wrong) and describes itself
as JSON Schema, so the loader and `mbcost schema` can never disagree."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import did_you_mean

REQUIRED = dataclasses.MISSING


class FieldError(ValueError):
    """A value of the wrong type or range; the parser adds file, line and field (the line of `at`, an item
    of a list value, when given)."""

    def __init__(self, message: str, at: Any = None):
        super().__init__(message)
        self.at = at


@dataclass(frozen=True)
class Int:
    minimum: int = 1
    maximum: int | None = None
    odd: bool = False
    limit_name: str = ""  # names the cap in the message, e.g. "MAX_CHANNELS"

    def convert(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and math.isfinite(value) and value.is_integer():
                raise FieldError(f"expected an integer, got {value!r} (write {int(value)})")
            raise FieldError(f"expected an integer, got {show(value)}")
        if value < self.minimum:
            raise FieldError(f"must be at least {self.minimum}, got {show(value)}")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"{show(value)} is above the limit of {self.maximum}{self._limit()}")
        if self.odd and value % 2 == 0:
            raise FieldError(f"must be odd for 'same' padding, got {value}")
        return value

    def _limit(self) -> str:
        return f" ({self.limit_name})" if self.limit_name else ""

    def schema(self) -> dict:
        out: dict[str, Any] = {"type": "integer", "minimum": self.minimum}
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.odd:
            out["not"] = {"multipleOf": 2}
        return out


@dataclass(frozen=True)
class Number:
    """A finite number strictly above `above` (and at most `maximum`)."""

    above: float = 0.0
    maximum: float | None = None
    inclusive_min: bool = False

    def convert(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FieldError(f"expected a number, got {show(value)}")
        try:
            value = float(value)
        except OverflowError:  # an integer beyond any float
            raise FieldError(f"{show(value)} is out of range") from None
        if not math.isfinite(value):
            raise FieldError(f"must be a finite number, got {value}")
        if value < self.above or (value == self.above and not self.inclusive_min):
            bound = "at least" if self.inclusive_min else "greater than"
            raise FieldError(f"must be {bound} {self.above:g}, got {value:g}")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"{value:g} is above the limit of {self.maximum:g}")
        return value

    def schema(self) -> dict:
        out: dict[str, Any] = {"type": "number"}
        out["minimum" if self.inclusive_min else "exclusiveMinimum"] = self.above
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


@dataclass(frozen=True)
class Choice:
    """One of a set of names; `options` is a callable so registries can grow after import. `aliases` maps
    other spellings of the same thing to its name."""

    options: Callable[[], tuple[str, ...]]
    what: str = "value"
    aliases: Callable[[], dict[str, str]] | None = None

    def convert(self, value: Any) -> str:
        options = self.options()
        if self.aliases is not None and isinstance(value, str) and value in self.aliases():
            return self.aliases()[value]
        if not isinstance(value, str) or value not in options:
            shown = show(value)
            hint = did_you_mean(value, options) if isinstance(value, str) else ""
            raise FieldError(f"unknown {self.what} {shown}{hint}; expected one of: {', '.join(options)}")
        return value

    def schema(self) -> dict:
        return {"enum": list(self.options()) + list(self.aliases() if self.aliases else ())}


@dataclass(frozen=True)
class Bool:
    def convert(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise FieldError(f"expected true or false, got {show(value)}")
        return value

    def schema(self) -> dict:
        return {"type": "boolean"}


@dataclass(frozen=True)
class Text:
    def convert(self, value: Any) -> str:
        if not isinstance(value, str):
            raise FieldError(f"expected text, got {show(value)}")
        return value

    def schema(self) -> dict:
        return {"type": "string"}


@dataclass(frozen=True)
class Quantity:
    """A positive count: an integer, or a string with a decimal unit (`300M`, `3.5M`, `512K`); see quantity.py."""

    def convert(self, value: Any) -> int:
        from .quantity import QuantityError, parse_quantity

        try:
            return parse_quantity(value)
        except QuantityError as error:
            raise FieldError(str(error)) from None

    def schema(self) -> dict:
        from .quantity import QUANTITY_PATTERN

        return {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": QUANTITY_PATTERN}]}


@dataclass(frozen=True)
class Duration:
    """A duration with a unit (`5ms`, `250us`), exactly, as a Fraction of a second; see quantity.py.
    `zero`: 0 is allowed (an overhead), else it must be positive (a budget)."""

    zero: bool = False

    def convert(self, value: Any) -> Any:
        from .quantity import QuantityError, parse_seconds

        try:
            return parse_seconds(value, self.zero)
        except QuantityError as error:
            raise FieldError(str(error)) from None

    def schema(self) -> dict:
        from .quantity import TIME_PATTERN

        text = {"type": "string", "pattern": TIME_PATTERN}
        return {"anyOf": [{"const": 0}, text]} if self.zero else text


def show(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    if isinstance(value, int) and abs(value) >= 10**30:
        # str() refuses ints of more than 4300 digits, and hex YAML ints can be longer: estimate.
        digits = int(abs(value).bit_length() * 0.30103) + 1
        return f"{'a negative' if value < 0 else 'an'} integer of about {digits} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def spec_field(kind: Any, default: Any = REQUIRED, doc: str = "") -> Any:
    """A dataclass field read from the spec: `kind` converts the YAML value."""
    return dataclasses.field(default=default, metadata={"kind": kind, "doc": doc})


def spec_fields(cls: type) -> list[dataclasses.Field]:
    """The fields of a record that are read from YAML, in declaration order."""
    return [f for f in dataclasses.fields(cls) if "kind" in f.metadata]


@dataclass(frozen=True)
class Record:
    """A nested section of the spec (a record class of spec fields)."""

    cls: type

    def schema(self) -> dict:
        return {"$ref": f"#/$defs/{self.cls.__name__}"}


@dataclass(frozen=True)
class Toggle:
    """`true` (the model's default record of this kind), `false` (none), or a mapping of the record's
    fields, e.g. a block's squeeze-and-excitation."""

    cls: type

    def schema(self) -> dict:
        return {"anyOf": [{"type": "boolean"}, Record(self.cls).schema()]}


@dataclass(frozen=True)
class Layers:
    """A list of layers `- kind: {fields}`; `single` also allows one layer as a plain mapping."""

    single: bool = False

    def schema(self) -> dict:
        layer = {"$ref": "#/$defs/layer"}
        listed = {"type": "array", "items": layer}
        return {"anyOf": [layer, listed]} if self.single else listed


@dataclass(frozen=True)
class Kernels:
    """One odd kernel size, or a list of them: a mixed depthwise conv (MixNet), one kernel per channel
    split. Converted to a tuple; `3` is `(3,)`."""

    kernel: Int
    most: int = 16  # splits of one conv; MixNet uses at most 5

    def convert(self, value: Any) -> tuple[int, ...]:
        if not isinstance(value, list):
            return (self.kernel.convert(value),)
        if not value:
            raise FieldError("expected a kernel size or a list of them, got an empty list")
        if len(value) > self.most:
            raise FieldError(f"{len(value)} kernels is above the limit of {self.most} splits")
        out = []
        for i, item in enumerate(value):
            try:
                out.append(self.kernel.convert(getattr(item, "value", item)))  # the YAML reader's located items
            except FieldError as error:
                raise FieldError(f"kernel {i + 1} of the list: {error}", at=item if hasattr(item, "line") else None) from None
        return tuple(out)

    def schema(self) -> dict:
        one = self.kernel.schema()
        return {"anyOf": [one, {"type": "array", "items": one, "minItems": 1, "maxItems": self.most}]}
