"""The graph as an ONNX model: one ONNX node per op, named by its mbcost layer (`blocks.3.expand`), the
extra nodes of a layer suffixed after a `/` (`blocks.3.expand/act`, `blocks.3.se/reduce`). Weights are
drawn from a seeded generator, so an export is deterministic; batch norm is folded into the conv (or
linear) weights and bias before them, as runtimes do (counts.py, "Weight bytes"), so the initializers are
exactly the stored weights and biases. Non-parameter values (clip bounds, shapes, split sizes) are Constant
nodes, which runtimes fold away, never initializers. Input `input` [batch, 3, H, W], output `output`.

Each op kind has one exporter in EXPORTERS; an op without one is an error, never a missing node."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..arch.ops import tf_same_padding
from ..graph import INPUT, Graph, Node
from . import imports

OPSET = 17  # ONNX 1.12 (2022): HardSwish (14), Split sizes as an input (13); every runtime of the extra runs it
SEED = 0
BN_EPS = 1e-5  # torch BatchNorm's default
OUTPUT = "output"


@dataclass
class Exported:
    """An exported model and, per layer, the unfolded parameters it was made from, keyed as the torch
    module's state dict (`blocks.3.expand.conv.weight`, `blocks.3.expand.norm.running_var`)."""

    model: Any
    params: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # each layer's output tensor


class Builder:
    """Collects nodes, initializers and the unfolded parameters while the exporters run."""

    def __init__(self, seed: int):
        self.onnx = imports.onnx()
        self.np = imports.numpy()
        self.rng = self.np.random.default_rng(seed)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.params: dict[str, Any] = {}
        self.rank: dict[str, int] = {INPUT: 4}

    def node(self, op_type: str, inputs: list[str], name: str, outputs: int = 1, rank: int | None = None, **attrs: Any) -> Any:
        """Add a node named `name`; its output tensor is named `name` too (`name:i` for several)."""
        names = [name] if outputs == 1 else [f"{name}:{i}" for i in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, names, name=name, **attrs))
        for out in names:
            self.rank[out] = self.rank[inputs[0]] if rank is None else rank
        return names[0] if outputs == 1 else names

    def constant(self, name: str, values: Any, dtype: str = "int64") -> str:
        """A Constant node (not an initializer: it is no parameter), its tensor named `name`."""
        array = self.np.asarray(values, dtype=dtype)
        self.nodes.append(self.onnx.helper.make_node("Constant", [], [name], name=name, value=self.onnx.numpy_helper.from_array(array, name)))
        self.rank[name] = array.ndim
        return name

    def parameter(self, name: str, array: Any) -> str:
        self.initializers.append(self.onnx.numpy_helper.from_array(array.astype("float32"), name))
        return name

    def weight(self, *shape: int) -> Any:
        """He-normal weights: activations keep their scale through a deep stack (no overflow, no denormals)."""
        fan_in = math.prod(shape[1:])
        return self.rng.normal(0.0, math.sqrt(2.0 / fan_in), shape).astype("float32")

    def bias(self, n: int) -> Any:
        return self.rng.normal(0.0, 0.1, n).astype("float32")

    def norm(self, n: int) -> tuple[Any, Any, Any, Any]:
        """Batch norm weight (gamma), bias (beta), running mean and variance."""
        r = self.rng
        return (
            r.uniform(0.5, 1.5, n).astype("float32"),
            r.normal(0.0, 0.1, n).astype("float32"),
            r.normal(0.0, 0.1, n).astype("float32"),
            r.uniform(0.5, 1.5, n).astype("float32"),
        )

    def keep(self, prefix: str, **arrays: Any) -> None:
        for key, array in arrays.items():
            if array is not None:
                self.params[f"{prefix}.{key}"] = array


def fold(builder: Builder, weight: Any, bias: Any, norm: Any) -> tuple[Any, Any]:
    """Batch norm folded into the layer before it: W' = W * gamma / sigma, b' = beta + (b - mu) * gamma / sigma."""
    if norm is None:
        return weight, bias
    np = builder.np
    gamma, beta, mean, var = norm
    scale = gamma / np.sqrt(var + BN_EPS)
    folded = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    return folded, beta + ((0.0 if bias is None else bias) - mean) * scale


def keep_norm(builder: Builder, prefix: str, norm: Any) -> None:
    if norm is not None:
        gamma, beta, mean, var = norm
        builder.keep(prefix, weight=gamma, bias=beta, running_mean=mean, running_var=var)


def activation(b: Builder, x: str, name: str, kind: str) -> str:
    """The activation `kind` on tensor `x` as node(s) named `name` (the last node) and `name/...`."""
    if kind == "none":
        return x
    if kind == "relu":
        return b.node("Relu", [x], name)
    if kind == "relu6":
        low, high = b.constant(f"{name}/min", 0.0, "float32"), b.constant(f"{name}/max", 6.0, "float32")
        return b.node("Clip", [x, low, high], name)
    if kind == "hardswish":
        return b.node("HardSwish", [x], name)
    if kind == "hardsigmoid":  # torch: ReLU6(x + 3) / 6 (ONNX's default alpha is 0.2)
        return b.node("HardSigmoid", [x], name, alpha=1.0 / 6.0, beta=0.5)
    if kind == "sigmoid":
        return b.node("Sigmoid", [x], name)
    if kind == "silu":  # x * sigmoid(x)
        return b.node("Mul", [x, b.node("Sigmoid", [x], f"{name}/sigmoid")], name)
    if kind == "gelu":  # exact GELU, x * (1 + erf(x / sqrt 2)) / 2: the form runtimes fuse into one Gelu kernel
        scaled = b.node("Div", [x, b.constant(f"{name}/sqrt2", math.sqrt(2.0), "float32")], f"{name}/div")
        erf = b.node("Erf", [scaled], f"{name}/erf")
        one = b.node("Add", [erf, b.constant(f"{name}/one", 1.0, "float32")], f"{name}/add")
        product = b.node("Mul", [x, one], f"{name}/mul")
        return b.node("Mul", [product, b.constant(f"{name}/half", 0.5, "float32")], name)
    raise ValueError(f"no ONNX export for activation {kind!r}")


def _folded(b: Builder, name: str, torch_name: str, weight: Any, bias: bool, norm: bool) -> list[str]:
    """The initializers `name.weight` (and `name.bias`) of a conv or linear layer, drawing its bias and
    batch norm and folding the norm in; the unfolded values kept as torch names them (`name.<torch_name>.weight`,
    `name.norm.running_var`)."""
    out = weight.shape[0]
    bias_values = b.bias(out) if bias else None
    norm_values = b.norm(out) if norm else None
    b.keep(f"{name}.{torch_name}", weight=weight, bias=bias_values)
    keep_norm(b, f"{name}.norm", norm_values)
    weight, bias_values = fold(b, weight, bias_values, norm_values)
    return [b.parameter(f"{name}.weight", weight)] + ([] if bias_values is None else [b.parameter(f"{name}.bias", bias_values)])


def _pads(node: Node, kernel: int, stride: int, dilation: int, padding: str) -> list[int]:
    """ONNX pads [top, left, bottom, right]: K // 2 (times the dilation) each side, or TensorFlow's SAME."""
    if padding == "symmetric":
        return [dilation * (kernel // 2)] * 4
    top, bottom = tf_same_padding(node.input_shape.height, kernel, stride, dilation)
    left, right = tf_same_padding(node.input_shape.width, kernel, stride, dilation)
    return [top, left, bottom, right]


def _conv(b: Builder, node: Node, x: str) -> str:
    op = node.op
    weight = b.weight(op.out_channels, op.in_channels // op.groups, op.kernel, op.kernel)
    inputs = [x, *_folded(b, node.name, "conv", weight, op.bias, op.norm == "batch")]
    y = b.node(
        "Conv", inputs, node.name, kernel_shape=[op.kernel] * 2, strides=[op.stride] * 2, dilations=[op.dilation] * 2,
        group=op.groups, pads=_pads(node, op.kernel, op.stride, op.dilation, op.padding),
    )
    return activation(b, y, f"{node.name}/act", op.activation)


def _mixed_conv(b: Builder, node: Node, x: str) -> str:
    """Split the channels, one conv per split (`/conv0`, ...), concatenate (`/concat`); batch norm folded
    into each split's conv by its slice of the output channels. One split is one conv."""
    op = node.op
    splits = op.splits
    norm = b.norm(op.out_channels) if op.norm == "batch" else None
    keep_norm(b, f"{node.name}.norm", norm)
    parts = [x] if len(splits) == 1 else b.node(
        "Split", [x, b.constant(f"{node.name}/sizes", [m for _, m, _ in splits])], f"{node.name}/split", outputs=len(splits), axis=1
    )
    outs, start = [], 0
    for i, ((kernel, m, n), part) in enumerate(zip(splits, parts)):
        groups = m if op.depthwise else 1
        weight = b.weight(n, m // groups, kernel, kernel)
        bias = b.bias(n) if op.bias else None
        b.keep(f"{node.name}.conv.convs.{i}", weight=weight, bias=bias)
        part_norm = None if norm is None else tuple(v[start : start + n] for v in norm)
        weight, bias = fold(b, weight, bias, part_norm)
        name = node.name if len(splits) == 1 else f"{node.name}/conv{i}"
        inputs = [part, b.parameter(f"{name}.weight", weight)] + ([] if bias is None else [b.parameter(f"{name}.bias", bias)])
        outs.append(b.node(
            "Conv", inputs, name, kernel_shape=[kernel] * 2, strides=[op.stride] * 2, group=groups, pads=[kernel // 2] * 4,
        ))
        start += n
    y = outs[0] if len(outs) == 1 else b.node("Concat", outs, f"{node.name}/concat", axis=1)
    return activation(b, y, f"{node.name}/act", op.activation)


def _linear(b: Builder, node: Node, x: str) -> str:
    """Gemm on the flattened input (`/flatten` when it is still C x 1 x 1), batch norm folded into it."""
    op = node.op
    if b.rank[x] != 2:
        x = b.node("Flatten", [x], f"{node.name}/flatten", rank=2, axis=1)
    weight = b.weight(op.out_features, op.in_features)
    inputs = [x, *_folded(b, node.name, "linear", weight, op.bias, op.norm == "batch")]
    y = b.node("Gemm", inputs, node.name, transB=1)
    return activation(b, y, f"{node.name}/act", op.activation)


def _squeeze_excite(b: Builder, node: Node, x: str) -> str:
    """`/pool` -> `/reduce` (1x1 conv) -> `/act` -> `/expand` (1x1 conv) -> `/gate` -> the multiply (the layer's name)."""
    op = node.op
    pooled = b.node("GlobalAveragePool", [x], f"{node.name}/pool")
    hidden = pooled
    for suffix, torch_name, (n, m) in (("reduce", "fc1", (op.squeeze, op.channels)), ("expand", "fc2", (op.channels, op.squeeze))):
        weight, bias = b.weight(n, m, 1, 1), b.bias(n)
        b.keep(f"{node.name}.{torch_name}", weight=weight, bias=bias)
        name = f"{node.name}/{suffix}"
        conv = b.node("Conv", [hidden, b.parameter(f"{name}.weight", weight), b.parameter(f"{name}.bias", bias)], name, kernel_shape=[1, 1])
        hidden = activation(b, conv, f"{node.name}/act", op.activation) if suffix == "reduce" else conv
    gate = activation(b, hidden, f"{node.name}/gate", op.gate)
    return b.node("Mul", [x, gate], node.name)


def _shuffle(b: Builder, node: Node, x: str) -> str:
    """C channels seen as groups x C/groups, transposed, flattened back: Reshape, Transpose, Reshape."""
    c, h, w = node.output_shape
    g = node.op.groups
    # A 0 in a Reshape's shape keeps that dimension of the input: the batch.
    grouped = b.node("Reshape", [x, b.constant(f"{node.name}/grouped", [0, g, c // g, h, w])], f"{node.name}/reshape", rank=5)
    swapped = b.node("Transpose", [grouped], f"{node.name}/transpose", perm=[0, 2, 1, 3, 4])
    return b.node("Reshape", [swapped, b.constant(f"{node.name}/shape", [0, c, h, w])], node.name, rank=4)


def _split(b: Builder, node: Node, x: str) -> str:
    op = node.op
    bounds = [b.constant(f"{node.name}/{key}", [value]) for key, value in (("starts", op.start), ("ends", op.start + op.channels), ("axes", 1))]
    return b.node("Slice", [x, *bounds], node.name)


def _maxpool(b: Builder, node: Node, x: str) -> str:
    op = node.op
    return b.node("MaxPool", [x], node.name, kernel_shape=[op.kernel] * 2, strides=[op.stride] * 2, pads=[op.kernel // 2] * 4)


EXPORTERS: dict[str, Callable[[Builder, Node, str], str]] = {
    "conv": _conv,
    "mixed_conv": _mixed_conv,
    "linear": _linear,
    "squeeze_excite": _squeeze_excite,
    "pool": lambda b, node, x: b.node("GlobalAveragePool", [x], node.name),
    "add": lambda b, node, xs: b.node("Add", list(xs), node.name),
    "concat": lambda b, node, xs: b.node("Concat", list(xs), node.name, axis=1),
    "split": _split,
    "channel_shuffle": _shuffle,
    "maxpool": _maxpool,
}
MULTI_INPUT = frozenset({"add", "concat"})  # exporters handed every input, not the first


class ExportError(ValueError):
    """An op with no ONNX exporter: never left out of the model."""


def export(graph: Graph, spec_text: str = "", seed: int = SEED) -> Exported:
    """`graph` as an ONNX ModelProto (opset OPSET), checked by onnx.checker."""
    b = Builder(seed)
    onnx = b.onnx
    helper = onnx.helper
    tensor = {INPUT: INPUT}  # graph node name -> the ONNX tensor holding its output
    for node in graph.nodes:
        exporter = EXPORTERS.get(node.op.name)
        if exporter is None:
            raise ExportError(f"{node.name}: no ONNX exporter for op {node.op.name!r}")
        inputs = [tensor[name] for name in node.inputs]
        tensor[node.name] = exporter(b, node, inputs if node.op.name in MULTI_INPUT else inputs[0])
    result = tensor[graph.output.name]
    for n in b.nodes:  # the network's result is the tensor `output`
        n.output[:] = [OUTPUT if out == result else out for out in n.output]
        n.input[:] = [OUTPUT if name == result else name for name in n.input]
    outputs = {name: OUTPUT if t == result else t for name, t in tensor.items() if name != INPUT}
    shape = graph.output.output_shape
    out_dims = [graph.batch, shape.channels] if b.rank[result] == 2 else [graph.batch, *shape.as_list()]
    float32 = onnx.TensorProto.FLOAT
    g = helper.make_graph(
        b.nodes,
        graph.model,
        [helper.make_tensor_value_info(INPUT, float32, [graph.batch, *graph.input_shape.as_list()])],
        [helper.make_tensor_value_info(OUTPUT, float32, out_dims)],
        b.initializers,
    )
    from .. import __version__

    model = helper.make_model(g, producer_name="mbcost", producer_version=__version__, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # the IR of opset 17 (ONNX 1.12), which every onnxruntime of the extra loads
    helper.set_model_props(model, {
        "mbcost.spec": spec_text,
        "mbcost.width_multiplier": f"{graph.width_multiplier:g}",
        "mbcost.resolution": str(graph.resolution),
        "mbcost.seed": str(seed),
    })
    onnx.checker.check_model(model, full_check=True)
    return Exported(model, b.params, outputs)
