"""Comparison: two analyses side by side (two specs, or one spec at two settings), totals and roll-ups
aligned by op kind and by stage. A stage is the run of nodes at one spatial size (112, 56, 28, 14, 7 at
224 px); stages align by how many times the input has been downsampled, and the pooled stage (global
pooling and what follows it: the classifier) always aligns with the other side's pooled stage, whatever
the sizes (at 32 px the last conv stage is 1x1 too). A stage one side lacks is shown against nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..arch.counts import MACS, Cost, Unit, total
from ..arch.scaling import WIDTH_MULTIPLIER, Resolution, parse_resolution
from ..errors import SpecError
from ..fields import FieldError
from ..graph import INPUT, build_graph
from ..latency.profile import Device
from ..latency.roofline import Latency, of_analysis
from ..spec.builtin import path_exists
from ..spec.load import load
from .cost import Analysis, analyze
from .units import analysis_in

METRICS = ("macs", "params")
# SPEC@ALPHA or SPEC@ALPHA,RESOLUTION, e.g. mobilenet_v2@0.75, mobilenet_v2@0.75,160 or mobilenet_v2@1,512x1024;
# the resolution is checked by parse_resolution, which says what is wrong with it.
_SETTING = re.compile(r"^(?P<alpha>[0-9]*\.?[0-9]+)(?:,(?P<resolution>[^,]+))?$")


@dataclass(frozen=True)
class Target:
    """What one command-line argument of `mbcost compare` names: a spec and optional settings."""

    spec: str
    width_multiplier: float | None = None
    resolution: Resolution | None = None


def parse_target(text: str) -> Target:
    """`v2.yaml`, `mobilenet_v2`, `mobilenet_v2@0.75` or `mobilenet_v2@0.75,160`. An existing file is
    always a file, even when its name holds an `@`."""
    if "@" not in text or path_exists(Path(text)):
        return Target(text)
    spec, _, setting = text.rpartition("@")
    match = _SETTING.match(setting)
    if not spec or not match:
        raise SpecError(
            f"expected SPEC, SPEC@ALPHA or SPEC@ALPHA,RESOLUTION (e.g. mobilenet_v2@0.75,160 or @1,512x1024), got {text!r}",
            field="compare",
        )
    try:
        width = WIDTH_MULTIPLIER.convert(float(match["alpha"]))
        resolution = parse_resolution(match["resolution"]) if match["resolution"] is not None else None
    except FieldError as error:
        raise SpecError(f"{text!r}: {error}", field="compare") from None
    return Target(spec, width, resolution)


@dataclass(frozen=True)
class Side:
    label: str
    file: str
    analysis: Analysis
    latency: Latency | None = None  # the roofline estimate on a device (mbcost/latency)


@dataclass(frozen=True)
class Row:
    """One line of the comparison: the counts of A and B; deltas are B - A."""

    name: str
    a: Cost
    b: Cost

    def delta(self, metric: str) -> int:
        return getattr(self.b, metric) - getattr(self.a, metric)

    def relative(self, metric: str) -> float | None:
        """(B - A) / A; None where A has none of it."""
        base = getattr(self.a, metric)
        return self.delta(metric) / base if base else None


@dataclass(frozen=True)
class StageRow(Row):
    size_a: int | str | None  # spatial size of the stage on each side (112, or 64x128); None: no such stage
    size_b: int | str | None


@dataclass(frozen=True)
class Amount:
    """One integer on both sides (activation memory in bytes); delta B - A."""

    name: str
    a: int
    b: int

    @property
    def delta(self) -> int:
        return self.b - self.a

    @property
    def relative(self) -> float | None:
        return self.delta / self.a if self.a else None


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    total: Row
    by_kind: tuple[Row, ...]
    by_stage: tuple[StageRow, ...]
    memory: tuple[Amount, ...] = ()  # peak, fused peak, largest tensor, at the analyses' dtype


def memory_rows(a: Analysis, b: Analysis) -> tuple[Amount, ...]:
    ma, mb = a.memory, b.memory
    return (
        Amount("peak_memory_bytes", ma.peak.bytes, mb.peak.bytes),
        Amount("peak_memory_fused_bytes", ma.peak_fused.bytes, mb.peak_fused.bytes),
        Amount("largest_tensor_bytes", ma.largest.bytes, mb.largest.bytes),
    )


POOLED = "pooled"  # the stage key of global pooling and everything after it


def stage_keys(analysis: Analysis) -> list[int | str]:
    """The stage key of each layer: a node is in its first input's stage, one further (times downsampled)
    when its output is smaller than that input; a global pooling and every node after it are POOLED."""
    level: dict[str, int | str] = {INPUT: 0}
    keys = []
    for layer in analysis.layers:
        node = layer.node
        before = level[node.inputs[0]]
        if before == POOLED or node.op.kind == "pool":
            key: int | str = POOLED
        else:
            out, x = node.output_shape, node.input_shape
            key = before + (1 if out.height < x.height or out.width < x.width else 0)
        level[node.name] = key
        keys.append(key)
    return keys


def stage_size(shape) -> int | str:
    """A stage's spatial size: 112 when square, else HEIGHTxWIDTH (64x128)."""
    return shape.height if shape.height == shape.width else f"{shape.height}x{shape.width}"


def stages(analysis: Analysis) -> dict[int | str, tuple[int | str, Cost]]:
    """Stage key -> (spatial size, summed cost): the conv stages in order, then the pooled one."""
    groups: dict[int | str, tuple[int | str, list[Cost]]] = {}
    for key, layer in zip(stage_keys(analysis), analysis.layers):
        groups.setdefault(key, (stage_size(layer.node.output_shape), []))[1].append(layer.cost)
    order = sorted(k for k in groups if k != POOLED) + [k for k in groups if k == POOLED]
    return {k: (groups[k][0], total(groups[k][1])) for k in order}


def _stage_keys(a: dict, b: dict) -> list:
    keys = set(a) | set(b)
    return sorted(k for k in keys if k != POOLED) + ([POOLED] if POOLED in keys else [])


def stage_name(key: int | str, size_a: int | None, size_b: int | None) -> str:
    """`112`; `80 | 112` (one stage at two input sizes); `7 | -` (no counterpart on B); `pooled`."""
    if key == POOLED:
        return POOLED
    if size_a == size_b:
        return str(size_a)
    return f"{'-' if size_a is None else size_a} | {'-' if size_b is None else size_b}"


def _union(first, second) -> list:
    return list(first) + [k for k in second if k not in first]


def compare(a: Side, b: Side) -> Comparison:
    kinds_a, kinds_b = a.analysis.by_kind(), b.analysis.by_kind()
    by_kind = tuple(Row(k, kinds_a.get(k, Cost()), kinds_b.get(k, Cost())) for k in _union(kinds_a, kinds_b))
    stages_a, stages_b = stages(a.analysis), stages(b.analysis)
    by_stage = []
    for k in _stage_keys(stages_a, stages_b):
        size_a, cost_a = stages_a.get(k, (None, Cost()))
        size_b, cost_b = stages_b.get(k, (None, Cost()))
        by_stage.append(StageRow(stage_name(k, size_a, size_b), cost_a, cost_b, size_a, size_b))
    total_row = Row("total", a.analysis.total, b.analysis.total)
    return Comparison(a, b, total_row, by_kind, tuple(by_stage), memory_rows(a.analysis, b.analysis))


def labels(*keys: tuple[str, str, float, Resolution]) -> tuple[str, ...]:
    """Labels of the sides from (model, file, alpha, resolution): the model names when they differ, with
    the settings when some are one model, and the files when even that does not tell them apart."""
    models = [model for model, _, _, _ in keys]
    if len(set(models)) == len(models):
        return tuple(models)
    with_settings = [f"{model}@{alpha:g},{res}" for model, _, alpha, res in keys]
    files = [file for _, file, _, _ in keys]
    if len(set(with_settings)) < len(with_settings) and len(set(files)) > 1:
        return tuple(f"{file}@{alpha:g},{res}" for _, file, alpha, res in keys)
    return tuple(with_settings)


def _sides(
    targets: tuple[Target, ...], width_multiplier: float | None, resolution: Resolution | int | None, dtype: str,
    depth: float | None = None, batch: int | None = None, unit: Unit = MACS, device: Device | None = None,
) -> list[Side]:
    """Load, expand and cost every target; a target's own settings win over `width_multiplier` and `resolution`."""
    results = []
    for target in targets:
        spec = load(target.spec)
        width = target.width_multiplier if target.width_multiplier is not None else width_multiplier
        size = target.resolution if target.resolution is not None else resolution
        raw = analyze(build_graph(spec, width, size, depth, batch), dtype)
        latency = of_analysis(raw, device) if device is not None else None  # of the MACs as counted, not FLOPs
        results.append((spec, analysis_in(raw, unit), latency))
    names = labels(*((spec.model, spec.file, r.graph.width_multiplier, r.graph.resolution) for spec, r, _ in results))
    return [Side(name, spec.file, result, latency) for name, (spec, result, latency) in zip(names, results)]


def compare_targets(
    a: Target, b: Target, width_multiplier: float | None = None, resolution: Resolution | int | None = None, dtype: str = "fp32"
) -> Comparison:
    """A against B; a target's own settings win over `width_multiplier` and `resolution`."""
    side_a, side_b = _sides((a, b), width_multiplier, resolution, dtype)
    return compare(side_a, side_b)


def compare_all(
    targets: tuple[Target, ...], width_multiplier: float | None = None, resolution: Resolution | int | None = None,
    dtype: str = "fp32", depth: float | None = None, batch: int | None = None, unit: Unit = MACS, device: Device | None = None,
) -> tuple[Comparison, ...]:
    """Every target after the first against the first (a leaderboard of variants of one baseline); MAC
    figures in `unit`; with a `device`, each side's roofline latency too."""
    if len(targets) < 2:
        raise SpecError("needs at least two specs to compare, e.g. `mbcost compare mobilenet_v1 mobilenet_v2`", field="compare")
    first, *rest = _sides(targets, width_multiplier, resolution, dtype, depth, batch, unit, device)
    return tuple(compare(first, side) for side in rest)
