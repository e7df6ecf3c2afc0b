"""The roofline estimate as plain data: the keys `--device` adds to the analysis JSON (the contract shared
with the bench and plot commands): a top-level `device`, `total.latency_s`, and on every layer
`bytes_moved`, `intensity`, `bound`, `latency_s` and `latency_share`; the roll-ups gain `latency_s` and
`latency_share`. Without a device none of these keys appear."""

from __future__ import annotations

from typing import Any

from .profile import Device
from .roofline import Latency


def device_dict(device: Device) -> dict[str, Any]:
    roof = device.roof
    out: dict[str, Any] = {
        "name": device.name,
        "peak_macs_per_s": roof.peak_macs_per_s,
        "bandwidth_bytes_per_s": roof.bandwidth_bytes_per_s,
        "overhead_s": roof.overhead_s,
    }
    if device.kinds:
        out["kinds"] = {
            kind: {"peak_macs_per_s": r.peak_macs_per_s, "bandwidth_bytes_per_s": r.bandwidth_bytes_per_s, "overhead_s": r.overhead_s}
            for kind, r in device.kinds
        }
    return out


def _rounded(seconds: float) -> float:
    return float(f"{seconds:.6g}")  # a microsecond of a millisecond layer; the diff of two reports stays readable


def with_latency(data: dict[str, Any], latency: Latency, kinds: list[str], blocks: list[str]) -> dict[str, Any]:
    """The analysis JSON `data` (analysis/data.py `to_dict`) with the roofline keys added; `kinds` and
    `blocks` are each layer's op kind and block, as the roll-ups group them."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value
        if key == "output_shape":  # after the header, before the totals
            out["device"] = device_dict(latency.device)
    out["total"] = {**data["total"], "latency_s": _rounded(latency.total_s)}
    layers = []
    for row, t in zip(data["layers"], latency.layers):
        layers.append({
            **row,
            "bytes_moved": t.bytes_moved,
            "intensity": round(t.intensity, 6),
            "bound": t.bound,
            "latency_s": _rounded(t.seconds),
            "latency_share": round(latency.share(t.seconds), 6),
        })
    out["layers"] = layers
    for key, name_key, keys in (("by_op", "op", kinds), ("by_block", "block", blocks)):
        seconds = latency.grouped(keys)
        out[key] = [
            {**row, "latency_s": _rounded(seconds[row[name_key]]), "latency_share": round(latency.share(seconds[row[name_key]]), 6)}
            for row in data[key]
        ]
    return out
