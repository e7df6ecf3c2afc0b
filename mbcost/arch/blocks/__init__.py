"""Block kinds of the spec: each is one class of fields with a pure `expand`, which turns one copy of a
spec row into its layers by role (`expand`, `depthwise`, `se`, `project`, `add`, ...), their ops and
their wiring.

A block knows its fields, its input channels, its stride and a `Context` (the bound width policy and the
model's defaults); it names no node and builds no graph: `graph.py` names the layers, enforces the limits
and places errors. Adding a block kind is one class with `@register` in the module of its family (and
that module's name in the import below); the spec parser, `mbcost schema`, the graph, every analysis and
the torch builder find it through `BLOCKS`.
"""

from . import mobilenet  # noqa: F401, I001  (registers its kinds; first, so V1-V3's kinds are listed first)
from . import efficientnetv2, mixnet, mobilenetv4  # noqa: F401  (register their kinds)
from .base import BLOCKS, IN, Block, BlockError, Context, Expansion, Layer, SqueezeExcitation, register

__all__ = ["BLOCKS", "IN", "Block", "BlockError", "Context", "Expansion", "Layer", "SqueezeExcitation", "register"]
