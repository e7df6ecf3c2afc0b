"""Renderers of an analysis: rich table, JSON, CSV and markdown. Pure functions; nothing is computed here
that `cost.py` does not already hold, except shares and human-readable number formatting."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .cost import Analysis, LayerCost
from .counts import COUNT_FIELDS, Cost

SCHEMA_VERSION = 1
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


def human(n: int) -> str:
    """568740352 -> '568.7M': four significant digits with a K/M/G/T suffix."""
    for scale, suffix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K")):
        if abs(n) >= scale:
            v = n / scale
            return f"{v:.1f}{suffix}" if abs(v) >= 100 else f"{v:.2f}{suffix}" if abs(v) >= 10 else f"{v:.3f}{suffix}"
    return str(n)


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _layer_dict(layer: LayerCost, total: Cost) -> dict[str, Any]:
    node = layer.node
    out: dict[str, Any] = {
        "name": node.name,
        "op": node.op.kind,
        "block": node.block,
        "inputs": list(node.inputs),
        "input_shape": node.input_shape.as_list(),
        "output_shape": node.output_shape.as_list(),
    }
    out.update(node.op.attributes())
    out.update(layer.cost.as_dict())
    out["macs_share"] = round(share(layer.cost.macs, total.macs), 6)
    out["params_share"] = round(share(layer.cost.params, total.params), 6)
    return out


def _group_dict(name_key: str, groups: dict[str, Cost], total: Cost) -> list[dict[str, Any]]:
    rows = []
    for name, cost in groups.items():
        row: dict[str, Any] = {name_key: name}
        row.update(cost.as_dict())
        row["macs_share"] = round(share(cost.macs, total.macs), 6)
        row["params_share"] = round(share(cost.params, total.params), 6)
        rows.append(row)
    return rows


def to_dict(a: Analysis) -> dict[str, Any]:
    """The JSON contract (schema_version 1); documented in the README."""
    t = a.total
    totals = t.as_dict()
    totals["standard_macs"] = a.standard.macs
    totals["standard_params"] = a.standard.params
    return {
        "schema_version": SCHEMA_VERSION,
        "model": a.graph.model,
        "alpha": a.graph.width_multiplier,
        "resolution": a.graph.resolution,
        "input_shape": a.graph.input_shape.as_list(),
        "output_shape": a.graph.output.output_shape.as_list(),
        "total": totals,
        "layers": [_layer_dict(layer, t) for layer in a.layers],
        "separable": [
            {
                "depthwise": p.pair.depthwise,
                "pointwise": p.pair.pointwise,
                "block": p.block,
                "macs": p.cost.macs,
                "params": p.cost.params,
                "standard_macs": p.standard.macs,
                "standard_params": p.standard.params,
                "ratio": round(p.ratio, 6),
            }
            for p in a.pairs
        ],
        "by_op": _group_dict("op", a.by_kind(), t),
        "by_block": _group_dict("block", a.by_block(), t),
    }


def render_json(a: Analysis) -> str:
    """Indented at the top level, one list item (a layer) per line: readable in a diff, and fast, since
    only compact dumps use json's C encoder."""
    parts = []
    for key, value in to_dict(a).items():
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            text = "[\n" + ",\n".join("    " + json.dumps(item) for item in value) + "\n  ]" if value else "[]"
        elif isinstance(value, dict):
            text = json.dumps(value, indent=2).replace("\n", "\n  ")
        else:
            text = json.dumps(value)
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


CSV_COLUMNS = ("name", "op", "block", "input_shape", "output_shape", "kernel", "stride", "groups", "macs", "params") + tuple(
    f for f in COUNT_FIELDS if f != "macs"
) + ("other_ops",)


def render_csv(a: Analysis) -> str:
    """One row per layer, exact integers; shapes as CxHxW."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for layer in a.layers:
        row = _layer_dict(layer, a.total)
        row["input_shape"] = str(layer.node.input_shape)
        row["output_shape"] = str(layer.node.output_shape)
        writer.writerow(row.get(c, "") for c in CSV_COLUMNS)
    return buffer.getvalue()


def _percent(part: int, whole: int) -> str:
    return f"{100 * share(part, whole):.1f}%"


def _attrs(layer: LayerCost) -> str:
    a = layer.node.op.attributes()
    if "kernel" not in a:
        return " ".join(f"{key} {value}" for key, value in a.items())
    text = f"k{a['kernel']} s{a['stride']}"
    return text + (f" g{a['groups']}" if a["groups"] != 1 else "")


def _title(a: Analysis) -> str:
    g = a.graph
    return f"{g.model}  alpha {g.width_multiplier:g}  resolution {g.resolution}"


def _rows(a: Analysis) -> list[list[str]]:
    t = a.total
    return [
        [
            layer.node.name,
            KIND_LABELS.get(layer.node.op.kind, layer.node.op.kind),
            f"{layer.node.input_shape} -> {layer.node.output_shape}",
            _attrs(layer),
            human(layer.cost.macs),
            human(layer.cost.params),
            _percent(layer.cost.macs, t.macs),
        ]
        for layer in a.layers
    ]


def _kind_rows(a: Analysis) -> list[list[str]]:
    t = a.total
    return [
        [KIND_LABELS.get(k, k), human(c.macs), _percent(c.macs, t.macs), human(c.params), _percent(c.params, t.params)]
        for k, c in a.by_kind().items()
    ]


def _block_rows(a: Analysis) -> list[list[str]]:
    t = a.total
    return [[b, human(c.macs), _percent(c.macs, t.macs), human(c.params), _percent(c.params, t.params)] for b, c in a.by_block().items()]


def _summary_lines(a: Analysis) -> list[str]:
    t, s = a.total, a.standard
    lines = [
        f"total: {t.macs:,} MACs ({human(t.macs)}), {t.params:,} params ({human(t.params)}: "
        f"{t.weights:,} weights, {t.biases:,} biases, {t.norm_params:,} norm); "
        f"{t.norm_buffers:,} norm buffers; {t.other_ops:,} other ops",
    ]
    if a.pairs:
        lines.append(
            f"as standard convs (v1 paper, Table 4): {human(s.macs)} MACs ({s.macs / t.macs:.1f}x), "
            f"{human(s.params)} params ({s.params / t.params:.1f}x); "
            f"separable pairs cost {sum(p.cost.macs for p in a.pairs) / sum(p.standard.macs for p in a.pairs):.3f} of standard"
        )
    return lines


LAYER_HEADERS = ("layer", "op", "input -> output", "k/s/g", "MACs", "params", "MACs %")
GROUP_HEADERS = ("MACs", "MACs %", "params", "params %")


def render_markdown(a: Analysis) -> str:
    def table(headers, rows) -> list[str]:
        out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return out

    t = a.total
    lines = [f"## {_title(a)}", ""]
    rows = _rows(a) + [["**total**", "", "", "", f"**{human(t.macs)}**", f"**{human(t.params)}**", "100.0%"]]
    lines += table(LAYER_HEADERS, rows) + [""]
    lines += ["### By op kind", ""] + table(("op",) + GROUP_HEADERS, _kind_rows(a)) + [""]
    lines += ["### By block", ""] + table(("block",) + GROUP_HEADERS, _block_rows(a)) + [""]
    lines += [f"- {line}" for line in _summary_lines(a)]
    return "\n".join(lines) + "\n"


def render_table(a: Analysis, console: Any) -> None:
    """Print the rich report on `console`."""
    from rich import box
    from rich.table import Table

    t = a.total
    layers = Table(title=_title(a), box=box.SIMPLE_HEAD, show_footer=True, title_style="bold")
    footers = ("total", "", "", "", human(t.macs), human(t.params), "100.0%")
    for i, (header, footer) in enumerate(zip(LAYER_HEADERS, footers)):
        numeric = i >= 4
        layers.add_column(header, footer=footer, justify="right" if numeric else "left", no_wrap=True)
    for row in _rows(a):
        layers.add_row(*row)
    console.print(layers)
    for title, key, rows in (("by op kind (v1 paper, Table 2)", "op", _kind_rows(a)), ("by block", "block", _block_rows(a))):
        table = Table(title=title, box=box.SIMPLE_HEAD, title_style="bold")
        table.add_column(key)
        for header in GROUP_HEADERS:
            table.add_column(header, justify="right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for line in _summary_lines(a):
        console.print(line, highlight=False)


RENDERERS = {"json": render_json, "csv": render_csv, "markdown": render_markdown}
