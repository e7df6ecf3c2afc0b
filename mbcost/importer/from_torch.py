"""The PyTorch front end: a factory's module traced symbolically with torch.fx (no forward pass of real
data), shapes propagated on the meta device, each traced op lowered to a `Prim` named by its module.
Imports torch: reached only from `mbcost import`."""

from __future__ import annotations

import importlib
import importlib.util
import math
import operator
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SpecError, TorchMissing
from .ir import Prim, Unsupported

try:
    import torch
    import torch.fx as fx
    from torch import nn
    from torch.fx.passes.shape_prop import ShapeProp
    from torch.nn import functional as F
    from torch.utils.flop_counter import FlopCounterMode
except ImportError as error:
    raise TorchMissing() from error


@dataclass(frozen=True)
class Traced:
    """What the PyTorch front end hands on: the prims, the input's (C, H, W) and the source's own totals:
    params as `sum(p.numel())`, MACs as FlopCounterMode's FLOPs / 2 over one meta-device pass."""

    prims: list[Prim]
    input_shape: tuple[int, int, int]
    input_value: str  # the name of the network's input in the prims
    params: int
    macs: int


ACTIVATION_MODULES = {
    nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Hardswish: "hardswish", nn.Hardsigmoid: "hardsigmoid",
    nn.SiLU: "silu", nn.Sigmoid: "sigmoid", nn.GELU: "gelu",
}
ACTIVATION_FUNCTIONS = {
    F.relu: "relu", torch.relu: "relu", F.relu6: "relu6", F.hardswish: "hardswish", F.hardsigmoid: "hardsigmoid",
    F.silu: "silu", F.sigmoid: "sigmoid", torch.sigmoid: "sigmoid", F.gelu: "gelu",
}
ACTIVATION_METHODS = {"relu": "relu", "sigmoid": "sigmoid"}
ADDS = {operator.add, operator.iadd, torch.add, "add", "add_"}
MULS = {operator.mul, torch.mul, "mul"}
FLATTENS = {torch.flatten, "flatten", "view", "reshape", "squeeze"}


def load_factory(source: str) -> Any:
    """The callable that `path/to/file.py:factory` or `package.module:factory` names."""
    where, sep, name = source.rpartition(":")
    if not sep or not where or not name:
        raise SpecError("give the module as FILE.py:FACTORY or package.module:FACTORY", file=source, field="SOURCE")
    try:
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_file():
                raise SpecError("no such file", file=where, field="SOURCE")
            spec = importlib.util.spec_from_file_location(f"_mbcost_import_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            sys.path.insert(0, str(path.resolve().parent))  # so the file's own neighbours import
            try:
                spec.loader.exec_module(module)
            finally:
                sys.path.pop(0)
        else:
            module = importlib.import_module(where)
    except SpecError:
        raise
    except BaseException as error:  # any failure of the user's code is bad input, said in one line
        if isinstance(error, KeyboardInterrupt):
            raise
        raise SpecError(f"does not import: {_said(error)}", file=where, field="SOURCE") from None
    factory = getattr(module, name, None)
    if factory is None:
        raise SpecError(f"has no {name!r}", file=where, field="SOURCE")
    if not callable(factory):
        raise SpecError(f"{name!r} is a {type(factory).__name__}, not a callable returning a torch.nn.Module", file=where, field="SOURCE")
    return factory


def _said(error: BaseException) -> str:
    """An exception in one line, with the innermost place in the user's code when there is one."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/torch/" not in f.filename and "/mbcost/" not in f.filename]
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    said = str(error).split(". ")[0].split("\n")[0]  # the first sentence: torch.fx adds paragraphs of advice
    return f"{type(error).__name__}: {said}{where}"


class _Tracer(fx.Tracer):
    """torch.fx's tracer with every conv a leaf, whatever its class (timm's Conv2dSame pads at run time from
    its input's size, which a symbolic trace cannot read)."""

    def is_leaf_module(self, m: nn.Module, qualified_name: str) -> bool:
        return isinstance(m, nn.modules.conv._ConvNd) or _mixed_convs(m) is not None or super().is_leaf_module(m, qualified_name)


def _mixed_convs(m: nn.Module) -> list[nn.Conv2d] | None:
    """The convs of a mixed conv (timm's MixedConv2d, MixNet; mbcost's own): a module of a ModuleList `convs` of
    Conv2d over channel `splits`, whose forward splits its input in a loop that torch.fx cannot trace."""
    convs = getattr(m, "convs", None)
    if "mixed" in type(m).__name__.lower() and isinstance(convs, nn.ModuleList) and hasattr(m, "splits"):
        if all(isinstance(c, nn.Conv2d) for c in convs):
            return list(convs)
    return None


def trace(source: str, input_shape: tuple[int, int, int] | None) -> Traced:
    """Load the factory, build its module on the meta device, trace it, and lower it to prims."""
    factory = load_factory(source)
    if input_shape is None:
        raise SpecError("a PyTorch module has no input size of its own: give --input CxHxW (e.g. 3x224x224)", file=source, field="--input")
    try:
        with torch.device("meta"):
            model = factory()
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        raise SpecError(f"the factory failed: {_said(error)}", file=source, field="SOURCE") from None
    if not isinstance(model, nn.Module):
        raise SpecError(f"the factory returned a {type(model).__name__}, not a torch.nn.Module", file=source, field="SOURCE")
    model.eval()
    tracer = _Tracer()
    try:
        graph = tracer.trace(model)
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        raise SpecError(f"torch.fx cannot trace it: {_said(error)}", file=source, field="SOURCE") from None
    gm = fx.GraphModule(model, graph)
    x = torch.empty(1, *input_shape, device="meta")
    counter = FlopCounterMode(display=False)
    norms = [m for m in gm.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in norms:  # batch norm keeps its input's shape and does no conv or linear work: skip its slow count
        m.forward = _passthrough.__get__(m)
    try:
        with torch.no_grad(), counter:
            ShapeProp(gm).propagate(x)
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        raise SpecError(f"the traced module does not run on a {'x'.join(map(str, input_shape))} input: {_said(error)}",
                        file=source, field="--input") from None
    finally:
        for m in norms:
            m.__dict__.pop("forward", None)
    prims = _lower(gm, source)
    params = sum(p.numel() for p in model.parameters())
    placeholders = [node.name for node in gm.graph.nodes if node.op == "placeholder"]
    if len(placeholders) != 1:
        raise SpecError(f"forward takes {len(placeholders)} inputs; mbcost's networks take one image", file=source, field="SOURCE")
    return Traced(prims, input_shape, placeholders[0], params, counter.get_total_flops() // 2)


def _passthrough(self: Any, x: Any) -> Any:
    return x


def _shape(node: fx.Node) -> tuple[int, ...]:
    meta = node.meta.get("tensor_meta")
    return tuple(meta.shape[1:]) if meta is not None and hasattr(meta, "shape") else ()


def _where(node: fx.Node) -> str:
    """A traced op as the model names it: its module's path, or the function's node in its module."""
    if node.op == "call_module":
        return str(node.target)
    stack = node.meta.get("nn_module_stack") or {}
    owner = next(reversed(stack), "") if stack else ""
    owner = stack[owner][0] if owner and isinstance(stack[owner], tuple) else owner
    return f"{owner}.{node.name}" if owner else node.name


def _is_tensor(node: fx.Node) -> bool:
    return hasattr(node.meta.get("tensor_meta"), "shape")


def _lower(gm: fx.GraphModule, source: str) -> list[Prim]:
    modules = dict(gm.named_modules())
    prims: list[Prim] = []
    shuffles: dict[str, tuple[str, int, bool]] = {}  # value -> (the 4-D input, groups, transposed yet)
    chunks: dict[str, int] = {}  # a chunk's tuple -> channels per chunk
    for node in gm.graph.nodes:
        if node.op in ("placeholder", "output"):
            continue
        where = _where(node)
        shape = _shape(node)
        tensors = tuple(a.name for a in _nodes(node.args) if _is_tensor(a) or a.name in chunks)
        if node.op != "call_module" and _data_movement(node, shape, tensors, shuffles, chunks, prims, where, source):
            continue
        if not _is_tensor(node) and node.op != "call_module":
            continue  # sizes read from a tensor (x.size(), x.shape) and arithmetic on them: no tensor, no count
        tensors = tuple(a.name for a in _nodes(node.args) if _is_tensor(a))
        if node.op == "call_module":
            prims.append(_module_prim(modules[node.target], node, where, shape, tensors, source))
            continue
        if node.op == "get_attr":
            raise Unsupported(source, where, f"a tensor read from the module ({node.target}) inside forward")
        target = node.target
        name = getattr(target, "__name__", str(target))
        if target in ADDS and len(tensors) == 2:
            prims.append(Prim(where, "add", tensors, node.name, shape))
        elif target in MULS and len(tensors) == 2:
            prims.append(Prim(where, "mul", tensors, node.name, shape))
        elif target in ACTIVATION_FUNCTIONS or (node.op == "call_method" and target in ACTIVATION_METHODS):
            act = ACTIVATION_FUNCTIONS.get(target) or ACTIVATION_METHODS[target]
            if act == "gelu" and node.kwargs.get("approximate", "none") != "none":
                raise Unsupported(source, where, "a tanh-approximated GELU")
            prims.append(Prim(where, "act", tensors[:1], node.name, shape, {"name": act}))
        elif target in (F.adaptive_avg_pool2d,) or (target == "mean" and _dims(node) in ({2, 3}, {-2, -1})):
            if target is F.adaptive_avg_pool2d and _size_of(node.args[1] if len(node.args) > 1 else node.kwargs.get("output_size")) != (1, 1):
                raise Unsupported(source, where, "an adaptive average pool to more than 1x1")
            prims.append(Prim(where, "global_pool", tensors[:1], node.name, shape))
        elif target in FLATTENS and len(shape) in (1, 3) and math.prod(shape) == shape[0]:
            prims.append(Prim(where, "identity", tensors[:1], node.name, shape))
        elif target is F.dropout:
            p = node.args[1] if len(node.args) > 1 else node.kwargs.get("p", 0.5)
            prims.append(Prim(where, "identity", tensors[:1], node.name, shape, {"dropout": float(p)}))
        else:
            raise Unsupported(source, where, f"{name}() of {len(tensors)} tensor(s)")
    return prims


def _data_movement(node: fx.Node, shape: tuple[int, ...], tensors: tuple[str, ...], shuffles: dict, chunks: dict,
                   prims: list[Prim], where: str, source: str) -> bool:
    """Concatenation, channel slices and chunks, and channel shuffle written as view -> transpose -> reshape
    (ShuffleNet, torchvision's `channel_shuffle`): lowered to concat, split and shuffle prims. True when `node` was one."""
    target = node.target
    args = node.args
    if target is torch.cat:
        dim = args[1] if len(args) > 1 else node.kwargs.get("dim", 0)
        if dim not in (1, -3):
            raise Unsupported(source, where, f"a concatenation along dimension {dim}, not the channels")
        prims.append(Prim(where, "concat", tensors, node.name, shape))
        return True
    if target == "chunk" and len(tensors) == 1:
        count = args[1] if len(args) > 1 else node.kwargs.get("chunks")
        dim = args[2] if len(args) > 2 else node.kwargs.get("dim", 0)
        (x,) = _nodes(args[:1])
        if dim not in (1, -3) or _shape(x)[0] % count:
            raise Unsupported(source, where, "a chunk other than equal parts of the channels")
        chunks[node.name] = _shape(x)[0] // count
        return True
    if target is operator.getitem and tensors and tensors[0] in chunks:
        size = chunks[tensors[0]]
        (chunked,) = _nodes(args[:1])
        prims.append(Prim(where, "split", (chunked.args[0].name,), node.name, shape, {"start": args[1] * size, "channels": size}))
        return True
    if target is operator.getitem and len(tensors) == 1 and _is_tensor(node):
        index = args[1] if isinstance(args[1], tuple) else (args[1],)
        full = slice(None)
        if len(index) < 2 or index[0] != full or not isinstance(index[1], slice) or any(i != full for i in index[2:]) or index[1].step not in (None, 1):
            raise Unsupported(source, where, "an indexing other than a slice of the channels")
        start = index[1].start or 0
        (x,) = _nodes(args[:1])
        if shape == _shape(x):  # timm's ghost module slices `[:, :out_chs]` even when that is every channel
            prims.append(Prim(where, "identity", tensors, node.name, shape))
        else:
            prims.append(Prim(where, "split", tensors, node.name, shape, {"start": start, "channels": shape[0]}))
        return True
    if target in ("view", "reshape", torch.reshape) and tensors and _is_tensor(node):
        (x,) = _nodes(args[:1])
        if len(shape) == 4 and len(_shape(x)) == 3 and shape[0] * shape[1] == _shape(x)[0] and shape[2:] == _shape(x)[1:]:
            shuffles[node.name] = (x.name, shape[0], False)  # C x H x W as groups x C/groups x H x W
            return True
        if tensors[0] in shuffles and len(shape) == 3:
            value, groups, transposed = shuffles[tensors[0]]
            if not transposed:
                raise Unsupported(source, where, "a channel regrouping that is not a shuffle")
            prims.append(Prim(where, "shuffle", (value,), node.name, shape, {"groups": groups}))
            return True
        return False
    if tensors and tensors[0] in shuffles:
        value, groups, transposed = shuffles[tensors[0]]
        if target in ("transpose", torch.transpose) and sorted(args[1:3]) == [1, 2] and not transposed:
            shuffles[node.name] = (value, groups, True)
            return True
        if target == "contiguous":
            shuffles[node.name] = shuffles[tensors[0]]
            return True
        raise Unsupported(source, where, f"{getattr(target, '__name__', target)}() of channels viewed in groups")
    return False


def _nodes(args: Any) -> list[fx.Node]:
    """The traced tensors among an op's arguments, inside lists too (torch.cat's)."""
    found: list[fx.Node] = []
    fx.node.map_arg(args, found.append)
    return found


def _dims(node: fx.Node) -> set[int]:
    dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
    return set(dims) if isinstance(dims, (tuple, list)) else {dims}


def _size_of(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _square(value: Any, what: str, source: str, where: str) -> int:
    a, b = (value, value) if isinstance(value, int) else tuple(value)
    if a != b:
        raise Unsupported(source, where, f"a {a}x{b} {what}: mbcost's are square")
    return a


def _module_prim(m: nn.Module, node: fx.Node, where: str, shape: tuple[int, ...], inputs: tuple[str, ...], source: str) -> Prim:
    params = sum(p.numel() for p in m.parameters())
    if isinstance(m, nn.Conv2d):
        return Prim(where, "conv", inputs, node.name, shape, _conv_attrs(m, node, where, shape, source), params)
    convs = _mixed_convs(m)
    if convs is not None:
        parts = [_conv_attrs(c, node, where, shape, source, whole=False) for c in convs]
        depthwise = all(p["groups"] == p["in_channels"] == p["out_channels"] for p in parts)
        if not depthwise and any(p["groups"] != 1 for p in parts) or len({(p["stride"], p["bias"], p["padding"]) for p in parts}) != 1:
            raise Unsupported(source, where, "a mixed conv whose splits differ in stride, bias, padding or grouping")
        attrs = {
            **parts[0], "in_channels": sum(p["in_channels"] for p in parts), "out_channels": sum(p["out_channels"] for p in parts),
            "kernels": tuple(p["kernel"] for p in parts), "depthwise": depthwise, "weights": sum(p["weights"] for p in parts),
            "splits": tuple((p["in_channels"], p["out_channels"]) for p in parts),
        }
        return Prim(where, "conv", inputs, node.name, shape, attrs, params)
    if isinstance(m, nn.modules.conv._ConvNd):
        raise Unsupported(source, where, f"a {type(m).__name__}: mbcost's convs are 2-D")
    if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
        return Prim(where, "norm", inputs, node.name, shape, {}, params)
    if type(m) in ACTIVATION_MODULES:
        if isinstance(m, nn.GELU) and m.approximate != "none":
            raise Unsupported(source, where, "a tanh-approximated GELU")
        return Prim(where, "act", inputs, node.name, shape, {"name": ACTIVATION_MODULES[type(m)]}, params)
    if isinstance(m, nn.Hardtanh) and (m.min_val, m.max_val) == (0.0, 6.0):
        return Prim(where, "act", inputs, node.name, shape, {"name": "relu6"}, params)
    if isinstance(m, nn.Linear):
        attrs = {"in_channels": m.in_features, "out_channels": m.out_features, "bias": m.bias is not None}
        return Prim(where, "linear", inputs, node.name, shape, attrs, params)
    if isinstance(m, nn.AdaptiveAvgPool2d):
        if _size_of(m.output_size) != (1, 1):
            raise Unsupported(source, where, f"an adaptive average pool to {m.output_size}, not 1x1")
        return Prim(where, "global_pool", inputs, node.name, shape)
    if isinstance(m, nn.MaxPool2d):
        if _square(m.dilation, "max pool dilation", source, where) != 1 or m.ceil_mode:
            raise Unsupported(source, where, "a dilated or ceil-mode max pool")
        attrs = {"kernel": _square(m.kernel_size, "max pool", source, where),
                 "stride": _square(m.stride, "max pool stride", source, where),
                 "padding": _square(m.padding, "max pool padding", source, where)}
        return Prim(where, "maxpool", inputs, node.name, shape, attrs)
    if isinstance(m, (nn.Dropout, nn.Dropout2d)):
        return Prim(where, "identity", inputs, node.name, shape, {"dropout": float(m.p)})
    if isinstance(m, (nn.Flatten, nn.Identity)):
        return Prim(where, "identity", inputs, node.name, shape)
    raise Unsupported(source, where, f"a {type(m).__name__} module")


def _conv_attrs(m: nn.Conv2d, node: fx.Node, where: str, shape: tuple[int, ...], source: str, whole: bool = True) -> dict[str, Any]:
    k = _square(m.kernel_size, "conv kernel", source, where)
    s = _square(m.stride, "conv stride", source, where)
    d = _square(m.dilation, "conv dilation", source, where)
    (x,) = [a for a in node.args if isinstance(a, fx.Node)]
    size_in = _shape(x)[1:]
    if m.padding_mode != "zeros":
        raise Unsupported(source, where, f"a conv padded with {m.padding_mode}: mbcost's pad with zeros")
    if isinstance(m.padding, str):
        pad = 0 if m.padding == "valid" else d * (k // 2)  # torch's 'same' runs at stride 1 only
    else:
        pad = _square(m.padding, "conv padding", source, where)
    pads_itself = type(m).forward is not nn.Conv2d.forward
    expected = tuple(math.ceil(n / s) for n in size_in)
    if pads_itself and "same" in type(m).__name__.lower():
        padding = "same"
    elif k % 2 and pad == d * (k // 2) and not pads_itself:
        padding = "symmetric"
    else:
        raise Unsupported(source, where, f"a {k}x{k} conv at stride {s} padded by {pad}: mbcost's convs have an odd K, "
                          "padded to give ceil(input / stride)")
    if tuple(shape[1:]) != expected or (whole and shape[0] != m.out_channels):
        raise Unsupported(source, where, f"a conv giving {shape[1:]} from {size_in} at stride {s}; mbcost's give {expected}")
    return {
        "in_channels": m.in_channels, "out_channels": m.out_channels, "kernel": k, "stride": s, "groups": m.groups,
        "dilation": d, "bias": m.bias is not None, "padding": padding, "weights": m.weight.numel(),
        "spatial_in": tuple(size_in),
    }
