"""Quantities: counts written with decimal units (`512K`, `3.5M`, `1.2G`, `300000000`) and percentages
(`2%`), parsed exactly (no float rounding) into positive integers and fractions."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

# Decimal units, as the papers count mult-adds ("569 million"), not binary KiB/MiB.
UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_QUANTITY = re.compile(r"^\s*([+-]?[0-9][0-9_]*(?:\.[0-9]+)?|[+-]?\.[0-9]+)\s*([KMGT]?)\s*$", re.IGNORECASE)
# For `mbcost schema`: the string form, positive (zero and signs are refused by the loader too).
QUANTITY_PATTERN = r"^\s*[0-9][0-9_]*(\.[0-9]+)?\s*[KMGTkmgt]?\s*$"
_PERCENT = re.compile(r"^\s*([+-]?[0-9]+(?:\.[0-9]+)?)\s*%\s*$")
EXAMPLES = "like 300M, 3.5M, 512K, 1.2G or 300000000"


class QuantityError(ValueError):
    """A value that is not a positive count (or percentage); the caller adds where it came from."""


def parse_quantity(value: Any) -> int:
    """A positive whole count from an integer or a string with an optional K/M/G/T unit."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        if isinstance(value, float):
            raise QuantityError(f"expected a count {EXAMPLES}, got the number {value!r}; write it as a whole number or with a unit")
        raise QuantityError(f"expected a count {EXAMPLES}, got {type(value).__name__}")
    if isinstance(value, int):
        count = value
        shown = str(value)
    else:
        match = _QUANTITY.match(value)
        if not match:
            raise QuantityError(f"expected a count {EXAMPLES}, got {value!r}")
        number, unit = match.groups()
        try:
            exact = Decimal(number.replace("_", "")) * UNITS[unit.upper()]
        except InvalidOperation:
            raise QuantityError(f"expected a count {EXAMPLES}, got {value!r}") from None
        if exact != exact.to_integral_value():
            raise QuantityError(f"{value!r} is not a whole count ({exact:f})")
        count = int(exact)
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
        raise QuantityError(f"expected a percentage like 2% or 0.5%, got {value!r}")
    percent = Fraction(Decimal(match.group(1)))
    if percent < 0:
        raise QuantityError(f"must not be negative, got {value.strip()}")
    return percent / 100


def show_percent(fraction: Fraction) -> str:
    """1/50 -> '2%'."""
    return f"{float(fraction * 100):g}%"
