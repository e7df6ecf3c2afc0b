"""Terminal tables at any width from 40 columns: every number whole (each checked against the JSON of
the same run), every line within the width and without trailing spaces, columns left out whole and
named in a caption, and a `header: value` layout where even the required columns do not fit."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from mbcost.cli import cli
from mbcost.report.numbers import human

WIDTHS = (40, 60, 80, 100, 160)


def _run(args, width: int | None = None) -> str:
    env = {"NO_COLOR": "1", **({"COLUMNS": str(width)} if width else {})}
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def _json(args) -> dict:
    return json.loads(_run([*args, "--format", "json"]))


def _exact(n: int) -> str:
    return f"{n:,}"


def _analyze(data):
    return [t for layer in data["layers"] for t in (layer["name"], human(layer["macs"]), human(layer["params"]))]


def _resolution(data):
    rows = data["by_resolution"]
    return [t for row in rows for key in ("largest", "largest_fused") for t in (_exact(row[key]["bytes"]), row[key]["name"])]


def _compare(data):
    return [_exact(data["total"][side][key]) for side in ("a", "b") for key in ("macs", "params")]


def _sweep(data):
    # million MACs with one decimal, as the v1 paper's Tables 6-7 print them
    return [f"{row['macs'] / 1e6:.1f}" for row in data["rows"]]


def _check(data):
    return [_exact(limit[key]) for spec in data["specs"] for limit in spec["limits"] for key in ("actual", "limit")]


def _verify(data):
    return [_exact(v) for side in ("analytic", "measured") for v in data[side].values()]


CASES = {
    "analyze": (["analyze", "mobilenet_v2"], _analyze),
    "resolution": (["analyze", "mobilenet_v3_large", "--by", "resolution"], _resolution),
    "compare": (["compare", "mobilenet_v1", "mobilenet_v3_large"], _compare),
    "sweep": (["sweep", "mobilenet_v2", "--alpha", "1,0.75,0.5", "--resolution", "224,160", "--max-macs", "200M"], _sweep),
    "check": (["check", "mobilenet_v2", "mobilenet_v3_small", "--max-macs", "200M", "--max-memory", "2M"], _check),
    "verify": (["verify", "mobilenet_v3_small", "--alpha", "0.75"], _verify),
}


def _whole(token: str, text: str) -> bool:
    return re.search(rf"(?<![\w.,]){re.escape(token)}(?![\w.,])", text) is not None


def _assert_fits(out: str, width: int) -> None:
    for line in out.splitlines():
        assert cell_len(line) <= width, line
        assert line == line.rstrip(), repr(line)
    assert "…" not in out  # nothing cut


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", list(CASES))
def test_every_number_whole_at_any_width(case, width):
    args, tokens = CASES[case]
    if case == "verify":
        pytest.importorskip("torch")
    expected = tokens(_json(args))
    assert expected
    out = _run(args, width)
    _assert_fits(out, width)
    missing = [t for t in expected if not _whole(t, out)]
    assert not missing, missing[:5]


@pytest.mark.parametrize("width", WIDTHS)
def test_list_at_any_width(width):
    out = _run(["list"], width)
    _assert_fits(out, width)
    for name in ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"):
        total = _json(["analyze", name])["total"]
        assert _whole(name, out) and _whole(human(total["macs"]), out) and _whole(human(total["params"]), out)


def test_a_caption_names_the_columns_left_out():
    def header_line(out: str) -> str:
        return next(line for line in out.splitlines() if line.strip().startswith("layer "))

    headers = re.split(r"\s{2,}", header_line(_run(["analyze", "mobilenet_v2"], 400)).strip())  # all of them
    for width in (80, 100):
        out = _run(["analyze", "mobilenet_v2"], width)
        shown = re.split(r"\s{2,}", header_line(out).strip())  # headers are apart by two spaces or more
        caption = " ".join(out[out.index("hidden: ") :].split()).split(" widen the terminal")[0]
        left_out = [h for h in headers if h not in shown]
        assert left_out and caption == f"hidden: {', '.join(left_out)};", (shown, caption)
        assert "--format csv" in out


def test_too_narrow_for_the_required_columns_reads_as_key_value_lines():
    # layer + MACs + params + MACs % need more than 40 columns: each layer becomes a block of lines.
    out = _run(["analyze", "mobilenet_v2"], 40)
    lines = out.splitlines()
    stem = lines.index("stem")
    assert lines[stem + 1 : stem + 3] == ["  op: full conv", "  input -> output: 3x224x224 ->"]
    assert "  MACs: 10.84M" in lines[stem:stem + 12]  # 3*3*3*32*112*112 = 10,838,016 (v2 paper stem)
    assert 3 * 3 * 3 * 32 * 112 * 112 == 10_838_016


def test_a_pipe_without_columns_gets_the_wide_default():
    out = _run(["analyze", "mobilenet_v2"])
    assert out == _run(["analyze", "mobilenet_v2"], 140) != _run(["analyze", "mobilenet_v2"], 100)
    assert max(cell_len(line) for line in out.splitlines()) <= 140
