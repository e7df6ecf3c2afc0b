"""Measure `spec.load_spec` (read, parse YAML, validate) alone: the synthetic 10,000-block specs of
analyze_bench.py and the shipped configs. Goal for the 10,000-row spec: <= 0.3 s. Prints; asserts nothing.

    python benchmarks/load_bench.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from analyze_bench import synthetic_spec  # a sibling script, not a package

from mbcost.spec import load_spec


def median_time(path: Path, runs: int) -> float:
    load_spec(path)  # warm-up: imports, registries
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        load_spec(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for label, repeat in (("10,000 rows", 1), ("10 rows x repeat 1,000", 1000)):
            spec = Path(folder) / "synthetic.yaml"
            spec.write_text(synthetic_spec(10_000, repeat))
            print(f"load_spec, 10,000-block spec ({label:22s}) {median_time(spec, args.runs) * 1000:8.2f} ms")
    for config in sorted((REPO / "configs").glob("*.yaml")):
        print(f"load_spec, {config.name:37s} {median_time(config, args.runs) * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
