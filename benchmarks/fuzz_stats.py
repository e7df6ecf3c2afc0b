"""How many cases the fuzz suite (tests/test_fuzz.py) runs, how long it takes, and its slowest cases.

Run from the repository root: `python benchmarks/fuzz_stats.py [--scale N]`. It runs the suite in a
subprocess (pytest), which records one (seconds, case, exit code) per `mbcost analyze` run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1, help="multiply every test's example count")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stats_file = Path(folder) / "stats.json"
        env = dict(os.environ, MBCOST_FUZZ_STATS=str(stats_file), MBCOST_FUZZ_SCALE=str(args.scale))
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:warnings", "tests/test_fuzz.py"], cwd=ROOT, env=env
        )
        wall = time.perf_counter() - start
        stats = json.loads(stats_file.read_text()) if stats_file.exists() else []
    if not stats:
        print("no statistics recorded", file=sys.stderr)
        return 1
    seconds = [s for s, _, _ in stats]
    codes = collections.Counter(code for _, _, code in stats)
    print(f"cases run: {len(stats)} (exit 0: {codes.get(0, 0)}, exit 2: {codes.get(2, 0)}, other: {len(stats) - codes.get(0, 0) - codes.get(2, 0)})")
    print(f"pytest wall time: {wall:.1f} s; time inside `mbcost analyze`: {sum(seconds):.1f} s; "
          f"median case {sorted(seconds)[len(seconds) // 2] * 1000:.1f} ms")
    print("slowest cases:")
    for s, what, code in sorted(stats, key=lambda row: row[0], reverse=True)[:5]:
        print(f"  {s * 1000:7.1f} ms  exit {code}  {what[:110]}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
