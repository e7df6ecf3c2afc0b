"""Measure `mbcost analyze`: start-up against a bare `import click, rich, yaml` (goal: within 1.5x), and
a synthetic 10,000-block spec (goal: under 1 s). Prints the figures; asserts nothing.

    python benchmarks/analyze_bench.py [--runs 21] [--quick]

Besides the goals it prints what start-up is made of: the floor any rich-table report pays (importing
rich's console and table) and the time Python spends defining mbcost's frozen dataclasses.
"""

from __future__ import annotations

import argparse
import gc
import io
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

DATACLASS_COST = """
import dataclasses, time
spent, count, define = [0.0], [0], dataclasses._process_class
def timed(*args, **kwargs):
    start = time.perf_counter()
    try:
        return define(*args, **kwargs)
    finally:
        spent[0] += time.perf_counter() - start
        count[0] += 1
dataclasses._process_class = timed
start = time.perf_counter()
import mbcost.cli, mbcost.report.views.analysis, mbcost.report.formats.column_table
print(count[0], spent[0], time.perf_counter() - start)
"""


def wall(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median and fastest wall time of each command over `runs` rounds, after one warm-up run each
    (which writes bytecode). The commands take turns within a round, so a slow spell of a shared
    machine falls on all of them and their ratios stay fair."""
    for cmd in commands.values():
        subprocess.run(cmd, cwd=REPO, capture_output=True, check=True, env=ENV)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, cwd=REPO, capture_output=True, check=True, env=ENV)
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


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


def startup(runs: int) -> None:
    py = sys.executable
    t = wall(
        {
            "bare": [py, "-c", "import click, rich, yaml"],
            "floor": [py, "-c", "import click, rich, yaml, dataclasses, rich.console, rich.table"],
            "table": [py, "-m", "mbcost", "analyze", "mobilenet_v2"],
            "json": [py, "-m", "mbcost", "analyze", "mobilenet_v2", "--format", "json"],
        },
        runs,
    )
    (bare, bare_min) = t["bare"]
    print(f"{'(median / fastest of ' + str(runs) + ' interleaved runs)':45s}")
    for name, label, note in (
        ("bare", "import click, rich, yaml", ""),
        ("floor", "  + dataclasses, rich.console, rich.table", "(what any rich table costs)"),
        ("table", "mbcost analyze mobilenet_v2 (table)", "(goal <= 1.5x)"),
        ("json", "mbcost analyze mobilenet_v2 --format json", ""),
    ):
        median, fastest = t[name]
        print(f"{label:44s} {median * 1000:6.1f} / {fastest * 1000:6.1f} ms  {median / bare:.2f}x / {fastest / bare_min:.2f}x  {note}")
    counts = []
    for _ in range(max(3, runs // 3)):
        out = subprocess.run([py, "-c", DATACLASS_COST], cwd=REPO, capture_output=True, check=True, env=ENV, text=True)
        counts.append([float(x) for x in out.stdout.split()])
    n, spent, whole = (statistics.median(column) for column in zip(*counts))
    print(f"  in-process import of mbcost's CLI: {whole * 1000:.1f} ms, of which defining {n:.0f} frozen dataclasses {spent * 1000:.1f} ms")


STEPS = ("load + validate YAML", "build graph", "cost", "activation memory", "render table", "render json")


def large(runs: int) -> None:
    py = sys.executable
    sys.path.insert(0, str(REPO))
    from rich.console import Console

    from mbcost.analysis.cost import analyze
    from mbcost.graph import build_graph
    from mbcost.report.formats import json as json_format
    from mbcost.report.formats import table
    from mbcost.report.views import analysis
    from mbcost.spec.parse import load_spec

    with tempfile.TemporaryDirectory() as folder:
        for label, repeat in (("10 rows x repeat 1,000", 1000), ("10,000 rows", 1)):
            spec = Path(folder) / "synthetic.yaml"
            spec.write_text(synthetic_spec(10_000, repeat))
            out = str(Path(folder) / "out.json")
            t = wall(
                {
                    "table": [py, "-m", "mbcost", "analyze", str(spec)],
                    "json": [py, "-m", "mbcost", "analyze", str(spec), "--format", "json", "--output", out],
                },
                runs,
            )
            print(f"10,000-block spec ({label}), goal < 1000 ms (median / fastest):")
            print(f"  mbcost analyze (table)                     {t['table'][0] * 1000:7.1f} / {t['table'][1] * 1000:7.1f} ms")
            size = Path(out).stat().st_size / 1e6
            print(f"  mbcost analyze --format json --output F    {t['json'][0] * 1000:7.1f} / {t['json'][1] * 1000:7.1f} ms  ({size:.1f} MB)")

            steps: dict[str, list[float]] = {}
            for _ in range(runs):
                gc.collect()
                gc.disable()  # as the command runs (cli.main)
                marks = [time.perf_counter()]
                spec_record = load_spec(spec)
                marks.append(time.perf_counter())
                graph = build_graph(spec_record)
                marks.append(time.perf_counter())
                result = analyze(graph)
                marks.append(time.perf_counter())
                _ = result.memory  # computed on first use
                marks.append(time.perf_counter())
                table.draw(analysis.document(result), Console(file=io.StringIO(), width=160))
                marks.append(time.perf_counter())
                json_format.render(analysis.document(result))
                marks.append(time.perf_counter())
                gc.enable()
                for name, start, end in zip(STEPS, marks, marks[1:]):
                    steps.setdefault(name, []).append(end - start)
            print("    in one process, median / fastest:")
            for name, seconds in steps.items():
                print(f"    {name:24s} {statistics.median(seconds) * 1000:7.1f} / {min(seconds) * 1000:7.1f} ms")
            print(f"    nodes: {len(graph.nodes)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="start-up only")
    args = parser.parse_args()
    startup(args.runs)
    if not args.quick:
        large(max(5, args.runs // 3))


if __name__ == "__main__":
    main()
