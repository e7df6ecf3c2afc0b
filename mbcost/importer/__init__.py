"""Import: a network in code (a torch.fx trace) or in a file (ONNX) read back into an mbcost spec.

Each front end lowers its source to `Prim`s (primitive ops with shapes, named by the source's module or
node); `units` fuses them into mbcost ops, `recognise` finds the vocabulary's blocks, `write` prints the
spec, and `exact` proves it: the spec's params and MACs equal the source's, layer by layer.
"""
