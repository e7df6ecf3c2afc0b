"""The ridge-point sweep (MobileNetV4 paper, Section 3): the latency of several networks as a device's
balance, its ridge point R = peak / bandwidth in MACs per byte, goes from 0 (bandwidth unlimited: time is
MACs / peak, so the ranking is the MAC ranking) to hundreds (accelerators, where memory traffic decides).
As the paper draws it: one roof for every layer, at the device's peak, and no per-kernel overhead, so a
network of layers (m_i MACs, b_i bytes) takes sum_i max(m_i, R * b_i) / peak."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, DecimalException
from typing import TYPE_CHECKING

from ..fields import FieldError
from .roofline import Latency

if TYPE_CHECKING:
    from ..arch.scaling import Resolution

MAX_RIDGES = 10_000
DEFAULT_RIDGES = tuple(float(r) for r in range(0, 501, 25))  # 0 to 500 as the paper's figure


@dataclass(frozen=True)
class Network:
    label: str
    model: str
    width_multiplier: float
    resolution: Resolution
    macs: int
    layers: tuple[tuple[int, int], ...]  # (MACs, bytes moved) of each layer


@dataclass(frozen=True)
class RidgeSweep:
    device: str
    peak_macs_per_s: float
    dtype: str
    ridges: tuple[float, ...]
    networks: tuple[Network, ...]

    def seconds(self, network: Network, ridge: float) -> float:
        return sum(max(m, ridge * b) for m, b in network.layers) / self.peak_macs_per_s

    def fastest(self, ridge: float) -> Network:
        """The fastest network at `ridge`; a tie goes to the one listed first."""
        return min(self.networks, key=lambda n: self.seconds(n, ridge))


def network(label: str, model: str, width_multiplier: float, resolution: Resolution, latency: Latency) -> Network:
    layers = tuple((t.macs, t.bytes_moved) for t in latency.layers)
    return Network(label, model, width_multiplier, resolution, sum(m for m, _ in layers), layers)


def parse_ridges(text: str) -> tuple[float, ...]:
    """`0,50,100` or ranges `0:500:25` (both ends included), MACs per byte, zero or more."""
    values: list[Decimal] = []
    for item in text.split(","):
        parts = item.strip().split(":")
        try:
            numbers = [Decimal(p) for p in parts]
        except DecimalException:
            raise FieldError(f"{item.strip()!r} is not a number or a range start:stop:step") from None
        if not all(n.is_finite() and n >= 0 for n in numbers) or len(parts) not in (1, 3):
            raise FieldError(f"{item.strip()!r} is not a number >= 0 or a range start:stop:step")
        if len(parts) == 1:
            values.append(numbers[0])
            continue
        start, stop, step = numbers
        if step <= 0 or stop < start:
            raise FieldError(f"range {item.strip()!r} needs start <= stop and a positive step")
        count = int((stop - start) / step) + 1
        if len(values) + count > MAX_RIDGES:
            raise FieldError(f"more than {MAX_RIDGES} ridge points")
        values += [start + i * step for i in range(count)]
    if len(values) > MAX_RIDGES:
        raise FieldError(f"more than {MAX_RIDGES} ridge points")
    return tuple(float(v) for v in values)
