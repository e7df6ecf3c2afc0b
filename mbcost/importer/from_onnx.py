"""The ONNX front end: a model file read with the onnx package (no torch), its shapes inferred at batch 1,
each node lowered to a `Prim` named by the node. SiLU and hard-swish written as x * sigmoid(x) and
x * hardsigmoid(x), a Pad before a Conv, and MatMul + Add are read as the one op they are. Imports onnx:
reached only from `mbcost import`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ExtraMissing, SpecError
from .ir import Prim, Unsupported

try:
    import onnx
    from onnx import numpy_helper, shape_inference
except ImportError:
    onnx = None

UNARY_ACTIVATIONS = {"Relu": "relu", "HardSwish": "hardswish", "Sigmoid": "sigmoid", "Gelu": "gelu"}
PASS_THROUGH = {"Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout"}


@dataclass(frozen=True)
class Read:
    """What the ONNX front end hands on: the prims, the input's (C, H, W) and name, and the file's own
    totals: params as the elements of the weights its nodes read (`_weight_params`), MACs from the nodes'
    shapes."""

    prims: list[Prim]
    input_shape: tuple[int, int, int]
    input_value: str
    params: int
    macs: int


def read(path: Path, input_shape: tuple[int, int, int] | None) -> Read:
    if onnx is None:
        raise ExtraMissing("onnx", "onnx")
    source = str(path)
    if not path.is_file():
        raise SpecError("no such file", file=source, field="SOURCE")
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as error:
        raise SpecError(f"not an ONNX model: {type(error).__name__}: {error}".replace("\n", " ")[:300], file=source, field="SOURCE") from None
    graph = model.graph
    initial = {t.name: t for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initial]
    if len(inputs) != 1:
        raise SpecError(f"the graph takes {len(inputs)} inputs; mbcost's networks take one image", file=source, field="SOURCE")
    (x,) = inputs
    dims = x.type.tensor_type.shape.dim
    if len(dims) != 4:
        raise SpecError(f"the input {x.name!r} has {len(dims)} dimensions, not N x C x H x W", file=source, field="SOURCE")
    given = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    if input_shape is None:
        if None in given[1:]:
            named = " x ".join(d.dim_param or "?" if v is None else str(v) for d, v in zip(dims, given))
            raise SpecError(f"the input {x.name!r} has dynamic sizes ({named}): give --input CxHxW (e.g. 3x224x224)",
                            file=source, field="--input")
        input_shape = tuple(given[1:])
    elif any(g is not None and g != v for g, v in zip(given[1:], input_shape)):
        raise SpecError(f"--input {'x'.join(map(str, input_shape))} contradicts the model's input {given[1:]}", file=source, field="--input")
    if input_shape[1] != input_shape[2]:
        raise SpecError(f"the input is {input_shape[1]}x{input_shape[2]}: mbcost's resolution is square", file=source, field="--input")
    for d, v in zip(dims, (1, *input_shape)):
        d.Clear()
        d.dim_value = v
    try:
        model = shape_inference.infer_shapes(model, strict_mode=True)
    except Exception as error:
        raise SpecError(f"its shapes cannot be inferred: {error}".replace("\n", " ")[:300], file=source, field="SOURCE") from None
    lowering = _Lowering(model.graph, source)
    prims = lowering.run()
    return Read(prims, input_shape, x.name, _weight_params(model.graph), lowering.macs)


def _weight_params(graph: Any) -> int:
    """The elements of the weights every node reads: conv and linear weights and biases, batch norm's scale and
    shift (its running mean and variance are buffers, not params). A tensor read by several nodes counts at each:
    torch's exporter shares initializers of equal values (a fresh model's batch norms), which are still one
    layer's params each."""
    sizes = {t.name: math.prod(t.dims) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            sizes[node.output[0]] = math.prod(node.attribute[0].t.dims)
        elif node.op_type == "Identity" and node.input[0] in sizes:
            sizes[node.output[0]] = sizes[node.input[0]]
    weight_inputs = {"Conv": (1, 2), "Gemm": (1, 2), "MatMul": (1,), "BatchNormalization": (1, 2)}
    total = 0
    for node in graph.node:
        if node.op_type == "Add":
            total += sum(sizes[v] for v in node.input if v in sizes)  # a MatMul's bias
        for i in weight_inputs.get(node.op_type, ()):
            if len(node.input) > i and node.input[i] in sizes:
                total += sizes[node.input[i]]
    return total


class _Lowering:
    def __init__(self, graph: Any, source: str):
        self.source = source
        self.nodes = list(graph.node)
        self.constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        for node in self.nodes:
            if node.op_type == "Constant":
                self.constants[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        self.shapes: dict[str, tuple[int, ...]] = {}
        for info in (*graph.value_info, *graph.input, *graph.output):
            dims = info.type.tensor_type.shape.dim
            if all(d.HasField("dim_value") for d in dims):
                self.shapes[info.name] = tuple(d.dim_value for d in dims)
        self.static = set(self.constants)  # values that hold no image data: constants and what is computed from them
        self.producer = {out: n for n in self.nodes for out in n.output}
        self.readers: dict[str, list[Any]] = {}
        for n in self.nodes:
            for value in n.input:
                self.readers.setdefault(value, []).append(n)
        self.params = 0
        self.macs = 0
        self.pending: dict[str, tuple[str, int, bool]] = {}  # value -> (4-D input, groups, transposed yet)
        self.shuffled: dict[str, Prim] = {}

    def name(self, node: Any) -> str:
        return node.name or f"{node.op_type}:{node.output[0]}"

    def shape(self, value: str, node: Any) -> tuple[int, ...]:
        if value not in self.shapes:
            raise Unsupported(self.source, self.name(node), f"a {node.op_type} whose output shape could not be inferred")
        return self.shapes[value][1:]

    def attrs(self, node: Any) -> dict[str, Any]:
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def weight(self, value: str) -> Any:
        array = self.constants.get(value)
        self.params += int(array.size) if array is not None else 0
        return array

    def run(self) -> list[Prim]:
        prims: list[Prim] = []
        skip: set[str] = set()
        for node in self.nodes:
            if self.name(node) in skip:
                continue
            if node.op_type in ("Constant", "Shape", "Size") or all(not v or v in self.static for v in node.input):
                # values known before any image arrives (a flatten's target shape computed from Shape): no op to count
                self.static.update(node.output)
                if node.op_type == "Identity" and node.input[0] in self.constants:  # torch's exporter shares weights so
                    self.constants[node.output[0]] = self.constants[node.input[0]]
                continue
            try:
                prim = self.lower(node, skip)
            except SpecError:
                raise
            except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as error:
                raise Unsupported(self.source, self.name(node), f"a {node.op_type} node that could not be read ({type(error).__name__}: {error})") from None
            if prim is not None:
                prims.append(prim)
        return prims

    def gated(self, node: Any) -> tuple[str, Any] | None:
        """x * sigmoid(x) (SiLU) or x * hardsigmoid(x) (hard-swish): (activation, the gate node)."""
        a, b = node.input
        for x, g in ((a, b), (b, a)):
            gate = self.producer.get(g)
            if gate is None or list(gate.input)[:1] != [x] or len(self.readers.get(g, [])) != 1:
                continue
            if gate.op_type == "Sigmoid":
                return "silu", gate
            if gate.op_type == "HardSigmoid" and self._hard_sigmoid(gate):
                return "hardswish", gate
        return None

    def _hard_sigmoid(self, node: Any) -> bool:
        a = self.attrs(node)
        return math.isclose(a.get("alpha", 0.2), 1 / 6, rel_tol=1e-6) and math.isclose(a.get("beta", 0.5), 0.5, rel_tol=1e-6)

    def lower(self, node: Any, skip: set[str]) -> Prim | None:
        op, name = node.op_type, self.name(node)
        out = node.output[0]
        if op in ("Sigmoid", "HardSigmoid"):
            reader = self.readers.get(out, [])
            if len(reader) == 1 and reader[0].op_type == "Mul" and self.gated(reader[0]) is not None:
                return None  # read with its multiply
        shape = self.shape(out, node)
        data = [v for v in node.input if v and v not in self.static]
        if op == "Conv":
            if len(data) != 1:
                return self.refuse(node, "a Conv with a weight computed at run time")
            before = self.params
            attrs = self.conv(node, name, shape)
            return Prim(name, "conv", (data[0],), out, shape, attrs, self.params - before)
        if op == "BatchNormalization":
            scale, bias = (self.weight(v) for v in node.input[1:3])
            return Prim(name, "norm", (data[0],), out, shape, {}, int(scale.size + bias.size))
        if op in UNARY_ACTIVATIONS:
            act = UNARY_ACTIVATIONS[op]
            if op == "Gelu" and self.attrs(node).get("approximate", b"none") not in (b"none", "none"):
                return self.refuse(node, "a tanh-approximated GELU")
            return Prim(name, "act", (data[0],), out, shape, {"name": act})
        if op == "HardSigmoid":
            if not self._hard_sigmoid(node):
                return self.refuse(node, "a HardSigmoid with another slope than ReLU6(x + 3) / 6")
            return Prim(name, "act", (data[0],), out, shape, {"name": "hardsigmoid"})
        if op == "Clip":
            a = self.attrs(node)
            low = a.get("min", self.scalar(node.input[1]) if len(node.input) > 1 and node.input[1] else None)
            high = a.get("max", self.scalar(node.input[2]) if len(node.input) > 2 and node.input[2] else None)
            if (low, high) != (0.0, 6.0):
                return self.refuse(node, f"a Clip to [{low}, {high}]: only [0, 6] (ReLU6) is an activation of mbcost's")
            return Prim(name, "act", (data[0],), out, shape, {"name": "relu6"})
        if op == "Mul":
            gated = self.gated(node) if len(data) == 2 else None
            if gated is not None:
                act, gate = gated
                return Prim(name, "act", (gate.input[0],), out, shape, {"name": act})
            if len(data) != 2:
                return self.refuse(node, "a Mul by a constant")
            return Prim(name, "mul", tuple(data), out, shape)
        if op == "Add":
            if len(data) == 2:
                return Prim(name, "add", tuple(data), out, shape)
            return self.refuse(node, "an Add of a constant that follows no MatMul")
        if op == "GlobalAveragePool":
            return Prim(name, "global_pool", (data[0],), out, shape)
        if op == "ReduceMean":
            axes = self.attrs(node).get("axes")
            if axes is None and len(node.input) > 1:
                axes = [int(v) for v in self.constants[node.input[1]].reshape(-1)]
            if sorted(int(a) % 4 for a in axes or ()) != [2, 3]:
                return self.refuse(node, f"a ReduceMean over axes {axes}, not the spatial ones")
            return Prim(name, "global_pool", (data[0],), out, shape)
        if op == "Concat":
            if self.attrs(node).get("axis") not in (1, -3):
                return self.refuse(node, "a Concat along another axis than the channels")
            return Prim(name, "concat", tuple(data), out, shape)
        if op == "Slice":
            return self.slice(node, name, data, shape)
        if op == "Split":
            return self.mixed_conv(node, name, data, skip)
        if op in ("Reshape", "Transpose") and self.shuffle(node, name, data, shape) is not False:
            return self.shuffled.get(out)
        if op in PASS_THROUGH:
            source_shape = self.shape(data[0], node) if op != "Dropout" else shape
            if math.prod(source_shape) != math.prod(shape) or (op != "Dropout" and len([d for d in shape if d != 1]) > 1):
                return self.refuse(node, f"a {op} from {source_shape} to {shape} (only a pooled vector's may be reshaped)")
            return Prim(name, "identity", (data[0],), out, shape)
        if op == "Pad":
            return self.pad(node, name, data, shape)
        if op == "Gemm":
            return self.gemm(node, name, data, shape)
        if op == "MatMul":
            return self.matmul(node, name, data, shape, skip)
        if op == "MaxPool":
            a = self.attrs(node)
            k, s, p = a.get("kernel_shape", [1, 1]), a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0])
            if len(set(k)) != 1 or len(set(s)) != 1 or len(set(p)) != 1 or a.get("ceil_mode", 0) or set(a.get("dilations", [1])) != {1}:
                return self.refuse(node, f"a MaxPool of kernel {k}, strides {s}, pads {p}")
            return Prim(name, "maxpool", (data[0],), out, shape, {"kernel": k[0], "stride": s[0], "padding": p[0]})
        return self.refuse(node, f"a {op} node")

    def slice(self, node: Any, name: str, data: list[str], shape: tuple[int, ...]) -> Prim:
        """A Slice of the channels (a ghost module's first N, a shuffle unit's halves): a split."""
        starts, ends, axes, steps = (
            [int(v) for v in self.constants[node.input[i]].reshape(-1)] if len(node.input) > i and node.input[i] else None
            for i in (1, 2, 3, 4)
        )
        if axes not in ([1], [-3]) or steps not in (None, [1]) or len(data) != 1:
            return self.refuse(node, f"a Slice over axes {axes} with steps {steps}, not a range of the channels")
        if shape == self.shape(data[0], node):
            return Prim(name, "identity", (data[0],), node.output[0], shape)
        return Prim(name, "split", (data[0],), node.output[0], shape, {"start": starts[0], "channels": shape[0]})

    def mixed_conv(self, node: Any, name: str, data: list[str], skip: set[str]) -> Prim:
        """MixNet's mixed conv: Split of the channels -> one Conv per part -> Concat in order, as one conv prim."""
        a = self.attrs(node)
        convs = [self.readers.get(v, []) for v in node.output]
        if a.get("axis", 0) not in (1, -3) or any(len(r) != 1 or r[0].op_type != "Conv" for r in convs):
            return self.refuse(node, "a Split that is not a mixed conv's (each part into one Conv, the results concatenated)")
        convs = [r[0] for r in convs]
        joins = [self.readers.get(c.output[0], []) for c in convs]
        concat = joins[0][0] if joins[0] else None
        if concat is None or concat.op_type != "Concat" or list(concat.input) != [c.output[0] for c in convs] or any(len(j) != 1 for j in joins):
            return self.refuse(node, "a Split whose Convs are not concatenated back in order")
        before = self.params
        parts = [self.conv(c, self.name(c), self.shape(c.output[0], c)) for c in convs]
        depthwise = all(p["groups"] == p["in_channels"] == p["out_channels"] for p in parts)
        if not depthwise and any(p["groups"] != 1 for p in parts) or len({(p["stride"], p["bias"]) for p in parts}) != 1:
            return self.refuse(node, "a mixed conv whose parts differ in stride, bias or grouping")
        paddings = {p["padding"] for p in parts} - {"either"}
        attrs = {
            **parts[0], "in_channels": sum(p["in_channels"] for p in parts), "out_channels": sum(p["out_channels"] for p in parts),
            "kernels": tuple(p["kernel"] for p in parts), "depthwise": depthwise, "weights": sum(p["weights"] for p in parts),
            "splits": tuple((p["in_channels"], p["out_channels"]) for p in parts),
            "padding": paddings.pop() if len(paddings) == 1 else "either", "spatial_in": self.shapes[data[0]][2:],
        }
        skip.update(self.name(n) for n in (*convs, concat))
        out = concat.output[0]
        return Prim(name, "conv", (data[0],), out, self.shape(out, concat), attrs, self.params - before)

    def shuffle(self, node: Any, name: str, data: list[str], shape: tuple[int, ...]) -> bool | None:
        """Channel shuffle as Reshape to N x g x C/g x H x W -> Transpose(0, 2, 1, 3, 4) -> Reshape back: the
        last node becomes a shuffle prim (in `self.shuffled`). False when `node` is no part of one."""
        out = node.output[0]
        x = data[0] if data else None
        before = self.shapes.get(x, ())[1:]
        if node.op_type == "Reshape" and len(shape) == 4 and len(before) == 3 and shape[0] * shape[1] == before[0] and shape[2:] == before[1:]:
            self.pending[out] = (x, shape[0], False)
            return None
        if x not in self.pending:
            return False
        value, groups, transposed = self.pending[x]
        if node.op_type == "Transpose" and list(self.attrs(node).get("perm", [])) == [0, 2, 1, 3, 4] and not transposed:
            self.pending[out] = (value, groups, True)
            return None
        if node.op_type == "Reshape" and transposed and len(shape) == 3:
            self.shuffled[out] = Prim(name, "shuffle", (value,), out, shape, {"groups": groups})
            return None
        return self.refuse(node, f"a {node.op_type} of channels viewed in groups that is not a channel shuffle")

    def refuse(self, node: Any, why: str) -> Prim:
        raise Unsupported(self.source, self.name(node), why)

    def scalar(self, value: str) -> float | None:
        array = self.constants.get(value)
        return float(array.reshape(-1)[0]) if array is not None and array.size == 1 else None

    def pad(self, node: Any, name: str, data: list[str], shape: tuple[int, ...]) -> Prim:
        """A zero Pad read with the Conv after it (timm's and TensorFlow's 'SAME' padding)."""
        readers = self.readers.get(node.output[0], [])
        a = self.attrs(node)
        pads = a.get("pads")
        if pads is None and len(node.input) > 1:
            pads = [int(v) for v in self.constants[node.input[1]].reshape(-1)]
        mode = a.get("mode", b"constant")
        value = self.scalar(node.input[2]) if len(node.input) > 2 and node.input[2] else 0.0
        if len(readers) != 1 or readers[0].op_type != "Conv" or mode not in (b"constant", "constant") or value not in (0.0, None):
            return self.refuse(node, "a Pad that is not a conv's zero padding")
        return Prim(name, "identity", (data[0],), node.output[0], shape, {"pads": tuple(pads)})

    def conv(self, node: Any, name: str, shape: tuple[int, ...]) -> dict[str, Any]:
        a = self.attrs(node)
        w = self.weight(node.input[1])
        if w is None or w.ndim != 4:
            self.refuse(node, "a Conv whose weight is not a 4-D initializer")
        bias = len(node.input) > 2 and bool(node.input[2])
        if bias:
            self.weight(node.input[2])
        out_channels, per_group, kh, kw = w.shape
        group = a.get("group", 1)
        strides, dilations = a.get("strides", [1, 1]), a.get("dilations", [1, 1])
        if kh != kw or len(set(strides)) != 1 or len(set(dilations)) != 1:
            self.refuse(node, f"a {kh}x{kw} Conv at strides {strides}, dilations {dilations}: mbcost's are square")
        k, s, d = kh, strides[0], dilations[0]
        x = node.input[0]
        pads = list(a.get("pads", [0, 0, 0, 0]))
        padder = self.producer.get(x)
        if padder is not None and padder.op_type == "Pad":
            extra = self.attrs(padder).get("pads") or [int(v) for v in self.constants[padder.input[1]].reshape(-1)]
            # ONNX Pad lists begins then ends over N, C, H, W
            pads = [pads[0] + extra[2], pads[1] + extra[3], pads[2] + extra[6], pads[3] + extra[7]]
            x = padder.input[0]
        size = self.shapes[x][2:]
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        from ..arch.ops import tf_same_padding

        top, bottom = tf_same_padding(size[0], k, s, d)
        left, right = tf_same_padding(size[1], k, s, d)
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            pads = [top, left, bottom, right] if auto == "SAME_UPPER" else [bottom, right, top, left]
        elif auto == "VALID":
            pads = [0, 0, 0, 0]
        symmetric = pads == [d * (k // 2)] * 4
        same = pads == [top, left, bottom, right]
        # Where both rules give the same pads (stride 1, or an odd size), the model's other convs decide.
        padding = "either" if symmetric and same else "symmetric" if symmetric else "same" if same else None
        if padding is None or k % 2 == 0:
            self.refuse(node, f"a {k}x{k} Conv at stride {s} padded by {pads}: mbcost's convs have an odd K, padded to "
                        "give ceil(input / stride)")
        self.macs += int(w.size) * shape[1] * shape[2]
        return {
            "in_channels": per_group * group, "out_channels": out_channels, "kernel": k, "stride": s, "groups": group,
            "dilation": d, "bias": bias, "padding": padding, "weights": int(w.size), "spatial_in": tuple(size),
        }

    def gemm(self, node: Any, name: str, data: list[str], shape: tuple[int, ...]) -> Prim:
        a = self.attrs(node)
        if len(data) != 1 or a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
            return self.refuse(node, "a Gemm that is not x W^T + b with constant W")
        params_before = self.params
        w = self.weight(node.input[1])
        if a.get("transB", 0):
            w = w.T
        bias = len(node.input) > 2 and bool(node.input[2])
        if bias:
            self.weight(node.input[2])
        self.macs += int(w.size)
        attrs = {"in_channels": w.shape[0], "out_channels": w.shape[1], "bias": bias}
        return Prim(name, "linear", (data[0],), node.output[0], shape, attrs, self.params - params_before)

    def matmul(self, node: Any, name: str, data: list[str], shape: tuple[int, ...], skip: set[str]) -> Prim:
        if len(data) != 1 or node.input[1] not in self.constants:
            return self.refuse(node, "a MatMul of two computed tensors")
        params_before = self.params
        w = self.weight(node.input[1])
        out = node.output[0]
        readers = self.readers.get(out, [])
        bias = False
        if len(readers) == 1 and readers[0].op_type == "Add":
            other = [v for v in readers[0].input if v != out]
            if len(other) == 1 and other[0] in self.constants:
                self.weight(other[0])
                skip.add(self.name(readers[0]))
                bias, out = True, readers[0].output[0]
                shape = self.shape(out, readers[0])
        self.macs += int(w.size)
        attrs = {"in_channels": w.shape[0], "out_channels": w.shape[1], "bias": bias}
        return Prim(name, "linear", (data[0],), out, shape, attrs, self.params - params_before)
