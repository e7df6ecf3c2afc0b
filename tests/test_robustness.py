"""Inputs found by review to crash or mislead: each now ends in a report or a one-line exit 2."""

import json
import os
import stat

import pytest

from mbcost.report.numbers import human

from .conftest import run


def one_line_error(result, text):
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and text in result.stderr, result.stderr


def test_output_through_a_symlink_keeps_the_link(tmp_path):
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target)
    assert run("analyze", "mobilenet_v1", "--format", "json", "-o", str(link)).exit_code == 0
    assert link.is_symlink()
    assert json.loads(target.read_text())["total"]["macs"] == 568_740_352


def test_output_through_a_symlink_is_atomic(tmp_path):
    """The file a link points to is replaced by a rename, as a plain path is: a reader holding the old
    file keeps the old text whole, and the new file is a new inode."""
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target)
    before = os.stat(target).st_ino
    with open(target) as held:
        assert run("analyze", "mobilenet_v1", "--format", "json", "-o", str(link)).exit_code == 0
        assert held.read() == "old"
    assert os.stat(target).st_ino != before and link.is_symlink()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    assert run("analyze", "mobilenet_v1", "--format", "json", "-o", str(link)).exit_code == 0
    assert json.loads((tmp_path / "new.json").read_text())["total"]["macs"] == 568_740_352


@pytest.mark.parametrize("make, message", [(os.mkfifo, "not a regular file"), (os.mkdir, "is a directory")], ids=["fifo", "folder"])
def test_output_to_a_non_regular_file_is_refused_without_waiting(tmp_path, make, message):
    # A FIFO would wait forever for a reader; renaming over a folder or a device would replace it.
    target = tmp_path / "target"
    make(target)
    one_line_error(run("analyze", "mobilenet_v1", "--format", "json", "-o", str(target)), message)
    assert stat.S_ISFIFO(os.stat(target).st_mode) or target.is_dir()


def test_output_keeps_the_file_mode(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)
    assert run("analyze", "mobilenet_v1", "--format", "json", "-o", str(target)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_output_that_cannot_be_written(tmp_path):
    folder = tmp_path / "a_file"
    folder.write_text("not a folder")
    one_line_error(run("analyze", "mobilenet_v1", "-o", str(folder / "x.txt")), "--output")


def test_baseline_at_other_settings_is_refused(tmp_path):
    baseline = tmp_path / "base.json"
    baseline.write_text(run("analyze", "mobilenet_v2", "--format", "json").stdout)
    one_line_error(run("check", "mobilenet_v2", "--alpha", "0.5", "--baseline", str(baseline)), "alpha 1, resolution 224")


def test_baseline_with_a_huge_number(tmp_path):
    baseline = tmp_path / "base.json"
    baseline.write_text('{"schema_version": 1, "total": {"macs": ' + "9" * 5000 + "}}")
    one_line_error(run("check", "mobilenet_v2", "--baseline", str(baseline)), "too long")


@pytest.mark.parametrize("option, value", [("--alpha", "0:10:1e-999999"), ("--alpha", "0.5:1e999999999:1"), ("--resolution", "1e999999999")])
def test_sweep_ranges_past_decimal_limits(option, value):
    one_line_error(run("sweep", "mobilenet_v1", option, value), option)


def test_compare_with_a_name_too_long_for_the_os():
    one_line_error(run("compare", "a" * 300 + "@1", "mobilenet_v1"), "not a built-in spec")


@pytest.mark.parametrize(
    "n, text",
    # four significant digits, the suffix chosen after rounding
    [(999, "999"), (1000, "1.000K"), (9_999, "9.999K"), (99_995, "100.0K"), (999_999, "1.000M"),
     (568_740_352, "568.7M"), (3_504_872, "3.505M"), (-5_000, "-5.000K"), (123_456_789_012_345, "123.5T")],
)
def test_human_numbers(n, text):
    assert human(n) == text


def test_sweep_values_are_counted_before_they_are_built():
    # Each range is within the cap; together they pass it: refused before any of them is built.
    many = ",".join(["0.1:1:0.00001"] * 1000)
    one_line_error(run("sweep", "mobilenet_v1", "--alpha", many), "more than 100000 values")
