"""The heat map: one metric of a sweep over its grid, width multiplier (rows) against resolution
(columns), each cell labelled with its value; cells over budget are hatched, the largest that fits
outlined."""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from ..report.numbers import human, human_bytes
from . import style
from .data import expect, has_all, pixels, size_text, work

READS = "sweep"

# metric -> (label with its unit, cell text). memory and weight bytes are in a sweep's rows only when it
# judged them (--max-memory, --max-weight-bytes); latency only with --device.
METRICS = {
    "macs": ("MACs (multiply-accumulates)", human),
    "flops": ("FLOPs (2 per multiply-accumulate)", human),
    "params": ("params", human),
    "memory_bytes": ("peak activation memory (bytes)", human_bytes),
    "weight_bytes": ("stored weights (bytes)", human_bytes),
    "latency_s": ("latency (ms, estimated)", lambda s: f"{s * 1e3:.3g}"),
}
NEEDS = {"memory_bytes": "a sweep with --max-memory", "weight_bytes": "a sweep with --max-weight-bytes", "latency_s": "a sweep with --device"}


def figure(data: dict[str, Any], metric: str = "macs") -> Any:
    import numpy as np  # matplotlib's own dependency

    expect(data, "sweep", "rows")
    rows = data["rows"]
    if metric in ("macs", "flops"):
        metric = work(data)[0]  # the work the sweep counts, whichever name asked for it
    if metric not in METRICS:
        raise SpecError(f"no metric {metric!r}; expected one of: {', '.join(METRICS)}", field="--metric")
    if not has_all(rows, metric):
        raise SpecError(f"the sweep's points have no {metric!r}: it needs {NEEDS.get(metric, 'another sweep')}", field="--metric")
    alphas = sorted({r["alpha"] for r in rows}, reverse=True)  # widest on top, as the papers' tables
    sizes = sorted({size_text(r["resolution"]): pixels(r["resolution"]) for r in rows}.items(), key=lambda item: -item[1])
    sizes = [text for text, _ in sizes]
    grid = np.full((len(alphas), len(sizes)), np.nan)
    cell = {}
    for r in rows:
        i, j = alphas.index(r["alpha"]), sizes.index(size_text(r["resolution"]))
        grid[i, j] = r[metric]
        cell[i, j] = r
    label, text = METRICS[metric]
    fig = style.new_figure(max(5.0, 1.0 + 0.75 * len(sizes)), max(3.5, 1.5 + 0.42 * len(alphas)))
    ax = fig.add_subplot()
    ax.grid(False)
    image = ax.imshow(grid, cmap=style.SEQUENTIAL, aspect="auto", interpolation="nearest")
    bar = fig.colorbar(image, ax=ax, format=style.MILLISECONDS if metric == "latency_s" else style.COUNT)
    bar.set_label(label)
    middle = np.nanmin(grid) + (np.nanmax(grid) - np.nanmin(grid)) / 2
    small = len(sizes) * len(alphas) <= 400  # past that, numbers in cells are unreadable
    for (i, j), r in cell.items():
        if small:
            ax.text(j, i, text(r[metric]), ha="center", va="center", fontsize=7, color="black" if grid[i, j] > middle else "white")
        if r.get("fits") is False:
            ax.add_patch(_rectangle(i, j, fill=False, hatch="///", edgecolor=style.GREY, linewidth=0, gid=style.gid("over-budget", i, j)))
        if r.get("best"):
            ax.add_patch(_rectangle(i, j, fill=False, edgecolor=style.VERMILLION, linewidth=2.5, gid="best"))
    ax.set_xticks(range(len(sizes)), sizes)
    ax.set_yticks(range(len(alphas)), [style.alpha_text(a) for a in alphas])
    ax.set_xlabel("resolution (px)")
    ax.set_ylabel("width multiplier")
    over = sum(1 for r in rows if r.get("fits") is False)
    what = f"{label.split(' (')[0]} over width x resolution" + (f", {over} of {len(rows)} over budget (hatched)" if over else "")
    ax.set_title(style.title({"model": data.get("model"), "device": data.get("device")}, what))
    return fig


def _rectangle(i: int, j: int, **kwargs: Any) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((j - 0.5, i - 0.5), 1, 1, **kwargs)
