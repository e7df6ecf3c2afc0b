"""An import from end to end: the source through its front end to units, rows, the spec's text, and the
check of that text against the source. The caller writes the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .exact import Check, check
from .ir import units
from .recognise import recognise
from .write import spec_text


@dataclass(frozen=True)
class Imported:
    text: str
    check: Check
    kind: str  # "torch.fx" or "onnx"


def is_onnx(source: str) -> bool:
    return source.lower().endswith(".onnx")


def import_source(source: str, input_shape: tuple[int, int, int] | None, file: str) -> Imported:
    """The spec of `source` (a `FILE.py:FACTORY`, `package.module:FACTORY` or `model.onnx`), checked as if
    written to `file`."""
    if is_onnx(source):
        from .from_onnx import read

        front, kind = read(Path(source), input_shape), "onnx"
    else:
        from .from_torch import trace

        front, kind = trace(source, input_shape), "torch.fx"
    found_units = units(front.prims, source)
    found = recognise(found_units, front.input_value, front.input_shape[0], source)
    classes = found.linears[-1].out_features if found.linears else found_units[-1].shape[0]
    text = spec_text(found, front.input_shape, classes, source, kind)
    return Imported(text, check(text, file, found_units, front.params, front.macs), kind)
