"""The layers chart: one bar per layer in execution order, in panels of MACs, params and activation
memory (each layer's output bytes, and the bytes live while it runs as a line), plus latency when the
report has it (estimated with `--device`, measured in a bench report), coloured by op kind, with the
stages (runs of layers at one output size) shaded, so the expensive part of a network shows at a glance."""

from __future__ import annotations

from typing import Any

from ..report.numbers import human_bytes
from . import style
from .data import expect, has_all, work

READS = "analysis"


def stages(layers: list[dict[str, Any]]) -> list[tuple[int, int, str]]:
    """(first, last, label) of each run of layers with one output size ('56x56'), as `mbcost compare`
    groups them: from the global pooling on (1x1, or a vector), everything is the 'pooled' stage."""
    out: list[tuple[int, int, str]] = []
    pooled = False
    for index, layer in enumerate(layers):
        shape = layer["output_shape"]
        pooled = pooled or len(shape) != 3 or (layer["op"] == "pool" and shape[1] == shape[2] == 1)
        label = "pooled" if pooled else f"{shape[1]}x{shape[2]}"
        if out and out[-1][2] == label:
            out[-1] = (out[-1][0], index, label)
        else:
            out.append((index, index, label))
    return out


def panels(layers: list[dict[str, Any]], dtype: str = "", unit: tuple[str, str] = ("macs", "MACs")) -> list[tuple[str, str, Any]]:
    """(key, axis label, formatter) of each panel the report has data for."""
    memory = f"activation memory\n(bytes{', ' + dtype if dtype else ''})"
    out = [(*unit, style.COUNT), ("params", "params", style.COUNT), ("output_bytes", memory, style.COUNT)]
    if has_all(layers, "latency_s") or has_all(layers, "measured_min_s"):
        estimated, measured = has_all(layers, "latency_s"), has_all(layers, "measured_min_s")
        said = "estimated and measured" if estimated and measured else ("estimated" if estimated else "measured")
        out.append(("latency", f"{said}\nlatency (ms)", style.MILLISECONDS))
    return out


def figure(data: dict[str, Any]) -> Any:
    expect(data, "analysis", "layers")
    layers = data["layers"]
    rows = panels(layers, str(data.get("dtype") or ""), work(data))
    fig = style.new_figure(max(8.0, min(16.0, 4 + 0.06 * len(layers))), 1.2 + 2.0 * len(rows))
    axes = fig.subplots(len(rows), 1, sharex=True, squeeze=False)[:, 0]
    index = list(range(len(layers)))
    ops = list(dict.fromkeys(layer["op"] for layer in layers))
    for ax, (key, label, formatter) in zip(axes, rows):
        _shade(ax, layers)
        if key == "latency":
            _latency(ax, layers, ops)
        else:
            for op in ops:
                chosen = [i for i in index if layers[i]["op"] == op]
                style.bars(ax, chosen, [layers[i][key] for i in chosen], key, width=0.8, color=style.op_colour(op), label=op)
        if key == "output_bytes" and has_all(layers, "live_bytes"):
            live = [layer["live_bytes"] for layer in layers]
            peak = max(index, key=lambda i: live[i])
            ax.step(index, live, where="mid", color=style.BLACK, linewidth=1, label="live while it runs", gid="live-bytes")
            ax.annotate(f"peak {human_bytes(live[peak])}", (peak, live[peak]), xytext=(4, -10), textcoords="offset points", fontsize=8)
        ax.set_ylabel(label)
        ax.yaxis.set_major_formatter(formatter)
        ax.grid(axis="x", visible=False)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, title="op kind", title_fontsize=8)
    if has_all(layers, "live_bytes"):
        axes[2].legend(handles=[h for h in axes[2].get_lines() if h.get_gid() == "live-bytes"], loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    for first, last, label in stages(layers):
        axes[0].text((first + last) / 2, 1.0, label, transform=axes[0].get_xaxis_transform(), ha="center", va="bottom", fontsize=7)
    axes[-1].set_xlabel(f"layer, in execution order ({len(layers)} layers; shading: stages by output size)")
    axes[-1].set_xlim(-1, len(layers))
    what = "per layer"
    bench = data.get("bench")
    if isinstance(bench, dict):
        threads = bench.get("threads", "?")
        what += f" (measured: {bench.get('runtime', '?')}, {threads} thread{'' if threads == 1 else 's'}, min of {bench.get('runs', '?')} runs)"
    fig.suptitle(style.title(data, what), fontsize=11)
    return fig


def _shade(ax: Any, layers: list[dict[str, Any]]) -> None:
    for n, (first, last, _) in enumerate(stages(layers)):
        if n % 2:
            ax.axvspan(first - 0.5, last + 0.5, color=style.GREY, alpha=0.12, linewidth=0, gid=style.gid("stage", first))


def _latency(ax: Any, layers: list[dict[str, Any]], ops: list[str]) -> None:
    """Estimated latency as bars (by op kind); measured as black dots over them."""
    index = range(len(layers))
    if has_all(layers, "latency_s"):
        for op in ops:
            chosen = [i for i in index if layers[i]["op"] == op]
            style.bars(ax, chosen, [layers[i]["latency_s"] for i in chosen], "latency_s", width=0.8, color=style.op_colour(op))
    if has_all(layers, "measured_min_s"):
        if has_all(layers, "latency_s"):
            ax.plot(list(index), [layer["measured_min_s"] for layer in layers], linestyle="none", marker="o", markersize=3,
                    color=style.BLACK, label="measured (min)", gid="measured_min_s")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, handles=[h for h in ax.get_lines() if h.get_gid() == "measured_min_s"])
        else:
            for op in ops:
                chosen = [i for i in index if layers[i]["op"] == op]
                style.bars(ax, chosen, [layers[i]["measured_min_s"] for i in chosen], "measured_min_s", width=0.8, color=style.op_colour(op))
