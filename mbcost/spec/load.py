"""A spec by whatever names it on a command line or in the API: a path, a built-in name, or a loaded Spec."""

from __future__ import annotations

from pathlib import Path

from .builtin import resolve
from .parse import load_spec
from .records import Spec


def load(spec: str | Path | Spec) -> Spec:
    """A spec from a path, a built-in name (`mobilenet_v2`) or an already loaded Spec."""
    if isinstance(spec, Spec):
        return spec
    path, model = resolve(str(spec))
    return load_spec(path, model)
