"""A bench (measured time per layer, runtime/bench.py) as a Document: per layer its MACs beside its
measured kernel time, by op kind, and the bench report JSON: the analysis JSON of the same network plus
`bench`, `spec` and the measured times (shared contract, "Bench report JSON"). No runtime import here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...analysis.cost import Analysis
from ..document import COUNT, NUMBER, PERCENT, Column, Document, Table
from ..numbers import share
from .analysis import KIND_LABELS, title

if TYPE_CHECKING:
    from ...runtime.bench import Measurement

MICRO = 1e6


def to_dict(a: Analysis, m: Measurement, spec: str, analysis_data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The analysis JSON (`analysis_data`, by default `a.to_dict()`; with a device, the roofline's keys
    in it too), every layer and the total gaining the measured seconds."""
    data = dict(a.to_dict() if analysis_data is None else analysis_data)
    data["spec"] = spec
    data["bench"] = {
        "runtime": m.runtime, "threads": m.threads, "runs": m.runs, "warmup": m.warmup, "machine": m.machine, "optimization": m.optimization
    }
    for row, layer in zip(data["layers"], m.layers):
        assert row["name"] == layer.name
        row["measured_min_s"] = layer.min_s
        row["measured_median_s"] = layer.median_s
        row["measured_in"] = layer.measured_in
        row["runtime_nodes"] = list(layer.nodes)
    data["total"].update(
        measured_min_s=m.measured_min_s, measured_median_s=m.measured_median_s, wall_min_s=m.wall_min_s, wall_median_s=m.wall_median_s
    )
    return data


LAYER_COLUMNS = (
    Column("layer"),
    Column("op"),
    Column("MACs", COUNT),
    Column("min us", NUMBER),
    Column("median us", NUMBER),
    Column("time %", PERCENT),
    Column("MACs %", PERCENT),
    Column("GMAC/s", NUMBER),
    Column("runs in"),
)
KIND_COLUMNS = (Column("op"), Column("MACs", COUNT), Column("min us", NUMBER), Column("time %", PERCENT), Column("MACs %", PERCENT), Column("GMAC/s", NUMBER))


def _rate(macs: int, seconds: float) -> float | None:
    return round(macs / seconds / 1e9, 2) if macs and seconds else None


def _us(seconds: float) -> float:
    return round(seconds * MICRO, 1)


def document(a: Analysis, m: Measurement, spec: str, analysis_data: dict[str, Any] | None = None, latency: Any = None) -> Document:
    """The measured table; with `latency` (the roofline on a device, mbcost/latency), each layer's
    estimate beside its measurement."""
    whole = m.measured_min_s
    rows = tuple(
        (
            layer.node.name,
            KIND_LABELS.get(layer.node.op.kind, layer.node.op.kind),
            layer.cost.macs,
            _us(t.min_s),
            _us(t.median_s),
            share(t.min_s, whole),
            share(layer.cost.macs, a.total.macs),
            _rate(layer.cost.macs, t.min_s),
            t.measured_in or "",
        )
        for layer, t in zip(a.layers, m.layers)
    )
    footer = ("total", None, a.total.macs, _us(whole), _us(m.measured_median_s), 1.0, 1.0, _rate(a.total.macs, whole), None)
    columns, optional = LAYER_COLUMNS, (8, 7, 4, 1)
    if latency is not None:
        rows = tuple((*row, _us(t.seconds)) for row, t in zip(rows, latency.layers))
        footer = (*footer, _us(latency.total_s))
        columns, optional = (*LAYER_COLUMNS, Column("estimated us", NUMBER)), (8, 7, 4, 1, 9)
    kinds: dict[str, tuple[int, float]] = {}
    for layer, t in zip(a.layers, m.layers):
        macs, seconds = kinds.get(layer.node.op.kind, (0, 0.0))
        kinds[layer.node.op.kind] = (macs + layer.cost.macs, seconds + t.min_s)
    kind_rows = tuple(
        (KIND_LABELS.get(kind, kind), macs, _us(seconds), share(seconds, whole), share(macs, a.total.macs), _rate(macs, seconds))
        for kind, (macs, seconds) in kinds.items()
    )
    name = title(a)
    notes = (
        (
            f"{m.runtime} (graph optimisation: {m.optimization}), {m.threads} thread(s), minimum and median of {m.runs} runs after {m.warmup} warm-up runs, "
            f"on {m.machine}",
        ),
        (
            f"whole network: {_us(m.wall_min_s):g} us minimum, {_us(m.wall_median_s):g} us median (unprofiled runs); "
            f"the layers' kernels sum to {_us(whole):g} us",
        ),
        ("a layer that runs inside another layer's kernel (a residual add fused into its conv) shows 0 and names that layer",),
    )
    return Document(
        "bench",
        name,
        (
            Table(f"{name}: measured", columns, rows, footer=footer, items="layers", optional=optional),
            Table("by op kind", KIND_COLUMNS, kind_rows, heading="By op kind"),
        ),
        notes=notes,
        data=to_dict(a, m, spec, analysis_data),
        rows_per_line=True,
    )
