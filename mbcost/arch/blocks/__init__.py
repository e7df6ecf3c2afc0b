"""Block kinds of the spec: each is one class of fields with a pure `expand`, which turns one copy of a
spec row into its layers by role (`expand`, `depthwise`, `se`, `project`, `add`, ...), their ops and
their wiring.

A block knows its fields, its input channels, its stride and a `Context` (the bound width policy and the
model's defaults); it names no node and builds no graph: `graph.py` names the layers, enforces the limits
and places errors. Adding a block kind is one class with `@register` in the module of its family (and
that module's name in the import below); the spec parser, `mbcost schema`, the graph, every analysis and
the torch builder find it through `BLOCKS`.
"""

# Registration order is the order kinds are listed in messages and the schema: MobileNet's first.
from . import mobilenet  # noqa: F401  (registers its kinds)

# isort: split
from . import efficientnetv2, ghostnet, mixnet, mobilenetv4, shufflenet  # noqa: F401  (register their kinds)
from .base import BLOCKS, IN, Block, BlockError, Context, Expansion, Layer, SqueezeExcitation, register

__all__ = ["BLOCKS", "IN", "Block", "BlockError", "Context", "Expansion", "Layer", "SqueezeExcitation", "register"]
