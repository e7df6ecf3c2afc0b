"""How every chart looks: the Okabe-Ito palette (told apart under every common colour-vision deficiency;
Okabe and Ito, "Color Universal Design", 2008), cividis for continuous scales, titles naming the model,
width, resolution and device, axis formatters in the units the reports use, and rendering to bytes."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from typing import Any, Iterator

import matplotlib
from cycler import cycler  # matplotlib's own dependency
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
)
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK)
GREY = "#999999"
SEQUENTIAL = "cividis"  # perceptually even and readable with red-green deficiencies (Nuñez et al., 2018)

# One colour per op kind, the same in every chart.
OP_COLOURS = {
    "conv": BLUE, "pointwise": ORANGE, "depthwise": GREEN, "grouped": SKY, "linear": PURPLE,
    "squeeze_excite": VERMILLION, "add": GREY, "pool": BLACK,
}

RC = {
    "svg.fonttype": "none",  # text stays text: readable in the SVG, selectable in a browser
    "svg.hashsalt": "mbcost",  # the same chart gives the same SVG
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": cycler(color=PALETTE),
    "legend.frameon": False,
}

# Metadata that would make two renders of one chart differ (a timestamp).
_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}


@contextmanager
def context() -> Iterator[None]:
    with matplotlib.rc_context(RC):
        yield


def new_figure(width: float = 8.0, height: float = 5.0) -> Figure:
    """A figure that no pyplot state knows about (nothing global to close or leak)."""
    return Figure(figsize=(width, height), layout="constrained")


def render(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata=_METADATA[fmt], dpi=150 if fmt == "png" else "figure")
    return buffer.getvalue()


def op_colour(op: str) -> str:
    return OP_COLOURS.get(op, YELLOW)


def colours(n: int) -> list[Any]:
    """n colours told apart: the palette up to its size, else n steps of the sequential map."""
    if n <= len(PALETTE) - 1:  # black is kept for marks (the best point, the roof)
        return list(PALETTE[:n])
    cmap = matplotlib.colormaps[SEQUENTIAL]
    return [cmap(i / max(1, n - 1)) for i in range(n)]


def short(value: float) -> str:
    """A tick label as the reports write counts, at its shortest: 300M, 3.5M, 512K, 1.2G."""
    for scale, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.3g}"


COUNT = FuncFormatter(lambda value, _: short(value))
MILLISECONDS = FuncFormatter(lambda value, _: f"{value * 1e3:.3g}")  # seconds on the axis, ms on the label


def alpha_text(alpha: Any) -> str:
    text = f"{float(alpha):g}"
    return text if "." in text else text + ".0"


def title(data: dict, what: str) -> str:
    """'model · width 0.75 · 224 px · device NAME' over 'what', from a report's header keys."""
    parts = [str(data.get("model", "?"))]
    if data.get("alpha") is not None:
        parts.append(f"width {alpha_text(data['alpha'])}")
    if data.get("resolution") is not None:
        from .data import size_text

        parts.append(f"{size_text(data['resolution'])} px")
    name = device_name(data)
    if name:
        parts.append(f"device {name}")
    return " · ".join(parts) + "\n" + what


def device_name(data: dict) -> str | None:
    """The device a report was estimated on: the analysis JSON holds its profile, a sweep its name."""
    device = data.get("device")
    if isinstance(device, dict):
        return device.get("name")
    return device if isinstance(device, str) else None


def gid(*parts: Any) -> str:
    """An SVG id from words ('macs', 'conv', 3 -> 'macs-conv-3'): what a test or a stylesheet finds a mark
    by. Unique within a chart; charts inlined in one page keep matplotlib's own ids apart by hashing."""
    text = "-".join(str(part) for part in parts).lower()
    return re.sub(r"[^a-z0-9_.-]+", "-", text).strip("-")


def bars(ax: Any, xs: list[float], heights: list[float], name: str, **kwargs: Any) -> Any:
    """ax.bar, each bar an SVG element with its own id: NAME-X."""
    container = ax.bar(xs, heights, **kwargs)
    for x, rect in zip(xs, container):
        rect.set_gid(gid(name, x))
    return container
