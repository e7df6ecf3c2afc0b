"""mbcost: exact MACs and parameters of MobileNet-style networks from a YAML architecture spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .analysis.cost import Analysis, analyze
from .graph import Graph, build_graph
from .spec.load import load
from .spec.parse import load_spec
from .spec.records import Spec

__version__ = "0.1.0"
__all__ = ["Analysis", "Graph", "Spec", "analyze", "build_graph", "load_spec", "load", "analyze_spec", "build_module", "spec_from"]

SpecSource = str | Path | Spec | Mapping[str, Any]


def spec_from(spec: SpecSource, model: str = "spec") -> Spec:
    """A Spec from whatever a notebook or a NAS loop holds: a loaded Spec; a dict (as YAML would read);
    a YAML string (any text with a newline, or a one-line `{...}` mapping); else a path or built-in name.
    A dict or string is validated as a file would be; its errors name `<dict>` or `<string>` and the line
    of the YAML the dict is written as. `model` names the result (a path or name names itself)."""
    from .spec.parse import parse_spec

    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, Mapping):
        import yaml

        return parse_spec(yaml.safe_dump(dict(spec), sort_keys=False), "<dict>", model)
    if isinstance(spec, str) and ("\n" in spec or spec.lstrip().startswith("{")):
        return parse_spec(spec, "<string>", model)
    return load(spec)


Size = int | tuple[int, int] | str  # an input size: 224, (512, 1024) as (height, width), or "512x1024"


def analyze_spec(
    spec: SpecSource,
    width_multiplier: float | None = None,
    resolution: Size | None = None,
    dtype: str = "fp32",
    depth: float | None = None,
    batch: int | None = None,
) -> Analysis:
    """Load, expand and cost a spec in one call (activation memory at `dtype`; `depth` multiplies the
    repeats, EfficientNet's d; `batch` images multiply MACs, other ops and activation memory, not
    params). `resolution` is 224, (height, width) or "512x1024". `spec` is a path, a built-in name, a
    dict, a YAML string or a Spec (`spec_from`); `analyze_spec(...).to_dict()` is the report of
    `mbcost analyze --format json`."""
    return analyze(build_graph(spec_from(spec), width_multiplier, resolution, depth, batch), dtype)


def build_module(
    spec: SpecSource, width_multiplier: float | None = None, resolution: Size | None = None, depth: float | None = None
):
    """The spec as a trainable `torch.nn.Module` (a `mbcost.torch_build.GraphModule`), built from the same
    graph the cost model counts: one submodule per node, named like the node. Imports torch."""
    from .pytorch.build import build  # lazily: the analysis path never imports torch

    return build(build_graph(spec_from(spec), width_multiplier, resolution, depth))
