"""Issue 13's accuracy goals, measured on the recorded bench reports in benchmarks/data/latency/.

Fits a device profile with `mbcost calibrate` on MobileNetV2 at widths 0.35, 0.75 and 1.4 (resolutions
96-224) and reports, in nn-Meter's terms, its accuracy beside MACs times one fitted constant on:
held-out MobileNetV2 layers (widths 0.5 and 1.0) and the MobileNetV1 grid (4 widths x 4 resolutions),
an architecture the fit never saw.

    python benchmarks/latency_goals.py [--data benchmarks/data/latency/runs]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRAIN = ("mobilenet_v2-0.35-*.json", "mobilenet_v2-0.75-*.json", "mobilenet_v2-1.4-*.json")
HELD = {"held-out MobileNetV2 (0.5, 1.0)": ("mobilenet_v2-0.5-*.json", "mobilenet_v2-1-*.json"), "MobileNetV1 grid": ("mobilenet_v1-*.json",)}


def calibrate(data: Path, held: tuple[str, ...]) -> dict:
    train = [str(p) for pattern in TRAIN for p in sorted(data.glob(pattern))]
    holdout = [arg for pattern in held for p in sorted(data.glob(pattern)) for arg in ("--holdout", str(p))]
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "mbcost", "calibrate", *train, *holdout, "-o", str(Path(tmp) / "fit.yaml"), "--format", "json"],
            capture_output=True, text=True, cwd=HERE.parent,
        )
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    return json.loads(proc.stdout)["accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=HERE / "data" / "latency" / "runs")
    args = parser.parse_args()
    print(f"bench reports: {args.data}")
    print(f"{'evaluated on':34} {'level':8} {'n':>5} {'within 10%':>11} {'within 25%':>11} {'MAPE':>7} {'Spearman':>9}")
    for label, held in HELD.items():
        accuracy = calibrate(args.data, held)
        for level in ("layers", "networks"):
            for model in ("roofline", "macs"):
                a = accuracy[level][model]
                name = f"{label} ({'roofline' if model == 'roofline' else 'MACs x c'})"
                print(f"{name:34} {level:8} {a['count']:5} {a['within_10']:11.1%} {a['within_25']:11.1%} {a['mape']:7.1%} {a['spearman']:9.3f}")


if __name__ == "__main__":
    main()
