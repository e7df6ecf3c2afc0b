"""mbcost: exact MACs and parameters of MobileNet-style networks from a YAML architecture spec.

The names below are imported on first use (PEP 562), so that the command line's entry (`_entry.py`) can
take Ctrl-C in hand before the vocabulary, the graph and the analysis are imported."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from pathlib import Path

    from .analysis.cost import Analysis, analyze
    from .graph import Graph, build_graph
    from .spec.load import load
    from .spec.parse import load_spec
    from .spec.records import Spec

    SpecSource = str | Path | Spec | Mapping[str, Any]  # what `spec_from` takes

__version__ = "0.1.0"
__all__ = ["Analysis", "Graph", "Spec", "analyze", "build_graph", "load_spec", "load", "analyze_spec", "build_module", "spec_from"]

# Each name of the face and the module that defines it.
_HOMES = {
    "Analysis": ".analysis.cost",
    "analyze": ".analysis.cost",
    "Graph": ".graph",
    "build_graph": ".graph",
    "load": ".spec.load",
    "load_spec": ".spec.parse",
    "Spec": ".spec.records",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'mbcost' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def spec_from(spec: SpecSource, model: str = "spec") -> Spec:
    """A Spec from whatever a notebook or a NAS loop holds: a loaded Spec; a dict (as YAML would read);
    a YAML string (any text with a newline, or a one-line `{...}` mapping); else a path or built-in name.
    A dict or string is validated as a file would be; its errors name `<dict>` or `<string>` and the line
    of the YAML the dict is written as. `model` names the result (a path or name names itself)."""
    from .spec.load import load
    from .spec.parse import parse_spec
    from .spec.records import Spec

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
    from .analysis.cost import analyze
    from .graph import build_graph

    return analyze(build_graph(spec_from(spec), width_multiplier, resolution, depth, batch), dtype)


def build_module(
    spec: SpecSource, width_multiplier: float | None = None, resolution: Size | None = None, depth: float | None = None
):
    """The spec as a trainable `torch.nn.Module` (a `mbcost.torch_build.GraphModule`), built from the same
    graph the cost model counts: one submodule per node, named like the node. Imports torch."""
    from .graph import build_graph
    from .pytorch.build import build  # lazily: the analysis path never imports torch

    return build(build_graph(spec_from(spec), width_multiplier, resolution, depth))
