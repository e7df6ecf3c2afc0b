"""The graph as a real `torch.nn.Module`: one submodule per node, built by the node's op
(`Op.torch_module`), named by the node (`blocks.3.expand` is `model.blocks[3].expand`) and run in
graph order. This module imports torch; only `build_module` and `mbcost verify` import it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..analysis.memory import release_points
from ..analysis.memory import steps as node_steps
from ..arch.ops import Op
from ..errors import TorchMissing
from ..graph import INPUT, Graph

try:
    import torch
    from torch import nn
except ImportError as error:  # torch is an optional dependency: `pip install '.[torch]'`
    raise TorchMissing() from error


@dataclass(frozen=True)
class Step:
    """One node at run time: its op, the tensors it reads, and the tensors no later node reads."""

    name: str
    op: Op
    inputs: tuple[str, ...]
    frees: tuple[str, ...]


def _steps(graph: Graph) -> tuple[Step, ...]:
    """The nodes in order, each with the tensors to free after it (memory.release_points), the
    network's result excepted."""
    releases = release_points(node_steps(graph))
    result = graph.output.name
    return tuple(
        Step(n.name, n.op, n.inputs, tuple(name for name in releases[i] if name != result)) for i, n in enumerate(graph.nodes)
    )


def _container(children: dict[str, Any]) -> nn.Module:
    """`blocks.0`, `blocks.1`, ... become an `nn.ModuleList` (so `model.blocks[3]` works); named
    children (`expand`, `depthwise`, ...) an `nn.ModuleDict`."""
    if list(children) == [str(i) for i in range(len(children))]:
        return nn.ModuleList(_nest(tree) for tree in children.values())
    return nn.ModuleDict({key: _nest(tree) for key, tree in children.items()})


def _nest(tree: Any) -> nn.Module:
    return tree if isinstance(tree, nn.Module) else _container(tree)


def _tree(modules: dict[str, nn.Module]) -> dict[str, Any]:
    """Dotted names -> nested dicts whose leaves are the node modules, in graph order."""
    root: dict[str, Any] = {}
    for name, module in modules.items():
        *parents, leaf = name.split(".")
        level = root
        for part in parents:
            level = level.setdefault(part, {})
            if isinstance(level, nn.Module):
                raise ValueError(f"node {name!r} is nested under another node")
        if leaf in level:
            raise ValueError(f"node {name!r} clashes with another node's name")
        level[leaf] = module
    return root


class GraphModule(nn.Module):
    """A network built from an mbcost graph. `forward(x)` takes [batch, C, H, W]; with a classifier the
    output is [batch, classes]. `graph` is the graph it was built from."""

    def __init__(self, graph: Graph):
        super().__init__()
        self.graph = graph
        modules = {node.name: node.op.torch_module(nn) for node in graph.nodes}
        for name, tree in _tree(modules).items():
            self.add_module(name, _nest(tree))
        self._steps = _steps(graph)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.run(x)

    def run(self, x: torch.Tensor, observe: Callable[[str, torch.Tensor], None] | None = None) -> torch.Tensor:
        """The forward pass; `observe(node_name, output)` is called after each node runs."""
        values = {INPUT: x}
        for step in self._steps:
            out = step.op.torch_apply(self.get_submodule(step.name), [values[name] for name in step.inputs])
            values[step.name] = out
            if observe is not None:
                observe(step.name, out)
            for name in step.frees:  # keep peak memory to the live tensors only
                del values[name]
        return out

    def extra_repr(self) -> str:
        g = self.graph
        return f"model={g.model!r}, alpha={g.width_multiplier:g}, resolution={g.resolution}"


def build(graph: Graph) -> GraphModule:
    """The torch module of `graph`, on torch's current default device (e.g. inside `with torch.device("meta")`)."""
    return GraphModule(graph)
