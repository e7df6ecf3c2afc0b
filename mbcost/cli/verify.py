"""`mbcost verify SPEC`: the analytic counts against PyTorch's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import SpecError
from ..limits import MAX_VERIFY_LAYERS
from .options import (
    alpha_option,
    batch_option,
    depth_option,
    format_option,
    output_option,
    resolution_option,
    spec_argument,
)
from .output import Outcome, emit
from .progress import Progress


@click.command(short_help="Prove the counts against PyTorch (needs torch).")
@spec_argument
@alpha_option
@resolution_option
@batch_option
@depth_option
@format_option("verify")
@output_option
def verify(
    spec: str, alpha: float | None, resolution: Any, batch: int | None, depth: float | None, fmt: str, output: Path | None
) -> Outcome:
    """Prove SPEC's counts: build it as PyTorch modules (meta device, no memory) and compare every
    layer's measured params and MACs with the analytic ones. Exit 1 when anything differs.

    \b
    Example:
      mbcost verify mobilenet_v3_small --alpha 0.75
    """
    from ..graph import build_graph
    from ..report.views import verify as view
    from ..spec.load import load

    model = load(spec)
    graph = build_graph(model, alpha, resolution, depth, batch)
    if len(graph.nodes) > MAX_VERIFY_LAYERS:
        raise SpecError(
            f"verify builds one PyTorch module per layer; this graph has {len(graph.nodes):,} layers, more than "
            f"{MAX_VERIFY_LAYERS:,} (MAX_VERIFY_LAYERS): verify fewer repeats",
            file=model.file, field="verify",
        )
    from ..pytorch.verify import verify as run  # TorchMissing without torch: the group says how to install it

    with Progress(len(graph.nodes), "verify") as progress:
        result = run(graph, progress.advance)
    emit(view.document(result), fmt, output)
    return Outcome.OK if result.ok else Outcome.FINDING
