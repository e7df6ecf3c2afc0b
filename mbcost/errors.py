"""SpecError: a problem with the user's input, reported as one line `FILE:LINE:COL: field: message`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SpecError(Exception):
    """Bad input. The CLI prints `str(error)` on one line and exits with code 2."""

    def __init__(self, message: str, file: str = "", line: int = 0, col: int = 0, field: str = ""):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        self.field = field

    def __str__(self) -> str:
        where = self.file
        if self.file and self.line:
            where = f"{self.file}:{self.line}:{self.col}"
        parts = [p for p in (where, self.field, self.message) if p]
        return ": ".join(parts).replace("\n", " ")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" suffix naming the closest choice, or "" when nothing is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class TorchMissing(ImportError):
    """PyTorch is not installed; only `build_module` and `mbcost verify` need it."""

    def __init__(self) -> None:
        super().__init__("this needs PyTorch, which is not installed: pip install 'mbcost[torch]'")
