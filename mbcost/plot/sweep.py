"""The sweep chart: every (width, resolution) point of `mbcost sweep` as MACs against params, or, when
the points carry an estimated latency (`--device`), MACs against latency. One line per width multiplier
through its resolutions; points over budget drawn hollow, the largest that fits starred, and each limit
these axes can show drawn as a black line, dashed for MACs, dotted for params, dash-dotted for latency (the
others named in the legend)."""

from __future__ import annotations

from typing import Any

from ..report.numbers import human, human_bytes
from . import style
from .data import expect, has_all, pixels, size_text, work

READS = "sweep"


def figure(data: dict[str, Any]) -> Any:
    expect(data, "sweep", "rows")
    rows = data["rows"]
    latency = has_all(rows, "latency_s")
    key, name = work(data)
    x_key, y_key = ("latency_s", key) if latency else (key, "params")
    fig = style.new_figure(8, 5.5)
    ax = fig.add_subplot()
    alphas = sorted({row["alpha"] for row in rows})
    few = len(alphas) < len(style.PALETTE)  # a legend entry per width; more widths read off a colour bar
    colours = dict(zip(alphas, style.colours(len(alphas))))
    for alpha in alphas:
        line = sorted((row for row in rows if row["alpha"] == alpha), key=lambda row: pixels(row["resolution"]))
        ax.plot([r[x_key] for r in line], [r[y_key] for r in line], color=colours[alpha], linewidth=1, alpha=0.7,
                label=f"width {style.alpha_text(alpha)}" if few else None, gid=style.gid("width", style.alpha_text(alpha)))
    if not few:
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        scale = ScalarMappable(Normalize(alphas[0], alphas[-1]), style.SEQUENTIAL)
        fig.colorbar(scale, ax=ax, fraction=0.05).set_label("width multiplier")
    groups = (
        ("points", lambda r: r.get("fits") is None, "full"),
        ("fits the budget", lambda r: r.get("fits") is True, "full"),
        ("over budget", lambda r: r.get("fits") is False, "none"),
    )
    for label, member, fill in groups:
        chosen = [r for r in rows if member(r)]
        if not chosen:
            continue
        edge = [colours[r["alpha"]] for r in chosen]
        ax.scatter([r[x_key] for r in chosen], [r[y_key] for r in chosen], s=28, zorder=3, label=label, gid=style.gid(label),
                   facecolors=edge if fill == "full" else "none", edgecolors=edge, linewidths=1.2)
    best = [r for r in rows if r.get("best")]
    for r in best:
        ax.scatter([r[x_key]], [r[y_key]], s=220, marker="*", color=style.BLACK, zorder=4, label="largest that fits", gid="best")
        ax.annotate(f"{style.alpha_text(r['alpha'])} @ {size_text(r['resolution'])} px", (r[x_key], r[y_key]),
                    xytext=(8, 8), textcoords="offset points", fontsize=9)
    unshown = _budget_lines(ax, data, latency)
    counted = "MACs (multiply-accumulates)" if key == "macs" else "FLOPs (2 per multiply-accumulate)"
    ax.set_xlabel("latency (ms, estimated)" if latency else counted)
    ax.set_ylabel(counted if latency else "params")
    ax.xaxis.set_major_formatter(style.MILLISECONDS if latency else style.COUNT)
    ax.yaxis.set_major_formatter(style.COUNT)
    fitting = sum(1 for r in rows if r.get("fits"))
    budgeted = any(r.get("fits") is not None for r in rows)
    what = f"width x resolution, {len(rows)} points" + (f", {fitting} fit" if budgeted else "")
    ax.set_title(style.title({"model": data.get("model"), "device": data.get("device")}, what))
    if unshown:  # a legend entry without a mark: the limits these axes cannot show
        ax.plot([], [], " ", label="also judged by:\n" + "\n".join(unshown))
    if few:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    else:
        ax.legend(loc="best", fontsize=8)
    return fig


def _budget_lines(ax: Any, data: dict[str, Any], latency: bool) -> list[str]:
    """Dashed lines for the limits on these axes; the text of the others."""
    unshown = []
    key, name = work(data)
    if data.get(f"max_{key}") is not None:
        draw = ax.axhline if latency else ax.axvline
        draw(data[f"max_{key}"], color=style.BLACK, linestyle="--", linewidth=1.2, label=f"{name} budget {human(data[f'max_{key}'])}", gid="macs-budget")
    if data.get("max_params") is not None:
        if latency:
            unshown.append(f"params <= {human(data['max_params'])}")
        else:
            ax.axhline(data["max_params"], color=style.BLACK, linestyle=":", linewidth=1.4,
                       label=f"params budget {human(data['max_params'])}", gid="params-budget")
    if data.get("max_latency_s") is not None:
        if latency:
            ax.axvline(data["max_latency_s"], color=style.BLACK, linestyle="-.", linewidth=1.2,
                       label=f"latency budget {data['max_latency_s'] * 1e3:.3g} ms", gid="latency-budget")
        else:
            unshown.append(f"latency <= {data['max_latency_s'] * 1e3:.3g} ms")
    if data.get("max_memory") is not None:
        peak = "fused peak memory" if data.get("fused") else "peak memory"
        unshown.append(f"{peak} {data.get('dtype', '')} <= {human_bytes(data['max_memory'])}")
    if data.get("max_weight_bytes") is not None:
        unshown.append(f"weights {data.get('dtype', '')} <= {human_bytes(data['max_weight_bytes'])}")
    return unshown
