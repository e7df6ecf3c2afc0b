"""Quantities (300M, 3.5M, 512K) and percentages, and the spec's `budget:` section that uses them."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mbcost.errors import SpecError
from mbcost.quantity import QuantityError, parse_percent, parse_quantity
from mbcost.spec.parse import parse_spec

from .closed_form import tiny_spec


@pytest.mark.parametrize(
    "text, expected",
    [
        ("512K", 512 * 1000),
        ("3.5M", 3 * 10**6 + 5 * 10**5),
        ("1.2G", 12 * 10**8),
        ("300M", 3 * 10**8),
        ("2T", 2 * 10**12),
        ("300000000", 3 * 10**8),
        ("300_000_000", 3 * 10**8),
        ("3.5m", 3_500_000),  # units are case-insensitive
        ("512k", 512_000),
        (" 42 ", 42),
        ("0.5K", 500),
        (42, 42),
        (1, 1),
    ],
)
def test_parses_counts_with_decimal_units(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("0", "must be positive"),
        (0, "must be positive"),
        ("-5M", "must be positive"),
        (-1, "must be positive"),
        ("0K", "must be positive"),
        ("abc", "expected a count"),
        ("", "expected a count"),
        ("5MB", "expected a count"),
        ("1e9", "expected a count"),
        ("1,000", "expected a count"),
        ("M", "expected a count"),
        ("1.0005K", "not a whole count"),
        ("0.5", "not a whole count"),
        (3.5, "got the number 3.5"),
        (True, "expected a count"),
        (None, "expected a count"),
        ([1], "expected a count"),
    ],
)
def test_refuses_what_is_not_a_positive_whole_count(value, message):
    with pytest.raises(QuantityError, match=message):
        parse_quantity(value)


@given(st.integers(min_value=1, max_value=10**6), st.sampled_from([("", 0), ("K", 3), ("M", 6), ("G", 9), ("T", 12)]))
def test_unit_is_a_power_of_ten(number, unit):
    suffix, exponent = unit
    assert parse_quantity(f"{number}{suffix}") == number * 10**exponent


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=0, max_value=9))
def test_one_decimal_with_mega_is_exact(whole, tenth):
    # No float rounding: 3.3M is 3,300,000 exactly, never 3,299,999.
    assert parse_quantity(f"{whole}.{tenth}M") == whole * 10**6 + tenth * 10**5


@pytest.mark.parametrize("text, expected", [("2%", Fraction(1, 50)), ("0%", Fraction(0)), ("0.5%", Fraction(1, 200)), ("150%", Fraction(3, 2))])
def test_parses_percentages_exactly(text, expected):
    assert parse_percent(text) == expected


@pytest.mark.parametrize("text", ["-1%", "2", "0.02", "abc%", "%", "", "2%%"])
def test_refuses_bad_percentages(text):
    with pytest.raises(QuantityError):
        parse_percent(text)


def test_budget_section_reads_quantities_and_keeps_field_lines():
    spec = parse_spec(tiny_spec(budget="budget:\n  max_macs: 70K\n  max_params: 1200\n"), "net.yaml", "net")
    lines = tiny_spec().count("\n")
    assert spec.budget.max_macs == 70_000
    assert spec.budget.max_params == 1200
    assert spec.budget.line == lines + 2  # the first field of the mapping under `budget:`
    assert spec.budget.line_of("max_macs") == lines + 2
    assert spec.budget.line_of("max_params") == lines + 3


def test_spec_without_budget_has_none():
    assert parse_spec(tiny_spec(), "net.yaml", "net").budget is None


@pytest.mark.parametrize(
    "budget, field, col, message",
    [
        ("budget:\n  max_macs: -3\n", "budget.max_macs", 13, "must be positive, got -3"),
        ("budget:\n  max_macs: 0\n", "budget.max_macs", 13, "must be positive, got 0"),
        ("budget:\n  max_params: lots\n", "budget.max_params", 15, "expected a count"),
        ("budget:\n  max_params: 3.5\n", "budget.max_params", 15, "got the number 3.5"),
        ("budget:\n  max_mac: 3M\n", "budget.max_mac", 3, "did you mean 'max_macs'"),
        ("budget: 300M\n", "budget", 9, "expected a mapping"),
    ],
)
def test_budget_errors_name_file_line_column_and_field(budget, field, col, message):
    line = tiny_spec().count("\n") + (1 if budget.startswith("budget: ") else 2)
    with pytest.raises(SpecError) as error:
        parse_spec(tiny_spec(budget=budget), "net.yaml", "net")
    text = str(error.value)
    assert text.startswith(f"net.yaml:{line}:{col}: {field}: "), text
    assert message in text


@pytest.mark.parametrize(
    "value, message",
    [
        # A fractional part the unit does not make whole is refused at any length: Decimal's default
        # context would have rounded this one (29 significant digits) to 1M.
        ("1.0000000000000000000000001M", "not a whole count"),
        ("1." + "0" * 5000 + "1M", "more than 30 significant decimals"),
        ("9" * 5000, "far too large"),
        ("1" + "_0" * 40, "far too large"),
        (10**5000, "far too large"),
        (-(10**5000), "far too large"),
    ],
    ids=["29-digits", "5000-decimals", "5000-digits", "underscores", "int-5000-digits", "negative-int-5000-digits"],
)
def test_numbers_of_any_size_are_refused_in_one_line(value, message):
    with pytest.raises(QuantityError, match=message) as caught:
        parse_quantity(value)
    assert len(str(caught.value)) < 200 and "\n" not in str(caught.value)


def test_trailing_zeros_of_a_long_fraction_keep_a_count_whole():
    assert parse_quantity("1." + "0" * 5000 + "M") == 10**6
    assert parse_quantity("0.5" + "0" * 100 + "K") == 500


def test_percentages_of_any_size():
    with pytest.raises(QuantityError, match="far too large"):
        parse_percent("9" * 5000 + "%")
    assert parse_percent("0." + "0" * 20 + "1%") == Fraction(1, 10**23)


@pytest.mark.parametrize("written, message", [("9" * 5000, "is too long"), ('"' + "9" * 5000 + '"', "far too large")])
def test_a_budget_of_thousands_of_digits_is_a_located_error(written, message):
    with pytest.raises(SpecError) as error:
        parse_spec(tiny_spec(budget="budget:\n  max_macs: " + written + "\n"), "net.yaml", "net")
    assert "budget.max_macs" in str(error.value) and message in str(error.value)
