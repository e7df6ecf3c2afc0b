"""How a number reads at a glance: 568740352 -> '568.7M', bytes in decimal units."""

from __future__ import annotations

from ..analysis.data import share  # noqa: F401  (the one definition)


def human(n: int) -> str:
    """568740352 -> '568.7M': four significant digits with a K/M/G/T suffix (999,999 -> '1.000M')."""
    if abs(n) < 1000:
        return str(n)
    digits = f"{abs(n):.3e}"  # rounded to four significant digits first, so the suffix fits the result
    mantissa, exponent = float(digits.split("e")[0]), int(digits.split("e")[1])
    if exponent >= 15:
        return f"{n:.3e}"
    unit, integer_digits = divmod(exponent, 3)  # 1 to 3 digits before the point
    value = mantissa * 10**integer_digits
    return f"{'-' if n < 0 else ''}{value:.{3 - integer_digits}f}{' KMGT'[unit]}"


def human_bytes(n: int) -> str:
    """Decimal units, as the v2 paper's Table 3: 1605632 -> '1.606MB'."""
    return f"{human(n)}B"


