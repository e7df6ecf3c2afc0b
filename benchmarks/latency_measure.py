"""Measure the networks of issue 13's latency goals with `mbcost bench`'s machinery (ONNX Runtime, CPU,
one thread), one bench report JSON per network (the shared contract's "Bench report JSON"):

  training grid   MobileNetV2 at width 0.35, 0.75, 1.4 x resolution 96, 128, 160, 192, 224
  held-out layers MobileNetV2 at width 0.5, 1.0 x the same resolutions
  unseen network  MobileNetV1 at width 0.25, 0.5, 0.75, 1.0 x resolution 128, 160, 192, 224

    python benchmarks/latency_measure.py OUT_DIR [--runs 300] [--warmup 20] [--optimization all] [--compact]
        [--index FILE] [--only NAME ...]

Files are named `<spec>-<alpha>-<resolution>.json`; `--index FILE` (kept out of OUT_DIR, which holds
only bench reports) lists, per network, the measured and wall minima and the 1-minute load average
before and after it (the machine is shared:
minimums of many runs are what the goals are measured on). `--compact` leaves out the report's roll-ups
(by_op, by_block, separable, memory, by_resolution), which `mbcost analyze` of the same spec, width and
resolution gives back: what benchmarks/data/latency/ holds. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mbcost.analysis.cost import analyze  # noqa: E402
from mbcost.graph import build_graph  # noqa: E402
from mbcost.report.views.bench import to_dict  # noqa: E402
from mbcost.runtime.bench import bench  # noqa: E402
from mbcost.spec.builtin import resolve  # noqa: E402
from mbcost.spec.load import load  # noqa: E402

MNV2_RESOLUTIONS = (96, 128, 160, 192, 224)
GRIDS = {
    "training": ("mobilenet_v2", (0.35, 0.75, 1.4), MNV2_RESOLUTIONS),
    "held_out": ("mobilenet_v2", (0.5, 1.0), MNV2_RESOLUTIONS),
    "unseen": ("mobilenet_v1", (0.25, 0.5, 0.75, 1.0), (128, 160, 192, 224)),
}
COMPACT_DROPS = ("by_op", "by_block", "separable", "memory", "by_resolution")


def networks() -> list[tuple[str, str, float, int]]:
    return [(group, spec, a, r) for group, (spec, alphas, resolutions) in GRIDS.items() for a in alphas for r in resolutions]


def file_name(spec: str, alpha: float, resolution: int) -> str:
    return f"{spec}-{alpha:g}-{resolution}.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--index", type=Path, default=None, help="a JSON file listing every network measured (updated in place)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--optimization", default="all", choices=("all", "extended", "basic", "disabled"))
    parser.add_argument("--compact", action="store_true", help="leave out the roll-ups (COMPACT_DROPS)")
    parser.add_argument("--only", nargs="*", default=None, help="file names without .json, e.g. mobilenet_v2-1-224")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    index = []
    for group, spec_name, alpha, resolution in networks():
        name = file_name(spec_name, alpha, resolution)
        if args.only is not None and name[: -len(".json")] not in args.only:
            continue
        spec = load(spec_name)
        graph = build_graph(spec, alpha, resolution)
        load_before = os.getloadavg()[0]
        start = time.time()
        m = bench(graph, args.threads, args.runs, args.warmup, spec_text=resolve(spec_name)[0].read_text(), optimization=args.optimization)
        data = to_dict(analyze(graph), m, spec_name)
        if args.compact:
            data = {key: value for key, value in data.items() if key not in COMPACT_DROPS}
        (args.out / name).write_text(json.dumps(data, separators=(",", ":")) + "\n")
        row = {
            "file": name, "group": group, "macs": data["total"]["macs"], "measured_min_s": m.measured_min_s,
            "wall_min_s": m.wall_min_s, "wall_median_s": m.wall_median_s,
            "load_before": load_before, "load_after": os.getloadavg()[0], "seconds": round(time.time() - start, 1),
        }
        index.append(row)
        print(json.dumps(row), flush=True)
    if args.index is not None:
        old = json.loads(args.index.read_text()) if args.index.exists() else []
        kept = [row for row in old if row["file"] not in {r["file"] for r in index}]
        args.index.write_text(json.dumps(kept + index, indent=1) + "\n")


if __name__ == "__main__":
    main()
