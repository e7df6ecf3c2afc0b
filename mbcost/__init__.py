"""mbcost: exact MACs and parameters of MobileNet-style networks from a YAML architecture spec."""

from __future__ import annotations

from pathlib import Path

from .analysis.cost import Analysis, analyze
from .graph import Graph, build_graph
from .spec.builtin import load
from .spec.parse import load_spec
from .spec.records import Spec

__version__ = "0.1.0"
__all__ = ["Analysis", "Graph", "Spec", "analyze", "build_graph", "load_spec", "load", "analyze_spec", "build_module"]


def analyze_spec(
    spec: str | Path | Spec, width_multiplier: float | None = None, resolution: int | None = None, dtype: str = "fp32"
) -> Analysis:
    """Load, expand and cost a spec in one call (activation memory at `dtype`)."""
    return analyze(build_graph(load(spec), width_multiplier, resolution), dtype)


def build_module(spec: str | Path | Spec, width_multiplier: float | None = None, resolution: int | None = None):
    """The spec as a trainable `torch.nn.Module` (a `mbcost.torch_build.GraphModule`), built from the same
    graph the cost model counts: one submodule per node, named like the node. Imports torch."""
    from .pytorch.build import build  # lazily: the analysis path never imports torch

    return build(build_graph(load(spec), width_multiplier, resolution))
