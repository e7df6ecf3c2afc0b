"""The `mbcost analyze` and `mbcost list` commands: formats, the JSON contract, --output, built-in names."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from .conftest import REPO, run


def test_table_shows_layers_totals_and_rollups():
    result = run("analyze", "mobilenet_v1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "blocks.12.pointwise" in out and "classifier" in out
    assert "568.7M" in out  # 568,740,352 MACs, readable
    assert "by op kind" in out and "by block" in out
    assert "as standard convs" in out


def test_json_contract():
    result = run("analyze", "mobilenet_v2", "--alpha", "0.75", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1
    assert data["model"] == "mobilenet_v2"
    assert data["alpha"] == 0.75 and data["resolution"] == 224
    for key in ("macs", "params", "weights", "biases", "norm_params", "norm_buffers", "standard_macs", "standard_params", "other_ops"):
        assert isinstance(data["total"][key], int), key
    t = data["total"]
    assert t["params"] == t["weights"] + t["biases"] + t["norm_params"]
    assert t["other_ops"] == t["norm_ops"] + t["activation_ops"] + t["add_ops"] + t["pool_ops"] + t["multiply_ops"]
    first = data["layers"][0]
    assert first["name"] == "stem" and first["op"] == "conv"
    assert first["input_shape"] == [3, 224, 224] and first["output_shape"] == [24, 112, 112]  # 32*0.75
    assert sum(layer["macs"] for layer in data["layers"]) == t["macs"]
    assert sum(layer["params"] for layer in data["layers"]) == t["params"]


def test_json_model_is_the_file_stem(tmp_path):
    spec = tmp_path / "my_net.yaml"
    spec.write_text((REPO / "configs" / "mobilenet_v1.yaml").read_text())
    data = json.loads(run("analyze", str(spec), "--format", "json").stdout)
    assert data["model"] == "my_net"


def test_csv_has_exact_integers_per_layer():
    result = run("analyze", "mobilenet_v1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["name"] == "stem"
    assert rows[0]["macs"] == str(3 * 3 * 3 * 32 * 112 * 112)
    assert sum(int(r["macs"]) for r in rows) == 568_740_352


def test_markdown_is_a_table():
    out = run("analyze", "mobilenet_v2", "--format", "markdown").stdout
    assert out.startswith("## mobilenet_v2")
    assert "| layer | op |" in out and "| blocks.0.depthwise |" in out


@pytest.mark.parametrize("resolution, stem_out", [(160, 80), (97, 49)])
def test_resolution_override(resolution, stem_out):
    data = json.loads(run("analyze", "mobilenet_v2", "--resolution", str(resolution), "--format", "json").stdout)
    assert data["layers"][0]["output_shape"] == [32, stem_out, stem_out]


def test_width_multiplier_alias():
    a = json.loads(run("analyze", "mobilenet_v1", "--width-multiplier", "0.5", "--format", "json").stdout)
    assert a["alpha"] == 0.5
    assert a["layers"][0]["output_shape"][0] == 16  # max(int(32 * 0.5), 8)


def test_output_file_is_written(tmp_path):
    target = tmp_path / "report.json"
    result = run("analyze", "mobilenet_v2", "--format", "json", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["total"]["macs"] == 300_774_272
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind


def test_output_untouched_on_bad_input(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("previous")
    bad = tmp_path / "bad.yaml"
    bad.write_text("classes: 10\ninput: {resolution: -1}\n")
    result = run("analyze", str(bad), "--format", "json", "--output", str(target))
    assert result.exit_code == 2
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "report.json"]


def test_table_output_to_file(tmp_path):
    target = tmp_path / "report.txt"
    assert run("analyze", "mobilenet_v1", "--output", str(target)).exit_code == 0
    assert "568.7M" in target.read_text()


def test_list_shows_builtin_specs():
    out = run("list").stdout
    assert "mobilenet_v1" in out and "mobilenet_v2" in out


def test_builtin_name_from_any_directory(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "mbcost", "analyze", "mobilenet_v2", "--format", "json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"]["macs"] == 300_774_272


def test_analysis_path_imports_neither_torch_nor_numpy():
    # nor onnx: `mbcost import` reads ONNX files, and only it imports onnx
    code = (
        "import sys\n"
        "from mbcost.cli import cli\n"
        "try:\n"
        "    cli.main(['analyze', 'mobilenet_v2', '--alpha', '0.75'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy', 'onnx', 'onnxruntime'))\n"
        "print('heavy:', bad, file=sys.stderr)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_json_text_holds_exactly_the_report():
    # The json format lays rows out one per line; the content must be to_dict's.
    from mbcost import analyze_spec
    from mbcost.report.formats import json as json_format
    from mbcost.report.views import analysis

    for name in ("mobilenet_v1", "mobilenet_v3_small"):
        a = analyze_spec(name, width_multiplier=0.75, resolution=97)
        assert json.loads(json_format.render(analysis.document(a))) == json.loads(json.dumps(analysis.to_dict(a)))


def test_long_tables_show_head_and_tail(tmp_path):
    # 1,000 depthwise layers: the rich table shows the first 300 and last 50 (table.TABLE_HEAD/TAIL),
    # says how many it left out, and keeps the totals complete; json still lists all 1,000.
    spec = tmp_path / "deep.yaml"
    spec.write_text("input: {channels: 4, resolution: 9}\nclasses: 10\nblocks:\n  - depthwise: {repeat: 1000}\n")
    out = run("analyze", str(spec)).stdout
    assert "blocks.299 " in out and "blocks.300 " not in out and "blocks.949 " not in out and "blocks.950 " in out
    assert "650 of 1,000 layers not shown" in out and "650 of 1,000 blocks not shown" in out
    macs = 1000 * 3 * 3 * 4 * 9 * 9  # depthwise K*K*M*DF*DF, every layer
    assert f"{macs:,} MACs" in out
    assert len(json.loads(run("analyze", str(spec), "--format", "json").stdout)["layers"]) == 1000


@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_narrow_terminals_drop_columns_not_digits(width):
    import io

    from rich.console import Console

    from mbcost import analyze_spec
    from mbcost.report.formats import table
    from mbcost.report.views import analysis

    buffer = io.StringIO()
    table.draw(analysis.document(analyze_spec("mobilenet_v2")), Console(file=buffer, width=width))
    out = buffer.getvalue()
    assert "…" not in out  # nothing cut to an ellipsis
    assert "blocks.16.project" in out and "300.8M" in out and "3.505M" in out  # names and totals whole
    assert max(len(line) for line in out.splitlines()) <= width


@pytest.mark.parametrize("width", [80, 100])
def test_compare_and_sweep_tables_fit_without_cutting_numbers(width):
    import io

    from rich.console import Console

    from mbcost import load
    from mbcost.analysis.compare import compare_targets, parse_target
    from mbcost.analysis.sweep import sweep
    from mbcost.report.formats import table
    from mbcost.report.views import compare
    from mbcost.report.views import sweep as sweep_view

    for render in (
        lambda c: table.draw(compare.document(compare_targets(parse_target("mobilenet_v2"), parse_target("mobilenet_v3_large"))), c),
        lambda c: table.draw(sweep_view.document(sweep(load("mobilenet_v1"), (1.0, 0.5), (224, 128), 300_000_000, None)), c),
    ):
        buffer = io.StringIO()
        render(Console(file=buffer, width=width))
        assert "…" not in buffer.getvalue()
