"""Budgets: upper limits on a model's MACs, params, activation memory and weight bytes, from the spec's
`budget:` section, the command line, or a baseline report plus an allowed growth (a ratchet); and the
outcome of checking a model."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..arch.scaling import Resolution
from ..errors import SpecError
from ..fields import FieldError
from ..limits import MAX_REPORT_BYTES
from ..quantity import show_percent
from ..spec.reader import read_text
from ..spec.records import Budget, Spec
from .cost import Analysis

if TYPE_CHECKING:
    from ..latency.roofline import Latency
from .data import SCHEMA_VERSION

METRICS = ("macs", "params", "memory", "weight_bytes", "latency")
BASELINE_METRICS = ("macs", "params")  # what a baseline report ratchets
LABELS = {"macs": "MACs", "params": "params", "memory": "memory bytes", "weight_bytes": "weight bytes", "latency": "latency"}
OPTIONS = {metric: "--max-" + metric.replace("_", "-") for metric in METRICS}
GATED_ONLY = ("memory", "weight_bytes", "latency")  # costed (and their costliest block named) only when a limit is in force


@dataclass(frozen=True)
class Limit:
    metric: str  # one of METRICS
    limit: int  # seconds, as an exact Fraction, for latency
    source: str  # where it came from, e.g. "budget.max_macs", "--max-params", "baseline base.json +2%"
    line: int  # spec line for annotations: the budget field, else the block costing most


@dataclass(frozen=True)
class Outcome:
    limit: Limit
    actual: int

    @property
    def ok(self) -> bool:
        return self.actual <= self.limit.limit

    @property
    def excess(self) -> int:
        """How far over the limit (negative: headroom)."""
        return self.actual - self.limit.limit

    @property
    def used(self) -> float:
        """actual / limit: above 1 is over budget."""
        return self.actual / self.limit.limit


@dataclass(frozen=True)
class Baseline:
    """The totals of a report written earlier by `mbcost analyze --format json`."""

    file: str
    model: str
    width_multiplier: float
    resolution: Resolution
    macs: int
    params: int
    batch: int = 1


@dataclass(frozen=True)
class Costliest:
    metric: str
    block: str
    line: int
    amount: int


@dataclass(frozen=True)
class Check:
    """One spec checked against its limits."""

    file: str
    model: str
    width_multiplier: float
    resolution: Resolution
    macs: int
    params: int
    memory: int  # peak live activation bytes (fused when `fused`)
    fused: bool
    outcomes: tuple[Outcome, ...]
    costliest: tuple[Costliest, ...]  # one per metric
    weight_bytes: int = 0  # stored weights at `dtype`, batch norm folded (counts.py)
    dtype: str = "fp32"
    batch: int = 1  # images per inference: MACs and memory are of the whole batch
    latency: float | None = None  # seconds estimated on `device` (mbcost/latency); None without a device
    device: str = ""

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def costliest_for(self, metric: str) -> Costliest:
        return next(c for c in self.costliest if c.metric == metric)


def effective(spec: Spec, **options) -> Budget:
    """The spec's `budget:` with the command line's options laid over it field by field (an option left
    at None keeps the spec's value)."""
    base = spec.budget if spec.budget is not None else Budget()
    return dataclasses.replace(base, **{k: v for k, v in options.items() if v is not None})


def load_baseline(path: Path) -> Baseline:
    """Read and validate a JSON report of `mbcost analyze --format json` (schema_version 1)."""
    file = str(path)
    text = read_text(path, MAX_REPORT_BYTES, "MAX_REPORT_BYTES")

    def bad(message: str, line: int = 0, col: int = 0) -> SpecError:
        return SpecError(f"{message}; expected a report written by `mbcost analyze SPEC --format json`", file=file, line=line, col=col, field="--baseline")

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise bad(f"not JSON ({error.msg})", error.lineno, error.colno) from None
    except ValueError:  # an integer of more than 4300 digits (Python's int parsing limit)
        raise bad("holds a number too long to read") from None
    except RecursionError:
        raise bad("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise bad("not a JSON object")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise bad(f"schema_version is {data.get('schema_version')!r}, not {SCHEMA_VERSION}")
    total = data.get("total")
    if not isinstance(total, dict):
        raise bad("no `total` object")
    if data.get("unit") == "flops":
        raise bad("is a report in FLOPs (--unit flops); a baseline counts MACs: write it without --unit")
    counts = {}
    for metric in BASELINE_METRICS:
        value = total.get(metric)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise bad(f"total.{metric} is {value!r}, not a positive integer")
        counts[metric] = value
    model, alpha, resolution = data.get("model"), data.get("alpha"), data.get("resolution")
    if not isinstance(model, str) or not model:
        raise bad("no `model` name")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not math.isfinite(alpha):
        raise bad(f"alpha is {alpha!r}, not a number")
    try:
        if isinstance(resolution, bool) or not isinstance(resolution, (int, list)):
            raise FieldError("not an integer or [height, width]")
        size = Resolution.of(resolution)
    except FieldError:
        raise bad(f"resolution is {resolution!r}, not an integer or [height, width]") from None
    batch = data.get("batch", 1)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise bad(f"batch is {batch!r}, not a positive integer")
    return Baseline(file, model, float(alpha), size, counts["macs"], counts["params"], batch)


def peak_memory(analysis: Analysis, fused: bool):
    """The peak a memory budget gates on: node by node, or with bottlenecks fused."""
    return analysis.memory.peak_fused if fused else analysis.memory.peak


def costliest(spec: Spec, analysis: Analysis, metric: str, fused: bool = False, latency: Latency | None = None) -> Costliest:
    """The block spending most of `metric` (for memory: the block where live memory peaks; for latency: the
    most estimated seconds, as `amount`), with its spec line (the classifier's is its `classifier:` key)."""
    if metric == "latency":
        seconds = latency.grouped(layer.node.block for layer in analysis.layers)
        block = max(seconds, key=lambda name: seconds[name])
        amount = seconds[block]
    elif metric == "memory":
        peak = peak_memory(analysis, fused)
        block = next((layer.node.block for layer in analysis.layers if peak.at in (layer.node.name, layer.node.block)), peak.at)
        amount = peak.bytes
    elif metric == "weight_bytes":
        stored = analysis.stored_by_block()
        block = max(stored, key=lambda name: stored[name].bytes(analysis.dtype))
        amount = stored[block].bytes(analysis.dtype)
    else:
        groups = analysis.by_block()
        block = max(groups, key=lambda name: getattr(groups[name], metric))
        amount = getattr(groups[block], metric)
    line = next((layer.node.line for layer in analysis.layers if layer.node.block == block), 0)
    if not line and block == "classifier" and spec.classifier is not None:
        line = spec.classifier.line
    return Costliest(metric, block, line or 1, amount)


def gather_limits(
    spec: Spec,
    analysis: Analysis,
    max_macs: int | None = None,
    max_params: int | None = None,
    baseline: Baseline | None = None,
    max_growth: Fraction = Fraction(0),
    max_memory: int | None = None,
    fused: bool = False,
    max_weight_bytes: int | None = None,
    max_latency: Fraction | None = None,
    latency: Latency | None = None,
) -> tuple[Limit, ...]:
    """The limits that apply: command-line budgets replace the spec's, field by field; a baseline adds a
    growth limit on MACs and params. A latency limit needs `latency`, the estimate on a device."""
    given = {"macs": max_macs, "params": max_params, "memory": max_memory, "weight_bytes": max_weight_bytes, "latency": max_latency}
    require_device(spec, max_latency, latency is not None)
    limits = []
    for metric in METRICS:
        field = f"max_{metric}"
        if given[metric] is not None:
            limits.append(Limit(metric, given[metric], OPTIONS[metric], costliest(spec, analysis, metric, fused, latency).line))
        elif spec.budget is not None and getattr(spec.budget, field) is not None:
            limits.append(Limit(metric, getattr(spec.budget, field), f"budget.{field}", spec.budget.line_of(field)))
    if baseline is not None:
        if baseline.model != spec.model:
            raise SpecError(
                f"is a report of '{baseline.model}', not of '{spec.model}'; write a new one with `mbcost analyze {spec.file} --format json`",
                file=baseline.file,
                field="--baseline",
            )
        graph = analysis.graph
        settings = (baseline.width_multiplier, baseline.resolution, baseline.batch)
        if settings != (graph.width_multiplier, graph.resolution, graph.batch):
            def said(alpha: float, resolution: Resolution, batch: int) -> str:
                return f"alpha {alpha:g}, resolution {resolution}" + (f", batch {batch}" if batch != 1 or graph.batch != baseline.batch else "")

            raise SpecError(
                f"is a report at {said(*settings)}, not at {said(graph.width_multiplier, graph.resolution, graph.batch)}: "
                "compare like with like",
                file=baseline.file,
                field="--baseline",
            )
        for metric in BASELINE_METRICS:
            base = getattr(baseline, metric)
            # actual <= base * (1 + growth)  <=>  actual <= floor(base * (1 + growth)), actual being an integer.
            allowed = math.floor(base * (1 + max_growth))
            source = f"baseline {baseline.file} ({base:,}) +{show_percent(max_growth)}"
            limits.append(Limit(metric, allowed, source, costliest(spec, analysis, metric).line))
    return tuple(limits)


def require_device(spec: Spec, max_latency: Fraction | None, has_device: bool) -> None:
    """A latency budget (`--max-latency` or the spec's `budget.max_latency`) is estimated on a device. The
    budget's fields share its mapping's column, where the error points."""
    if has_device:
        return
    if max_latency is not None:
        raise SpecError("a latency budget needs a device: give --device NAME|FILE (`mbcost devices` lists them)", field="--max-latency")
    if spec.budget is not None and spec.budget.max_latency is not None:
        raise SpecError(
            "a latency budget needs a device: give --device NAME|FILE (`mbcost devices` lists them)",
            file=spec.file, line=spec.budget.line_of("max_latency"), col=spec.budget.col, field="budget.max_latency",
        )


def check(spec: Spec, analysis: Analysis, limits: tuple[Limit, ...], fused: bool = False, latency: Latency | None = None) -> Check:
    memory = peak_memory(analysis, fused).bytes if any(limit.metric == "memory" for limit in limits) else 0
    totals = {"macs": analysis.total.macs, "params": analysis.total.params, "memory": memory, "weight_bytes": analysis.weight_bytes}
    if latency is not None:
        totals["latency"] = latency.total_s
    gated = {limit.metric for limit in limits}
    g = analysis.graph
    return Check(
        file=spec.file,
        model=spec.model,
        width_multiplier=g.width_multiplier,
        resolution=g.resolution,
        batch=g.batch,
        macs=totals["macs"],
        params=totals["params"],
        memory=memory,
        fused=fused,
        outcomes=tuple(Outcome(limit, totals[limit.metric]) for limit in limits),
        costliest=tuple(
            costliest(spec, analysis, metric, fused, latency) for metric in METRICS if metric not in GATED_ONLY or metric in gated
        ),
        weight_bytes=analysis.weight_bytes,
        dtype=analysis.dtype,
        latency=None if latency is None else latency.total_s,
        device="" if latency is None else latency.device.name,
    )

