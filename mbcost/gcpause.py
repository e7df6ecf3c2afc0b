"""Pausing Python's cyclic garbage collector while mbcost makes many records in one go.

Reading a spec, building its graph, costing it and working out its memory each make 10^4-10^5 objects
and free almost none; none of them is in a reference cycle. Meanwhile the collector would run hundreds
of times over a growing heap, which cost as much as the work itself (15-50% of a 10,000-block run).
Reference counting still frees everything as usual, and the heap is bounded by the limits (limits.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """`with gc_paused():` or `@gc_paused()`: the collector is off inside and back on after, also after
    an error, unless it was already off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
