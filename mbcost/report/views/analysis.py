"""The analysis of one network as a Document: per layer, by op kind, by block, the separable pairs (in
the data and the summary) and the JSON contract (`to_dict`, schema_version 1, documented in the README)."""

from __future__ import annotations

from typing import Any

from ...analysis.cost import Analysis, LayerCost
from ...analysis.data import activation, by_resolution, header, inputs_text, memory_totals, tensor_dict, to_dict  # noqa: F401
from ...arch.counts import COUNT_FIELDS, WEIGHT_BYTES, Cost
from ..document import BAR, BYTES, COUNT, PERCENT, Column, Document, Records, Table
from ..numbers import human, human_bytes, share

KIND_LABELS = {
    "pointwise": "1x1 conv",
    "depthwise": "depthwise conv",
    "conv": "full conv",
    "grouped": "grouped conv",
    "linear": "fully connected",
    "pool": "pooling",
    "add": "residual add",
    "squeeze_excite": "squeeze-excite",
}


CSV_COLUMNS = ("name", "op", "block", "input_shape", "output_shape", "kernel", "stride", "groups", "activation", "macs", "params") + tuple(
    f for f in COUNT_FIELDS if f != "macs"
) + ("other_ops", "output_elements", "output_bytes", "live_bytes") + tuple(f"weight_bytes_{d}" for d in WEIGHT_BYTES)


def _records(a: Analysis, layers: list[dict[str, Any]], shown: list[int]) -> Records:
    """One row per layer shown, exact integers, shapes as CxHxW."""
    rows = []
    for layer, row in ((a.layers[i], layers[i]) for i in shown):
        row = {**row, "input_shape": layer.node.input_shape, "output_shape": layer.node.output_shape}
        rows.append(tuple(row.get(c) for c in CSV_COLUMNS))
    return Records(CSV_COLUMNS, tuple(rows))


def title(a: Analysis) -> str:
    g = a.graph
    depth = f"  depth {g.depth:g}" if g.depth != 1 else ""  # named only where repeats were scaled
    return f"{g.model}  alpha {g.width_multiplier:g}{depth}  {inputs_text(g)}"


def _attrs(layer: LayerCost) -> str:
    a = layer.node.op.attributes()
    if "kernel" not in a:
        return " ".join(f"{key} {value}" for key, value in a.items())
    text = f"k{a['kernel']} s{a['stride']}"
    return text + (f" g{a['groups']}" if a.get("groups", 1) != 1 else "")  # a pool has no groups


LAYER_COLUMNS = (
    Column("layer"),
    Column("op"),
    Column("input -> output"),
    Column("k/s/g"),
    Column("act"),
    Column("MACs", COUNT),
    Column("params", COUNT),
    Column("weights", BYTES),  # stored at the analysis' dtype, batch norm folded (counts.py)
    Column("MACs %", PERCENT),
    Column("MACs bar", BAR),
    Column("output", BYTES),
    Column("mem bar", BAR),
)
# A narrow terminal loses the bars first, then the attributes, sizes, shapes and op names.
LAYERS_OPTIONAL = tuple(next(i for i, c in enumerate(LAYER_COLUMNS) if c.header == h) for h in (
    "mem bar", "MACs bar", "act", "k/s/g", "weights", "output", "input -> output", "op"
))


# What `--sort` orders the layers by, largest first: MACs, params, output activation bytes, weight bytes.
SORT_KEYS = {
    "macs": lambda a, i: a.layers[i].cost.macs,
    "params": lambda a, i: a.layers[i].cost.params,
    "memory": lambda a, i: a.memory.layers[i].output_bytes,
    "weights": lambda a, i: a.layers[i].stored.bytes(a.dtype),
}


def shown_layers(a: Analysis, top: int | None = None, sort: str | None = None) -> list[int]:
    """Indices of the layers a table shows: all in graph order; sorted largest first by `sort`; the `top`
    largest (by MACs unless `sort` says otherwise). Ties keep graph order."""
    order = list(range(len(a.layers)))
    if sort is None and top is None:
        return order
    key = SORT_KEYS[sort or "macs"]
    order.sort(key=lambda i: -key(a, i))
    return order[:top] if top is not None else order


def _layer_table(a: Analysis, shown: list[int]) -> Table:
    t, memory = a.total, a.memory
    macs, out = a.max_layer_macs, memory.max_output_bytes
    rows = tuple(
        (
            layer.node.name,
            KIND_LABELS.get(layer.node.op.kind, layer.node.op.kind),
            f"{layer.node.input_shape} -> {layer.node.output_shape}",
            _attrs(layer),
            activation(layer) or "",
            layer.cost.macs,
            layer.cost.params,
            layer.stored.bytes(a.dtype),
            share(layer.cost.macs, t.macs),
            (layer.cost.macs, macs),
            mem.output_bytes,
            (mem.output_bytes, out),
        )
        for layer, mem in ((a.layers[i], memory.layers[i]) for i in shown)
    )
    footer = ("total", None, None, None, None, t.macs, t.params, a.weight_bytes, 1.0, None, None, None)
    return Table(title(a), LAYER_COLUMNS, rows, footer=footer, optional=LAYERS_OPTIONAL, items="layers")


def _group_columns(key: str) -> tuple[Column, ...]:
    return (Column(key), Column("MACs", COUNT), Column("MACs %", PERCENT), Column("params", COUNT), Column("params %", PERCENT))


def _group_rows(groups: dict[str, Cost], t: Cost, labels: dict[str, str]) -> tuple[tuple[Any, ...], ...]:
    return tuple(
        (labels.get(name, name), c.macs, share(c.macs, t.macs), c.params, share(c.params, t.params)) for name, c in groups.items()
    )


def _block_table(a: Analysis) -> Table:
    """By block, with the weight bytes each block stores at the analysis' dtype."""
    stored = a.stored_by_block()
    rows = tuple(row + (stored[name].bytes(a.dtype),) for name, row in zip(a.by_block(), _group_rows(a.by_block(), a.total, {})))
    columns = _group_columns("block") + (Column(f"weights {a.dtype}", BYTES),)
    return Table("by block", columns, rows, heading="By block", items="blocks", optional=(5,))  # narrow: weights go first


def summary(a: Analysis) -> list[str]:
    t, s = a.total, a.standard
    lines = [
        (
            f"total: {t.macs:,} MACs ({human(t.macs)}), {t.params:,} params ({human(t.params)}: "
            f"{t.weights:,} weights, {t.biases:,} biases, {t.norm_params:,} norm); "
            f"{t.norm_buffers:,} norm buffers; {t.other_ops:,} other ops"
        ),
    ]
    if a.pairs:
        lines.append(
            f"as standard convs (v1 paper, Table 4): {human(s.macs)} MACs ({s.macs / t.macs:.1f}x), "
            f"{human(s.params)} params ({s.params / t.params:.1f}x); "
            f"separable pairs cost {a.separable.macs / a.separable_standard.macs:.3f} of standard"
        )
    lines.append(memory_line(a))
    lines.append(weights_line(a))
    return lines


def weights_line(a: Analysis) -> str:
    s = a.stored
    sizes = ", ".join(f"{dtype} {s.bytes(dtype):,} bytes ({human_bytes(s.bytes(dtype))})" for dtype in WEIGHT_BYTES)
    return (
        f"weight storage (batch norm folded: {s.weights:,} weights, {s.biases:,} biases; int8 keeps int32 biases): {sizes}"
    )


def memory_line(a: Analysis) -> str:
    m = a.memory
    line = (
        f"activation memory ({m.dtype}, {m.bytes_per_element} B/element): peak {m.peak.bytes:,} bytes "
        f"({human_bytes(m.peak.bytes)}) live at {m.peak.at}"
    )
    if a.graph.fused:
        line += (
            f"; {m.peak_fused.bytes:,} ({human_bytes(m.peak_fused.bytes)}) at {m.peak_fused.at} with fused bottlenecks "
            "(v2 paper, Section 5)"
        )
    return line + f"; largest tensor {m.largest.shape} ({m.largest.name}) {m.largest.bytes:,} bytes"


def document(a: Analysis, top: int | None = None, sort: str | None = None) -> Document:
    """`mbcost analyze`: the layers (all in graph order, or sorted largest first by `sort`, or the `top`
    costliest), then the roll-ups by op kind and by block, then the totals. The JSON always holds every layer."""
    data = to_dict(a)
    shown = shown_layers(a, top, sort)
    notes = tuple((line,) for line in summary(a))
    if top is not None and top < len(a.layers):
        notes = ((f"showing the {top} largest of {len(a.layers)} layers by {sort or 'macs'}; the totals are of every layer",),) + notes
    tables = (
        _layer_table(a, shown),
        Table("by op kind (v1 paper, Table 2)", _group_columns("op"), _group_rows(a.by_kind(), a.total, KIND_LABELS), heading="By op kind"),
        _block_table(a),
    )
    return Document(
        "analysis",
        title(a),
        tables,
        notes=notes,
        records=_records(a, data["layers"], shown),
        data=data,
        rows_per_line=True,
    )
