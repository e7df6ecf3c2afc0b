"""SpecError: a problem with the user's input, reported as one line `FILE:LINE:COL: field: message`."""

from __future__ import annotations

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
        field, message = self.field, self.message
        if field and (":" in field or field != field.strip() or not field.isprintable()):
            # A key like ' :' would make the line ambiguous to parse: name it in the message instead.
            field, message = "", f"{message} (at {field!r})"
        parts = [p for p in (where, field, message) if p]
        return " ".join(": ".join(parts).splitlines())  # one line, whatever the input held


# Names other tools and the papers use for what the spec calls otherwise: too far apart for spelling
# distance alone. Paper symbols from MobileNetV2 Table 2 (t, c, n, s); torchvision's `expand_ratio`,
# `num_classes`, `InvertedResidual`, `MBConv`; timm's `ir`/`ds`/`dsa` block codes and their `se_ratio`,
# `exp_ratio` and `noskip`. Keys are lower case: the lookup ignores case.
ALIASES = {
    "t": "expansion",
    "expand_ratio": "expansion",
    "c": "channels",
    "n": "repeat",
    "s": "stride",
    "k": "kernel",
    "alpha": "width_multiplier",
    "num_classes": "classes",
    "ir": "bottleneck",
    "inverted_residual": "bottleneck",
    "mbconv": "bottleneck",
    "ds": "separable",
    "dsa": "separable",
    "invertedresidual": "bottleneck",
    "se_ratio": "se",
    "exp_ratio": "expansion",
    "noskip": "residual",
    "dw": "depthwise",
    "pw": "pointwise",
    # EfficientNetV2, MobileNetV4 and MixNet (timm block codes and class names, torchvision's class name);
    # keys are lower case, as words are looked up.
    "er": "fused_bottleneck",
    "fused_mbconv": "fused_bottleneck",
    "fusedmbconv": "fused_bottleneck",
    "edgeresidual": "fused_bottleneck",
    "fused_ib": "fused_bottleneck",
    "uir": "universal_bottleneck",
    "uib": "universal_bottleneck",
    "universalinvertedresidual": "universal_bottleneck",
    "cn": "conv",
    "mixconv": "mixed_bottleneck",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" suffix naming the closest choice, or "" when nothing is close.
    Case is ignored ('ReLU6' -> 'relu6'), and known synonyms of other tools count as close."""
    options = [str(c) for c in choices]
    text = str(word)
    if len(text) > 200:  # a pasted paragraph is not a misspelt name
        return ""
    lower = {c.lower(): c for c in options}
    alias = ALIASES.get(text.lower())
    if alias in options:
        return f" (did you mean '{alias}'?)"
    import difflib  # only on the error path: it costs start-up time

    close = difflib.get_close_matches(text.lower(), list(lower), n=1, cutoff=0.6)
    return f" (did you mean '{lower[close[0]]}'?)" if close else ""


class TorchMissing(ImportError):
    """PyTorch is not installed; only `build_module` and `mbcost verify` need it."""

    def __init__(self) -> None:
        # mbcost is installed from its clone, not from a package index: the README's Quick start says how.
        super().__init__(
            "this needs PyTorch, which is not installed: from the mbcost clone, "
            "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu && pip install '.[torch]'"
        )


class ExtraMissing(ImportError):
    """An optional package a command needs is not installed (`onnx`, `onnxruntime` for export and bench)."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f"this needs {package}, which is not installed: from the mbcost clone, pip install '.[{extra}]'")


# Errors of one file shown at once; past these, one line says how many more there are. A pass stops
# counting at MAX_COUNTED_ERRORS, so a file of 100,000 mistakes is refused as fast as one of one.
MAX_SHOWN_ERRORS = 20
MAX_COUNTED_ERRORS = 1_000


class SpecErrors(SpecError):
    """Every error found in one pass over a file, in the order of the file. It reads as its first error
    (`str`, `.line`, `.field`), so a caller that wants one line gets one; `lines()` gives them all, up to
    MAX_SHOWN_ERRORS, then an `and N more` line."""

    def __init__(self, errors: Iterable[SpecError], stopped: bool = False):
        self.errors = tuple(e for error in errors for e in getattr(error, "errors", (error,)))
        self.stopped = stopped or any(getattr(error, "stopped", False) for error in errors)  # counting stopped
        first = self.errors[0]
        super().__init__(first.message, first.file, first.line, first.col, first.field)

    def lines(self) -> list[str]:
        shown = [str(error) for error in self.errors[:MAX_SHOWN_ERRORS]]
        more = len(self.errors) - MAX_SHOWN_ERRORS
        if more > 0:
            count = f"{more} more error{'s' if more > 1 else ''}"
            if self.stopped:
                count = f"at least {count} (counting stops at {MAX_COUNTED_ERRORS})"
            shown.append(f"{self.file}: and {count}" if self.file else f"and {count}")
        return shown


def error_lines(error: SpecError) -> list[str]:
    """The lines that report `error`: one, or one per error of a SpecErrors."""
    return error.lines() if isinstance(error, SpecErrors) else [str(error)]


def raise_together(errors: list[SpecError]) -> None:
    """Raise `errors` (when there are any): one as itself, several as a SpecErrors."""
    if len(errors) == 1 and not isinstance(errors[0], SpecErrors):
        raise errors[0]
    if errors:
        raise SpecErrors(errors)
