"""An ONNX Runtime profile (the Chrome-trace JSON `SessionOptions.enable_profiling` writes) as the kernel
time of every node in every run: a node's `<name>_kernel_time` events, grouped by the `model_run` event
whose span holds them. Plain JSON in, plain data out: no onnxruntime needed to read one."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

KERNEL_SUFFIX = "_kernel_time"  # ORT also records `_fence_before`/`_fence_after` events: not kernel time
MICROSECONDS = 1e-6  # ORT's trace timestamps and durations are in microseconds


class ProfileError(ValueError):
    """A profile that is not an ORT trace, or whose node events fall outside every run."""


@dataclass(frozen=True)
class Profile:
    """`nodes`: every profiled node, in the order it first ran, with its kernel's op type; `runs`: per
    run, the seconds each node's kernel took; `run_seconds`: each run's whole duration."""

    nodes: tuple[tuple[str, str], ...]
    runs: tuple[dict[str, float], ...]
    run_seconds: tuple[float, ...]

    def after(self, warmup: int) -> Profile:
        """The runs after the first `warmup`."""
        return Profile(self.nodes, self.runs[warmup:], self.run_seconds[warmup:])


def parse(events: Any) -> Profile:
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise ProfileError("not an ONNX Runtime profile: expected a JSON list of trace events")
    runs = sorted((e["ts"], e["dur"]) for e in events if e.get("cat") == "Session" and e.get("name") == "model_run")
    if not runs:
        raise ProfileError("the profile holds no model_run event: was the session run?")
    starts = [ts for ts, _ in runs]
    times: list[dict[str, float]] = [{} for _ in runs]
    nodes: dict[str, str] = {}
    for e in sorted((e for e in events if e.get("cat") == "Node" and str(e.get("name", "")).endswith(KERNEL_SUFFIX)), key=lambda e: e["ts"]):
        name = e["name"][: -len(KERNEL_SUFFIX)]
        i = bisect.bisect_right(starts, e["ts"]) - 1
        if i < 0 or e["ts"] > runs[i][0] + runs[i][1]:
            raise ProfileError(f"node {name!r} ran outside every model_run")
        nodes.setdefault(name, e.get("args", {}).get("op_name", ""))
        times[i][name] = times[i].get(name, 0.0) + e["dur"] * MICROSECONDS
    return Profile(tuple(nodes.items()), tuple(times), tuple(dur * MICROSECONDS for _, dur in runs))
