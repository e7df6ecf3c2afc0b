"""Views of long tables: `analyze --top N`, `--sort`, `--by row` (spec rows as written, repeats summed),
`--by stage`, and each layer's activation. Expected values: MobileNetV1 by hand from its paper
(closed_form.py) and MobileNetV2 rows written out from its paper's Table 2."""

import csv
import io
import json

import pytest

from .closed_form import v1_layers
from .conftest import run


def table_rows(*args):
    result = run("analyze", *args, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_top_n_by_macs():
    rows = table_rows("mobilenet_v1", "--top", 4)
    expected = sorted((layer[2] for layer in v1_layers()), reverse=True)[:4]
    assert [int(r["macs"]) for r in rows] == expected


@pytest.mark.parametrize("key, index", [("params", 3), ("macs", 2)])
def test_sort_orders_every_layer(key, index):
    rows = table_rows("mobilenet_v1", "--sort", key)
    # v1_layers has no row for the global pool, which costs no MACs and has no params
    assert [int(r[key]) for r in rows] == sorted([layer[index] for layer in v1_layers()] + [0], reverse=True)


def test_sort_by_memory_and_weights():
    rows = table_rows("mobilenet_v1", "--sort", "memory", "--top", 1)
    assert int(rows[0]["output_bytes"]) == 64 * 112 * 112 * 4  # blocks.0.pointwise: the largest activation (v2 paper, Table 3)
    rows = table_rows("mobilenet_v1", "--sort", "weights", "--top", 1)
    # the last pointwise conv, 1024 -> 1024 (1,048,576 weights), outweighs the 1024 -> 1000 classifier
    assert rows[0]["name"] == "blocks.12.pointwise" and int(rows[0]["weight_bytes_fp32"]) == 4 * (1024 * 1024 + 1024)


def test_top_keeps_the_totals_and_says_so():
    result = run("analyze", "mobilenet_v1", "--top", 3, "--format", "markdown")
    assert "showing the 3 largest of 29 layers by macs" in result.stdout
    data = json.loads(run("analyze", "mobilenet_v1", "--top", 3, "--format", "json").stdout)
    assert len(data["layers"]) == 29  # the JSON keeps every layer


def test_by_row_sums_repeats():
    data = json.loads(run("analyze", "mobilenet_v2", "--by", "row", "--format", "json").stdout)
    rows = {r["row"]: r for r in data["by_row"]}
    # MobileNetV2 Table 2 row (t 6, c 24, n 2, s 2) on 16 channels at 112 px: two bottlenecks.
    first = 16 * 96 * 112 * 112 + 9 * 96 * 56 * 56 + 96 * 24 * 56 * 56
    second = 24 * 144 * 56 * 56 + 9 * 144 * 56 * 56 + 144 * 24 * 56 * 56
    row = rows["blocks.1 .. blocks.2"]
    assert (row["blocks"], row["macs"]) == (2, first + second)
    assert row["params"] == (16 * 96 + 9 * 96 + 96 * 24 + 2 * (96 + 96 + 24)) + (24 * 144 + 9 * 144 + 144 * 24 + 2 * (144 + 144 + 24))
    assert [r["blocks"] for r in data["by_row"]] == [1, 1, 2, 3, 4, 3, 3, 1, 1, 1, 1]  # Table 2's n, then head, pool, classifier
    assert sum(r["macs"] for r in data["by_row"]) == data["total"]["macs"]


def test_by_stage():
    data = json.loads(run("analyze", "mobilenet_v1", "--by", "stage", "--format", "json").stdout)
    expected = {}
    for kind, size, macs, params in v1_layers():
        key = "pooled" if kind == "linear" else str(size)
        expected[key] = (expected.get(key, (0, 0))[0] + macs, expected.get(key, (0, 0))[1] + params)
    assert {r["stage"]: (r["macs"], r["params"]) for r in data["by_stage"]} == expected
    assert [r["stage"] for r in data["by_stage"]] == ["112", "56", "28", "14", "7", "pooled"]


def test_activation_of_each_layer():
    layers = {layer["name"]: layer for layer in json.loads(run("analyze", "mobilenet_v3_small", "--format", "json").stdout)["layers"]}
    assert layers["stem"]["activation"] == "hardswish"  # v3 paper, Table 2
    assert layers["blocks.0.project"]["activation"] == "none"  # linear bottleneck
    assert layers["blocks.0.se"]["activation"] == "relu, hardsigmoid gate"
    assert layers["pool"]["activation"] is None
    v2 = table_rows("mobilenet_v2")
    assert {r["name"]: r["activation"] for r in v2}["blocks.1.expand"] == "relu6"


@pytest.mark.parametrize("args", [["--top", "0"], ["--sort", "speed"], ["--top", "x"], ["--by", "stage", "--top", "3"], ["--by", "diagonal"]])
def test_bad_view_options(args):
    result = run("analyze", "mobilenet_v1", *args)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
