"""Reading a spec, build_graph, cost.analyze and memory.analyze pause the cyclic garbage collector while
they run (gcpause.gc_paused): it must be running again afterwards, after an error too, and stay off if
it was off."""

from __future__ import annotations

import gc

import pytest

from mbcost import analyze_spec, build_graph, load
from mbcost.errors import SpecError
from mbcost.spec.records import parse_spec


def test_collector_runs_again_after_analysis_and_after_an_error():
    assert gc.isenabled()
    assert analyze_spec("mobilenet_v2").memory.peak.bytes > 0
    assert gc.isenabled()
    with pytest.raises(SpecError):
        parse_spec("input: {resolution: 32}\nclasses: [\n", "s.yaml", "t")
    assert gc.isenabled()
    bad = parse_spec("input: {resolution: 32}\nclasses: 10\nblocks: [{pointwise: {channels: 8, expansion: 2}}]\n", "s.yaml", "t")
    with pytest.raises(SpecError):
        build_graph(bad)
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off():
    gc.disable()
    try:
        build_graph(load("mobilenet_v1"))
        assert not gc.isenabled()
    finally:
        gc.enable()
