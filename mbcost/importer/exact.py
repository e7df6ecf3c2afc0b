"""The exactness check of an import: the written spec analyzed, its params and MACs compared with the
source's, in total and layer by layer (each spec layer beside the source unit it was made from)."""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.cost import analyze
from ..graph import build_graph
from ..spec.parse import parse_spec
from .ir import Unit


@dataclass(frozen=True)
class Difference:
    layer: str  # the spec's layer name
    source: str  # the source's module or node
    count: str  # params or macs
    spec: int
    measured: int


@dataclass(frozen=True)
class Check:
    params: int  # the spec's totals
    macs: int
    source_params: int  # the source's own totals
    source_macs: int
    differences: tuple[Difference, ...]

    @property
    def ok(self) -> bool:
        return not self.differences and (self.params, self.macs) == (self.source_params, self.source_macs)


def check(text: str, file: str, units: list[Unit], source_params: int, source_macs: int) -> Check:
    """Analyze the spec `text` (written to `file`) and compare it with the source's units and totals."""
    spec = parse_spec(text, file, file)
    analysis = analyze(build_graph(spec))
    differences = []
    layers = analysis.layers
    for index in range(max(len(layers), len(units))):
        layer = layers[index] if index < len(layers) else None
        unit = units[index] if index < len(units) else None
        name = layer.node.name if layer else "(none)"
        where = unit.name if unit else "(none)"
        for count in ("params", "macs"):
            ours = getattr(layer.cost, count) if layer else 0
            theirs = getattr(unit, count) if unit else 0
            if ours != theirs or (layer is None) != (unit is None):
                differences.append(Difference(name, where, count, ours, theirs))
    total = analysis.total
    return Check(total.params, total.macs, source_params, source_macs, tuple(differences))
