"""Hypothesis strategies for random valid specs, drawn from the registries (every block kind in BLOCKS,
every field of each kind by its declared field type, every activation, norm, scaling mode and rounding
rule), so a new block kind or option is generated without editing this file."""

from __future__ import annotations

import dataclasses
import math

from hypothesis import assume
from hypothesis import strategies as st

from mbcost import build_graph
from mbcost.arch.blocks import BLOCKS
from mbcost.arch.ops import ACTIVATIONS, NORMS
from mbcost.arch.scaling import DEPTH_ROUNDING, EXPANSION_ROUNDING, ROUNDING, SCALING_MODES
from mbcost.errors import SpecError
from mbcost.fields import REQUIRED, Bool, Choice, Int, Kernels, Number, Toggle, spec_fields
from mbcost.spec.records import Classifier, Defaults, Input, Spec

# Fields whose generic range would be too wide for a fast test, or too narrow to be interesting.
BY_NAME = {
    "kernel": st.sampled_from([1, 3, 5, 7]),
    "stride": st.sampled_from([1, 2]),
    "dilation": st.sampled_from([1, 2, 3]),
    "repeat": st.integers(1, 3),
    "channels": st.integers(1, 40),
    "expanded_channels": st.integers(1, 96),
    "expansion": st.one_of(st.integers(1, 8).map(float), st.floats(1.0, 8.0, allow_nan=False)),
    # MixNet's channel splits: a few, so that most drawn widths can take them
    "expand_groups": st.integers(1, 3),
    "project_groups": st.integers(1, 3),
    # Stages and depth scaling are drawn by `specs`, which knows which rows are blocks.
    "stage": st.none(),
    "depth_scaling": st.just("full"),
}
ALPHAS = st.one_of(st.sampled_from([0.25, 0.35, 0.5, 0.75, 1.0, 1.3, 1.4]), st.floats(0.1, 2.0, allow_nan=False))


def field_strategy(name: str, kind) -> st.SearchStrategy:
    """Values of a spec field, from its name (above) or else from its declared type."""
    if isinstance(kind, Kernels):  # one kernel, or a mixed list of them (MixNet)
        return st.lists(st.sampled_from([1, 3, 5, 7]), min_size=1, max_size=3).map(tuple)
    if name in BY_NAME:
        return BY_NAME[name]
    if isinstance(kind, Choice):
        return st.sampled_from(kind.options())
    if isinstance(kind, Bool):
        return st.booleans()
    if isinstance(kind, Int):
        values = st.integers(kind.minimum, kind.minimum + 8)
        return values.filter(lambda v: v % 2) if kind.odd else values
    if isinstance(kind, Number):
        low = max(kind.above, 0.0) + 0.5
        high = low + 3.5 if kind.maximum is None else min(low + 3.5, kind.maximum)
        return st.floats(min(low, high), high, allow_nan=False)
    if isinstance(kind, Toggle):  # true, false, or the record with some of its fields drawn
        record = st.fixed_dictionaries(
            {}, optional={f.name: field_strategy(f.name, f.metadata["kind"]) for f in spec_fields(kind.cls)}
        ).map(lambda values: kind.cls(**values))
        return st.one_of(st.booleans(), record)
    raise AssertionError(f"no strategy for field {name!r} of type {type(kind).__name__}: add one")


@st.composite
def block_fields(draw, cls) -> dict:
    """A random subset of the kind's fields (required ones always), each with a random value;
    `groups` is left to `specs`, which knows the channel counts."""
    values = {}
    # Of each group of alternative fields (`Block.one_of`, e.g. a bottleneck's expansion or
    # expanded_channels) exactly one is given.
    chosen = {draw(st.sampled_from(names)) for names in cls.one_of}
    skipped = {name for names in cls.one_of for name in names} - chosen
    for f in spec_fields(cls):
        if f.name == "groups" or f.name in skipped:
            continue
        if f.default is REQUIRED or f.name in chosen or draw(st.booleans()):
            values[f.name] = draw(field_strategy(f.name, f.metadata["kind"]))
    return values


def _channels(spec: Spec, alpha: float, resolution: int) -> tuple[int, int]:
    """(channels, spatial size) of the output of `spec` so far."""
    if not (spec.stem or spec.blocks or spec.head):
        return spec.input.channels, resolution
    out = build_graph(spec, alpha, resolution).output.output_shape
    return out.channels, out.height


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def specs(draw, max_resolution: int = 64, max_layers: int = 5) -> tuple[Spec, float, int]:
    """(spec, alpha, resolution) that `build_graph` accepts."""
    alpha = draw(ALPHAS)
    resolution = draw(st.integers(1, max_resolution))
    spec = Spec(
        input=Input(channels=draw(st.integers(1, 4)), resolution=resolution),
        classes=draw(st.integers(1, 12)),
        width_multiplier=alpha,
        rounding=draw(st.sampled_from(sorted(ROUNDING))),
        divisor=draw(st.sampled_from([1, 2, 4, 8])),
        defaults=Defaults(
            norm=draw(st.sampled_from(NORMS)),
            activation=draw(st.sampled_from(sorted(ACTIVATIONS))),
            expansion_rounding=draw(st.sampled_from(sorted(EXPANSION_ROUNDING))),
        ),
        model="random",
        file="<hypothesis>",
    )
    layers = []
    for _ in range(draw(st.integers(1, max_layers))):
        cls = BLOCKS[draw(st.sampled_from(sorted(BLOCKS)))]
        values = draw(block_fields(cls))
        names = {f.name for f in spec_fields(cls)}
        before, _ = _channels(dataclasses.replace(spec, blocks=tuple(layers)), alpha, resolution)
        if values.get("dilation", 1) > 1:
            values["stride"] = 1  # a dilated conv keeps the resolution
        if values.get("residual") is True:
            # A forced shortcut needs stride 1 and equal channels: keep the channels as they are.
            values.update(stride=1, scaling="none", channels=before)
        if cls.kind == "shuffle_unit":
            # A stride-1 unit keeps its channels, which must be even; otherwise draw a stride-2 unit to an even width.
            values["scaling"] = "none"
            if values.get("stride", 1) == 1 and before % 2 == 0:
                values["channels"] = before
            else:
                values.update(stride=2, channels=2 * max(1, values["channels"] // 2))
        block = cls(**values)
        # Expansions compound over repeats and layers (8^15 at worst): keep the widths small, far below
        # MAX_CHANNELS, so every drawn spec is valid and a real forward pass stays cheap.
        try:
            widest = max(n.output_shape.channels for n in build_graph(dataclasses.replace(spec, blocks=(*layers, block)), alpha, resolution).nodes)
        except SpecError:  # e.g. an expansion past MAX_CHANNELS
            widest = None
        assume(widest is not None and widest <= 4096)
        if "groups" in names and draw(st.booleans()):
            # groups must divide the input and output channels of every repeat
            after, _ = _channels(dataclasses.replace(spec, blocks=(*layers, block)), alpha, resolution)
            choices = _divisors(math.gcd(before, after))[1:] or [1]
            block = dataclasses.replace(block, groups=draw(st.sampled_from(choices)))
        layers.append(block)
    # Split the layers into stem, blocks and head (each may be empty).
    cut1 = draw(st.integers(0, len(layers)))
    cut2 = draw(st.integers(cut1, len(layers)))
    # The blocks' rows in stages (consecutive rows sharing a number), some kept out of depth scaling.
    blocks, stage = [], 0
    for block in layers[cut1:cut2]:
        stage += 0 if blocks and draw(st.booleans()) else 1
        blocks.append(dataclasses.replace(block, stage=stage, depth_scaling=draw(st.sampled_from(["full", "full", "none"]))))
    spec = dataclasses.replace(spec, stem=tuple(layers[:cut1]), blocks=tuple(blocks), head=tuple(layers[cut2:]))
    depth = draw(st.sampled_from([1.0, 1.0, 0.5, 1.3]))
    if depth != 1.0:
        deeper = dataclasses.replace(spec, depth=depth, depth_rounding=draw(st.sampled_from(sorted(DEPTH_ROUNDING))))
        try:  # more repeats compound expansions further: keep the widths small, as above
            fits = max(n.output_shape.channels for n in build_graph(deeper, alpha, resolution).nodes) <= 4096
        except SpecError:
            fits = False
        spec = deeper if fits else spec
    pool = draw(st.sampled_from([None, "average"]))
    classifier = draw(
        st.one_of(
            st.none(),
            st.builds(
                Classifier,
                dropout=st.sampled_from([0.0, 0.2, 0.5]),
                # MobileNetV3's hidden layer: linear -> activation -> dropout -> linear
                hidden=st.one_of(st.none(), st.integers(1, 64)),
                hidden_activation=st.one_of(st.none(), st.sampled_from(sorted(ACTIVATIONS))),
                hidden_scaling=st.sampled_from(sorted(SCALING_MODES)),
                hidden_norm=st.sampled_from(NORMS),
            ),
        )
    )
    if classifier is not None and classifier.hidden is None:
        classifier = dataclasses.replace(classifier, hidden_norm="none")  # a norm needs the hidden layer
    if classifier is not None and pool is None and _channels(spec, alpha, resolution)[1] != 1:
        pool = "average"  # a classifier needs a 1x1 input
    return dataclasses.replace(spec, pool=pool, classifier=classifier), alpha, resolution
