"""A progress bar on stderr for long work (a sweep's points, a verify's layers): shown only on a terminal,
and only once the work has taken more than DELAY seconds, so quick runs and pipes see nothing."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

DELAY = 1.0  # seconds of work before a bar is worth drawing


class Progress:
    """`advance()` after each of `total` steps; use as a context manager so the bar is cleared at the end."""

    def __init__(self, total: int, description: str, stream: Any = None, clock: Callable[[], float] = time.monotonic):
        self.total, self.description = total, description
        self.stream = sys.stderr if stream is None else stream
        self.clock = clock
        self.start = clock()
        self.done = 0
        self.bar: Any = None
        self.task: Any = None
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty())

    def advance(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.bar is None:
            if self.clock() - self.start < DELAY:
                return
            from rich.console import Console
            from rich.progress import Progress as Bar

            self.bar = Bar(console=Console(file=self.stream, force_terminal=True), transient=True, auto_refresh=False)
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=self.total)
        self.bar.update(self.task, completed=self.done)
        self.bar.refresh()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
