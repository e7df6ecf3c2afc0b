"""Time of the activation-memory analysis on the shipped specs, next to the MACs/params analysis it
rides on (memory is computed lazily, so a sweep of MACs and params does not pay for it).

    python benchmarks/memory.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mbcost import build_graph, load  # noqa: E402
from mbcost.analysis import memory  # noqa: E402
from mbcost.analysis.cost import analyze  # noqa: E402


def per_call_ms(fn, repeat: int = 300) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e3


def main() -> None:
    for name in ("mobilenet_v1", "mobilenet_v2"):
        graph = build_graph(load(name))
        print(
            f"{name:14s} {len(graph.nodes):3d} nodes: "
            f"cost.analyze {per_call_ms(lambda: analyze(graph)):.3f} ms, "
            f"memory.analyze {per_call_ms(lambda: memory.analyze(graph, 'fp16')):.3f} ms, "
            f"memory.peak fused {per_call_ms(lambda: memory.peak(graph, 'fp16', fused=True)):.3f} ms"
        )


if __name__ == "__main__":
    main()
