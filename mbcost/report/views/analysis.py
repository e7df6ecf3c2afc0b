"""The analysis of one network as a Document: per layer, by op kind, by block, the separable pairs (in
the data and the summary) and the JSON contract (`to_dict`, schema_version 1, documented in the README)."""

from __future__ import annotations

from typing import Any

from ...analysis.cost import Analysis, LayerCost
from ...analysis.data import activation, by_resolution, header, inputs_text, memory_totals, tensor_dict, to_dict  # noqa: F401
from ...arch.counts import COUNT_FIELDS, WEIGHT_BYTES, Cost
from ...latency.roofline import Latency
from ...quantity import show_seconds
from ..document import BAR, BYTES, COUNT, DURATION, PERCENT, Column, Document, Records, Table
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


# With --device: the roofline estimate of each layer (latency/data.py).
LATENCY_CSV_COLUMNS = ("bytes_moved", "intensity", "bound", "latency_s", "latency_share")


def _records(a: Analysis, layers: list[dict[str, Any]], shown: list[int], latency: bool = False) -> Records:
    """One row per layer shown, exact integers, shapes as CxHxW."""
    columns = CSV_COLUMNS + (LATENCY_CSV_COLUMNS if latency else ())
    rows = []
    for layer, row in ((a.layers[i], layers[i]) for i in shown):
        row = {**row, "input_shape": layer.node.input_shape, "output_shape": layer.node.output_shape}
        rows.append(tuple(row.get(c) for c in columns))
    return Records(columns, tuple(rows))


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


def shown_layers(a: Analysis, top: int | None = None, sort: str | None = None, latency: Latency | None = None) -> list[int]:
    """Indices of the layers a table shows: all in graph order; sorted largest first by `sort` (`latency`:
    the estimate on the device); the `top` largest (by MACs unless `sort` says otherwise). Ties keep graph order."""
    order = list(range(len(a.layers)))
    if sort is None and top is None:
        return order
    if sort == "latency":
        order.sort(key=lambda i: -latency.layers[i].seconds)
        return order[:top] if top is not None else order
    key = SORT_KEYS[sort or "macs"]
    order.sort(key=lambda i: -key(a, i))
    return order[:top] if top is not None else order


# With --device, beside MACs: each layer's estimated time, its share and whether it is compute- or memory-bound.
LATENCY_COLUMNS = (Column("latency", DURATION), Column("latency %", PERCENT), Column("bound"))
AFTER_MACS_SHARE = next(i for i, c in enumerate(LAYER_COLUMNS) if c.header == "MACs %") + 1


def _optional(columns: tuple[Column, ...]) -> tuple[int, ...]:
    headers = [c.header for c in columns]
    order = ("mem bar", "MACs bar", "act", "k/s/g", "bound", "weights", "output", "input -> output", "op")
    return tuple(headers.index(h) for h in order if h in headers)


def _layer_table(a: Analysis, shown: list[int], latency: Latency | None = None) -> Table:
    table = _plain_layer_table(a, shown)
    if latency is None:
        return table
    cut = AFTER_MACS_SHARE
    extra = {i: (latency.layers[i].seconds, latency.share(latency.layers[i].seconds), latency.layers[i].bound) for i in shown}
    rows = tuple(row[:cut] + extra[i] + row[cut:] for i, row in zip(shown, table.rows))
    footer = table.footer[:cut] + (latency.total_s, 1.0, None) + table.footer[cut:]
    columns = LAYER_COLUMNS[:cut] + LATENCY_COLUMNS + LAYER_COLUMNS[cut:]
    return Table(table.title, columns, rows, footer=footer, optional=_optional(columns), items="layers")


def _plain_layer_table(a: Analysis, shown: list[int]) -> Table:
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


def _with_latency(rows: tuple, names, seconds: dict[str, float] | None, latency: Latency | None) -> tuple:
    """Roll-up rows with the latency of each group and its share after MACs %, when there is a device."""
    if latency is None:
        return rows
    return tuple(row[:3] + (seconds[name], latency.share(seconds[name])) + row[3:] for name, row in zip(names, rows))


def _roll_columns(key: str, latency: Latency | None) -> tuple[Column, ...]:
    columns = _group_columns(key)
    return columns if latency is None else columns[:3] + LATENCY_COLUMNS[:2] + columns[3:]


def _kind_table(a: Analysis, latency: Latency | None = None) -> Table:
    seconds = latency.grouped(layer.node.op.kind for layer in a.layers) if latency else None
    rows = _with_latency(_group_rows(a.by_kind(), a.total, KIND_LABELS), a.by_kind(), seconds, latency)
    return Table("by op kind (v1 paper, Table 2)", _roll_columns("op", latency), rows, heading="By op kind")


def _block_table(a: Analysis, latency: Latency | None = None) -> Table:
    """By block, with the weight bytes each block stores at the analysis' dtype."""
    stored = a.stored_by_block()
    seconds = latency.grouped(layer.node.block for layer in a.layers) if latency else None
    rows = tuple(row + (stored[name].bytes(a.dtype),) for name, row in zip(a.by_block(), _group_rows(a.by_block(), a.total, {})))
    rows = _with_latency(rows, a.by_block(), seconds, latency)
    columns = _roll_columns("block", latency) + (Column(f"weights {a.dtype}", BYTES),)
    # narrow: weights go first, then the latency share
    return Table("by block", columns, rows, heading="By block", items="blocks", optional=(len(columns) - 1,))


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


def latency_line(latency: Latency) -> str:
    d, roof = latency.device, latency.device.roof
    memory = sum(t.bound == "memory" for t in latency.layers)
    kinds = f"; own roofs for {', '.join(kind for kind, _ in d.kinds)}" if d.kinds else ""
    return (
        f"latency on {d.name} (roofline, MobileNetV4 paper Eq. 1; {latency.dtype}): {show_seconds(latency.total_s)} estimated; "
        f"{memory} of {len(latency.layers)} layers memory-bound; peak {human(round(roof.peak_macs_per_s))} MACs/s, "
        f"bandwidth {human_bytes(round(roof.bandwidth_bytes_per_s))}/s (ridge {roof.ridge:.3g} MACs/byte), "
        f"overhead {show_seconds(roof.overhead_s)} per kernel{kinds}"
    )


def document(a: Analysis, top: int | None = None, sort: str | None = None, latency: Latency | None = None) -> Document:
    """`mbcost analyze`: the layers (all in graph order, or sorted largest first by `sort`, or the `top`
    costliest), then the roll-ups by op kind and by block, then the totals. The JSON always holds every layer.
    With `latency` (a device's roofline estimate), each layer's time and share beside its MACs."""
    data = to_dict(a)
    if latency is not None:
        from ...latency.data import with_latency

        data = with_latency(data, latency, [layer.node.op.kind for layer in a.layers], [layer.node.block for layer in a.layers])
    shown = shown_layers(a, top, sort, latency)
    notes = tuple((line,) for line in summary(a)) + (((latency_line(latency),),) if latency is not None else ())
    if top is not None and top < len(a.layers):
        notes = ((f"showing the {top} largest of {len(a.layers)} layers by {sort or 'macs'}; the totals are of every layer",),) + notes
    tables = (_layer_table(a, shown, latency), _kind_table(a, latency), _block_table(a, latency))
    return Document(
        "analysis",
        title(a),
        tables,
        notes=notes,
        records=_records(a, data["layers"], shown, latency is not None),
        data=data,
        rows_per_line=True,
    )
