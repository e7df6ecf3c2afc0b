"""`mbcost plot`: charts checked by what they hold (bars, points, lines, axis labels and limits), read back
from the matplotlib figure or from the SVG file, against closed forms or published figures, and the bad
input of the issue (an unknown kind, a suffix no backend writes, latency without a device, a compare of
one spec) as one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from mbcost import analyze_spec

from .conftest import REPO, run

pytest.importorskip("matplotlib")

from mbcost import plot  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def _svg_ids(path) -> list[str]:
    return [element.get("id") for element in ET.parse(path).iter() if element.get("id")]


def _svg_texts(path) -> list[str]:
    return ["".join(element.itertext()).strip() for element in ET.parse(path).iter(f"{SVG}text")]


def _bars(ax) -> list:
    """The bars an axes holds (every container's rectangles)."""
    return [rect for container in ax.containers for rect in container]


def _with_device(report: dict, peak: float, bandwidth: float) -> dict:
    """The latency keys of the contract (tools/contract.md) on an analysis report, from the roofline model
    written out here (Williams et al., CACM 2009): bytes moved = weights + input + output at 4 bytes each;
    a layer takes max(MACs / peak, bytes / bandwidth)."""
    out = dict(report, device={"name": "test-device", "peak_macs_per_s": peak, "bandwidth_bytes_per_s": bandwidth, "overhead_s": 0.0})
    layers = []
    for layer in report["layers"]:
        elements = 1
        for size in layer["input_shape"]:
            elements *= size
        moved = 4 * (layer["weights"] + elements + layer["output_elements"])
        seconds = max(layer["macs"] / peak, moved / bandwidth)
        layers.append(dict(layer, bytes_moved=moved, intensity=layer["macs"] / moved, latency_s=seconds,
                           bound="compute" if layer["macs"] / peak >= moved / bandwidth else "memory"))
    total = sum(layer["latency_s"] for layer in layers)
    out["layers"] = [dict(layer, latency_share=layer["latency_s"] / total) for layer in layers]
    out["total"] = dict(report["total"], latency_s=total)
    return out


# MobileNetV1 (Howard et al. 2017), Table 1: a standard conv, 13 depthwise and 13 pointwise convs, the
# average pool and the classifier.
V1_LAYERS = 1 + 13 + 13 + 1 + 1
# Its first stage at 224 px, all at 112x112 output: the stem conv (3x3, 3 -> 32, stride 2), the first
# depthwise (3x3 on 32) and pointwise (32 -> 64) convs. K*K*M*N*H*W, K*K*M*H*W, M*N*H*W.
V1_STEM = 3 * 3 * 3 * 32 * 112 * 112
V1_FIRST_STAGE = V1_STEM + 3 * 3 * 32 * 112 * 112 + 32 * 64 * 112 * 112


def test_layers_chart_has_one_bar_per_layer_in_each_panel():
    report = analyze_spec("mobilenet_v1").to_dict()
    fig = plot.figure("layers", report)
    axes = fig.axes
    assert [ax.get_ylabel() for ax in axes] == ["MACs", "params", "activation memory\n(bytes, fp32)"]
    for ax in axes:
        assert len(_bars(ax)) == V1_LAYERS
    first = min(_bars(axes[0]), key=lambda rect: rect.get_x())
    assert first.get_height() == V1_STEM
    # the stem's params: 3*3*3*32 weights and batch norm's 2 per channel
    assert min(_bars(axes[1]), key=lambda rect: rect.get_x()).get_height() == 3 * 3 * 3 * 32 + 2 * 32
    assert axes[-1].get_xlim() == (-1, V1_LAYERS)
    assert "layer, in execution order" in axes[-1].get_xlabel()
    stage_labels = [text.get_text() for text in axes[0].texts]
    assert stage_labels == ["112x112", "56x56", "28x28", "14x14", "7x7", "pooled"]  # Table 1's output sizes
    assert "mobilenet_v1 · width 1.0 · 224 px" in fig._suptitle.get_text()


def test_layers_chart_shows_estimated_and_measured_latency_when_present():
    report = _with_device(analyze_spec("mobilenet_v2", width_multiplier=0.5).to_dict(), peak=20e9, bandwidth=10e9)
    for layer in report["layers"]:
        layer["measured_min_s"] = layer["latency_s"] * 1.5
    report["bench"] = {"runtime": "onnxruntime 1.0.0", "threads": 1, "runs": 20, "warmup": 3, "machine": "test"}
    fig = plot.figure("layers", report)
    latency = fig.axes[3]
    assert latency.get_ylabel() == "estimated and measured\nlatency (ms)"
    n = len(report["layers"])
    assert len(_bars(latency)) == n
    (dots,) = [line for line in latency.get_lines() if line.get_gid() == "measured_min_s"]
    assert len(dots.get_xdata()) == n
    assert sorted(rect.get_height() for rect in _bars(latency)) == sorted(layer["latency_s"] for layer in report["layers"])
    title = fig._suptitle.get_text()
    assert "device test-device" in title and "onnxruntime 1.0.0" in title and "width 0.5" in title


def test_layers_chart_of_a_bench_report_without_a_device_shows_measured_latency(tmp_path):
    report = analyze_spec("mobilenet_v1").to_dict()
    for layer in report["layers"]:
        layer["measured_min_s"] = 1e-6 * (1 + layer["macs"] / 1e7)
    report["bench"] = {"runtime": "onnxruntime 1.0.0", "threads": 1, "runs": 5, "warmup": 1, "machine": "test"}
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps(report))
    out = tmp_path / "layers.svg"
    result = run("plot", "layers", "--from", bench, "-o", out)
    assert result.exit_code == 0, result.output
    ids = _svg_ids(out)
    assert sum(1 for i in ids if i.startswith("measured_min_s-")) == V1_LAYERS
    assert sum(1 for i in ids if i.startswith("macs-")) == V1_LAYERS
    texts = _svg_texts(out)
    assert "MACs" in texts and "params" in texts and any("latency (ms)" in t for t in texts)


def test_sweep_chart_marks_fitting_points_the_budget_and_the_best(tmp_path):
    # MobileNetV1's MACs (Howard et al. 2017, Table 6, width at 224 px: 569M, 325M, 149M, 41M), scaled by
    # (r/224)^2 for the resolutions (Table 7 gives 418M, 290M, 186M for 1.0 at 192, 160, 128): under 300M
    # are 1.0 at 160 and 128, 0.75 at 192, 160, 128 and every point of 0.5 and 0.25; the largest is 1.0 at
    # 160 px (290M).
    out = tmp_path / "sweep.svg"
    result = run("plot", "sweep", "mobilenet_v1", "--alpha", "1,0.75,0.5,0.25", "--resolution", "224,192,160,128",
                 "--max-macs", "300M", "-o", out)
    assert result.exit_code == 0, result.output
    ids = _svg_ids(out)
    assert {"fits-the-budget", "over-budget", "best", "macs-budget"} <= set(ids)
    data = json.loads(run("sweep", "mobilenet_v1", "--alpha", "1,0.75,0.5,0.25", "--resolution", "224,192,160,128",
                          "--max-macs", "300M", "--format", "json").stdout)
    fig = plot.figure("sweep", data)
    (ax,) = [ax for ax in fig.axes if ax.get_xlabel()]
    groups = {c.get_gid(): c.get_offsets() for c in ax.collections}
    assert len(groups["fits-the-budget"]) == 2 + 3 + 4 + 4
    assert len(groups["over-budget"]) == 2 + 1
    (best,) = groups["best"]
    assert abs(best[0] / 290e6 - 1) < 0.01  # Table 7: 290 million MACs
    assert [t.get_text() for t in ax.texts] == ["1.0 @ 160 px"]
    (budget,) = [line for line in ax.get_lines() if line.get_gid() == "macs-budget"]
    assert list(budget.get_xdata()) == [300_000_000, 300_000_000]
    widths = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("width-")]
    assert len(widths) == 4 and all(len(line.get_xdata()) == 4 for line in widths)
    assert ax.get_xlabel() == "MACs (multiply-accumulates)" and ax.get_ylabel() == "params"


def test_sweep_chart_puts_latency_on_the_axis_when_points_carry_it():
    data = json.loads(run("sweep", "mobilenet_v2", "--alpha", "1,0.5", "--resolution", "224,160", "--max-params", "3M",
                          "--format", "json").stdout)
    for row in data["rows"]:
        row["latency_s"] = row["macs"] / 10e9
    data.update(device="test-device", max_latency_s=0.02)  # as `mbcost sweep --device D --max-latency 20ms` adds them
    fig = plot.figure("sweep", data)
    (ax,) = fig.axes
    assert "device test-device" in ax.get_title()
    (budget,) = [line for line in ax.get_lines() if line.get_gid() == "latency-budget"]
    assert list(budget.get_xdata()) == [0.02, 0.02]
    assert ax.get_xlabel() == "latency (ms, estimated)" and ax.get_ylabel() == "MACs (multiply-accumulates)"
    points = [p for c in ax.collections for p in c.get_offsets() if c.get_gid() in ("fits-the-budget", "over-budget")]
    assert sorted(tuple(p) for p in points) == sorted((r["latency_s"], r["macs"]) for r in data["rows"])
    # params cannot be drawn against latency: the legend names the limit instead
    assert any("params <= 3.000M" in t.get_text() for t in ax.get_legend().get_texts())


def test_heatmap_has_a_cell_per_point_and_hatches_those_over_budget():
    data = json.loads(run("sweep", "mobilenet_v1", "--alpha", "1,0.75,0.5,0.25", "--resolution", "224,192,160,128",
                          "--max-macs", "300M", "--format", "json").stdout)
    fig = plot.figure("heatmap", data, metric="macs")
    ax = fig.axes[0]
    (image,) = ax.get_images()
    assert image.get_array().shape == (4, 4)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1.0", "0.75", "0.5", "0.25"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["224", "192", "160", "128"]
    assert len(ax.texts) == 16
    hatched = [p for p in ax.patches if (p.get_gid() or "").startswith("over-budget-")]
    assert len(hatched) == 3  # as in the sweep test: 1.0 at 224 and 192, 0.75 at 224
    assert [p.get_gid() for p in ax.patches].count("best") == 1
    assert fig.axes[1].get_ylabel() == "MACs (multiply-accumulates)"  # the colour bar
    assert ax.get_xlabel() == "resolution (px)" and ax.get_ylabel() == "width multiplier"


def test_heatmap_of_a_metric_the_sweep_did_not_measure_is_bad_input(tmp_path):
    result = run("plot", "heatmap", "mobilenet_v1", "--alpha", "1,0.5", "--metric", "memory_bytes", "-o", tmp_path / "h.svg")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "--max-memory" in result.stderr
    assert not (tmp_path / "h.svg").exists()


def test_compare_chart_has_a_bar_per_spec_and_stage():
    fig = plot.figure("compare", json.loads(run("compare", "mobilenet_v1", "mobilenet_v2", "--format", "json").stdout))
    macs, params = fig.axes
    stages = ["112", "56", "28", "14", "7", "pooled"]
    assert [t.get_text() for t in params.get_xticklabels()] == stages
    assert len(_bars(macs)) == len(_bars(params)) == 2 * len(stages)
    first_v1 = min(macs.containers[0], key=lambda rect: rect.get_x())
    assert first_v1.get_height() == V1_FIRST_STAGE
    assert macs.get_ylabel() == "MACs per stage" and params.get_ylabel() == "params per stage"
    assert [t.get_text() for t in macs.get_legend().get_texts()] == ["mobilenet_v1", "mobilenet_v2"]


def test_compare_chart_of_three_specs(tmp_path):
    out = tmp_path / "c.svg"
    result = run("plot", "compare", "mobilenet_v1", "mobilenet_v2", "mobilenet_v2@0.5,160", "-o", out)
    assert result.exit_code == 0, result.output
    ids = _svg_ids(out)
    # six stages, three specs, two panels; the 160 px side's stages align with A's (80 | 112 ...)
    assert sum(1 for i in ids if i.startswith("macs-spec-")) == 3 * 6
    assert sum(1 for i in ids if i.startswith("params-spec-")) == 3 * 6


def test_roofline_draws_each_layer_with_macs_under_the_roof():
    peak, bandwidth = 30e9, 12e9
    report = _with_device(analyze_spec("mobilenet_v2").to_dict(), peak, bandwidth)
    fig = plot.figure("roofline", report)
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    points = [tuple(p) for c in ax.collections for p in c.get_offsets()]
    with_macs = [layer for layer in report["layers"] if layer["macs"] > 0]
    assert len(points) == len(with_macs)
    assert sorted(points) == sorted((layer["intensity"], layer["macs"] / layer["latency_s"]) for layer in with_macs)
    (roof,) = [line for line in ax.get_lines() if line.get_gid() == "roof"]
    assert max(roof.get_ydata()) == peak
    (ridge,) = [line for line in ax.get_lines() if line.get_gid() == "ridge"]
    assert ridge.get_xdata()[0] == peak / bandwidth
    for x, y in points:  # no layer beats the roof
        assert y <= min(peak, bandwidth * x) * (1 + 1e-9)
    low, high = ax.get_xlim()
    assert low < min(p[0] for p in points) and high > max(p[0] for p in points)
    assert ax.get_xlabel() == "arithmetic intensity (MACs per byte moved)"
    assert ax.get_ylabel() == "attained throughput (MACs/s)"
    assert "device test-device" in ax.get_title()


@pytest.mark.parametrize("suffix", ["svg", "png", "pdf"])
def test_every_backend_writes_its_format(tmp_path, suffix):
    out = tmp_path / f"chart.{suffix}"
    result = run("plot", "layers", "mobilenet_v3_small", "-o", out)
    assert result.exit_code == 0, result.output
    magic = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}[suffix]
    assert out.read_bytes().startswith(magic)


def test_the_same_chart_renders_the_same_svg(tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    assert run("plot", "compare", "mobilenet_v1", "mobilenet_v2", "-o", first).exit_code == 0
    assert run("plot", "compare", "mobilenet_v1", "mobilenet_v2", "-o", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    "args, words",
    [
        (["plot", "scatter", "mobilenet_v2"], "no plot kind 'scatter'"),
        (["plot", "layer", "mobilenet_v2"], "did you mean 'layers'?"),
        (["plot", "compare", "mobilenet_v2"], "two or more specs"),
        (["plot", "roofline", "mobilenet_v2"], "a roofline needs latency data"),
        (["plot", "layers", "mobilenet_v2", "--metric", "macs"], "--metric"),
        (["plot", "layers", "mobilenet_v2", "--alpha", "1,0.5"], "one value"),
        (["plot", "layers"], "needs a SPEC"),
        (["plot", "layers", "no_such_spec"], "no_such_spec"),
        (["plot", "heatmap", "mobilenet_v2", "--metric", "speed"], "no metric 'speed'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_and_writes_nothing(tmp_path, args, words):
    out = tmp_path / "chart.svg"
    out.write_text("the chart before")
    result = run(*args, "-o", out)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    assert out.read_text() == "the chart before"


@pytest.mark.parametrize("name", ["chart.jpg", "chart", "chart.svgz.txt"])
def test_an_output_suffix_no_backend_writes_is_bad_input(tmp_path, name):
    result = run("plot", "layers", "mobilenet_v2", "-o", tmp_path / name)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no chart backend writes it; name the file .svg, .png or .pdf" in result.stderr
    assert not (tmp_path / name).exists()


def test_reports_of_the_wrong_kind_are_bad_input(tmp_path):
    sweep = tmp_path / "sweep.json"
    sweep.write_text(run("sweep", "mobilenet_v1", "--format", "json").stdout)
    analysis = tmp_path / "analysis.json"
    analysis.write_text(run("analyze", "mobilenet_v1", "--format", "json").stdout)
    broken = tmp_path / "broken.json"
    broken.write_text('{"layers": [{"name": "stem"}]}')
    cases = [
        ("layers", sweep, "expected the JSON of `mbcost analyze SPEC --format json`"),
        ("sweep", analysis, "expected the JSON of `mbcost sweep SPEC --format json`"),
        ("compare", analysis, "expected the JSON of `mbcost compare A B --format json`"),
        ("roofline", analysis, "a roofline needs latency data"),
        ("layers", broken, "not a report this chart draws (no key 'op')"),
    ]
    for kind, report, words in cases:
        result = run("plot", kind, "--from", report, "-o", tmp_path / "x.svg")
        assert result.exit_code == 2, (kind, result.output)
        assert result.stderr.count("\n") == 1 and words in result.stderr and str(report) in result.stderr, result.stderr
    (tmp_path / "not.json").write_text("{oops")
    result = run("plot", "layers", "--from", tmp_path / "not.json", "-o", tmp_path / "x.svg")
    assert result.exit_code == 2 and result.stderr.startswith(f"{tmp_path / 'not.json'}:1:2: --from: not JSON")
    result = run("plot", "layers", "mobilenet_v1", "--from", analysis, "-o", tmp_path / "x.svg")
    assert result.exit_code == 2 and "not both" in result.stderr


def test_without_matplotlib_plot_names_the_extra_and_analyze_never_imports_it(tmp_path):
    missing = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"  # import matplotlib raises ImportError
        "from mbcost.cli import main\n"
        f"sys.argv = ['mbcost', 'plot', 'layers', 'mobilenet_v1', '-o', {str(tmp_path / 'x.svg')!r}]\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", missing], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "pip install '.[plot]'" in proc.stderr, proc.stderr
    untouched = (
        "import sys\n"
        "from mbcost.cli import cli\n"
        "for args in (['analyze', 'mobilenet_v2'], ['sweep', 'mobilenet_v2', '--alpha', '1,0.5'], ['compare', 'mobilenet_v1', 'mobilenet_v2']):\n"
        "    try:\n"
        "        cli.main(args)\n"
        "    except SystemExit as e:\n"
        "        assert e.code == 0, e.code\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy'))\n"
        "print('heavy:', bad, file=sys.stderr)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", untouched], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_roofline_of_a_bench_report_adds_the_measured_points(tmp_path):
    report = _with_device(analyze_spec("mobilenet_v3_small").to_dict(), peak=8e9, bandwidth=4e9)
    for layer in report["layers"]:
        layer["measured_min_s"] = layer["latency_s"] * 3 + 1e-6  # slower than the model: below the roof
        layer["measured_median_s"] = layer["measured_min_s"]
    report["bench"] = {"runtime": "onnxruntime 1.0.0", "threads": 1, "runs": 9, "warmup": 2, "machine": "test"}
    report["device"]["kinds"] = {"depthwise": {"peak_macs_per_s": 1e9, "bandwidth_bytes_per_s": 2e9, "overhead_s": 0.0}}
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps(report))
    out = tmp_path / "roofline.svg"
    assert run("plot", "roofline", "--from", bench, "-o", out).exit_code == 0
    fig = plot.figure("roofline", report)
    (ax,) = fig.axes
    with_macs = [layer for layer in report["layers"] if layer["macs"] > 0]
    measured = [tuple(p) for c in ax.collections if c.get_gid().startswith("measured_min_s") for p in c.get_offsets()]
    estimated = [tuple(p) for c in ax.collections if c.get_gid().startswith("latency_s") for p in c.get_offsets()]
    assert len(measured) == len(estimated) == len(with_macs)
    (depthwise_roof,) = [line for line in ax.get_lines() if line.get_gid() == "roof-depthwise"]  # the profile's own roof
    assert max(depthwise_roof.get_ydata()) == 1e9
    assert sorted(measured) == sorted((layer["intensity"], layer["macs"] / layer["measured_min_s"]) for layer in with_macs)
    texts = _svg_texts(out)
    assert "attained throughput (MACs/s)" in texts and "arithmetic intensity (MACs per byte moved)" in texts


def test_charts_of_flops_reports_and_non_square_inputs(tmp_path):
    # `--unit flops` reports name their counts flops (2 per MAC); a non-square input's resolution is
    # [height, width]. MobileNetV1's stem at 160x224: 3x3x3x32 weights over an 80x112 output, 2 FLOPs a MAC.
    report = json.loads(run("analyze", "mobilenet_v1", "--unit", "flops", "--resolution", "160x224", "--format", "json").stdout)
    fig = plot.figure("layers", report)
    assert fig.axes[0].get_ylabel() == "FLOPs"
    assert min(_bars(fig.axes[0]), key=lambda rect: rect.get_x()).get_height() == 2 * 3 * 3 * 3 * 32 * 80 * 112
    assert "160x224 px" in fig._suptitle.get_text()
    sweep = json.loads(run("sweep", "mobilenet_v1", "--unit", "flops", "--alpha", "1,0.5", "--resolution", "160x224,224",
                           "--max-macs", "300M", "--format", "json").stdout)
    (ax,) = plot.figure("sweep", sweep).axes
    assert ax.get_xlabel() == "FLOPs (2 per multiply-accumulate)"
    (budget,) = [line for line in ax.get_lines() if line.get_gid() == "macs-budget"]
    assert list(budget.get_xdata()) == [2 * 300_000_000] * 2  # a MACs limit, shown in FLOPs
    heat = plot.figure("heatmap", sweep).axes[0]
    assert [t.get_text() for t in heat.get_xticklabels()] == ["224", "160x224"]  # most pixels first
    out = tmp_path / "c.svg"
    assert run("plot", "compare", "mobilenet_v1", "mobilenet_v1@1,160x224", "-o", out).exit_code == 0


def test_ridge_chart_has_a_line_per_network_through_every_ridge_point(tmp_path):
    """At ridge 0 (unlimited bandwidth) a network's latency is its MACs over the device's peak (MobileNetV4
    paper, Section 3), so the first point of each line is MACs / peak, with MACs from analyze."""
    device = REPO / "tests" / "fixtures" / "latency" / "device.yaml"
    specs = ("mobilenet_v1@0.5", "mobilenet_v3_small")
    report = tmp_path / "ridge.json"
    result = run("ridge", *specs, "--device", device, "--ridge", "0:100:25", "--format", "json", "-o", report)
    assert result.exit_code == 0, result.stderr
    data = json.loads(report.read_text())
    fig = plot.figure("ridge", data)
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("network")]
    assert len(lines) == 2
    peak = data["peak_macs_per_s"]
    for line, macs in zip(lines, (analyze_spec("mobilenet_v1", 0.5).total.macs, analyze_spec("mobilenet_v3_small").total.macs)):
        assert list(line.get_xdata()) == [0, 25, 50, 75, 100]
        assert line.get_ydata()[0] == pytest.approx(macs / peak)
        assert list(line.get_ydata()) == sorted(line.get_ydata())  # less bandwidth is never faster
    assert ax.get_xlabel().startswith("ridge point") and ax.get_ylabel() == "latency (ms, estimated)"
    out = tmp_path / "ridge.svg"
    assert run("plot", "ridge", "--from", report, "-o", out).exit_code == 0 and out.stat().st_size > 0
    spec_given = run("plot", "ridge", "mobilenet_v2", "-o", tmp_path / "x.svg")
    assert spec_given.exit_code == 2 and "--from" in spec_given.stderr and not (tmp_path / "x.svg").exists()
