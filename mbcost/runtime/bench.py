"""Measuring an exported network with ONNX Runtime: per-layer kernel time from ORT's own profiler over
`runs` runs after `warmup`, every profiled node joined to its layer (join.py), and the whole network's
wall time from a second, unprofiled session (what a user's `session.run` takes)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..graph import INPUT, Graph
from . import imports
from .export import export
from .join import Join, OptimizedNode, join
from .profile import Profile, parse

SEED = 0
# ORT's graph optimisation levels by the names `--optimization` takes. "all" (ORT's default) adds, on x86,
# the NCHWc layout transformer, whose blocked kernels run depthwise convs several times faster.
OPTIMIZATIONS = {"all": "ORT_ENABLE_ALL", "extended": "ORT_ENABLE_EXTENDED", "basic": "ORT_ENABLE_BASIC", "disabled": "ORT_DISABLE_ALL"}


@dataclass(frozen=True)
class LayerTime:
    name: str
    min_s: float
    median_s: float
    nodes: tuple[str, ...]  # the ORT nodes joined to it
    measured_in: str | None = None  # the layer whose kernel computes this one (then no node, 0 s)


@dataclass(frozen=True)
class Measurement:
    graph: Graph
    layers: tuple[LayerTime, ...]
    wall_min_s: float
    wall_median_s: float
    runtime: str
    threads: int
    runs: int
    warmup: int
    machine: str
    optimization: str = "all"

    @property
    def measured_min_s(self) -> float:
        return sum(layer.min_s for layer in self.layers)

    @property
    def measured_median_s(self) -> float:
        return sum(layer.median_s for layer in self.layers)


def machine() -> str:
    """The CPU's model name and core count, and the OS."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical cores, {platform.system()} {platform.machine()}"


def optimized_nodes(model: Any) -> tuple[OptimizedNode, ...]:
    return tuple(OptimizedNode(n.name, n.op_type, tuple(n.input), tuple(n.output)) for n in model.graph.node)


def layer_times(graph: Graph, profile: Profile, joined: Join) -> tuple[LayerTime, ...]:
    """Per layer, its nodes' kernel time summed in each run, then the minimum and median over runs."""
    nodes: dict[str, list[str]] = {}
    for name, _ in profile.nodes:
        nodes.setdefault(joined.layer_of[name], []).append(name)
    out = []
    for layer in graph.nodes:
        mine = nodes.get(layer.name, [])
        per_run = [sum(run.get(name, 0.0) for name in mine) for run in profile.runs]
        if not mine:
            out.append(LayerTime(layer.name, 0.0, 0.0, (), joined.measured_in[layer.name]))
        else:
            out.append(LayerTime(layer.name, min(per_run), statistics.median(per_run), tuple(mine)))
    return tuple(out)


def session_options(ort: Any, threads: int, optimization: str = "all") -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = threads
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPTIMIZATIONS[optimization])
    options.log_severity_level = 3  # errors only: saving the NCHWc-optimised model warns that it is machine-specific
    return options


def bench(
    graph: Graph, threads: int = 1, runs: int = 20, warmup: int = 5, advance: Callable[[], None] = lambda: None, spec_text: str = "",
    optimization: str = "all",
) -> Measurement:
    """Export `graph`, run it `warmup` + `runs` times profiled and as many times unprofiled; `advance()`
    after each run."""
    ort, onnx, np = imports.onnxruntime(), imports.onnx(), imports.numpy()
    exported = export(graph, spec_text)
    data = exported.model.SerializeToString()
    x = np.random.default_rng(SEED).standard_normal((graph.batch, *graph.input_shape.as_list())).astype("float32")
    with tempfile.TemporaryDirectory(prefix="mbcost-bench-") as folder:
        options = session_options(ort, threads, optimization)
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(folder, "profile")
        options.optimized_model_filepath = os.path.join(folder, "optimized.onnx")
        session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        for _ in range(warmup + runs):
            session.run(None, {INPUT: x})
            advance()
        with open(session.end_profiling()) as handle:
            events = json.load(handle)
        optimized = optimized_nodes(onnx.load(options.optimized_model_filepath, load_external_data=False))
    profile = parse(events).after(warmup)
    joined = join(graph, profile.nodes, optimized, exported.outputs)
    plain = ort.InferenceSession(data, session_options(ort, threads, optimization), providers=["CPUExecutionProvider"])
    wall = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        plain.run(None, {INPUT: x})
        if i >= warmup:
            wall.append(time.perf_counter() - start)
        advance()
    return Measurement(
        graph, layer_times(graph, profile, joined), min(wall), statistics.median(wall),
        f"onnxruntime {ort.__version__}", threads, runs, warmup, machine(), optimization,
    )
