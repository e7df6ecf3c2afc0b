"""Charts: the JSON of mbcost's own reports (the analysis, sweep, compare and bench reports) drawn as
figures with matplotlib, the `plot` extra. A kind of chart is one module holding READS (the report it
draws) and `figure(data, **options) -> Figure`; KINDS below is the one registry of them. Nothing here is
imported on the analysis path: `draw` imports matplotlib when a chart is asked for."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..errors import ExtraMissing, SpecError

# kind -> its module in this package. Names only, so the command line lists the kinds without matplotlib.
KINDS = {
    "sweep": "sweep",  # the width x resolution grid: MACs against params (or latency), budgets, best fit
    "heatmap": "heatmap",  # the same grid as alpha x resolution cells of one metric
    "layers": "layers",  # per-layer MACs, params, activation memory (and latency) along the network
    "compare": "compare",  # two or more specs, stage by stage
    "roofline": "roofline",  # each layer's intensity against its attained throughput under a device's roof
    "ridge": "ridge",  # several specs' latency as a device's ridge point moves (`mbcost ridge --format json`)
}

# The file formats a chart is written in, by the output's suffix.
SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


def kind(name: str) -> Any:
    """The module of chart kind `name`; ExtraMissing when matplotlib (the `plot` extra) is not installed."""
    if name not in KINDS:
        from ..errors import did_you_mean

        raise SpecError(f"no plot kind {name!r}{did_you_mean(name, KINDS)}; expected one of: {', '.join(KINDS)}", field="plot")
    try:
        import matplotlib
    except ImportError:
        raise ExtraMissing("matplotlib", "plot") from None
    matplotlib.use("Agg")  # before anything draws: no display and no GUI toolkit, charts are files
    return importlib.import_module(f"{__name__}.{KINDS[name]}")


def file_format(path: Path) -> str:
    """The format a chart written to `path` takes, from its suffix; anything else is bad input."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        said = f"'{path.suffix}'" if path.suffix else "no suffix"
        raise SpecError(f"{said}: no chart backend writes it; name the file .svg, .png or .pdf", file=str(path), field="--output")
    return fmt


def figure(name: str, data: Any, source: str = "", **options: Any) -> Any:
    """The matplotlib Figure of chart kind `name` drawn from `data` (a report's JSON dict: the analysis,
    sweep, compare or bench report), in mbcost's style. `source` names the file the data came from, for
    errors: a report without the keys the chart needs is a SpecError, never a KeyError."""
    module = kind(name)
    from . import style

    with style.context():
        try:
            return module.figure(data, **options)
        except SpecError as error:
            error.file = error.file or source
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            missing = f"no key {error}" if isinstance(error, KeyError) else str(error)
            from .data import WRITERS

            raise SpecError(f"not a report this chart draws ({missing}); expected the JSON of `{WRITERS[module.READS]}`",
                            file=source, field=f"plot {name}") from None


def draw(name: str, data: Any, fmt: str, source: str = "", **options: Any) -> bytes:
    """The bytes of chart kind `name` in file format `fmt` (svg, png, pdf): rendered whole before anything
    is written, so a file is replaced by a complete chart or not at all."""
    fig = figure(name, data, source, **options)
    from . import style

    with style.context():
        return style.render(fig, fmt)
