"""Measured layer times, read from three kinds of file and joined to the layers of the network they measured:

- an `mbcost bench` report (JSON): the analysis JSON of `spec` at `alpha` and `resolution` with
  `measured_min_s` on every layer. The spec is analyzed again and joined by layer name; every layer of
  the report must be one of the network's, and every layer of the network must be measured.
- an ONNX Runtime profile (JSON, `SessionOptions.enable_profiling`): its `Node` events named
  `<node>_kernel_time`, durations in microseconds. A node's layer is the text of its name before the first
  `/` (the export's naming: `blocks.3.se/reduce` is layer `blocks.3.se`). Each node's minimum over the runs
  the file holds is its time (the k-th event of a node is run k); a layer's time is the sum over its nodes.
- a TFLite `benchmark_model` per-op CSV (`--enable_op_profiling=true --op_profiling_output_mode=csv`):
  the rows of its "Run Order" section, `node type, start, first, avg_ms, %, cdf%, mem KB, times called,
  name`, a name written `[tensor]:node index`. The join rule is the same: the tensor name's text before
  the first `/` is the layer. A row's time is avg_ms x times called (per run); a layer's, the sum of its rows.

The last two do not say which network they measured: the caller names it (SPEC[@ALPHA[,RESOLUTION]]). A
node or row that joins no layer, a layer of the network that nothing measured, or a report of another
network is bad input, located at the line of the file that says so."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis.cost import Analysis
from ..analysis.cost import analyze as run
from ..errors import SpecError
from ..graph import build_graph
from ..limits import MAX_REPORT_BYTES
from ..spec.builtin import path_exists
from ..spec.load import load
from ..spec.reader import read_text
from .traffic import bytes_moved, kernels


@dataclass(frozen=True)
class Sample:
    """One layer's measured time with what the roofline needs to predict it."""

    layer: str
    kind: str
    macs: int
    bytes_moved: int
    kernels: int
    seconds: float


@dataclass(frozen=True)
class Measurement:
    """Every layer of one network, measured."""

    file: str
    label: str  # model@alpha,resolution
    samples: tuple[Sample, ...]

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.samples)

    @property
    def macs(self) -> int:
        return sum(s.macs for s in self.samples)


def _where(text: str, needle: str) -> tuple[int, int]:
    """Line and column of the first `needle` in `text` (1, 1 when it is not there)."""
    at = text.find(needle)
    if at < 0:
        return 1, 1
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def _join(
    analysis: Analysis, times: dict[str, float], file: str, text: str, quote: str, what: str, within: dict[str, str] | None = None
) -> Measurement:
    """Samples of every layer of `analysis` from `times` (layer -> seconds); `quote(name)` is how the file
    writes a layer's name, to locate errors. `within` names the layers a runtime computed inside another
    layer's kernel (a residual add fused into the projection): their MACs and bytes are booked to that
    layer's sample, which the one measured time covers."""
    within = within or {}
    layers = {layer.node.name: layer for layer in analysis.layers}
    for name, host in within.items():
        if name not in layers or host not in times:
            line, col = _where(text, quote(name))
            raise SpecError(f"{what} {name!r} is measured in {host!r}, which is not a measured layer of {analysis.graph.model}",
                            file=file, line=line, col=col)
    for name in times:
        if name not in layers:
            line, col = _where(text, quote(name))
            raise SpecError(
                f"{what} {name!r} is not a layer of {analysis.graph.model} (alpha {analysis.graph.width_multiplier:g}, "
                f"resolution {analysis.graph.resolution}): a measurement of another network?",
                file=file, line=line, col=col,
            )
    missing = [name for name in layers if name not in times and name not in within]
    if missing:
        raise SpecError(
            f"layer {missing[0]!r} of {analysis.graph.model} is not measured ({len(missing)} of {len(layers)} layers are not): "
            "a measurement of another network, or one whose runtime fused layers away?",
            file=file, line=1, col=1,
        )
    guests: dict[str, tuple[int, int]] = {}  # host -> (MACs, bytes) of the layers inside its kernel
    for name, host in within.items():
        node, cost = layers[name].node, layers[name].cost
        macs, moved = guests.get(host, (0, 0))
        guests[host] = (macs + cost.macs, moved + bytes_moved(node.op, node.input_shapes, node.output_shape, cost, analysis.dtype))
    samples = []
    for name, layer in layers.items():
        if name in within:
            continue
        node = layer.node
        moved = bytes_moved(node.op, node.input_shapes, node.output_shape, layer.cost, analysis.dtype)
        extra_macs, extra_bytes = guests.get(name, (0, 0))
        samples.append(Sample(name, node.op.kind, layer.cost.macs + extra_macs, moved + extra_bytes, kernels(node.op), times[name]))
    g = analysis.graph
    return Measurement(file, f"{g.model}@{g.width_multiplier:g},{g.resolution}", tuple(samples))


def _bad(file: str, message: str, line: int = 0, col: int = 0) -> SpecError:
    return SpecError(message, file=file, line=line, col=col)


def read_json(path: Path) -> tuple[str, Any]:
    file = str(path)
    text = read_text(path, MAX_REPORT_BYTES, "MAX_REPORT_BYTES")
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as error:
        raise _bad(file, f"not JSON ({error.msg})", error.lineno, error.colno) from None
    except (ValueError, RecursionError):
        raise _bad(file, "not JSON that can be read (a number too long, or nested too deeply)") from None


def read_file(path: Path) -> tuple[str, str, Any]:
    """(kind, text, parsed JSON or None) of a measurement file: "tflite" (a .csv), "bench" (JSON with a
    `bench` section) or "ort" (any other JSON; `read_ort` says when it is not a profile)."""
    if path.suffix.lower() == ".csv":
        return "tflite", read_text(path, MAX_REPORT_BYTES, "MAX_REPORT_BYTES"), None
    text, data = read_json(path)
    return ("bench" if isinstance(data, dict) and "bench" in data else "ort"), text, data


def analysis_of(spec: str, width: float | None, resolution: int | None, dtype: str, beside: Path | None = None) -> Analysis:
    """The analysis a measurement is joined to; a spec path that is not found as given is looked for
    beside the measurement file."""
    if beside is not None and not path_exists(Path(spec)) and path_exists(beside.parent / spec):
        spec = str(beside.parent / spec)
    return run(build_graph(load(spec), width, resolution), dtype)


def read_bench(path: Path, text: str, data: dict) -> Measurement:
    """An `mbcost bench` report (the export engineer's contract)."""
    file = str(path)
    spec, alpha, resolution = data.get("spec"), data.get("alpha"), data.get("resolution")
    if not isinstance(spec, str) or not spec:
        raise _bad(file, "no `spec` (the SPEC the bench ran); expected a report written by `mbcost bench SPEC --format json`")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not math.isfinite(alpha):
        raise _bad(file, f"alpha is {alpha!r}, not a number", *_where(text, '"alpha"'))
    if isinstance(resolution, bool) or not isinstance(resolution, int):
        raise _bad(file, f"resolution is {resolution!r}, not an integer", *_where(text, '"resolution"'))
    dtype = data.get("dtype", "fp32")
    try:
        analysis = analysis_of(spec, float(alpha), resolution, dtype if isinstance(dtype, str) else "fp32", path)
    except SpecError as error:
        line, col = _where(text, '"spec"')
        raise _bad(file, f"spec {spec!r}: {error}", line, col) from None
    model = data.get("model")
    if isinstance(model, str) and model != analysis.graph.model:
        raise _bad(file, f"is a report of {model!r}, but its spec {spec!r} is {analysis.graph.model!r}", *_where(text, '"model"'))
    layers = data.get("layers")
    if not isinstance(layers, list):
        raise _bad(file, "no `layers` list", *_where(text, '"layers"'))
    times: dict[str, float] = {}
    within: dict[str, str] = {}
    for row in layers:
        name = row.get("name") if isinstance(row, dict) else None
        if not isinstance(name, str):
            raise _bad(file, "a layer without a `name`", *_where(text, '"layers"'))
        host = row.get("measured_in")
        if isinstance(host, str) and host != name and row.get("measured_min_s") == 0:
            within[name] = host  # computed inside another layer's kernel (bench's measured_in)
            continue
        value = row.get("measured_min_s")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise _bad(file, f"layer {name!r}: measured_min_s is {value!r}, not a positive number of seconds", *_where(text, json.dumps(name)))
        times[name] = float(value)
    return _join(analysis, times, file, text, json.dumps, "layer", within)


KERNEL_SUFFIX = "_kernel_time"


def read_ort(path: Path, text: str, data: Any, analysis: Analysis) -> Measurement:
    """An ONNX Runtime profile of the network `analysis` describes."""
    file = str(path)
    events = data.get("traceEvents") if isinstance(data, dict) else data
    if not isinstance(events, list):
        raise _bad(file, "not an ONNX Runtime profile: expected a JSON list of events")
    runs: dict[str, list[float]] = {}
    for event in events:
        if not isinstance(event, dict) or event.get("cat") != "Node":
            continue
        name = event.get("name")
        if not isinstance(name, str) or not name.endswith(KERNEL_SUFFIX):
            continue
        duration = event.get("dur")
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or duration < 0:
            raise _bad(file, f"event {name!r}: dur is {duration!r}, not microseconds", *_where(text, json.dumps(name)))
        runs.setdefault(name[: -len(KERNEL_SUFFIX)], []).append(duration * 1e-6)
    if not runs:
        raise _bad(file, "no `Node` events with kernel times: not an ONNX Runtime profile, or one of a session without nodes")
    times: dict[str, float] = {}
    for node, durations in runs.items():
        layer = node.split("/", 1)[0]
        times[layer] = times.get(layer, 0.0) + min(durations)
    return _join(analysis, times, file, text, lambda layer: json.dumps(layer)[:-1], "node")


CSV_HEADER = "node type, start, first, avg_ms, %, cdf%, mem KB, times called, name"


def read_tflite(path: Path, text: str, analysis: Analysis) -> Measurement:
    """A TFLite benchmark_model op-profiling CSV of the network `analysis` describes."""
    file = str(path)
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if line.strip() == CSV_HEADER and "Run Order" in lines[i - 1]), None)
    if header is None:
        header = next((i for i, line in enumerate(lines) if line.strip() == CSV_HEADER), None)
    if header is None:
        raise _bad(file, f"no per-op section headed {CSV_HEADER!r}: not a benchmark_model --op_profiling_output_mode=csv file")
    times: dict[str, float] = {}
    for number in range(header + 1, len(lines)):
        line = lines[number]
        if not line.strip():
            break
        fields = next(csv.reader(io.StringIO(line), skipinitialspace=True))
        if len(fields) < 9:
            raise _bad(file, f"expected 9 fields ({CSV_HEADER}), got {len(fields)}", number + 1, 1)
        name = ", ".join(fields[8:])
        try:
            avg_ms, called = float(fields[3]), int(fields[7])
        except ValueError:
            raise _bad(file, f"avg_ms {fields[3]!r} or times called {fields[7]!r} is not a number", number + 1, 1) from None
        tensor = name[1:].rsplit("]", 1)[0] if name.startswith("[") else name
        layer = tensor.split("/", 1)[0]
        if layer not in {layer.node.name for layer in analysis.layers}:
            raise _bad(
                file, f"op {name!r} joins no layer of {analysis.graph.model}: its tensor's text before the first '/' "
                f"({layer!r}) should be a layer name", number + 1, line.find(name) + 1,
            )
        times[layer] = times.get(layer, 0.0) + avg_ms * 1e-3 * max(called, 1)
    return _join(analysis, times, file, text, lambda layer: layer, "op")
