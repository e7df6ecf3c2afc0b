"""Measure MobileNetV1 and V2 per layer with ONNX Runtime (CPU, one thread) on this machine, fit a device
profile with `mbcost calibrate`'s fit, and report the issue 13 goals: accuracy on held-out MobileNetV2 widths
and on the MobileNetV1 grid the fit never saw, beside MACs scaled by one constant. Asserts nothing.

    python benchmarks/latency_calibration.py [--runs 30] [--out DIR] [--write-profile configs/devices/NAME.yaml]

The networks are written as ONNX here by a minimal exporter of the ops these two use (conv, add, pool,
linear; batch norm folded into the conv's bias, as runtimes do; node names are mbcost's layer names, extra
nodes `<layer>/act`, `<layer>/flatten`), until `mbcost export`/`mbcost bench` do it. Each network runs
`--runs` times after a warm-up in one profiled session; mbcost/latency/measurements.py reads the profile
(each node's minimum over the runs) and joins it to the layers. Needs onnx and onnxruntime.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mbcost.analysis.cost import analyze  # noqa: E402
from mbcost.arch.ops import Add, Conv, GlobalPool, Linear  # noqa: E402
from mbcost.graph import build_graph  # noqa: E402
from mbcost.latency.calibrate import calibrate  # noqa: E402
from mbcost.latency.fit import profile_yaml  # noqa: E402
from mbcost.latency.measurements import read_json, read_ort  # noqa: E402
from mbcost.spec.load import load  # noqa: E402

ACTS = {"relu": "Relu", "relu6": None, "none": None}


def export(graph) -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    out_of = {"input": "input"}

    def tensor(name, shape):
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * 0.05).astype(np.float32), name))
        return name

    def activation(name, x, act):
        if act == "none":
            return x
        if act == "relu6":
            lo, hi = tensor(f"{name}/act.min", ()), tensor(f"{name}/act.max", ())
            inits[-2] = numpy_helper.from_array(np.array(0, np.float32), lo)
            inits[-1] = numpy_helper.from_array(np.array(6, np.float32), hi)
            nodes.append(helper.make_node("Clip", [x, lo, hi], [f"{name}/act.out"], f"{name}/act"))
        else:
            nodes.append(helper.make_node(ACTS[act], [x], [f"{name}/act.out"], f"{name}/act"))
        return f"{name}/act.out"

    for node in graph.nodes:
        op, name = node.op, node.name
        inputs = [out_of[i] for i in node.inputs]
        if isinstance(op, Conv):
            w = tensor(f"{name}.w", (op.out_channels, op.in_channels // op.groups, op.kernel, op.kernel))
            b = tensor(f"{name}.b", (op.out_channels,))
            p = op.kernel // 2
            nodes.append(helper.make_node("Conv", [inputs[0], w, b], [f"{name}.out"], name, kernel_shape=[op.kernel] * 2,
                                          strides=[op.stride] * 2, pads=[p] * 4, group=op.groups))
            out = activation(name, f"{name}.out", op.activation)
        elif isinstance(op, Add):
            nodes.append(helper.make_node("Add", inputs, [f"{name}.out"], name))
            out = f"{name}.out"
        elif isinstance(op, GlobalPool):
            nodes.append(helper.make_node("GlobalAveragePool", inputs, [f"{name}.out"], name))
            out = f"{name}.out"
        elif isinstance(op, Linear):
            nodes.append(helper.make_node("Flatten", inputs, [f"{name}/flatten.out"], f"{name}/flatten"))
            w, b = tensor(f"{name}.w", (op.out_features, op.in_features)), tensor(f"{name}.b", (op.out_features,))
            nodes.append(helper.make_node("Gemm", [f"{name}/flatten.out", w, b], [f"{name}.out"], name, transB=1))
            out = activation(name, f"{name}.out", op.activation)
        else:
            raise SystemExit(f"this exporter knows conv, add, pool and linear, not {op.name}")
        out_of[name] = out
    r = graph.resolution
    g = helper.make_graph(nodes, graph.model, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, r, r])],
                          [helper.make_tensor_value_info(out_of[graph.nodes[-1].name], TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def measure(spec: str, alpha: float, resolution: int, runs: int, out: Path):
    analysis = analyze(build_graph(load(spec), alpha, resolution))
    model = export(analysis.graph)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # nodes keep their names
    x = np.random.default_rng(1).standard_normal((1, 3, resolution, resolution)).astype(np.float32)
    warm = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    for _ in range(3):
        warm.run(None, {"input": x})
    options.enable_profiling = True
    options.profile_file_prefix = str(out / f"{spec}-{alpha:g}-{resolution}")
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, {"input": x})
        walls.append(time.perf_counter() - start)
    path = Path(session.end_profiling())
    text, data = read_json(path)
    return read_ort(path, text, data, analysis), min(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--write-profile", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="mbcost-latency-"))
    out.mkdir(parents=True, exist_ok=True)
    resolutions = (96, 128, 160, 192, 224)
    train = [measure("mobilenet_v2", a, r, args.runs, out) for a in (0.35, 0.75, 1.4) for r in resolutions]
    held = [measure("mobilenet_v2", a, r, args.runs, out) for a in (0.5, 1.0) for r in resolutions]
    v1 = [measure("mobilenet_v1", a, r, args.runs, out) for a in (0.25, 0.5, 0.75, 1.0) for r in (128, 160, 192, 224)]
    cpu = Path("/proc/cpuinfo").read_text().split("model name")[1].split(":")[1].splitlines()[0].strip()
    source = (
        f"measured on {cpu} (shared, loaded) with ONNX Runtime {ort.__version__}, CPU, one thread, graph optimizations "
        f"off, each node's minimum of {args.runs} profiled runs; fitted per op kind by benchmarks/latency_calibration.py "
        "to MobileNetV2 at widths 0.35, 0.75, 1.4 x 96-224 px (kinds not listed use the roof fitted to all layers)"
    )
    name = args.write_profile.stem if args.write_profile else "this-machine"
    for label, evaluated in (("held-out MobileNetV2 0.5, 1.0", held), ("MobileNetV1 grid (never seen)", v1)):
        result = calibrate([m for m, _ in train], [m for m, _ in evaluated], name, source)
        print(f"== {label}: {len(evaluated)} networks")
        for level in result.levels:
            r, m = level.roofline, level.macs
            print(f"  {level.name:9} roofline: within10 {r.within_10:.0%} within25 {r.within_25:.0%} MAPE {r.mape:.1%} "
                  f"Spearman {r.spearman:.3f} | MACs x c: within10 {m.within_10:.0%} within25 {m.within_25:.0%} "
                  f"MAPE {m.mape:.1%} Spearman {m.spearman:.3f}")
    spread = [wall / m.seconds for m, wall in train + held + v1]
    print(f"whole-network wall minimum / sum of per-node minimums: {min(spread):.2f} .. {max(spread):.2f}")
    print(profile_yaml(result.device))
    if args.write_profile:
        args.write_profile.write_text(
            "# This machine, measured and fitted by `python benchmarks/latency_calibration.py --write-profile FILE`.\n"
            + profile_yaml(result.device)
        )
    print(f"profiles in {out}")


if __name__ == "__main__":
    main()
