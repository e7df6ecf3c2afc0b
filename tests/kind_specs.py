"""A small spec of each registered block kind: what the registry-wide tests (torch, ONNX) build."""

from __future__ import annotations

from mbcost.arch.blocks import BLOCKS
from mbcost.fields import REQUIRED, spec_fields

# Values for the required fields of block kinds; a new kind with another required field must add one.
REQUIRED_VALUES = {"channels": 24, "kernel": 3, "expansion": 6, "expanded_channels": 48}
# Fields a kind needs beyond those to fit the 16-channel stem: a ShuffleNetV2 unit keeps its channels at
# stride 1, so its first copy is the stride-2 unit (and the second the stride-1 one).
KIND_VALUES = {"shuffle_unit": {"stride": 2}}


def block_spec(kind: str) -> str:
    """A small spec: a stem, two repeats of `kind` (the second repeat keeps shapes, so a bottleneck gets
    its residual add), pooling and a classifier."""
    fields = {}
    # Required fields, and the first of each group of alternatives (`Block.one_of`).
    names = [f.name for f in spec_fields(BLOCKS[kind]) if f.default is REQUIRED]
    names += [group[0] for group in BLOCKS[kind].one_of]
    for name in names:
        assert name in REQUIRED_VALUES, f"block kind {kind!r}: add a test value for required field {name!r}"
        fields[name] = REQUIRED_VALUES[name]
    body = ", ".join(f"{k}: {v}" for k, v in {**fields, **KIND_VALUES.get(kind, {}), "repeat": 2}.items())
    return (
        "input: {channels: 3, resolution: 33}\nclasses: 10\n"
        "stem: {conv: {kernel: 3, stride: 2, channels: 16}}\n"
        f"blocks:\n  - {kind}: {{{body}}}\n"
        "pool: average\nclassifier: {dropout: 0.1}\n"
    )
