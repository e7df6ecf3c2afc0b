"""The roofline estimate of each layer on a device (MobileNetV4 paper, Section 3, Eq. 1): a kernel of m MACs
moving b bytes takes max(m / peak, b / bandwidth) plus the profile's overhead per kernel, with the roof of
the layer's op kind. A layer is compute-bound when m / peak >= b / bandwidth, i.e. when its intensity
m / b reaches the roof's ridge point peak / bandwidth; a layer without MACs is memory-bound."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from ..arch.counts import Cost
from ..errors import SpecError
from ..graph import Node
from .profile import Device, Roof
from .traffic import bytes_moved, kernels


@dataclass(frozen=True)
class LayerTime:
    macs: int
    bytes_moved: int
    kernels: int
    roof: Roof

    @property
    def intensity(self) -> float:
        """MACs per byte moved."""
        return self.macs / self.bytes_moved if self.bytes_moved else 0.0

    @property
    def compute_s(self) -> float:
        return self.macs / self.roof.peak_macs_per_s

    @property
    def memory_s(self) -> float:
        return self.bytes_moved / self.roof.bandwidth_bytes_per_s

    @property
    def bound(self) -> str:
        return "compute" if self.macs and self.compute_s >= self.memory_s else "memory"

    @property
    def seconds(self) -> float:
        return max(self.compute_s, self.memory_s) + self.kernels * self.roof.overhead_s


@dataclass(frozen=True)
class Latency:
    """The estimate of every layer of one analysis (in its order) on `device`, at `dtype`."""

    device: Device
    dtype: str
    layers: tuple[LayerTime, ...]

    @cached_property
    def total_s(self) -> float:
        return sum(layer.seconds for layer in self.layers)

    def share(self, seconds: float) -> float:
        return seconds / self.total_s if self.total_s else 0.0

    def grouped(self, keys: Iterable[str]) -> dict[str, float]:
        """Seconds summed per key, keys in first-seen order (`keys` aligned with the layers)."""
        out: dict[str, float] = {}
        for key, layer in zip(keys, self.layers):
            out[key] = out.get(key, 0.0) + layer.seconds
        return out


def layer_time(node: Node, cost: Cost, device: Device, dtype: str) -> LayerTime:
    op = node.op
    return LayerTime(cost.macs, bytes_moved(op, node.input_shapes, node.output_shape, cost, dtype), kernels(op), device.roof_of(op.kind))


def estimate(pairs: Iterable[tuple[Node, Cost]], device: Device, dtype: str) -> Latency:
    """The estimate of (node, cost) pairs: an Analysis' layers, or a graph's nodes with their costs."""
    return Latency(device, dtype, tuple(layer_time(node, cost, device, dtype) for node, cost in pairs))


def _one_image(graph) -> None:
    """The roofline is of one inference of one image; a batch changes the kernels' shapes and reuse in
    ways the profile does not describe, so it is refused rather than scaled."""
    if getattr(graph, "batch", 1) != 1:
        raise SpecError("the latency estimate is for one image: drop --batch or --device", field="--batch")


def of_analysis(analysis, device: Device) -> Latency:
    """The estimate of every layer of an `analysis.cost.Analysis`, at its dtype."""
    _one_image(analysis.graph)
    return estimate(((layer.node, layer.cost) for layer in analysis.layers), device, analysis.dtype)


def of_graph(graph, device: Device, dtype: str) -> Latency:
    _one_image(graph)
    return estimate(((node, node.op.cost(node.input_shapes, node.output_shape)) for node in graph.nodes), device, dtype)


