"""Measure `mbcost analyze`: start-up against a bare `import click, rich, yaml` (goal: within 1.5x), and
a synthetic 10,000-block spec (goal: under 1 s). Prints the figures; asserts nothing.

    python benchmarks/analyze_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


# As installed packages are: byte-compiled. (A session may export PYTHONDONTWRITEBYTECODE, which would
# make every run compile mbcost's sources while click, rich and yaml load from their .pyc files.)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str], runs: int) -> float:
    """Median wall time of `cmd` over `runs` runs (after one warm-up run, which writes bytecode)."""
    subprocess.run(cmd, cwd=REPO, capture_output=True, check=True, env=ENV)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, capture_output=True, check=True, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def synthetic_spec(blocks: int, repeat: int = 1) -> str:
    """`blocks` blocks, alternating bottleneck and separable, at a small resolution: one YAML row per
    block (repeat 1), or blocks / repeat rows of `repeat` copies each."""
    rows = []
    for i in range(blocks // repeat):
        if repeat > 1:
            kind = "bottleneck: {expansion: 6, channels: 32" if i % 2 else "separable: {channels: 32"
            rows.append(f"  - {kind}, stride: 1, repeat: {repeat}}}\n")
            continue
        if i % 2:
            rows.append(f"  - bottleneck: {{expansion: {1 + i % 6}, channels: {16 + 8 * (i % 4)}, stride: 1}}\n")
        else:
            rows.append(f"  - separable: {{channels: {16 + 8 * (i % 4)}, stride: 1}}\n")
    head = "input: {channels: 3, resolution: 32}\nclasses: 10\nstem: {conv: {kernel: 3, stride: 2, channels: 16}}\nblocks:\n"
    return head + "".join(rows) + "pool: average\nclassifier: {}\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    py = sys.executable

    bare = wall([py, "-c", "import click, rich, yaml"], args.runs)
    table = wall([py, "-m", "mbcost", "analyze", "configs/mobilenet_v2.yaml"], args.runs)
    as_json = wall([py, "-m", "mbcost", "analyze", "configs/mobilenet_v2.yaml", "--format", "json"], args.runs)
    print(f"import click, rich, yaml            {bare * 1000:7.1f} ms")
    print(f"mbcost analyze mobilenet_v2 (table) {table * 1000:7.1f} ms  {table / bare:.2f}x  (goal <= 1.5x)")
    print(f"mbcost analyze mobilenet_v2 (json)  {as_json * 1000:7.1f} ms  {as_json / bare:.2f}x")

    with tempfile.TemporaryDirectory() as folder:
        for label, repeat in (("10 rows x repeat 1,000", 1000), ("10,000 rows", 1)):
            spec = Path(folder) / "synthetic.yaml"
            spec.write_text(synthetic_spec(10_000, repeat))
            out = str(Path(folder) / "out.json")
            cli = wall([py, "-m", "mbcost", "analyze", str(spec), "--format", "json", "--output", out], 3)
            print(f"10,000-block spec ({label}), whole command, json to file {cli * 1000:7.1f} ms  (goal < 1000 ms)")

        sys.path.insert(0, str(REPO))
        from mbcost import report
        from mbcost.cost import analyze
        from mbcost.graph import build_graph
        from mbcost.spec import load_spec

        steps = {}
        start = time.perf_counter()
        spec_record = load_spec(spec)
        steps["load + validate YAML"] = time.perf_counter() - start
        start = time.perf_counter()
        graph = build_graph(spec_record)
        steps["build graph"] = time.perf_counter() - start
        start = time.perf_counter()
        result = analyze(graph)
        steps["cost"] = time.perf_counter() - start
        start = time.perf_counter()
        report.render_json(result)
        steps["render json"] = time.perf_counter() - start
        for name, seconds in steps.items():
            print(f"  {name:22s} {seconds * 1000:7.1f} ms")
        print(f"  nodes: {len(graph.nodes)}")


if __name__ == "__main__":
    main()
