"""The progress bar of long sweeps and verifies: on stderr, only on a terminal, only after about a second."""

import io

import pytest

from mbcost.cli.progress import DELAY, Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def advance(progress, clock, steps, seconds_each):
    for _ in range(steps):
        clock.now += seconds_each
        progress.advance()


@pytest.mark.parametrize("seconds_each, shown", [(DELAY / 20, False), (DELAY / 2, True)])
def test_a_bar_only_once_the_work_is_long(seconds_each, shown):
    stream, clock = Terminal(), Clock()
    with Progress(10, "sweep", stream, clock) as progress:
        advance(progress, clock, 10, seconds_each)
        assert (progress.bar is not None) == shown
    assert ("sweep" in stream.getvalue()) == shown


def test_nothing_when_not_a_terminal():
    stream, clock = io.StringIO(), Clock()
    with Progress(10, "verify", stream, clock) as progress:
        advance(progress, clock, 10, DELAY)
    assert stream.getvalue() == "" and progress.bar is None


def test_sweep_calls_back_once_per_point():
    from mbcost import load
    from mbcost.analysis.sweep import sweep

    calls = []
    sweep(load("mobilenet_v1"), (1.0, 0.5), (224, 192, 160), on_point=lambda: calls.append(1))
    assert len(calls) == 6
