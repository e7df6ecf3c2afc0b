"""Summarise bench reports written by latency_measure.py: for one network, how well MACs rank its layers'
measured time (Spearman) and where the conv time goes by op kind; for every network, the measured and
wall minima; and, given a second directory of the same networks measured again, the spread between the
two. Asserts nothing.

    python benchmarks/latency_summary.py DIR [--network mobilenet_v2-1-224] [--repeat DIR2]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mbcost.latency.accuracy import spearman  # one Spearman, the one calibrate reports

CONV_KINDS = ("conv", "pointwise", "depthwise", "grouped")


def network(report: dict) -> None:
    layers = [layer for layer in report["layers"] if not layer["measured_in"]]  # a layer fused into another has no time of its own
    macs = [layer["macs"] for layer in layers]
    time = [layer["measured_min_s"] for layer in layers]
    print(f"{report['model']} {report['alpha']:g}-{report['resolution']}: {len(layers)} layers with their own kernels")
    print(f"  Spearman(MACs, measured min) per layer: {spearman(macs, time):.3f}")
    with_macs = [layer for layer in layers if layer["macs"]]
    print(f"  ... over the {len(with_macs)} layers with MACs: {spearman([x['macs'] for x in with_macs], [x['measured_min_s'] for x in with_macs]):.3f}")
    conv_time = sum(layer["measured_min_s"] for layer in layers if layer["op"] in CONV_KINDS)
    conv_macs = sum(layer["macs"] for layer in layers if layer["op"] in CONV_KINDS)
    for kind in CONV_KINDS + ("linear", "pool"):
        mine = [layer for layer in layers if layer["op"] == kind]
        if not mine:
            continue
        t, m = sum(x["measured_min_s"] for x in mine), sum(x["macs"] for x in mine)
        line = f"  {kind:10s} {len(mine):3d} layers  {t * 1e3:7.3f} ms  {m / 1e6:8.2f} M MACs"
        if kind in CONV_KINDS:
            line += f"  {t / conv_time:6.1%} of conv time, {m / conv_macs:6.1%} of conv MACs, {m / t / 1e9:6.2f} GMAC/s"
        print(line)
    total = report["total"]
    print(f"  total: layers {total['measured_min_s'] * 1e3:.3f} ms, wall {total['wall_min_s'] * 1e3:.3f} ms (min), "
          f"{total['wall_median_s'] * 1e3:.3f} ms (median)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--network", default="mobilenet_v2-1-224")
    parser.add_argument("--repeat", type=Path, default=None)
    args = parser.parse_args()
    network(json.loads((args.dir / f"{args.network}.json").read_text()))
    print()
    print(f"{'network':24s} {'MACs':>8s} {'layers ms':>10s} {'wall ms':>8s}" + ("  repeat: layers ms, wall ms, change" if args.repeat else ""))
    for path in sorted(args.dir.glob("mobilenet_*.json")):
        r = json.loads(path.read_text())
        t = r["total"]
        line = f"{path.stem:24s} {t['macs'] / 1e6:7.1f}M {t['measured_min_s'] * 1e3:10.3f} {t['wall_min_s'] * 1e3:8.3f}"
        again = args.repeat / path.name if args.repeat else None
        if again is not None and again.exists():
            a = json.loads(again.read_text())["total"]
            change = a["measured_min_s"] / t["measured_min_s"] - 1
            line += f"  {a['measured_min_s'] * 1e3:10.3f} {a['wall_min_s'] * 1e3:8.3f} {change:+7.1%}"
        print(line)


if __name__ == "__main__":
    main()
