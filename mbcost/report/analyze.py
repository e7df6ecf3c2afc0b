"""Renderers of an analysis: rich table, JSON, CSV and markdown. Pure functions; nothing is computed here
that `cost.py` and `memory.py` do not already hold, except shares, bars (a share drawn) and human-readable
number formatting."""

from __future__ import annotations

from typing import Any

from ..analysis.cost import Analysis, LayerCost, PairCost
from ..analysis.memory import LayerMemory, TensorSize
from ..arch.counts import COUNT_FIELDS, Cost

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
    """568740352 -> '568.7M': four significant digits with a K/M/G/T suffix (999,999 -> '1.000M')."""
    if abs(n) < 1000:
        return str(n)
    digits = f"{abs(n):.3e}"  # rounded to four significant digits first, so the suffix fits the result
    mantissa, exponent = float(digits.split("e")[0]), int(digits.split("e")[1])
    if exponent >= 15:
        return f"{n:.3e}"
    unit, integer_digits = divmod(exponent, 3)  # 1 to 3 digits before the point
    value = mantissa * 10**integer_digits
    return f"{'-' if n < 0 else ''}{value:.{3 - integer_digits}f}{' KMGT'[unit]}"


def human_bytes(n: int) -> str:
    """Decimal units, as the v2 paper's Table 3: 1605632 -> '1.606MB'."""
    return f"{human(n)}B"


def markdown_table(headers, rows, right_from: int | None = None) -> list[str]:
    """Lines of a GitHub-flavoured markdown table; `|` in a cell (a file name, say) is escaped. Columns
    from index `right_from` on are right-aligned."""

    def line(cells) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    rule = ["---:" if right_from is not None and i >= right_from else "---" for i in range(len(headers))]
    return [line(headers), "|" + "|".join(rule) + "|"] + [line(row) for row in rows]


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


BAR_WIDTH = 8
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(part: int, whole: int, width: int = BAR_WIDTH) -> str:
    """`part / whole` as `width` cells of unicode blocks, in eighths of a cell. Rounded down, except that a
    nonzero part always shows at least one eighth, so nothing that counts looks like nothing."""
    if part <= 0 or whole <= 0:
        return ""
    eighths = max(1, part * width * 8 // whole)
    full, rest = divmod(min(eighths, width * 8), 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def _layer_dict(layer: LayerCost, total: Cost, memory: LayerMemory) -> dict[str, Any]:
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
    out["output_elements"] = memory.output_elements
    out["output_bytes"] = memory.output_bytes
    out["live_bytes"] = memory.live_bytes
    return out


def _tensor_dict(t: TensorSize | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"name": t.name, "shape": t.shape.as_list(), "elements": t.shape.elements, "bytes": t.bytes}


def _memory_totals(a: Analysis) -> dict[str, int]:
    m = a.memory
    return {
        "peak_memory_bytes": m.peak.bytes,
        "peak_memory_fused_bytes": m.peak_fused.bytes,
        "largest_tensor_bytes": m.largest.bytes,
    }


def _by_resolution(a: Analysis) -> list[dict[str, Any]]:
    return [
        {"height": r.height, "width": r.width, "largest": _tensor_dict(r.largest), "largest_fused": _tensor_dict(r.largest_fused)}
        for r in a.memory.by_resolution
    ]


def _header(a: Analysis) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "model": a.graph.model,
        "alpha": a.graph.width_multiplier,
        "resolution": a.graph.resolution,
        "dtype": a.memory.dtype,
        "input_shape": a.graph.input_shape.as_list(),
        "output_shape": a.graph.output.output_shape.as_list(),
    }


def _group_row_dict(name_key: str, name: str, cost: Cost, total: Cost) -> dict[str, Any]:
    row: dict[str, Any] = {name_key: name}
    row.update(cost.as_dict())
    row["macs_share"] = round(share(cost.macs, total.macs), 6)
    row["params_share"] = round(share(cost.params, total.params), 6)
    return row


def _group_dict(name_key: str, groups: dict[str, Cost], total: Cost) -> list[dict[str, Any]]:
    return [_group_row_dict(name_key, name, cost, total) for name, cost in groups.items()]


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
    report = _to_dict(a)
    report["layers"] = [_layer_dict(layer, a.total, mem) for layer, mem in zip(a.layers, a.memory.layers)]
    report["separable"] = [_pair_dict(p) for p in a.pairs]
    report["by_block"] = _group_dict("block", a.by_block(), a.total)
    return report


def _to_dict(a: Analysis) -> dict[str, Any]:
    """`to_dict` with its long lists (layers, separable, by_block) left empty, in their places:
    render_json writes them its own way (`_json_lists`)."""
    t = a.total
    totals = t.as_dict()
    totals["standard_macs"] = a.standard.macs
    totals["standard_params"] = a.standard.params
    totals.update(_memory_totals(a))
    m = a.memory
    return {
        **_header(a),
        "total": totals,
        "layers": [],
        "separable": [],
        "by_op": _group_dict("op", a.by_kind(), t),
        "by_block": [],
        "memory": {
            "bytes_per_element": m.bytes_per_element,
            "peak_at": m.peak.at,
            "peak_fused_at": m.peak_fused.at,
            "largest_tensor": _tensor_dict(m.largest),
        },
        "by_resolution": _by_resolution(a),
    }


def _compact_encoder() -> Any:
    """json.dumps(item) without rebuilding the encoder per call: a 10,000-block report has 50,000 items."""
    import json

    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.dumps
    encode = make(None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    return lambda item: "".join(encode(item, 0))


def _encoded(items, as_dict: Any, key: Any, own: Any, dumps: Any) -> list[str]:
    """`dumps(as_dict(item))` of each item, the same text, faster. `own(item)` is the JSON text of the
    item's first and last members (its name, say); every member between them depends on `key(item)`
    alone, and is encoded once per distinct key. The copies of a repeated block share most of a
    report's rows. Checked once per key: the own text must begin and end the full encoding."""
    shared, lines = {}, []
    for item in items:
        head, tail = own(item)
        k = key(item)
        middle = shared.get(k)
        if middle is None:
            whole = dumps(as_dict(item))
            if not (whole.startswith(head, 1) and whole.endswith(tail, 0, len(whole) - 1)):
                raise AssertionError(f"own members {head!r} ... {tail!r} are not those of {whole!r}")
            middle = shared[k] = whole[1 + len(head) : len(whole) - 1 - len(tail)]
        lines.append(f"{{{head}{middle}{tail}}}")
    return lines


def _json_lists(a: Analysis, dumps: Any) -> dict[str, list[str]]:
    """The JSON lines of the report's long lists. A layer's shapes, attributes, counts, shares and output
    size follow from its op and input shapes alone (cost.py's premise); a pair's and a block's numbers
    from their costs."""
    from json.encoder import encode_basestring_ascii as quote

    t = a.total

    def layer_own(item) -> tuple[str, str]:
        node, inputs = item[0].node, ", ".join(map(quote, item[0].node.inputs))
        head = f'"name": {quote(node.name)}, "op": {quote(node.op.kind)}, "block": {quote(node.block)}, "inputs": [{inputs}]'
        return head, f'"live_bytes": {item[1].live_bytes}'

    def pair_own(p: PairCost) -> tuple[str, str]:
        return f'"depthwise": {quote(p.pair.depthwise)}, "pointwise": {quote(p.pair.pointwise)}, "block": {quote(p.block)}', ""

    return {
        "layers": _encoded(
            zip(a.layers, a.memory.layers),
            lambda item: _layer_dict(item[0], t, item[1]),
            # By identity: exact for any graph, and build_graph makes equal ops and shapes one object.
            lambda item: (id(item[0].node.op), id(item[0].node.input_shapes)),
            layer_own,
            dumps,
        ),
        "separable": _encoded(a.pairs, _pair_dict, lambda p: (p.cost, p.standard), pair_own, dumps),
        "by_block": _encoded(
            a.by_block().items(),
            lambda item: _group_row_dict("block", *item, t),
            lambda item: item[1],
            lambda item: (f'"block": {quote(item[0])}', ""),
            dumps,
        ),
    }


def render_json(a: Analysis) -> str:
    """Indented at the top level, one list item (a layer) per line: readable in a diff, and fast, since
    only compact dumps use json's C encoder."""
    import json

    parts = []
    dumps = _compact_encoder()
    encoded = _json_lists(a, dumps)
    for key, value in _to_dict(a).items():
        if key in encoded or (isinstance(value, list) and all(isinstance(item, dict) for item in value)):
            items = encoded[key] if key in encoded else [dumps(item) for item in value]
            text = "[\n" + ",\n".join("    " + item for item in items) + "\n  ]" if items else "[]"
        elif isinstance(value, dict):
            text = json.dumps(value, indent=2).replace("\n", "\n  ")
        else:
            text = json.dumps(value)
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


CSV_COLUMNS = ("name", "op", "block", "input_shape", "output_shape", "kernel", "stride", "groups", "macs", "params") + tuple(
    f for f in COUNT_FIELDS if f != "macs"
) + ("other_ops", "output_elements", "output_bytes", "live_bytes")


def render_csv(a: Analysis) -> str:
    """One row per layer, exact integers; shapes as CxHxW."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for layer, mem in zip(a.layers, a.memory.layers):
        row = _layer_dict(layer, a.total, mem)
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


def _row(layer: LayerCost, mem: LayerMemory, total: Cost) -> list[str]:
    node = layer.node
    return [
        node.name,
        KIND_LABELS.get(node.op.kind, node.op.kind),
        f"{node.input_shape} -> {node.output_shape}",
        _attrs(layer),
        human(layer.cost.macs),
        human(layer.cost.params),
        _percent(layer.cost.macs, total.macs),
        human_bytes(mem.output_bytes),
    ]


def _rows(a: Analysis) -> list[list[str]]:
    return [_row(layer, mem, a.total) for layer, mem in zip(a.layers, a.memory.layers)]


def _group_row(name: str, c: Cost, t: Cost) -> list[str]:
    return [name, human(c.macs), _percent(c.macs, t.macs), human(c.params), _percent(c.params, t.params)]


def _kind_rows(a: Analysis) -> list[list[str]]:
    return [_group_row(KIND_LABELS.get(k, k), c, a.total) for k, c in a.by_kind().items()]


def _block_rows(a: Analysis) -> list[list[str]]:
    return [_group_row(b, c, a.total) for b, c in a.by_block().items()]


def _summary_lines(a: Analysis) -> list[str]:
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
    lines.append(_memory_line(a))
    return lines


def _memory_line(a: Analysis) -> str:
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


LAYER_HEADERS = ("layer", "op", "input -> output", "k/s/g", "MACs", "params", "MACs %", "output")
GROUP_HEADERS = ("MACs", "MACs %", "params", "params %")


def render_markdown(a: Analysis) -> str:
    table = markdown_table
    t = a.total
    lines = [f"## {_title(a)}", ""]
    rows = _rows(a) + [["**total**", "", "", "", f"**{human(t.macs)}**", f"**{human(t.params)}**", "100.0%", ""]]
    lines += table(LAYER_HEADERS, rows) + [""]
    lines += ["### By op kind", ""] + table(("op",) + GROUP_HEADERS, _kind_rows(a)) + [""]
    lines += ["### By block", ""] + table(("block",) + GROUP_HEADERS, _block_rows(a)) + [""]
    lines += [f"- {line}" for line in _summary_lines(a)]
    return "\n".join(lines) + "\n"


# A terminal table of tens of thousands of rows is unreadable, and rich takes ~1 ms a row to lay it out:
# past TABLE_ROWS, the rich report shows the first and last rows of a long table (totals and roll-ups stay
# complete). json, csv and markdown always hold every row.
TABLE_ROWS = 400
TABLE_HEAD, TABLE_TAIL = 300, 50
COLUMNS_DROPPED_FIRST = ("mem bar", "MACs bar", "k/s/g", "output", "input -> output", "op")


def elide(rows: list, what: str, marker: Any = None) -> tuple[list, str | None]:
    """The rows of a rich table to show, and a caption saying what was left out (None when nothing was).
    `marker` stands where rows were left out (default: a row of cells saying how many)."""
    if len(rows) <= TABLE_ROWS:
        return rows, None
    hidden = len(rows) - TABLE_HEAD - TABLE_TAIL
    if marker is None:
        marker = ["...", f"{hidden:,} more"] + [""] * (len(rows[0]) - 2)
    caption = f"{hidden:,} of {len(rows):,} {what} not shown; --format json or csv lists them all"
    return rows[:TABLE_HEAD] + [marker] + rows[-TABLE_TAIL:], caption


_LEFT_OUT = object()


def shown_rows(items: list, what: str, row: Any) -> tuple[list[list[str]], str | None]:
    """`elide` over `items`, formatting only the rows shown with `row(item)`: a 50,000-layer report
    formats 351 rows, not 50,000."""
    shown, caption = elide(items, what, marker=_LEFT_OUT)
    rows = [row(item) for item in shown if item is not _LEFT_OUT]
    if caption is not None:
        hidden = len(items) - TABLE_HEAD - TABLE_TAIL
        rows.insert(TABLE_HEAD, ["...", f"{hidden:,} more"] + [""] * (len(rows[0]) - 2))
    return rows, caption


def fit_columns(headers, rows, width: int, drop_first, footers=()) -> list[int]:
    """The indices of the columns a rich table shows in `width` terminal columns: all of them, or fewer,
    leaving out the columns of `drop_first` (indices) in order until the rest fit. A narrow terminal
    loses whole columns, least telling first, rather than having rich cut numbers to '3.6…'."""
    widths = [max(len(str(h)), *(len(row[i]) for row in rows), *(len(f[i]) for f in [footers] if f)) for i, h in enumerate(headers)]
    keep = list(range(len(headers)))
    for index in drop_first:
        if sum(widths[i] + 3 for i in keep) <= width:  # 3: a column's padding and separator
            break
        keep.remove(index)
    return keep


def render_table(a: Analysis, console: Any) -> None:
    """Print the rich report on `console`."""
    from rich import box

    from .tables import column_table

    t, memory = a.total, a.memory
    headers = [*LAYER_HEADERS[:7], "MACs bar", LAYER_HEADERS[7], "mem bar"]
    footers = ["total", "", "", "", human(t.macs), human(t.params), "100.0%", "", "", ""]
    macs, out = a.max_layer_macs, memory.max_output_bytes

    def layer_row(i: int) -> list[str]:
        layer, mem = a.layers[i], memory.layers[i]
        cells = _row(layer, mem, t)
        return [*cells[:7], bar(layer.cost.macs, macs), cells[7], bar(mem.output_bytes, out)]

    rows, caption = shown_rows(list(range(len(a.layers))), "layers", layer_row)
    keep = fit_columns(headers, rows, console.width, [headers.index(h) for h in COLUMNS_DROPPED_FIRST], footers)
    style = {"box": box.SIMPLE_HEAD, "title_style": "bold"}
    console.print(
        column_table(
            [headers[i] for i in keep],
            [[row[i] for i in keep] for row in rows],
            right=("MACs", "params", "MACs %", "output"),
            footers=[footers[i] for i in keep],
            title=_title(a),
            caption=caption,
            **style,
        )
    )
    for title, key, (rows, caption) in (
        ("by op kind (v1 paper, Table 2)", "op", (_kind_rows(a), None)),
        ("by block", "block", shown_rows(list(a.by_block().items()), "blocks", lambda item: _group_row(*item, t))),
    ):
        console.print(column_table((key,) + GROUP_HEADERS, rows, right=GROUP_HEADERS, title=title, caption=caption, **style))
    for line in _summary_lines(a):
        console.print(line, highlight=False)


RENDERERS = {"json": render_json, "csv": render_csv, "markdown": render_markdown}


# The by-resolution view (`mbcost analyze --by resolution`): v2 paper, Table 3.

RESOLUTION_HEADERS = ("size", "largest tensor", "made by", "bytes", "fused: largest materialized", "made by", "bytes")


def _resolution_rows(a: Analysis) -> list[list[str]]:
    rows = []
    for r in a.memory.by_resolution:
        fused = r.largest_fused
        rows.append(
            [
                f"{r.height}x{r.width}",
                str(r.largest.shape),
                r.largest.name,
                f"{r.largest.bytes:,}",
                str(fused.shape) if fused else "-",
                fused.name if fused else "-",
                f"{fused.bytes:,}" if fused else "-",
            ]
        )
    return rows


def _resolution_title(a: Analysis) -> str:
    return f"{_title(a)}  {a.memory.dtype}: largest activation tensor per spatial size (v2 paper, Table 3)"


def resolution_to_dict(a: Analysis) -> dict[str, Any]:
    """The by-resolution JSON: the report's header, the memory totals and `by_resolution`, with the same
    keys as in the full report."""
    return {**_header(a), "total": _memory_totals(a), "by_resolution": _by_resolution(a)}


def render_resolution_json(a: Analysis) -> str:
    import json

    return json.dumps(resolution_to_dict(a), indent=2) + "\n"


RESOLUTION_CSV_COLUMNS = (
    "height", "width", "largest_name", "largest_shape", "largest_bytes", "fused_name", "fused_shape", "fused_bytes"
)


def render_resolution_csv(a: Analysis) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESOLUTION_CSV_COLUMNS)
    for r in a.memory.by_resolution:
        fused = r.largest_fused
        writer.writerow(
            [r.height, r.width, r.largest.name, str(r.largest.shape), r.largest.bytes]
            + ([fused.name, str(fused.shape), fused.bytes] if fused else ["", "", ""])
        )
    return buffer.getvalue()


def render_resolution_markdown(a: Analysis) -> str:
    lines = [f"## {_resolution_title(a)}", ""]
    lines += markdown_table(RESOLUTION_HEADERS, _resolution_rows(a))
    lines += ["", f"- {_memory_line(a)}"]
    return "\n".join(lines) + "\n"


def render_resolution_table(a: Analysis, console: Any) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title=_resolution_title(a), box=box.SIMPLE_HEAD, title_style="bold")
    for header in RESOLUTION_HEADERS:
        table.add_column(header, justify="right" if header == "bytes" else "left", no_wrap=True)
    for row in _resolution_rows(a):
        table.add_row(*row)
    console.print(table)
    console.print(_memory_line(a), highlight=False)


RESOLUTION_RENDERERS = {"json": render_resolution_json, "csv": render_resolution_csv, "markdown": render_resolution_markdown}
