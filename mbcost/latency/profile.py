"""A device profile: the two roofline parameters, peak MACs per second and memory bandwidth in bytes per
second, and a per-kernel overhead, optionally per op kind (MobileNetV4 paper, Section 3, Eq. 1). Read from
YAML with every error located (FILE:LINE:COL: field: message), as a spec is."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import SpecError, did_you_mean
from ..fields import Duration, FieldError, Quantity, Text, show, spec_field
from ..spec.builtin import config_dir, path_exists
from ..spec.parse import parse_record
from ..spec.reader import parse_yaml, read_text

# The op kinds a profile may give its own roof (arch/ops.py `Op.kind`): a conv's kind says which kernel
# runs it (full, 1x1, depthwise, grouped).
OP_KINDS = (
    "conv", "pointwise", "depthwise", "grouped", "linear", "squeeze_excite", "add", "pool", "maxpool",
    "concat", "split", "channel_shuffle",
)


@dataclass(frozen=True)
class Roof:
    """One roofline: a kernel of m MACs moving b bytes takes max(m / peak, b / bandwidth) + overhead."""

    peak_macs_per_s: float
    bandwidth_bytes_per_s: float
    overhead_s: float = 0.0

    @property
    def ridge(self) -> float:
        """The balance point in MACs per byte: kernels of lower intensity are memory-bound."""
        return self.peak_macs_per_s / self.bandwidth_bytes_per_s


@dataclass(frozen=True)
class Device:
    name: str
    roof: Roof  # every kind without its own
    kinds: tuple[tuple[str, Roof], ...] = ()
    source: str = ""
    file: str = ""

    def roof_of(self, kind: str) -> Roof:
        return self._by_kind.get(kind, self.roof)

    @cached_property
    def _by_kind(self) -> dict[str, Roof]:
        return dict(self.kinds)


class _Kinds:
    """The `kinds:` mapping, kept as located YAML for `parse_device` to read entry by entry."""

    def convert(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise FieldError(f"expected a mapping of op kinds ({', '.join(OP_KINDS)}) to roofs, got {show(value)}")
        return value

    def schema(self) -> dict:
        return {"type": "object"}


# The YAML records (fields.py kinds): what the reader checks, and what `mbcost calibrate` writes.
@dataclass(frozen=True, kw_only=True)
class KindProfile:
    peak_macs_per_s: int | None = spec_field(Quantity(), None, "MACs per second of this kind's kernels; default: the device's")
    bandwidth_bytes_per_s: int | None = spec_field(Quantity(), None, "bytes per second; default: the device's")
    overhead_s: Fraction | None = spec_field(Duration(zero=True), None, "per kernel; default: the device's")


@dataclass(frozen=True, kw_only=True)
class Profile:
    name: str = spec_field(Text(), doc="the device's name")
    source: str = spec_field(Text(), "", "where the numbers come from")
    peak_macs_per_s: int = spec_field(Quantity(), doc="peak multiply-accumulates per second, e.g. 30G")
    bandwidth_bytes_per_s: int = spec_field(Quantity(), doc="memory bandwidth in bytes per second, e.g. 12G")
    overhead_s: Fraction = spec_field(Duration(zero=True), Fraction(0), "time every kernel costs on top, e.g. 5us")
    kinds: dict | None = spec_field(_Kinds(), None, "op kind -> its own peak, bandwidth or overhead (KindProfile)")


def parse_device(text: str, file: str) -> Device:
    """A profile from YAML text; `kinds:` maps op kinds (OP_KINDS) to partial roofs over the device's."""
    root = parse_yaml(text, file)
    profile = parse_record(Profile, root, "", file)
    base = Roof(float(profile.peak_macs_per_s), float(profile.bandwidth_bytes_per_s), float(profile.overhead_s))
    kinds = []
    if profile.kinds:
        kinds_loc = root.value["kinds"]
        for kind, loc in profile.kinds.items():
            if kind not in OP_KINDS:
                line, col = kinds_loc.keys[kind]
                raise SpecError(
                    f"unknown op kind{did_you_mean(kind, OP_KINDS)}; expected one of: {', '.join(OP_KINDS)}",
                    file=file, line=line, col=col, field=f"kinds.{kind}",
                )
            part = parse_record(KindProfile, loc, f"kinds.{kind}", file)
            kinds.append((kind, Roof(
                base.peak_macs_per_s if part.peak_macs_per_s is None else float(part.peak_macs_per_s),
                base.bandwidth_bytes_per_s if part.bandwidth_bytes_per_s is None else float(part.bandwidth_bytes_per_s),
                base.overhead_s if part.overhead_s is None else float(part.overhead_s),
            )))
    return Device(profile.name, base, tuple(kinds), profile.source, file)


def device_dir() -> Path:
    return config_dir() / "devices"


def device_names() -> list[str]:
    return sorted(p.stem for p in device_dir().glob("*.yaml"))


def load_device(name: str) -> Device:
    """A profile from a file, or a built-in one by name (configs/devices/NAME.yaml)."""
    path = Path(name)
    if not path_exists(path):
        if name not in device_names():
            names = device_names()
            raise SpecError(
                f"no such file, and not a built-in device{did_you_mean(name, names)}; built-in: {', '.join(names)}",
                file=name, field="--device",
            )
        path = device_dir() / f"{name}.yaml"
    return parse_device(read_text(path), str(path))


def with_roof(device: Device, roof: Roof) -> Device:
    """The device with one roof for every kind (the ridge sweep's)."""
    return dataclasses.replace(device, roof=roof, kinds=())
