"""The ridge-point sweep as a Document: one row per ridge point, each network's latency beside it and the
fastest (MobileNetV4 paper, Section 3)."""

from __future__ import annotations

from typing import Any

from ...latency.ridge import RidgeSweep
from ..document import BYTES, DURATION, NUMBER, SCHEMA_VERSION, Column, Document, Records, Table
from ..numbers import human


def to_dict(r: RidgeSweep) -> dict[str, Any]:
    """The JSON of `mbcost ridge --format json` (schema_version 1)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "device": r.device,
        "peak_macs_per_s": r.peak_macs_per_s,
        "dtype": r.dtype,
        "networks": [
            {"label": n.label, "model": n.model, "alpha": n.width_multiplier, "resolution": n.resolution.as_json(), "macs": n.macs}
            for n in r.networks
        ],
        "points": [
            {
                "ridge": ridge,
                "bandwidth_bytes_per_s": r.peak_macs_per_s / ridge if ridge else None,
                "latency_s": [r.seconds(n, ridge) for n in r.networks],
                "fastest": r.fastest(ridge).label,
            }
            for ridge in r.ridges
        ],
    }


def document(r: RidgeSweep) -> Document:
    columns = (
        Column("ridge MACs/byte", NUMBER),
        Column("bandwidth B/s", BYTES),
        *(Column(n.label, DURATION) for n in r.networks),
        Column("fastest"),
    )
    rows = tuple(
        (ridge, round(r.peak_macs_per_s / ridge) if ridge else "unlimited", *(r.seconds(n, ridge) for n in r.networks), r.fastest(ridge).label)
        for ridge in r.ridges
    )
    text = f"latency as the ridge point grows, at {human(round(r.peak_macs_per_s))} MACs/s ({r.device}, {r.dtype})"
    note = (
        "one roof for every layer at the device's peak, no per-kernel overhead (MobileNetV4 paper, Section 3): "
        "at ridge 0 the time is MACs / peak; higher ridges are devices whose memory lags their compute",
    )
    records = Records(
        ("ridge", "bandwidth_bytes_per_s", *(f"latency_s {n.label}" for n in r.networks), "fastest"),
        tuple(
            (ridge, r.peak_macs_per_s / ridge if ridge else None, *(r.seconds(n, ridge) for n in r.networks), r.fastest(ridge).label)
            for ridge in r.ridges
        ),
    )
    return Document("ridge", text, (Table(text, columns, rows, figures=True),), notes=(note,), records=records, data=to_dict(r))
