"""The built-in device profiles as a Document: each one's roof and where its numbers come from."""

from __future__ import annotations

from ...latency.data import device_dict
from ...latency.profile import Device
from ..document import BYTES, COUNT, DURATION, NUMBER, SCHEMA_VERSION, Column, Document, Table

COLUMNS = (
    Column("name"),
    Column("peak MACs/s", COUNT),
    Column("bandwidth B/s", BYTES),
    Column("ridge MACs/byte", NUMBER),
    Column("overhead", DURATION),
    Column("own kinds"),
    Column("source", wrap=True),
)


def document(devices: tuple[Device, ...]) -> Document:
    rows = tuple(
        (
            d.name, round(d.roof.peak_macs_per_s), round(d.roof.bandwidth_bytes_per_s), float(f"{d.roof.ridge:.3g}"), d.roof.overhead_s,
            ", ".join(kind for kind, _ in d.kinds), d.source,
        )
        for d in devices
    )
    data = {"schema_version": SCHEMA_VERSION, "devices": [{**device_dict(d), "source": d.source, "file": d.file} for d in devices]}
    table = Table("built-in device profiles", COLUMNS, rows, optional=(5, 4, 3))
    return Document("devices", "built-in device profiles", (table,), data=data)
