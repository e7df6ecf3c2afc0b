"""The compare chart: two or more specs stage by stage (a stage is the run of layers at one output size,
aligned as `mbcost compare` aligns them), MACs and params in two panels, one bar per spec in each stage."""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from . import style
from .data import work

READS = "compare"


def sides(data: dict[str, Any]) -> tuple[list[str], list[str], dict[str, list[list[int | None]]], tuple]:
    """(spec labels, stage labels, metric -> [spec][stage] value or None where the spec lacks the stage,
    the (key, name) of each metric)
    from the JSON of `mbcost compare A B` or of `mbcost compare A B C...` (each variant against A)."""
    if not isinstance(data, dict) or not ("by_stage" in data or "variants" in data):
        raise SpecError("not a report this chart draws: expected the JSON of `mbcost compare A B --format json`")
    variants = data["variants"] if "variants" in data else [data]
    metrics = (work(data), ("params", "params"))
    if not variants:
        raise SpecError("a compare chart needs two or more specs; this report has one")
    labels = [variants[0]["a"]["label"]] + [v["b"]["label"] for v in variants]
    keys: list[str] = []  # stages in order: A's by name, a stage only a variant has after the one before it
    names: dict[str, str] = {}
    cells: dict[tuple[int, str], dict[str, int]] = {}
    for n, variant in enumerate(variants, start=1):
        after = -1
        for row in variant["by_stage"]:
            has_a = row["size"]["a"] is not None
            key = row["stage"].split(" | ")[0] if has_a else f"{n}:{row['stage']}"
            if key not in keys:
                keys.insert(after + 1, key)
                names[key] = row["stage"] if len(variants) == 1 or not has_a else key
            after = keys.index(key)
            if has_a:
                cells[0, key] = row["a"]
            if row["size"]["b"] is not None:
                cells[n, key] = row["b"]
    values = {
        metric: [[cells[spec, key][metric] if (spec, key) in cells else None for key in keys] for spec in range(len(labels))]
        for metric, _ in metrics
    }
    return labels, [names[key] for key in keys], values, metrics


def figure(data: dict[str, Any]) -> Any:
    labels, stages, values, metrics = sides(data)
    fig = style.new_figure(max(8.0, 1.5 + 0.35 * len(stages) * len(labels)), 7)
    axes = fig.subplots(len(metrics), 1, sharex=True)
    width = 0.8 / len(labels)
    colours = style.colours(len(labels))
    for ax, (metric, name) in zip(axes, metrics):
        for n, label in enumerate(labels):
            present = [(i, v) for i, v in enumerate(values[metric][n]) if v is not None]
            container = ax.bar([i - 0.4 + width * (n + 0.5) for i, _ in present], [v for _, v in present], width=width * 0.95,
                               color=colours[n], label=label)
            for (i, _), rect in zip(present, container):
                rect.set_gid(style.gid(metric, "spec", n, "stage", i))
        ax.set_ylabel(f"{name} per stage")
        ax.yaxis.set_major_formatter(style.COUNT)
        ax.grid(axis="x", visible=False)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, title="spec", title_fontsize=8)
    axes[-1].set_xticks(range(len(stages)), stages)
    axes[-1].set_xlabel("stage (output size in px; A | B where they differ)")
    versus = ", ".join(labels[1:])
    fig.suptitle(f"{labels[0]} against {versus}\nstage by stage", fontsize=11)
    return fig
