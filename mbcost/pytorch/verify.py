"""Verification: every node's analytic counts next to the counts measured on the real PyTorch module
(parameter `numel`s split like the analytic breakdown; MACs from `FlopCounterMode`, 2 FLOPs per MAC),
compared row by row. The module is built on the meta device: shapes without memory, at any resolution."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

from ..analysis.cost import Analysis, analyze
from ..arch.counts import Cost
from ..graph import Graph
from .build import GraphModule, build, nn, torch

# The counts a verification compares, in report order. `params` is measured as the plain
# `sum(p.numel())`, independently of the split, so a parameter no rule classifies shows up as a difference.
CHECKED = ("macs", "params", "weights", "biases", "norm_params", "norm_buffers")


@dataclass(frozen=True)
class Counts:
    macs: int = 0
    params: int = 0
    weights: int = 0
    biases: int = 0
    norm_params: int = 0
    norm_buffers: int = 0

    @classmethod
    def of(cls, cost: Cost) -> Counts:
        return cls(*(getattr(cost, name) for name in CHECKED))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Row:
    """One node: analytic and measured counts and per-sample output shapes."""

    name: str
    kind: str
    analytic: Counts
    measured: Counts
    analytic_shape: tuple[int, ...]
    measured_shape: tuple[int, ...]

    @property
    def differences(self) -> tuple[str, ...]:
        out = tuple(name for name in CHECKED if getattr(self.analytic, name) != getattr(self.measured, name))
        return out + (("output_shape",) if self.analytic_shape != self.measured_shape else ())


@dataclass(frozen=True)
class Verification:
    graph: Graph
    rows: tuple[Row, ...]
    analytic: Counts  # the analysis total
    measured: Counts  # measured on the whole module, not summed from the rows

    @property
    def mismatches(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.differences)

    @property
    def total_differences(self) -> tuple[str, ...]:
        return tuple(name for name in CHECKED if getattr(self.analytic, name) != getattr(self.measured, name))

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.total_differences


def measure_params(module: nn.Module) -> Counts:
    """Parameter counts of `module` and everything inside it, split by the module kind that owns them."""
    weights = biases = norm_params = norm_buffers = 0
    for sub in module.modules():
        if isinstance(sub, (nn.modules.conv._ConvNd, nn.Linear)):
            weights += sub.weight.numel()
            biases += sub.bias.numel() if sub.bias is not None else 0
        elif isinstance(sub, nn.modules.batchnorm._NormBase):
            norm_params += sum(p.numel() for p in (sub.weight, sub.bias) if p is not None)
            # running mean and variance; num_batches_tracked is not counted (counts.py)
            norm_buffers += sum(b.numel() for b in (sub.running_mean, sub.running_var) if b is not None)
    params = sum(p.numel() for p in module.parameters())
    return Counts(0, params, weights, biases, norm_params, norm_buffers)


def measure(graph: Graph, on_node: Callable[[], None] | None = None) -> tuple[dict[str, tuple[Counts, tuple[int, ...]]], Counts]:
    """Build `graph` on the meta device, run its batch (`graph.batch` images) through it under one
    `FlopCounterMode`, and return per node (counts, per-sample output shape) and the whole module's
    counts; `on_node` is called after each node has run (a progress bar)."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model: GraphModule = build(graph)
    model.eval()
    x = torch.empty(graph.batch, *graph.input_shape.as_list(), device="meta")
    per_node: dict[str, tuple[Counts, tuple[int, ...]]] = {}
    counter = FlopCounterMode(display=False)
    flops_before = 0

    def observe(name: str, out: torch.Tensor) -> None:
        nonlocal flops_before
        flops = counter.get_total_flops()
        params = measure_params(model.get_submodule(name))
        # FlopCounterMode counts a multiply-accumulate as 2 FLOPs; conv and matmul rules are always even.
        macs = (flops - flops_before) // 2
        per_node[name] = (Counts(macs, *(getattr(params, n) for n in CHECKED[1:])), tuple(out.shape[1:]))
        flops_before = flops
        if on_node is not None:
            on_node()

    with torch.no_grad(), counter:
        model.run(x, observe)
    whole = measure_params(model)
    total = Counts(counter.get_total_flops() // 2, *(getattr(whole, n) for n in CHECKED[1:]))
    return per_node, total


def compare(analysis: Analysis, per_node: dict[str, tuple[Counts, tuple[int, ...]]], total: Counts) -> Verification:
    rows = []
    for layer in analysis.layers:
        node = layer.node
        measured, shape = per_node[node.name]
        rows.append(Row(node.name, node.op.kind, Counts.of(layer.cost), measured, node.op.torch_shape(node.output_shape), shape))
    return Verification(analysis.graph, tuple(rows), Counts.of(analysis.total), total)


def verify(graph: Graph, on_node: Callable[[], None] | None = None) -> Verification:
    """Analytic counts of `graph` against its PyTorch module, node by node and in total."""
    per_node, total = measure(graph, on_node)
    return compare(analyze(graph), per_node, total)
