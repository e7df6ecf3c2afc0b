"""The analysis as plain data: what `Analysis.to_dict()` returns and `mbcost analyze --format json`
writes (the JSON contract, schema_version 1, documented in the README)."""

from __future__ import annotations

from typing import Any

from ..arch.counts import Cost, Stored
from ..arch.ops import SqueezeExcite
from .memory import LayerMemory, TensorSize

# cost.py's records, named for readability: this module reads them and imports nothing from cost.py
# (whose Analysis.to_dict calls here).
Analysis = LayerCost = PairCost = Any

# The version of every JSON report's contract (README, "JSON report"); it changes only when a key is
# removed or changes meaning.
SCHEMA_VERSION = 1


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def activation(layer: LayerCost) -> str | None:
    """The activation function the layer applies ("none": linear, as MobileNetV2's projection); for
    squeeze-and-excitation its inner activation and its gate; None for ops without one (pool, add)."""
    op = layer.node.op
    if isinstance(op, SqueezeExcite):
        return f"{op.activation}, {op.gate} gate"
    return getattr(op, "activation", None)


def _layer_dict(layer: LayerCost, total: Cost, memory: LayerMemory) -> dict[str, Any]:
    node = layer.node
    out: dict[str, Any] = {
        "name": node.name,
        "op": node.op.kind,
        "block": node.block,
        "inputs": list(node.inputs),
        "input_shape": node.input_shape.as_list(),
        "output_shape": node.output_shape.as_list(),
        "activation": activation(layer),
    }
    out.update(node.op.attributes())
    out.update(layer.cost.as_dict())
    out["macs_share"] = round(share(layer.cost.macs, total.macs), 6)
    out["params_share"] = round(share(layer.cost.params, total.params), 6)
    out["output_elements"] = memory.output_elements
    out["output_bytes"] = memory.output_bytes
    out["live_bytes"] = memory.live_bytes
    out.update(layer.stored.as_dict())
    return out


def tensor_dict(t: TensorSize | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"name": t.name, "shape": t.shape.as_list(), "elements": t.elements, "bytes": t.bytes}


def memory_totals(a: Analysis) -> dict[str, int]:
    m = a.memory
    return {
        "peak_memory_bytes": m.peak.bytes,
        "peak_memory_fused_bytes": m.peak_fused.bytes,
        "largest_tensor_bytes": m.largest.bytes,
    }


def by_resolution(a: Analysis) -> list[dict[str, Any]]:
    return [
        {"height": r.height, "width": r.width, "largest": tensor_dict(r.largest), "largest_fused": tensor_dict(r.largest_fused)}
        for r in a.memory.by_resolution
    ]


def inputs(graph: Any) -> dict[str, Any]:
    """The input settings of a report: `resolution` (224 when square, else [height, width]) and `batch`,
    named only when it is not 1."""
    out: dict[str, Any] = {"resolution": graph.resolution.as_json()}
    if graph.batch != 1:
        out["batch"] = graph.batch
    return out


def inputs_text(graph: Any, separator: str = "  ") -> str:
    """The input settings in a title: `resolution 224` or `resolution 512x1024`, then `batch 8` when not 1."""
    return f"resolution {graph.resolution}" + (f"{separator}batch {graph.batch}" if graph.batch != 1 else "")


def header(a: Analysis) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "model": a.graph.model,
        "alpha": a.graph.width_multiplier,
        "depth": a.graph.depth,
        **inputs(a.graph),
        "dtype": a.memory.dtype,
        "input_shape": a.graph.input_shape.as_list(),
        "output_shape": a.graph.output.output_shape.as_list(),
    }


def _group_dict(name_key: str, groups: dict[str, Cost], total: Cost, stored: dict[str, Stored] | None = None) -> list[dict[str, Any]]:
    rows = []
    for name, cost in groups.items():
        row: dict[str, Any] = {name_key: name}
        row.update(cost.as_dict())
        row["macs_share"] = round(share(cost.macs, total.macs), 6)
        row["params_share"] = round(share(cost.params, total.params), 6)
        if stored is not None:
            row.update(stored[name].as_dict())
        rows.append(row)
    return rows


def _pair_dict(p: PairCost) -> dict[str, Any]:
    return {
        "depthwise": p.pair.depthwise,
        "pointwise": p.pair.pointwise,
        "block": p.block,
        "macs": p.cost.macs,
        "params": p.cost.params,
        "standard_macs": p.standard.macs,
        "standard_params": p.standard.params,
        "ratio": round(p.ratio, 6),
    }


def to_dict(a: Analysis) -> dict[str, Any]:
    """The JSON contract (schema_version 1); documented in the README."""
    t, m = a.total, a.memory
    totals = t.as_dict()
    totals["standard_macs"] = a.standard.macs
    totals["standard_params"] = a.standard.params
    totals.update(memory_totals(a))
    totals.update(a.stored.as_dict())
    return {
        **header(a),
        "total": totals,
        "layers": [_layer_dict(layer, t, mem) for layer, mem in zip(a.layers, m.layers)],
        "separable": [_pair_dict(p) for p in a.pairs],
        "by_op": _group_dict("op", a.by_kind(), t),
        "by_block": _group_dict("block", a.by_block(), t, a.stored_by_block()),
        "memory": {
            "bytes_per_element": m.bytes_per_element,
            "peak_at": m.peak.at,
            "peak_fused_at": m.peak_fused.at,
            "largest_tensor": tensor_dict(m.largest),
        },
        "by_resolution": by_resolution(a),
    }
