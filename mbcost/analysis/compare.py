"""Comparison: two analyses side by side (two specs, or one spec at two settings), totals and roll-ups
aligned by op kind and by stage. A stage is the run of nodes at one spatial size (112, 56, 28, 14, 7 at
224 px, and 1 after global pooling); stages align by how many times the input has been downsampled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..arch.counts import Cost, total
from ..arch.scaling import RESOLUTION, WIDTH_MULTIPLIER
from ..errors import SpecError
from ..fields import FieldError
from ..graph import INPUT, build_graph
from ..spec.builtin import load, path_exists
from .cost import Analysis, analyze

METRICS = ("macs", "params")
# SPEC@ALPHA or SPEC@ALPHA,RESOLUTION, e.g. mobilenet_v2@0.75 or mobilenet_v2@0.75,160.
_SETTING = re.compile(r"^(?P<alpha>[0-9]*\.?[0-9]+)(?:,(?P<resolution>[0-9]+))?$")


@dataclass(frozen=True)
class Target:
    """What one command-line argument of `mbcost compare` names: a spec and optional settings."""

    spec: str
    width_multiplier: float | None = None
    resolution: int | None = None


def parse_target(text: str) -> Target:
    """`v2.yaml`, `mobilenet_v2`, `mobilenet_v2@0.75` or `mobilenet_v2@0.75,160`. An existing file is
    always a file, even when its name holds an `@`."""
    if "@" not in text or path_exists(Path(text)):
        return Target(text)
    spec, _, setting = text.rpartition("@")
    match = _SETTING.match(setting)
    if not spec or not match:
        raise SpecError(
            f"expected SPEC, SPEC@ALPHA or SPEC@ALPHA,RESOLUTION (e.g. mobilenet_v2@0.75,160), got {text!r}", field="compare"
        )
    try:
        width = WIDTH_MULTIPLIER.convert(float(match["alpha"]))
        resolution = RESOLUTION.convert(int(match["resolution"])) if match["resolution"] else None
    except FieldError as error:
        raise SpecError(f"{text!r}: {error}", field="compare") from None
    return Target(spec, width, resolution)


@dataclass(frozen=True)
class Side:
    label: str
    file: str
    analysis: Analysis


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
    size_a: int | None  # spatial size (height) of the stage on each side; None: no such stage
    size_b: int | None


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


def stages(analysis: Analysis) -> dict[int, tuple[int, Cost]]:
    """Stage index (times downsampled) -> (spatial size, summed cost). A node is in its first input's
    stage, one further when its output is smaller than that input."""
    level = {INPUT: 0}
    groups: dict[int, tuple[int, list[Cost]]] = {}
    for layer in analysis.layers:
        node = layer.node
        level[node.name] = level[node.inputs[0]] + (1 if node.output_shape.height < node.input_shape.height else 0)
        groups.setdefault(level[node.name], (node.output_shape.height, []))[1].append(layer.cost)
    return {k: (size, total(costs)) for k, (size, costs) in sorted(groups.items())}


def _union(first, second) -> list:
    return list(first) + [k for k in second if k not in first]


def compare(a: Side, b: Side) -> Comparison:
    kinds_a, kinds_b = a.analysis.by_kind(), b.analysis.by_kind()
    by_kind = tuple(Row(k, kinds_a.get(k, Cost()), kinds_b.get(k, Cost())) for k in _union(kinds_a, kinds_b))
    stages_a, stages_b = stages(a.analysis), stages(b.analysis)
    by_stage = []
    for k in sorted(set(stages_a) | set(stages_b)):
        size_a, cost_a = stages_a.get(k, (None, Cost()))
        size_b, cost_b = stages_b.get(k, (None, Cost()))
        if size_a is None or size_b is None or size_a == size_b:
            name = str(size_b if size_a is None else size_a)
        else:
            name = f"{size_a} | {size_b}"  # one stage at two input resolutions
        by_stage.append(StageRow(name, cost_a, cost_b, size_a, size_b))
    total_row = Row("total", a.analysis.total, b.analysis.total)
    return Comparison(a, b, total_row, by_kind, tuple(by_stage), memory_rows(a.analysis, b.analysis))


def labels(a: tuple[str, str, float, int], b: tuple[str, str, float, int]) -> tuple[str, str]:
    """Labels of two sides from (model, file, alpha, resolution): the model names, with the settings
    when both are one model, and the files when even that does not tell them apart."""
    (model_a, file_a, alpha_a, res_a), (model_b, file_b, alpha_b, res_b) = a, b
    if model_a != model_b:
        return model_a, model_b
    label_a, label_b = f"{model_a}@{alpha_a:g},{res_a}", f"{model_b}@{alpha_b:g},{res_b}"
    if label_a == label_b and file_a != file_b:
        return f"{file_a}@{alpha_a:g},{res_a}", f"{file_b}@{alpha_b:g},{res_b}"
    return label_a, label_b


def compare_targets(
    a: Target, b: Target, width_multiplier: float | None = None, resolution: int | None = None, dtype: str = "fp32"
) -> Comparison:
    """Load, expand and cost both targets; a target's own settings win over `width_multiplier` and `resolution`."""
    results = []
    for target in (a, b):
        spec = load(target.spec)
        width = target.width_multiplier if target.width_multiplier is not None else width_multiplier
        size = target.resolution if target.resolution is not None else resolution
        results.append((spec, analyze(build_graph(spec, width, size), dtype)))
    keys = [(spec.model, spec.file, r.graph.width_multiplier, r.graph.resolution) for spec, r in results]
    label_a, label_b = labels(keys[0], keys[1])
    (spec_a, result_a), (spec_b, result_b) = results
    return compare(Side(label_a, spec_a.file, result_a), Side(label_b, spec_b.file, result_b))
