"""Measure the workloads people have (DESIGN.md, "Optimise for the workloads people have"), for a
before/after comparison of two versions of the package. Prints one table; asserts nothing.

    python benchmarks/workloads.py [--repo PATH] [--rounds 9]

  1. `mbcost analyze NAME` and `... --format json` on each shipped config (whole process);
  2. a 1,000-layer spec (about 330 MobileNetV2 bottlenecks in 10 distinct rows): the CLI, table and
     json, and in process load + build_graph + cost (and activation memory apart);
  3. the Python API costing 1,000 distinct small family members in one process, as a NAS loop does:
     `analyze_spec(path)`, `.total.macs` and `.memory.peak.bytes` for each (a fresh set every round);
  4. a 10,000-point sweep (100 widths x 100 resolutions of mobilenet_v2, json to a file), and one of
     99,900 points (100 x 999), at the sweep's cap of 100,000;
  5. a synthetic 10,000-block spec (10,000 distinct rows; a bound, not a goal: < 5 s), json to a file.

`--repo PATH` measures the package in PATH: it goes first on sys.path here, and is the PYTHONPATH of
every `python -m mbcost` this runs (without it: the package `import mbcost` finds). Commands run from a
scratch folder (`python -m` puts the working folder first on sys.path) with PYTHONDONTWRITEBYTECODE
unset, as installed packages run: byte-compiled (a warm-up run of each command writes the bytecode).
In-process workloads (2 and 3) run in a fresh worker process each, which times only its loop, so each
gets its own peak RSS. Every round runs every workload once, in a rotated order, so a slow spell of a
shared machine falls on all of them; the table gives the median and the fastest round, and peak RSS
(the largest over rounds, from os.wait4).

Only API present in every version since 7fa5808 is used: `analyze_spec(spec, width, resolution)`
(positionally: the keyword was renamed), `load`, `build_graph`, `analyze`, `Analysis.total.macs`,
`Analysis.memory.peak.bytes`, and the CLI commands `analyze` and `sweep`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIGS = ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small")
SWEEP_ALPHAS = "0.2125:1.45:0.0125"  # 100 widths
SWEEP_RESOLUTIONS = "96:294:2"  # 100 resolutions
CAP_RESOLUTIONS = "96:1094:1"  # 999 resolutions: with SWEEP_ALPHAS, 99,900 points, at the sweep's cap of 100,000
NAS_SPECS = 1000


def setup_path(repo: str | None) -> None:
    if repo:
        sys.path.insert(0, str(Path(repo).resolve()))


# ---------------------------------------------------------------------------------------------- specs

HEADER = (
    "input: {{channels: 3, resolution: {res}}}\nclasses: {classes}\nwidth_multiplier: 1.0\n"
    "rounding: make_divisible\ndefaults: {{norm: batch, activation: relu6}}\n"
)

# (t, c, n, s, kernel): MobileNetV2's seven rows stretched to 330 blocks, some rows split by kernel.
DEEP_ROWS = (
    (1, 16, 4, 1, 3),
    (6, 24, 24, 2, 3),
    (4, 24, 16, 1, 5),
    (6, 32, 40, 2, 3),
    (6, 64, 50, 2, 3),
    (3, 64, 30, 1, 5),
    (6, 96, 56, 1, 3),
    (6, 160, 50, 2, 5),
    (4, 160, 40, 1, 3),
    (6, 320, 20, 1, 3),
)


def deep_spec() -> str:
    """About 1,000 graph nodes (330 blocks), deeper than any real family member."""
    rows = "".join(
        f"  - bottleneck: {{expansion: {t}, channels: {c}, repeat: {n}, stride: {s}, kernel: {k}}}\n"
        for t, c, n, s, k in DEEP_ROWS
    )
    return (
        HEADER.format(res=224, classes=1000)
        + "stem:\n  conv: {kernel: 3, stride: 2, channels: 32}\nblocks:\n"
        + rows
        + "head:\n  conv: {kernel: 1, channels: 1280, scaling: grow_only}\npool: average\nclassifier: {dropout: 0.2}\n"
    )


def synthetic_spec(blocks: int) -> str:
    """`blocks` distinct rows, alternating bottleneck and separable, at 32 px (a stress spec, not a real network)."""
    rows = []
    for i in range(blocks):
        if i % 2:
            rows.append(f"  - bottleneck: {{expansion: {1 + i % 6}, channels: {16 + 8 * (i % 4)}, stride: 1}}\n")
        else:
            rows.append(f"  - separable: {{channels: {16 + 8 * (i % 4)}, stride: 1}}\n")
    head = "input: {channels: 3, resolution: 32}\nclasses: 10\nstem: {conv: {kernel: 3, stride: 2, channels: 16}}\nblocks:\n"
    return head + "".join(rows) + "pool: average\nclassifier: {}\n"


V2_CHANNELS = (16, 24, 32, 64, 96, 160, 320)
V2_STRIDES = (1, 2, 2, 2, 1, 2, 1)


def nas_specs(seed: int, count: int) -> list[str]:
    """`count` distinct small V2-like family members: per row width, expansion, kernel, repeats; the
    stem width, one stride moved, the head width and the input resolution."""
    rng = random.Random(seed)
    seen: set[tuple] = set()
    texts = []
    while len(texts) < count:
        strides = list(V2_STRIDES)
        move = rng.randrange(4)  # 0: V2's strides; else move one stride-2 to a neighbouring stride-1 row
        if move:
            i = rng.choice([j for j in range(1, 7) if strides[j] == 2])
            k = rng.choice([j for j in (i - 1, i + 1) if 0 <= j < 7 and strides[j] == 1] or [i])
            strides[i], strides[k] = strides[k], strides[i]
        rows = tuple(
            (
                1 if r == 0 else rng.choice((3, 4, 6)),
                max(8, round(c * rng.choice((0.5, 0.75, 1.0, 1.25)) / 8) * 8),
                rng.choice((1, 2)) if r in (0, 6) else rng.choice((1, 2, 3, 4)),
                strides[r],
                rng.choice((3, 5, 7)) if r else 3,
            )
            for r, c in enumerate(V2_CHANNELS)
        )
        key = (rng.choice((16, 24, 32)), rng.choice((960, 1280)), rng.choice((128, 160, 192, 224)), rows)
        if key in seen:
            continue
        seen.add(key)
        stem, head, res, rows = key
        body = "".join(
            f"  - bottleneck: {{expansion: {t}, channels: {c}, repeat: {n}, stride: {s}, kernel: {k}}}\n"
            for t, c, n, s, k in rows
        )
        texts.append(
            HEADER.format(res=res, classes=1000)
            + f"stem:\n  conv: {{kernel: 3, stride: 2, channels: {stem}}}\nblocks:\n"
            + body
            + f"head:\n  conv: {{kernel: 1, channels: {head}, scaling: grow_only}}\npool: average\nclassifier: {{dropout: 0.2}}\n"
        )
    return texts


# --------------------------------------------------------------------------------------------- workers


def worker_nas(folder: str) -> dict:
    import mbcost

    files = sorted(Path(folder).glob("*.yaml"))
    start = time.perf_counter()
    macs = peak = 0
    for path in files:
        a = mbcost.analyze_spec(str(path), None, None)
        macs += a.total.macs
        peak += a.memory.peak.bytes
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "specs": len(files), "macs": macs, "peak": peak}


def worker_deep(path: str, reps: int = 3) -> dict:
    """load + build_graph + cost, and activation memory apart: the median of `reps` in one process."""
    import mbcost

    costs, memories = [], []
    for _ in range(reps):
        start = time.perf_counter()
        analysis = mbcost.analyze(mbcost.build_graph(mbcost.load(path), None, None))
        middle = time.perf_counter()
        peak = analysis.memory.peak.bytes
        costs.append(middle - start)
        memories.append(time.perf_counter() - middle)
    nodes = len(analysis.graph.nodes)
    return {
        "seconds": statistics.median(costs),
        "memory": statistics.median(memories),
        "nodes": nodes,
        "macs": analysis.total.macs,
        "peak": peak,
    }


# ----------------------------------------------------------------------------------------------- driver


# Peak RSS of a child from wait4 is at least its parent's RSS when it forked (Linux keeps the old
# memory's high-water mark across exec), so commands are started by this small launcher, itself started
# before the driver imports mbcost or writes any spec: its own RSS is then below any measured process's.
LAUNCHER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    with open(job["out"], "wb") as out, open(job["err"], "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(job["argv"], cwd=job["cwd"], env=job["env"], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    print(json.dumps([seconds, usage.ru_maxrss, proc.returncode]), flush=True)
"""


class Runner:
    def __init__(self) -> None:
        self.launcher = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def setup(self, package_root: Path, scratch: Path, repo_arg: str | None) -> None:
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env["PYTHONPATH"] = str(package_root)
        self.scratch = scratch
        self.repo_arg = repo_arg

    def close(self) -> None:
        self.launcher.stdin.close()
        self.launcher.wait()

    def run(self, argv: list[str]) -> tuple[float, int, bytes]:
        """Wall seconds, peak RSS (KiB) and stdout of one process."""
        out, err = self.scratch / "stdout", self.scratch / "stderr"
        job = {"argv": argv, "cwd": str(self.scratch), "env": self.env, "out": str(out), "err": str(err)}
        self.launcher.stdin.write(json.dumps(job) + "\n")
        self.launcher.stdin.flush()
        seconds, rss, code = json.loads(self.launcher.stdout.readline())
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} exited {code}:\n{err.read_text()[-2000:]}")
        return seconds, rss, out.read_bytes()

    def cli(self, *args: str) -> tuple[float, int, bytes]:
        return self.run([sys.executable, "-m", "mbcost", *args])

    def worker(self, kind: str, arg: str) -> tuple[dict, int]:
        argv = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, arg]
        if self.repo_arg:
            argv += ["--repo", self.repo_arg]
        _, rss, out = self.run(argv)
        return json.loads(out), rss


def describe(root: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "mbcost"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return head + (f" + uncommitted changes to {len(dirty.splitlines())} files in mbcost/" if dirty else " (clean)")
    except (OSError, subprocess.CalledProcessError):
        return "(not a git checkout)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", help="measure the package in this checkout (sys.path[0] and PYTHONPATH)")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        setup_path(args.repo)
        kind, arg = args.worker
        result = worker_nas(arg) if kind == "nas" else worker_deep(arg)
        print(json.dumps(result))
        return

    runner = Runner()  # first, while this process is small
    try:
        measure(args, runner)
    finally:
        runner.close()


def measure(args: argparse.Namespace, runner: Runner) -> None:
    setup_path(args.repo)
    import mbcost

    package_root = Path(mbcost.__file__).resolve().parent.parent
    if args.repo and package_root != Path(args.repo).resolve():
        raise SystemExit(f"mbcost was imported from {package_root}, not {args.repo}")

    with tempfile.TemporaryDirectory(prefix="mbcost-workloads-") as tmp:
        scratch = Path(tmp)
        runner.setup(package_root, scratch, args.repo)
        found = runner.run([sys.executable, "-c", "import mbcost; print(mbcost.__file__)"])[2].decode().strip()
        if Path(found).resolve().parent.parent != package_root:
            raise SystemExit(f"python -m mbcost would run {found}, not the package in {package_root}")

        deep = scratch / "deep1000.yaml"
        deep.write_text(deep_spec())
        big = scratch / "synthetic10000.yaml"
        big.write_text(synthetic_spec(10_000))
        out_json = str(scratch / "out.json")
        # A fresh set of 1,000 distinct specs every round (seeded: the same sets for every version),
        # all written before anything is timed.
        nas_dirs = []
        for r in range(args.rounds + 1):
            folder = scratch / f"nas{r}"
            folder.mkdir()
            for i, text in enumerate(nas_specs(seed=r, count=NAS_SPECS)):
                (folder / f"m{i:04d}.yaml").write_text(text)
            nas_dirs.append(str(folder))

        # (label, run() -> {column: (seconds, peak RSS KiB)}); a column other than "" is a second row
        def cli_row(*argv: str):
            def go():
                seconds, rss, _ = runner.cli(*argv)
                return {"": (seconds, rss)}

            return go

        workloads: list[tuple[str, object]] = []
        for name in CONFIGS:
            workloads.append((f"1 analyze {name}", cli_row("analyze", name)))
            workloads.append((f"1 analyze {name} --format json", cli_row("analyze", name, "--format", "json")))
        workloads.append(("2 1k-layer analyze (table)", cli_row("analyze", str(deep))))
        workloads.append(("2 1k-layer analyze --format json", cli_row("analyze", str(deep), "--format", "json")))

        checks: dict[str, object] = {}

        def deep_inproc():
            result, rss = runner.worker("deep", str(deep))
            checks["deep"] = (result["nodes"], result["macs"], result["peak"])
            return {"": (result["seconds"], rss), "memory": (result["memory"], rss)}

        workloads.append(("2 1k-layer in-process load+graph+cost", deep_inproc))
        round_no = [0]

        def nas():
            folder = nas_dirs[round_no[0]]
            result, rss = runner.worker("nas", folder)
            checks.setdefault(f"nas{round_no[0]}", (result["specs"], result["macs"], result["peak"]))
            return {"": (result["seconds"], rss)}

        workloads.append(("3 API 1,000 distinct specs (total)", nas))
        sweep = (
            "sweep",
            "mobilenet_v2",
            "--alpha",
            SWEEP_ALPHAS,
            "--resolution",
            SWEEP_RESOLUTIONS,
            "--format",
            "json",
        )
        workloads.append(("4 sweep 100x100 --format json -o F", cli_row(*sweep, "-o", out_json)))
        capped = ("sweep", "mobilenet_v2", "--alpha", SWEEP_ALPHAS, "--resolution", CAP_RESOLUTIONS, "--format", "json")
        workloads.append(("4 sweep 100x999 (at the cap) --format json -o F", cli_row(*capped, "-o", out_json)))
        workloads.append(
            ("5 10k-block analyze --format json -o F", cli_row("analyze", str(big), "--format", "json", "-o", out_json))
        )

        # Warm-up: bytecode written, caches filled; round 0's NAS set is used here, rounds use 1..N.
        for _, go in workloads:
            go()
        sweep_rows = len(json.loads(runner.cli(*sweep)[2])["rows"])

        times: dict[str, list[float]] = {}
        rss: dict[str, int] = {}
        started = time.perf_counter()
        for r in range(args.rounds):
            round_no[0] = r + 1
            shift = r % len(workloads)
            for label, go in workloads[shift:] + workloads[:shift]:
                for column, (seconds, kib) in go().items():
                    key = label if not column else label.replace("load+graph+cost", "activation memory")
                    times.setdefault(key, []).append(seconds)
                    rss[key] = max(rss.get(key, 0), kib)
        elapsed = time.perf_counter() - started

    order = [label for label, _ in workloads]
    order.insert(order.index("2 1k-layer in-process load+graph+cost") + 1, "2 1k-layer in-process activation memory")
    nodes, deep_macs, deep_peak = checks["deep"]
    print(f"mbcost {package_root} at {describe(package_root)}")
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {args.rounds} rounds, workloads interleaved "
        f"(rotated order); {elapsed:.0f} s measured"
    )
    print(
        f"1k-layer spec: {nodes} nodes, {sum(n for _, _, n, _, _ in DEEP_ROWS)} blocks; sweep: {sweep_rows} points; "
        f"RSS = peak of the process (workers: interpreter + mbcost + the loop)"
    )
    print()
    print(f"{'workload':44s} {'median':>10s} {'fastest':>10s} {'peak RSS':>9s}")
    for label in order:
        t = times[label]
        median, fastest = statistics.median(t), min(t)
        print(f"{label:44s} {median * 1000:8.1f}ms {fastest * 1000:8.1f}ms {rss[label] / 1024:7.1f}MB")
        if label.startswith("3 "):
            print(f"{'3   per spec':44s} {median / NAS_SPECS * 1000:8.3f}ms {fastest / NAS_SPECS * 1000:8.3f}ms")
    print()
    specs, macs, peak = checks["nas1"]
    print(
        f"checks (equal across versions when results are): 1k-layer macs={deep_macs} peak={deep_peak}; "
        f"NAS round 1: {specs} specs, sum macs={macs}, sum peak bytes={peak}"
    )


if __name__ == "__main__":
    main()
