"""Time `mbcost sweep` on a 1,000-point grid (40 width multipliers x 25 resolutions) for each built-in
spec, against the naive way (expand and cost the spec once per point). Figures, not asserts.

    python benchmarks/sweep_bench.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mbcost import analyze, build_graph, load  # noqa: E402
from mbcost.analysis.sweep import parse_values, sweep  # noqa: E402
from mbcost.spec.builtin import builtin_names  # noqa: E402

ALPHAS = parse_values("0.25:2.2:0.05", integer=False)  # 40 values
RESOLUTIONS = parse_values("96:576:20", integer=True)  # 25 values


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def naive(spec) -> None:
    for alpha in ALPHAS:
        for resolution in RESOLUTIONS:
            analyze(build_graph(spec, alpha, resolution))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    points = len(ALPHAS) * len(RESOLUTIONS)
    print(f"grid: {len(ALPHAS)} alphas x {len(RESOLUTIONS)} resolutions = {points} points; {args.repeat} runs each")
    for name in builtin_names():
        start = time.perf_counter()
        spec = load(name)  # read and validated once, as `mbcost sweep` does
        load_time = time.perf_counter() - start
        fast = timed(lambda: sweep(spec, ALPHAS, RESOLUTIONS, max_macs=300_000_000), args.repeat)
        slow = timed(lambda: naive(spec), max(1, args.repeat // 2))
        print(
            f"{name}: load {1000 * load_time:.1f} ms; sweep min {min(fast):.3f} s, median {statistics.median(fast):.3f} s "
            f"({1e6 * min(fast) / points:.0f} us/point); rebuild per point min {min(slow):.3f} s"
        )


if __name__ == "__main__":
    main()
