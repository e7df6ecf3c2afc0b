"""`mbcost calibrate` as a Document: the fitted roofs, and the accuracy on held-out measurements beside
what MACs alone give (nn-Meter's terms)."""

from __future__ import annotations

from typing import Any

from ...latency.accuracy import Accuracy
from ...latency.calibrate import Calibration
from ...latency.data import device_dict
from ..document import BYTES, COUNT, DURATION, INTEGER, NUMBER, PERCENT, SCHEMA_VERSION, Column, Document, Table

METRICS = (("within +-10%", "within_10", PERCENT), ("within +-25%", "within_25", PERCENT), ("MAPE", "mape", PERCENT),
           ("Spearman", "spearman", NUMBER))


def _accuracy(a: Accuracy) -> dict[str, Any]:
    return {"count": a.count, "within_10": round(a.within_10, 6), "within_25": round(a.within_25, 6), "mape": round(a.mape, 6),
            "spearman": round(a.spearman, 6)}


def to_dict(c: Calibration) -> dict[str, Any]:
    """The JSON of `mbcost calibrate --format json` (schema_version 1)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "device": {**device_dict(c.device), "source": c.device.source},
        "training": [{"file": m.file, "network": m.label, "layers": len(m.samples)} for m in c.training],
        "evaluated_on": "held-out" if c.held_out else "training",
        "evaluated": [{"file": m.file, "network": m.label, "layers": len(m.samples)} for m in c.evaluated],
        "accuracy": {level.name: {"roofline": _accuracy(level.roofline), "macs": _accuracy(level.macs)} for level in c.levels},
    }


def document(c: Calibration) -> Document:
    d = c.device
    roofs = (("every kind", d.roof),) + d.kinds
    counts = {}
    for m in c.training:
        for s in m.samples:
            counts[s.kind] = counts.get(s.kind, 0) + 1
    roof_rows = tuple(
        (kind, round(r.peak_macs_per_s), round(r.bandwidth_bytes_per_s), float(f"{r.ridge:.3g}"), r.overhead_s,
         sum(counts.values()) if kind == "every kind" else counts.get(kind, 0))
        for kind, r in roofs
    )
    roof_columns = (Column("kind"), Column("peak MACs/s", COUNT), Column("bandwidth B/s", BYTES), Column("ridge MACs/byte", NUMBER),
                    Column("overhead", DURATION), Column("layers", INTEGER))
    where = "held-out" if c.held_out else "training"
    tables = [Table(f"fitted roofs of {d.name}", roof_columns, roof_rows)]
    for level in c.levels:
        rows = tuple((label, getattr(level.roofline, key), getattr(level.macs, key)) for label, key, _ in METRICS[:3])
        rows += ((METRICS[3][0], f"{level.roofline.spearman:.3f}", f"{level.macs.spearman:.3f}"),)
        columns = (Column(f"{level.roofline.count} {level.name}"), Column("roofline", PERCENT), Column("MACs x constant", PERCENT))
        unheld = "" if c.held_out else " (no --holdout)"
        tables.append(Table(f"accuracy on {where} {level.name}{unheld}", columns, rows, figures=True))
    notes = (
        (f"fitted on {sum(len(m.samples) for m in c.training)} layers of {len(c.training)} networks; evaluated on "
         f"{sum(len(m.samples) for m in c.evaluated)} {where} layers of {len(c.evaluated)} networks",),
        ("nn-Meter's terms: share of predictions within +-10% and +-25%, mean absolute percentage error, Spearman rank "
         "correlation; the baseline is MACs times one constant fitted on the training data",),
    )
    return Document("calibrate", f"calibrated {d.name}", tuple(tables), notes=notes, data=to_dict(c))
