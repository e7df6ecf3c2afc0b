"""Activation memory (issue 6): per-layer bytes, the liveness peak, the fused-bottleneck peak and the
by-resolution view. Every expected value is worked out by hand below from the shapes (elements = C*H*W)
or taken from the MobileNetV2 paper (Sandler et al. 2018, Table 3: 16-bit activations)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from mbcost import analyze_spec, build_graph, load
from mbcost.analysis import memory
from mbcost.cli import cli
from mbcost.report.formats import table
from mbcost.report.formats.cells import bar
from mbcost.report.views import analysis
from mbcost.spec.parse import parse_spec

# Three 3x3/1x1 convs, no norm; divisor 1 so channel counts are taken as written.
CHAIN = """
input: {channels: 3, resolution: 8}
classes: 10
divisor: 1
defaults: {norm: none, activation: relu}
blocks:
  - conv: {kernel: 3, channels: 8}
  - conv: {kernel: 3, channels: 16, stride: 2}
  - pointwise: {channels: 4}
"""

# A stem, one residual inverted bottleneck (t=6) and one strided bottleneck (t=2, no residual).
BOTTLENECK = """
input: {channels: 3, resolution: 8}
classes: 10
divisor: 1
stem:
  conv: {kernel: 3, channels: 4}
blocks:
  - bottleneck: {expansion: 6, channels: 4}
  - bottleneck: {expansion: 2, channels: 8, stride: 2}
"""


def graph_of(text: str, name: str = "test"):
    return build_graph(parse_spec(text, f"{name}.yaml", name))


# --- a chain -------------------------------------------------------------------------------------------

# Tensors (elements): input 3*8*8 = 192; blocks.0 8*8*8 = 512; blocks.1 16*4*4 = 256 (stride 2);
# blocks.2 4*4*4 = 64.
# Live while each node runs (its input + its output; nothing else is read later):
#   blocks.0: 192 + 512 = 704  (the network input and blocks.0's output)
#   blocks.1: 512 + 256 = 768   (the network input was freed after blocks.0, its last reader; with it, 960)
#   blocks.2: 256 + 64 = 320
CHAIN_LIVE = [192 + 512, 512 + 256, 256 + 64]


def test_chain_live_memory_per_layer_and_peak():
    m = memory.analyze(graph_of(CHAIN), "fp32")
    assert [layer.output_elements for layer in m.layers] == [8 * 8 * 8, 16 * 4 * 4, 4 * 4 * 4]
    assert [layer.output_bytes for layer in m.layers] == [4 * 512, 4 * 256, 4 * 64]
    assert [layer.live_bytes for layer in m.layers] == [4 * e for e in CHAIN_LIVE]
    assert m.peak == memory.Peak(4 * 768, "blocks.1")
    # No fusable block: fused execution changes nothing.
    assert m.peak_fused == m.peak
    assert m.largest == memory.TensorSize("blocks.0", m.largest.shape, 4 * 512)


@pytest.mark.parametrize("dtype, size", [("fp32", 4), ("fp16", 2), ("int8", 1)])
def test_dtype_bytes_per_element(dtype, size):
    graph = graph_of(CHAIN)
    assert memory.peak(graph, dtype) == 768 * size
    assert memory.peak(graph, dtype, fused=True) == 768 * size
    assert memory.analyze(graph, dtype).largest.bytes == 512 * size


def test_unknown_dtype_is_an_error():
    with pytest.raises(ValueError, match="fp64"):
        memory.peak(graph_of(CHAIN), "fp64")


# --- a residual bottleneck, then the same fused ----------------------------------------------------------

# Tensors (elements), 8x8 = 64 pixels:
#   input 3*64 = 192            stem 4*64 = 256
#   blocks.0.expand 24*64 = 1536 (hidden = 4*6)    blocks.0.depthwise 1536
#   blocks.0.project 4*64 = 256                     blocks.0.add 256 (stem + project)
#   blocks.1.expand 8*64 = 512 (hidden = 4*2)       blocks.1.depthwise 8*16 = 128 (stride 2)
#   blocks.1.project 8*16 = 128                     (no add: stride 2 and 4 -> 8 channels)
# One node at a time; `stem` stays live until blocks.0.add reads it:
BOTTLENECK_LIVE = [
    192 + 256,  # stem: input + output
    256 + 1536,  # blocks.0.expand: stem (its input, kept for the add) + expanded
    256 + 1536 + 1536,  # blocks.0.depthwise: stem kept + expanded + depthwise output  <- the peak, 3328
    256 + 1536 + 256,  # blocks.0.project: stem kept + depthwise output + projection
    256 + 256 + 256,  # blocks.0.add: stem + projection + sum
    256 + 512,  # blocks.1.expand
    512 + 128,  # blocks.1.depthwise
    128 + 128,  # blocks.1.project
]
# Fused (v2 paper, Section 5): each bottleneck is one step holding only its input and output:
#   stem 192 + 256 = 448;  blocks.0: 256 (stem) + 256 (add) = 512 <- the peak;  blocks.1: 256 + 128 = 384.


def test_residual_bottleneck_liveness():
    graph = graph_of(BOTTLENECK)
    m = memory.analyze(graph, "fp32")
    assert [layer.name for layer in m.layers] == [
        "stem", "blocks.0.expand", "blocks.0.depthwise", "blocks.0.project", "blocks.0.add",
        "blocks.1.expand", "blocks.1.depthwise", "blocks.1.project",
    ]  # fmt: skip
    assert [layer.live_bytes for layer in m.layers] == [4 * e for e in BOTTLENECK_LIVE]
    assert m.peak == memory.Peak(4 * 3328, "blocks.0.depthwise")
    assert memory.peak(graph, "fp32") == 4 * 3328


def test_the_shortcut_is_what_stays_live():
    # The same network with the residual forbidden: at blocks.0.depthwise the stem's 256 elements are no
    # longer held for an add, so the peak is 1536 + 1536 = 3072.
    graph = graph_of(BOTTLENECK.replace("{expansion: 6, channels: 4}", "{expansion: 6, channels: 4, residual: false}"))
    assert memory.peak(graph, "int8") == 1536 + 1536


def test_same_bottleneck_fused():
    graph = graph_of(BOTTLENECK)
    assert [(g.block, g.nodes) for g in graph.fused] == [
        ("blocks.0", ("blocks.0.expand", "blocks.0.depthwise", "blocks.0.project", "blocks.0.add")),
        ("blocks.1", ("blocks.1.expand", "blocks.1.depthwise", "blocks.1.project")),
    ]
    fused_steps = memory.steps(graph, fused=True)
    assert [(s.name, s.inputs, s.outputs) for s in fused_steps] == [
        ("stem", ("input",), ("stem",)),
        ("blocks.0", ("stem",), ("blocks.0.add",)),
        ("blocks.1", ("blocks.0.add",), ("blocks.1.project",)),
    ]
    m = memory.analyze(graph, "fp16")
    assert m.peak_fused == memory.Peak(2 * (256 + 256), "blocks.0")
    assert memory.peak(graph, "fp16", fused=True) == 2 * 512


def test_by_resolution_small_graph():
    rows = memory.analyze(graph_of(BOTTLENECK), "fp32").by_resolution
    assert [(r.height, r.width) for r in rows] == [(8, 8), (4, 4)]
    at8, at4 = rows
    # Any tensor: the expanded 24x8x8 (the first of the two 1536-element tensors).
    assert (at8.largest.name, str(at8.largest.shape), at8.largest.bytes) == ("blocks.0.expand", "24x8x8", 4 * 1536)
    # Fused, the 8x8 tensors that exist whole are input (192), stem (256) and blocks.0.add (256).
    assert (at8.largest_fused.name, at8.largest_fused.bytes) == ("stem", 4 * 256)
    assert (at4.largest.name, at4.largest.bytes) == ("blocks.1.depthwise", 4 * 128)
    assert (at4.largest_fused.name, at4.largest_fused.bytes) == ("blocks.1.project", 4 * 128)


# --- the shipped models against the v2 paper ------------------------------------------------------------


def test_fusable_groups_of_the_shipped_models():
    # MobileNetV2 (paper Table 2) has n = 1+2+3+4+3+3+1 = 17 bottlenecks; MobileNetV1 none.
    v2 = build_graph(load("mobilenet_v2"))
    assert len(v2.fused) == 1 + 2 + 3 + 4 + 3 + 3 + 1
    assert all(v2.node(name).block == group.block for group in v2.fused for name in group.nodes)
    assert build_graph(load("mobilenet_v1")).fused == ()


def test_v1_largest_tensor_is_the_papers_1600k():
    # v2 paper, Table 3, MobileNetV1 column, 112x112 row: "64/1600" (channels / Kb at 16 bits):
    # 112 * 112 * 64 elements * 2 bytes = 1,605,632 bytes.
    m = analyze_spec("mobilenet_v1", dtype="fp16").memory
    assert m.largest.bytes == 112 * 112 * 64 * 2 == 1_605_632
    assert str(m.largest.shape) == "64x112x112"
    row = next(r for r in m.by_resolution if r.height == 112)
    assert row.largest.bytes == row.largest_fused.bytes == 1_605_632
    # The other rows of that column are the widest tensor at each size: 128, 256, 512, 1024 channels.
    widths = {r.height: r.largest.shape.channels for r in m.by_resolution}
    assert [widths[s] for s in (56, 28, 14, 7)] == [128, 256, 512, 1024]


def test_v1_peak_is_the_first_pointwise():
    # MobileNetV1 holds two tensors at once: the largest pair is blocks.0.pointwise's 32x112x112 input and
    # 64x112x112 output: (32 + 64) * 112 * 112 * 2 bytes. No bottleneck: fused is the same.
    m = analyze_spec("mobilenet_v1", dtype="fp16").memory
    assert m.peak == memory.Peak((32 + 64) * 112 * 112 * 2, "blocks.0.pointwise")
    assert m.peak_fused.bytes == m.peak.bytes


def test_v2_peaks_unfused_and_fused():
    m = analyze_spec("mobilenet_v2", dtype="fp16").memory
    # The first bottleneck's output, 16x112x112 at 16 bits, is the paper's 400K (Table 3, "16/400").
    out = {layer.name: layer for layer in m.layers}
    assert out["blocks.0.project"].output_bytes == 16 * 112 * 112 * 2 == 401_408
    # Node by node, the peak is blocks.1.depthwise (stride 2, no residual): its 96x112x112 input (16 * t=6)
    # and its 96x56x56 output.
    assert m.peak == memory.Peak((96 * 112 * 112 + 96 * 56 * 56) * 2, "blocks.1.depthwise")
    # Fused, the expanded tensors never exist whole; the peak is blocks.0 holding the stem's 32x112x112
    # output and its own 16x112x112 output (the paper also fuses the first layer; mbcost does not).
    assert m.peak_fused == memory.Peak((32 + 16) * 112 * 112 * 2, "blocks.0")


# --- the report ---------------------------------------------------------------------------------------------


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    return result


def test_json_memory_keys_are_integers(tmp_path):
    spec = tmp_path / "bottleneck.yaml"
    spec.write_text(BOTTLENECK)
    result = run("analyze", str(spec), "--format", "json", "--dtype", "fp16")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["schema_version"] == 1
    assert report["dtype"] == "fp16"
    total = report["total"]
    expected = {"peak_memory_bytes": 2 * 3328, "peak_memory_fused_bytes": 2 * 512, "largest_tensor_bytes": 2 * 1536}
    for key, value in expected.items():
        assert type(total[key]) is int
        assert total[key] == value
    for layer in report["layers"]:
        c, h, w = layer["output_shape"]
        assert type(layer["output_elements"]) is int and layer["output_elements"] == c * h * w
        assert type(layer["output_bytes"]) is int and layer["output_bytes"] == 2 * c * h * w
        assert type(layer["live_bytes"]) is int
    assert [layer["live_bytes"] for layer in report["layers"]] == [2 * e for e in BOTTLENECK_LIVE]
    assert report["memory"]["peak_at"] == "blocks.0.depthwise"
    assert report["memory"]["peak_fused_at"] == "blocks.0"


def test_by_resolution_json_v1():
    result = run("analyze", "mobilenet_v1", "--by", "resolution", "--format", "json", "--dtype", "fp16")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dtype"] == "fp16"
    # Sizes in order: the 224 input, then each stride-2 stage, then the pooled 1x1.
    assert [(r["height"], r["width"]) for r in report["by_resolution"]] == [(s, s) for s in (224, 112, 56, 28, 14, 7, 1)]
    row = report["by_resolution"][1]
    assert row["largest"]["shape"] == [64, 112, 112]
    assert row["largest"]["bytes"] == 1_605_632  # v2 paper, Table 3: MobileNetV1 1600K
    assert report["total"]["largest_tensor_bytes"] == 1_605_632


def test_by_resolution_csv_markdown_table_v1():
    text = run("analyze", "mobilenet_v1", "--by", "resolution", "--format", "csv", "--dtype", "fp16").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    at112 = next(r for r in rows if r["height"] == "112")
    assert (at112["largest_shape"], at112["largest_bytes"]) == ("64x112x112", "1605632")
    markdown = run("analyze", "mobilenet_v1", "--by", "resolution", "--format", "markdown", "--dtype", "fp16").stdout
    assert "| 112x112 | 64x112x112 | blocks.0.pointwise | 1,605,632 |" in markdown
    table = run("analyze", "mobilenet_v1", "--by", "resolution", "--dtype", "fp16").stdout
    line = next(line for line in table.splitlines() if line.strip().startswith("112x112"))
    assert "64x112x112" in line and "1,605,632" in line


def test_by_resolution_v2_fused_column():
    # With fused bottlenecks the 96x112x112 expansion is never materialized; at 112x112 the largest tensor
    # that exists whole is the stem's 32x112x112 output (the paper's first-layer trick would remove it).
    result = run("analyze", "mobilenet_v2", "--by", "resolution", "--format", "json", "--dtype", "fp16")
    row = json.loads(result.stdout)["by_resolution"][1]
    assert (row["largest"]["shape"], row["largest"]["bytes"]) == ([96, 112, 112], 96 * 112 * 112 * 2)
    assert (row["largest_fused"]["name"], row["largest_fused"]["bytes"]) == ("stem", 32 * 112 * 112 * 2)


def test_bad_dtype_is_exit_2_one_line():
    result = run("analyze", "mobilenet_v1", "--dtype", "fp64")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--dtype" in result.stderr


def test_bar_lengths():
    full = "█" * 8
    assert bar(64, 64) == full
    assert bar(32, 64) == "████"
    assert bar(1, 64) == "▏"  # 1/64 of 8 cells is one eighth of a cell
    assert bar(3, 16) == "█▌"  # 3/16 * 64 eighths = 12 = one cell and a half
    assert bar(1, 10**9) == "▏"  # nonzero never draws as nothing
    assert bar(0, 64) == ""


def test_table_bars_scale_to_the_largest_layer():
    # MACs: blocks.0 3*3*3*8 * 8*8 = 13,824; blocks.1 3*3*8*16 * 4*4 = 18,432 (the largest);
    # blocks.2 16*4 * 4*4 = 1,024. Outputs: 512, 256, 64 elements (blocks.0 the largest).
    # blocks.0 MACs bar: 13824/18432 * 64 eighths = 48 = 6 cells; memory bar full.
    # blocks.1 MACs bar full; memory 256/512 = 4 cells. blocks.2: 1024/18432 * 64 = 3.6 -> 3 eighths ("▍"),
    # memory 64/512 * 64 = 8 eighths = 1 cell.
    from rich.console import Console

    buffer = io.StringIO()
    table.draw(analysis.document(analyze_spec(parse_spec(CHAIN, "chain.yaml", "chain"))), Console(file=buffer, width=200, no_color=True))
    rows: dict[str, list[str]] = {}
    for line in buffer.getvalue().splitlines():  # the layer table comes first; "by block" repeats the names
        if line.strip().startswith("blocks."):
            rows.setdefault(line.split()[0], line.split())
    assert rows["blocks.0"][-3:] == ["██████", "2.048KB", "████████"]
    assert rows["blocks.1"][-3:] == ["████████", "1.024KB", "████"]
    assert rows["blocks.2"][-3:] == ["▍", "256B", "█"]
