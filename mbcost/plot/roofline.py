"""The roofline chart (Williams, Waterman and Patterson, "Roofline", CACM 2009): each layer at its
arithmetic intensity (MACs per byte moved) against the throughput it attains (its MACs over its
estimated latency, and over its measured time in a bench report), under the device's roof,
min(peak MACs/s, bandwidth x intensity), and under an op kind's own roof where the profile gives one
(`kinds:`). Layers without MACs (adds, pooling) have no place on it."""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from . import style
from .data import expect, has_all, number

READS = "analysis"


def figure(data: dict[str, Any]) -> Any:
    import numpy as np  # matplotlib's own dependency

    expect(data, "analysis", "layers")
    layers = data["layers"]
    device = data.get("device")
    if not isinstance(device, dict) or not has_all(layers, "intensity"):
        raise SpecError(
            "a roofline needs latency data: the JSON of `mbcost analyze SPEC --device NAME --format json`, "
            "or a bench report made with --device", field="plot roofline",
        )
    if data.get("unit") == "flops":
        raise SpecError("a roofline reads MACs (intensity is MACs per byte): write the report without --unit flops", field="plot roofline")
    peak, bandwidth = number(device, "peak_macs_per_s"), number(device, "bandwidth_bytes_per_s")
    drawn = [layer for layer in layers if layer["macs"] > 0 and layer["intensity"] > 0]
    series = [(key, label) for key, label in (("latency_s", "estimated"), ("measured_min_s", "measured (min)")) if has_all(layers, key)]
    fig = style.new_figure(8, 5.5)
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ops = list(dict.fromkeys(layer["op"] for layer in drawn))
    for key, label in series:
        for op in ops:
            chosen = [layer for layer in drawn if layer["op"] == op and layer[key] > 0]
            estimated = key == "latency_s"
            ax.scatter([layer["intensity"] for layer in chosen], [layer["macs"] / layer[key] for layer in chosen], s=26, zorder=3,
                       facecolors=style.op_colour(op) if estimated else "none", edgecolors=style.op_colour(op),
                       marker="o" if estimated else "D", label=f"{op}, {label}", gid=style.gid(key, op))
    ridge = peak / bandwidth
    intensities = [layer["intensity"] for layer in drawn] or [ridge]
    low, high = min(min(intensities), ridge) / 4, max(max(intensities), ridge) * 4
    x = np.geomspace(low, high, 200)
    ax.plot(x, np.minimum(peak, bandwidth * x), color=style.BLACK, linewidth=2, label="roof", gid="roof")
    kinds = device.get("kinds") if isinstance(device.get("kinds"), dict) else {}
    for op, roof in kinds.items():  # a profile's own roof for an op kind (depthwise convs, say)
        if op in ops:
            own_peak, own_bandwidth = roof.get("peak_macs_per_s", peak), roof.get("bandwidth_bytes_per_s", bandwidth)
            ax.plot(x, np.minimum(own_peak, own_bandwidth * x), color=style.op_colour(op), linestyle="--", linewidth=1.5,
                    label=f"{op} roof", gid=style.gid("roof", op))
    ax.axvline(ridge, color=style.GREY, linestyle=":", linewidth=1, gid="ridge")
    ax.annotate(f"ridge {ridge:.3g} MACs/B", (ridge, peak), xytext=(6, -14), textcoords="offset points", fontsize=8)
    ax.set_xlim(low, high)
    ax.set_xlabel("arithmetic intensity (MACs per byte moved)")
    ax.set_ylabel("attained throughput (MACs/s)")
    ax.yaxis.set_major_formatter(style.COUNT)
    skipped = len(layers) - len(drawn)
    what = f"roofline, {len(drawn)} layers with MACs" + (f" ({skipped} without MACs not drawn)" if skipped else "")
    ax.set_title(style.title(data, what))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    return fig
