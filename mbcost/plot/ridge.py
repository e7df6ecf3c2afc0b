"""The ridge-point chart (MobileNetV4 paper, Section 3): the latency of several networks as a device's
balance moves, one line per network over the ridge point (peak MACs/s over bandwidth, MACs per byte) at a
fixed peak, from `mbcost ridge --format json`. Where the lines cross, the fastest network changes."""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from . import style

READS = "ridge"


def figure(data: dict[str, Any]) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("points"), list) or not isinstance(data.get("networks"), list):
        raise SpecError("not a report this chart draws: expected the JSON of `mbcost ridge SPEC... --format json` (with 'networks' and 'points')")
    networks, points = data["networks"], sorted(data["points"], key=lambda p: p["ridge"])
    fig = style.new_figure(8, 5.5)
    ax = fig.add_subplot()
    ridges = [p["ridge"] for p in points]
    for n, (network, colour) in enumerate(zip(networks, style.colours(len(networks)))):
        ax.plot(ridges, [p["latency_s"][n] for p in points], color=colour, marker="o", markersize=4, linewidth=1.5,
                label=network["label"], gid=style.gid("network", n))
    ax.set_xlabel("ridge point (MACs per byte: peak MACs/s over bandwidth)")
    ax.set_ylabel("latency (ms, estimated)")
    ax.yaxis.set_major_formatter(style.MILLISECONDS)
    ax.set_xlim(left=min(ridges + [0]))
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, title="network", title_fontsize=8)
    head = f"device {data.get('device', '?')} · peak {style.short(data.get('peak_macs_per_s', 0))} MACs/s · {data.get('dtype', '')}"
    ax.set_title(f"{head}\nlatency as the ridge point moves ({len(networks)} networks, {len(points)} ridge points)")
    return fig
