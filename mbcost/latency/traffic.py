"""Bytes moved: what one layer's kernel reads and writes, at the analysis' dtype. Its stored weights (batch
norm folded; int8 weights with int32 biases, counts.py "Weight bytes"), every input read once and its
output written once. A conv + batch norm + activation is one mbcost layer and one kernel, as runtimes fuse
it; layers without MACs (residual add, pooling, concat, shuffle) are memory traffic, never free.

Per op kind, with x an input's elements, y the output's and e the bytes per element:
  conv, linear, pool, max pool, channel shuffle: weight bytes + (x + y) * e
  residual add, concat: (x1 + x2 [+ ...] + y) * e, every input read
  split: 2 * y * e (it reads only the channels it keeps)
  squeeze-and-excitation on C x H x W, squeezing to S: weight bytes + (3 * C*H*W + 2 * (2 * C + S)) * e:
    the pool reads the tensor, the multiply reads it again with the scale and writes the output; the pooled
    vector (C), the squeeze (S) and the scale (C) are each written once and read once.
"""

from __future__ import annotations

from ..arch.counts import DTYPE_BYTES, Cost, Shape, stored
from ..arch.ops import MixedConv, Op, Split, SqueezeExcite


def bytes_moved(op: Op, inputs: tuple[Shape, ...], output: Shape, cost: Cost, dtype: str) -> int:
    element = DTYPE_BYTES[dtype]
    if isinstance(op, SqueezeExcite):
        elements = 3 * inputs[0].elements + 2 * (2 * op.channels + op.squeeze)
    elif isinstance(op, Split):
        elements = 2 * output.elements
    else:
        elements = sum(x.elements for x in inputs) + output.elements
    return stored(cost).bytes(dtype) + elements * element


def kernels(op: Op) -> int:
    """How many kernels a runtime runs for the layer, each paying the profile's overhead: squeeze-and-
    excitation runs four (pool, reduce conv, expand conv, multiply; the activations fuse into the convs),
    a mixed conv one per kernel size, every other layer one."""
    if isinstance(op, SqueezeExcite):
        return 4
    if isinstance(op, MixedConv):
        return len(op.kernels)
    return 1
