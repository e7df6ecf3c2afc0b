"""Measure `mbcost verify configs/mobilenet_v2.yaml` at 224 and 4096 px: wall time and peak RSS of the
whole process, torch import included (goal: both under 30 s and 1.5 GB). Prints the figures; asserts nothing.

    python benchmarks/verify_bench.py [--runs 3] [--resolutions 224 4096]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def measure(cmd: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in bytes, exit code) of one run; RSS from the child's own rusage (os.wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return wall, usage.ru_maxrss * scale, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--resolutions", type=int, nargs="+", default=[224, 4096])
    args = parser.parse_args()
    print(f"mbcost verify configs/mobilenet_v2.yaml, {args.runs} runs each (median wall, max peak RSS)")
    for resolution in args.resolutions:
        cmd = [sys.executable, "-m", "mbcost", "verify", "configs/mobilenet_v2.yaml", "--resolution", str(resolution)]
        runs = [measure(cmd) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        codes = sorted({r[2] for r in runs})
        print(f"  {resolution:>5} px: {wall:6.2f} s wall, {rss / 2**20:7.1f} MiB peak RSS, exit {codes}")
    bare = [measure([sys.executable, "-c", "import torch"]) for _ in range(args.runs)]
    print(
        f"  for scale, a bare `import torch`: {statistics.median(r[0] for r in bare):.2f} s, "
        f"{max(r[1] for r in bare) / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
