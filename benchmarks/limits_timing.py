"""How fast hostile inputs are refused: "billion laughs" (nested YAML aliases), 200,000 nested brackets,
a file just over the size limit, and the largest graph the limits allow to start building.

Run from the repository root: `python benchmarks/limits_timing.py`. Each case runs the loader the way
`mbcost analyze` does (load, then expand the graph) and reports the best of 5 wall-clock times.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mbcost import limits, load  # noqa: E402
from mbcost.errors import SpecError  # noqa: E402
from mbcost.graph import build_graph  # noqa: E402


def billion_laughs(levels: int = 10) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BASE = "input: {resolution: 8}\nclasses: 2\n"
CASES = {
    "billion laughs (10 levels, 9**10 strings expanded)": billion_laughs(),
    "200,000 nested brackets": "[" * 200_000 + "]" * 200_000,
    f"file of {limits.MAX_FILE_BYTES + 1} bytes": BASE + "description: '" + "x" * limits.MAX_FILE_BYTES + "'\n",
    "repeat: 1000000000000": BASE + "blocks: [{depthwise: {repeat: 1000000000000}}]\n",
    "repeats adding up past MAX_LAYERS": BASE
    + "blocks:\n"
    + f"  - depthwise: {{repeat: {limits.MAX_REPEAT}}}\n" * (limits.MAX_LAYERS // limits.MAX_REPEAT + 1),
    f"separable x {limits.MAX_LAYERS // 2 + 1}: {limits.MAX_LAYERS} nodes built, then refused": BASE
    + "blocks:\n"
    + f"  - separable: {{channels: 8, repeat: {limits.MAX_REPEAT}}}\n" * ((limits.MAX_LAYERS // 2) // limits.MAX_REPEAT)
    + f"  - separable: {{channels: 8, repeat: {(limits.MAX_LAYERS // 2) % limits.MAX_REPEAT + 1}}}\n",
}
# The largest graph the limits accept, analyzed and rendered in full (timed once).
LARGEST = BASE + "blocks:\n" + f"  - depthwise: {{repeat: {limits.MAX_REPEAT}}}\n" * (limits.MAX_LAYERS // limits.MAX_REPEAT)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, text in CASES.items():
            path = Path(folder) / "spec.yaml"
            path.write_text(text)
            best, message = float("inf"), ""
            for _ in range(5):
                start = time.perf_counter()
                try:
                    build_graph(load(str(path)))
                    message = "accepted?!"
                except SpecError as error:
                    message = str(error).replace(str(path), "spec.yaml")
                best = min(best, time.perf_counter() - start)
            print(f"{best * 1000:8.1f} ms  {name}\n            -> {message[:110]}")
        path = Path(folder) / "largest.yaml"
        path.write_text(LARGEST)
        from mbcost import analyze_spec
        from mbcost.report.formats import json as json_format
        from mbcost.report.views import analysis

        start = time.perf_counter()
        text = json_format.render(analysis.document(analyze_spec(str(path))))
        print(f"{(time.perf_counter() - start) * 1000:8.1f} ms  largest accepted graph ({limits.MAX_LAYERS} nodes): "
              f"analyze + JSON ({len(text) / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
