"""Time the analysis path in-process on the synthetic 10,000-block specs of `analyze_bench.py`:
`build_graph`, `cost.analyze` and the lazily computed `Analysis.memory` (goal: <= 0.3 s together).
Prints medians (and the fastest run: the machine may be shared); asserts nothing. A fresh spec record each run, so no cache carries over.

    python benchmarks/graph_bench.py [--runs 7]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyze_bench import synthetic_spec

from mbcost.cost import analyze
from mbcost.graph import build_graph
from mbcost.spec import load_spec


def run(path: Path) -> tuple[float, float, float, int]:
    spec = load_spec(path)
    gc.collect()  # start each run with no garbage of the last one
    start = time.perf_counter()
    graph = build_graph(spec)
    built = time.perf_counter()
    result = analyze(graph)
    costed = time.perf_counter()
    _ = result.memory  # computed on first use
    done = time.perf_counter()
    return built - start, costed - built, done - costed, len(graph.nodes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for label, repeat in (("10,000 rows", 1), ("10 rows x repeat 1,000", 1000)):
            path = Path(folder) / f"synthetic_{repeat}.yaml"
            path.write_text(synthetic_spec(10_000, repeat))
            times = [run(path) for _ in range(args.runs)]
            build, cost, memory = (statistics.median(t[i] for t in times) for i in range(3))
            fastest = min(sum(t[:3]) for t in times)
            print(
                f"{label:24s} {times[0][3]:6d} nodes: build_graph {build * 1e3:6.1f} ms, "
                f"analyze {cost * 1e3:6.1f} ms, memory {memory * 1e3:6.1f} ms, "
                f"total {(build + cost + memory) * 1e3:6.1f} ms (fastest run {fastest * 1e3:6.1f} ms; goal <= 300 ms)"
            )


if __name__ == "__main__":
    main()
