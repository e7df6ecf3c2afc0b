"""Quantities: counts written with decimal units (`512K`, `3.5M`, `1.2G`, `300000000`) and percentages
(`2%`), parsed exactly (no float rounding) into positive integers and fractions."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

# Decimal units, as the papers count mult-adds ("569 million"), not binary KiB/MiB.
UNITS = {"": 0, "K": 3, "M": 6, "G": 9, "T": 12}  # powers of ten
_QUANTITY = re.compile(r"^\s*([+-]?)([0-9][0-9_]*|)(?:\.([0-9]+))?\s*([KMGT]?)\s*$", re.IGNORECASE)
# For `mbcost schema`: the string form, positive (zero and signs are refused by the loader too).
QUANTITY_PATTERN = r"^\s*[0-9][0-9_]*(\.[0-9]+)?\s*[KMGTkmgt]?\s*$"
_PERCENT = re.compile(r"^\s*([+-]?)([0-9]+)(?:\.([0-9]+))?\s*%\s*$")
EXAMPLES = "like 300M, 3.5M, 512K, 1.2G or 300000000"
# No count mbcost computes comes near 10^30 (limits.py bounds every graph), so a longer number is a typo:
# it is refused before any arithmetic, whatever its number of digits.
MAX_DIGITS = 30


class QuantityError(ValueError):
    """A value that is not a positive count (or percentage); the caller adds where it came from."""


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


def _exact(whole: str, fraction: str, exponent: int, text: str) -> Fraction:
    """whole.fraction x 10^exponent exactly, from digit strings (a fraction's trailing zeros dropped)."""
    whole = whole.replace("_", "").lstrip("0")
    fraction = fraction.rstrip("0")
    if len(whole) + exponent > MAX_DIGITS:
        raise QuantityError(f"{_shown(text)} is far too large: more than {MAX_DIGITS} digits")
    if len(fraction) > MAX_DIGITS:
        raise QuantityError(f"{_shown(text)} has more than {MAX_DIGITS} significant decimals")
    return Fraction(int(whole or "0") * 10 ** len(fraction) + int(fraction or "0"), 10 ** len(fraction)) * 10**exponent


def parse_quantity(value: Any) -> int:
    """A positive whole count from an integer or a string with an optional K/M/G/T unit, exactly: a
    number with a fractional part that the unit does not make whole is refused, whatever its length."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        if isinstance(value, float):
            raise QuantityError(f"expected a count {EXAMPLES}, got the number {value!r}; write it as a whole number or with a unit")
        raise QuantityError(f"expected a count {EXAMPLES}, got {type(value).__name__}")
    if isinstance(value, int):
        if value.bit_length() > 100:  # str() of an integer of over 4,300 digits raises
            raise QuantityError(f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits is far too large")
        count, shown = value, str(value)
    else:
        match = _QUANTITY.match(value)
        if not match or not (match.group(2) or match.group(3)):
            raise QuantityError(f"expected a count {EXAMPLES}, got {_shown(value)}")
        sign, whole, fraction, unit = match.groups()
        exact = _exact(whole, fraction or "", UNITS[unit.upper()], value)
        if exact.denominator != 1:
            raise QuantityError(f"{_shown(value)} is not a whole count")
        count = -exact.numerator if sign == "-" else exact.numerator
        shown = value.strip()
    if count <= 0:
        raise QuantityError(f"must be positive, got {shown}")
    return count


def parse_percent(value: Any) -> Fraction:
    """A growth allowance `2%` or `0.5%` (zero allowed: no growth at all) as an exact fraction (2% -> 1/50)."""
    if not isinstance(value, str):
        raise QuantityError(f"expected a percentage like 2% or 0.5%, got {value!r}")
    match = _PERCENT.match(value)
    if not match:
        raise QuantityError(f"expected a percentage like 2% or 0.5%, got {_shown(value)}")
    sign, whole, fraction = match.groups()
    percent = _exact(whole, fraction or "", 0, value)
    if sign == "-" and percent:
        raise QuantityError(f"must not be negative, got {value.strip()}")
    return percent / 100


def show_percent(fraction: Fraction) -> str:
    """1/50 -> '2%'."""
    return f"{float(fraction * 100):g}%"


# Durations: a latency budget (`5ms`) or a per-kernel overhead (`3us`), parsed exactly into seconds.
TIME_UNITS = {"s": 0, "ms": -3, "us": -6, "µs": -6, "ns": -9}  # powers of ten of a second
_DURATION = re.compile(r"^\s*([+-]?)([0-9][0-9_]*|)(?:\.([0-9]+))?\s*(s|ms|us|µs|ns)\s*$")
TIME_EXAMPLES = "like 5ms, 0.5s, 250us or 800ns"
TIME_PATTERN = r"^\s*[0-9][0-9_]*(\.[0-9]+)?\s*(s|ms|us|µs|ns)\s*$"


def parse_seconds(value: Any, zero: bool = False) -> Fraction:
    """A positive duration (zero too when `zero`) from a string with a unit (s, ms, us, ns), exactly, as
    seconds: `2.5ms` -> 1/400. A bare number is refused (a typo of the unit would read as seconds), except 0
    where zero is allowed."""
    if zero and isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return Fraction(0)
    if not isinstance(value, str):
        shown = repr(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__
        raise QuantityError(f"expected a duration {TIME_EXAMPLES}, got {shown}; write it with a unit")
    match = _DURATION.match(value)
    if not match or not (match.group(2) or match.group(3)):
        raise QuantityError(f"expected a duration {TIME_EXAMPLES}, got {_shown(value)}")
    sign, whole, fraction, unit = match.groups()
    exact = _exact(whole, fraction or "", 0, value) * Fraction(10) ** TIME_UNITS[unit]
    if sign == "-" and exact:
        raise QuantityError(f"must not be negative, got {value.strip()}")
    if exact == 0 and not zero:
        raise QuantityError(f"must be positive, got {value.strip()}")
    return exact


def show_seconds(seconds: float) -> str:
    """A duration at a glance, four significant digits in the largest unit that keeps it at least 1:
    0.0042137 -> '4.214ms'."""
    if seconds == 0:
        return "0s"
    for unit, power in (("s", 0), ("ms", -3), ("us", -6)):
        if abs(seconds) >= 10.0**power:
            return f"{seconds / 10.0**power:.4g}{unit}"
    return f"{seconds * 1e9:.4g}ns"
