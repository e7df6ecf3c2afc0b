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
