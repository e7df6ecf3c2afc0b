"""The `onnx` extra's modules, imported on first use: without them, one line saying how to install them."""

from __future__ import annotations

from typing import Any

from ..errors import ExtraMissing


def onnx() -> Any:
    try:
        import onnx as module
    except ImportError as error:
        raise ExtraMissing("onnx", "onnx") from error
    return module


def onnxruntime() -> Any:
    try:
        import onnxruntime as module
    except ImportError as error:
        raise ExtraMissing("onnxruntime", "onnx") from error
    return module


def numpy() -> Any:
    try:
        import numpy as module
    except ImportError as error:
        raise ExtraMissing("numpy", "onnx") from error
    return module
