"""build_graph builds each distinct copy of a spec row once and replays it for the others: the graph must
be the one a copy-by-copy expansion gives, and the limits must stop it at the same node."""

from __future__ import annotations

import pytest

from mbcost import limits
from mbcost.analysis.cost import analyze
from mbcost.errors import SpecError
from mbcost.graph import Builder, build_graph
from mbcost.spec.records import parse_spec

HEAD = "input: {resolution: 32}\nclasses: 10\nstem: {conv: {kernel: 3, stride: 2, channels: 16}}\nblocks:\n"
TAIL = "pool: average\nclassifier: {}\n"
ROWS = (
    "bottleneck: {expansion: 6, channels: 24, stride: 2}",
    "bottleneck: {expansion: 6, channels: 24}",
    "separable: {channels: 32}",
    "bottleneck: {expanded_channels: 96, channels: 32, se: true}",
    "bottleneck: {expansion: 1, channels: 32, residual: false}",
)


def spec(rows: list[str]):
    return parse_spec(HEAD + "".join(f"  - {row}\n" for row in rows) + TAIL, "spec.yaml", "test")


@pytest.mark.parametrize("alpha", [None, 0.35, 1.4])
def test_replayed_copies_are_the_copies_built_one_by_one(alpha, monkeypatch):
    # Each row three times, and again as rows of their own (same content, other lines): the later copies
    # are replays. With recording switched off every copy is built by its block kind instead.
    rows = [row.replace("}", ", repeat: 3}") for row in ROWS] + list(ROWS)
    replayed = build_graph(spec(rows), alpha)
    monkeypatch.setattr(Builder, "record", lambda self, *args: None)
    built = build_graph(spec(rows), alpha)
    assert replayed == built
    first, second = analyze(replayed), analyze(built)
    assert first.layers == second.layers and first.pairs == second.pairs
    assert (first.total, first.standard, first.memory) == (second.total, second.standard, second.memory)


def test_layer_limit_inside_a_replayed_copy(monkeypatch):
    # The stem and copies 0..24 of a separable block (two nodes each) make 51 nodes; at a limit of 52
    # copy 25's depthwise fits and its pointwise does not, so the error names copy 25, a replay.
    monkeypatch.setattr(limits, "MAX_LAYERS", 52)
    with pytest.raises(SpecError) as error:
        build_graph(spec(["separable: {channels: 16, repeat: 30}"]))
    assert "MAX_LAYERS" in error.value.message and error.value.field == "blocks.25 (separable.repeat)"
    assert error.value.line == 5
