"""Validation without a report: a spec is valid when it loads and its graph expands at the spec's own
width multiplier and resolution (shape errors such as a residual add across a channel change, or groups
that do not divide the channels, only show there). No cost is computed and nothing is rendered."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError
from ..graph import build_graph
from ..spec.load import load


@dataclass(frozen=True)
class Outcome:
    """The result for one SPEC argument: `error` is None when it is valid."""

    spec: str
    layers: int = 0
    error: SpecError | None = None


def validate(spec: str) -> Outcome:

    try:
        graph = build_graph(load(spec))
    except SpecError as error:
        return Outcome(spec, error=error)
    return Outcome(spec, layers=len(graph.nodes))


def validate_all(specs: list[str]) -> list[Outcome]:
    """Every spec is checked, whatever the earlier ones gave."""
    return [validate(spec) for spec in specs]
