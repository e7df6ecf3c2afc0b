"""`mbcost analyze --by row` and `--by stage` as Documents. A row is one line of the spec as written
(`repeat: 3` gives three blocks, summed here); a stage is the run of layers at one spatial size, as
`mbcost compare` aligns them (the pooled stage holds global pooling and the classifier)."""

from __future__ import annotations

from typing import Any

from ...analysis.compare import POOLED, stage_keys, stages
from ...analysis.cost import Analysis, LayerCost
from ...arch.counts import Cost, Stored, total
from ..document import BYTES, COUNT, INTEGER, PERCENT, Column, Document, Records, Table
from ..numbers import share
from .analysis import header, title


def by_row(a: Analysis) -> list[tuple[str, int, int, Cost, Stored]]:
    """(label, spec line, blocks summed, cost, stored) per spec row in order; the pool and the classifier,
    which have no row, by their block."""
    groups: dict[Any, list[LayerCost]] = {}
    for layer in a.layers:
        groups.setdefault(layer.node.line or layer.node.block, []).append(layer)
    rows = []
    for layers in groups.values():
        blocks = list(dict.fromkeys(layer.node.block for layer in layers))
        label = blocks[0] if len(blocks) == 1 else f"{blocks[0]} .. {blocks[-1]}"
        stored = sum((layer.stored for layer in layers), Stored())
        rows.append((label, layers[0].node.line, len(blocks), total(layer.cost for layer in layers), stored))
    return rows


def by_stage(a: Analysis) -> list[tuple[str, int, Cost, Stored]]:
    """(label, spatial size, cost, stored) per stage: `112`, `56`, ..., `pooled`."""
    sizes = stages(a)
    stored: dict[Any, Stored] = {}
    for key, layer in zip(stage_keys(a), a.layers):
        stored[key] = stored.get(key, Stored()) + layer.stored
    return [(POOLED if key == POOLED else str(size), size, cost, stored[key]) for key, (size, cost) in sizes.items()]


def _cells(a: Analysis, cost: Cost, stored: Stored) -> tuple[Any, ...]:
    t = a.total
    return (cost.macs, share(cost.macs, t.macs), cost.params, share(cost.params, t.params), stored.bytes(a.dtype))


def _counts(a: Analysis, cost: Cost, stored: Stored) -> dict[str, Any]:
    out: dict[str, Any] = cost.as_dict()
    out["macs_share"] = round(share(cost.macs, a.total.macs), 6)
    out["params_share"] = round(share(cost.params, a.total.params), 6)
    out.update(stored.as_dict())
    return out


def _tail(a: Analysis) -> tuple[Column, ...]:
    return (Column("MACs", COUNT), Column("MACs %", PERCENT), Column("params", COUNT), Column("params %", PERCENT), Column(f"weights {a.dtype}", BYTES))


def document(a: Analysis, by: str) -> Document:
    """`by` is "row" or "stage"."""
    if by == "row":
        rows = by_row(a)
        columns = (Column("spec row"), Column("line", INTEGER), Column("blocks", INTEGER), *_tail(a))
        cells = tuple((label, line or None, count, *_cells(a, cost, stored)) for label, line, count, cost, stored in rows)
        items = [{"row": label, "line": line, "blocks": count, **_counts(a, cost, stored)} for label, line, count, cost, stored in rows]
    else:
        stage_rows = by_stage(a)
        columns = (Column("stage"), *_tail(a))
        cells = tuple((label, *_cells(a, cost, stored)) for label, _, cost, stored in stage_rows)
        items = [{"stage": label, "size": size, **_counts(a, cost, stored)} for label, size, cost, stored in stage_rows]
    t = a.total
    footer = ("total",) + (None,) * (len(columns) - 6) + (t.macs, 1.0, t.params, 1.0, a.weight_bytes)
    text = f"{title(a)}  by spec row (repeats summed)" if by == "row" else f"{title(a)}  by stage (output size)"
    table = Table(text, columns, cells, footer=footer, items="rows" if by == "row" else "stages")
    key = "by_row" if by == "row" else "by_stage"
    names = tuple(items[0]) if items else ()
    return Document(
        "analysis",
        text,
        (table,),
        records=Records(names, tuple(tuple(item.values()) for item in items)),
        data={**header(a), "total": _counts(a, t, a.stored), key: items},
    )
