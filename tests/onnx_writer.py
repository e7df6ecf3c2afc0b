"""ONNX models written by hand with onnx.helper, for the import tests: any mbcost graph node by node (as the
export contract names them: the layer name, `/suffix` for a layer's extra nodes), batch norm folded into the
conv's bias or kept as BatchNormalization, SiLU as x * Sigmoid(x), ReLU6 as Clip(0, 6), TensorFlow 'SAME'
padding as a Pad before the Conv. Weights are zeros: the import reads shapes, never values."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from mbcost.arch.ops import (
    Add,
    ChannelShuffle,
    Concat,
    Conv,
    GlobalPool,
    Linear,
    MaxPool,
    MixedConv,
    Split,
    SqueezeExcite,
    tf_same_padding,
)
from mbcost.graph import INPUT, Graph


class Writer:
    def __init__(self, fold_norm: bool):
        self.fold_norm = fold_norm
        self.nodes: list = []
        self.initializers: list = []

    def constant(self, name: str, shape: tuple[int, ...], value: float = 0.0, dtype=np.float32) -> str:
        self.initializers.append(numpy_helper.from_array(np.full(shape, value, dtype=dtype), name))
        return name

    def ints(self, name: str, values: list[int]) -> str:
        self.initializers.append(numpy_helper.from_array(np.array(values, np.int64), name))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def act(self, x: str, activation: str, name: str) -> str:
        if activation == "none":
            return x
        if activation == "relu6":
            lo, hi = self.constant(name + "/min", (), 0.0), self.constant(name + "/max", (), 6.0)
            return self.node("Clip", [x, lo, hi], name)
        if activation == "silu":
            gate = self.node("Sigmoid", [x], name + "/sigmoid")
            return self.node("Mul", [x, gate], name)
        if activation == "hardsigmoid":
            return self.node("HardSigmoid", [x], name, alpha=1 / 6, beta=0.5)
        return self.node({"relu": "Relu", "hardswish": "HardSwish", "sigmoid": "Sigmoid", "gelu": "Gelu"}[activation], [x], name)

    def conv(self, x: str, op: Conv, name: str, size: int, activation: str | None = None) -> str:
        k, d = op.kernel, op.dilation
        attrs = dict(kernel_shape=[k, k], strides=[op.stride] * 2, dilations=[d, d], group=op.groups)
        if op.padding == "same":
            top, bottom = tf_same_padding(size, k, op.stride, d)
            pads = self.constant(name + "/pads", (8,), dtype=np.int64)
            self.initializers[-1] = numpy_helper.from_array(np.array([0, 0, top, top, 0, 0, bottom, bottom], np.int64), pads)
            x = self.node("Pad", [x, pads], name + "/pad")
            attrs["pads"] = [0, 0, 0, 0]
        else:
            attrs["pads"] = [d * (k // 2)] * 4
        w = self.constant(name + "/weight", (op.out_channels, op.in_channels // op.groups, k, k))
        inputs = [x, w]
        folded = self.fold_norm and op.norm == "batch"
        if op.bias or folded:
            inputs.append(self.constant(name + "/bias", (op.out_channels,)))
        y = self.node("Conv", inputs, name if op.activation == "none" and (folded or op.norm == "none") else name + "/conv", **attrs)
        if op.norm == "batch" and not folded:
            y = self.norm(y, op.out_channels, name, last=op.activation == "none")
        return self.act(y, activation or op.activation, name) if op.activation != "none" else y

    def mixed_conv(self, x: str, op: MixedConv, name: str) -> str:
        """Split of the channels -> one Conv per split -> Concat, then norm (unless folded) and activation."""
        splits = op.splits
        sizes = self.ints(name + "/sizes", [m for _, m, _ in splits])
        parts = [f"{name}/split{i}" for i in range(len(splits))]
        self.nodes.append(helper.make_node("Split", [x, sizes], parts, name=name + "/split", axis=1))
        folded = self.fold_norm and op.norm == "batch"
        outs = []
        for i, ((k, m, n), part) in enumerate(zip(splits, parts)):
            w = self.constant(f"{name}/conv{i}/weight", (n, 1 if op.depthwise else m, k, k))
            inputs = [part, w] + ([self.constant(f"{name}/conv{i}/bias", (n,))] if op.bias or folded else [])
            outs.append(self.node("Conv", inputs, f"{name}/conv{i}", kernel_shape=[k, k], strides=[op.stride] * 2,
                                  pads=[k // 2] * 4, group=m if op.depthwise else 1))
        y = self.node("Concat", outs, name + "/concat", axis=1)
        if op.norm == "batch" and not folded:
            y = self.norm(y, op.out_channels, name, last=op.activation == "none")
        return self.act(y, op.activation, name) if op.activation != "none" else y

    def norm(self, x: str, channels: int, name: str, last: bool) -> str:
        parts = [self.constant(f"{name}/norm/{p}", (channels,), 1.0 if p in ("scale", "var") else 0.0) for p in ("scale", "shift", "mean", "var")]
        return self.node("BatchNormalization", [x, *parts], name if last else name + "/norm")

    def write(self, graph: Graph, dynamic: bool = False) -> onnx.ModelProto:
        values = {INPUT: "input"}
        sizes = {INPUT: graph.input_shape.height}
        for node in graph.nodes:
            op, name = node.op, node.name
            x = values[node.inputs[0]]
            size = node.input_shape.height
            if isinstance(op, Conv):
                y = self.conv(x, op, name, size)
            elif isinstance(op, MixedConv):
                y = self.mixed_conv(x, op, name)
            elif isinstance(op, SqueezeExcite):
                pooled = self.node("GlobalAveragePool", [x], name + "/pool")
                reduce = Conv(op.channels, op.squeeze, 1, bias=True, norm="none")
                s = self.act(self.conv(pooled, reduce, name + "/reduce", 1), op.activation, name + "/act")
                expand = Conv(op.squeeze, op.channels, 1, bias=True, norm="none")
                gate = self.act(self.conv(s, expand, name + "/expand", 1), op.gate, name + "/gate")
                y = self.node("Mul", [x, gate], name)
            elif isinstance(op, Add):
                y = self.node("Add", [x, values[node.inputs[1]]], name)
            elif isinstance(op, Concat):
                y = self.node("Concat", [values[n] for n in node.inputs], name, axis=1)
            elif isinstance(op, Split):
                bounds = [self.ints(f"{name}/{part}", [v]) for part, v in (("starts", op.start), ("ends", op.start + op.channels), ("axes", 1))]
                y = self.node("Slice", [x, *bounds], name)
            elif isinstance(op, ChannelShuffle):
                c, h, w = node.output_shape
                grouped = self.node("Reshape", [x, self.ints(name + "/groups", [1, op.groups, c // op.groups, h, w])], name + "/grouped")
                swapped = self.node("Transpose", [grouped], name + "/transpose", perm=[0, 2, 1, 3, 4])
                y = self.node("Reshape", [swapped, self.ints(name + "/shape", [1, c, h, w])], name)
            elif isinstance(op, GlobalPool):
                y = self.node("GlobalAveragePool", [x], name)
            elif isinstance(op, MaxPool):
                p = op.kernel // 2
                y = self.node("MaxPool", [x], name, kernel_shape=[op.kernel] * 2, strides=[op.stride] * 2, pads=[p] * 4)
            elif isinstance(op, Linear):
                flat = self.node("Flatten", [x], name + "/flatten", axis=1)
                w = self.constant(name + "/weight", (op.out_features, op.in_features))
                folded = self.fold_norm and op.norm == "batch"
                inputs = [flat, w] + ([self.constant(name + "/bias", (op.out_features,))] if op.bias or folded else [])
                y = self.node("Gemm", inputs, name + "/gemm" if op.norm != "none" or op.activation != "none" else name, transB=1)
                if op.norm == "batch" and not folded:
                    y = self.norm(y, op.out_features, name, last=op.activation == "none")
                y = self.act(y, op.activation, name)
            else:
                raise NotImplementedError(op.name)
            values[node.name] = y
            sizes[node.name] = node.output_shape.height
        out = values[graph.output.name]
        self.nodes.append(helper.make_node("Identity", [out], ["output"], name="output"))
        c, h, w = graph.input_shape
        dims = ["batch", c, "height", "width"] if dynamic else [1, c, h, w]
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, dims)
        per_sample = list(graph.output.op.torch_shape(graph.output.output_shape))
        out_dims = [dims[0], *(per_sample if not dynamic or len(per_sample) == 1 else [per_sample[0], "out_height", "out_width"])]
        y = helper.make_tensor_value_info("output", TensorProto.FLOAT, out_dims)
        model = helper.make_model(helper.make_graph(self.nodes, "mbcost", [x], [y], self.initializers),
                                  opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        return model


def graph_to_onnx(graph: Graph, fold_norm: bool = True, dynamic: bool = False) -> onnx.ModelProto:
    return Writer(fold_norm).write(graph, dynamic)
