"""Weight bytes: the weights as stored once batch norm is folded into the conv before it (counts.py):
each conv+BN keeps K*K*(M/groups)*N weights and N biases; fp32 and fp16 store every value at 4 and 2
bytes, int8 stores weights at 1 byte and biases as int32. Expected values are written out from the
papers' architecture tables here, independent of the spec, graph and cost code."""

import json

import pytest

from .closed_form import V1_SEPARABLE
from .conftest import REPO, run

SIZES = {"fp32": (4, 4), "fp16": (2, 2), "int8": (1, 4)}  # bytes per (weight, bias)


def v1_stored(alpha: float = 1.0, classes: int = 1000) -> tuple[int, int]:
    """(weights, biases) of MobileNetV1 (v1 paper, Table 1), channels max(int(c * alpha), 8) (TF-slim)."""

    def width(c: int) -> int:
        return max(int(c * alpha), 8)

    m = width(32)
    weights, biases = 3 * 3 * 3 * m, m  # stem conv 3x3 + BN folded into one bias per channel
    for _, channels in V1_SEPARABLE:
        n = width(channels)
        weights += 3 * 3 * m + m * n  # depthwise, pointwise
        biases += m + n
        m = n
    return weights + m * classes, biases + classes  # classifier with bias


# MobileNetV2 paper (Sandler et al. 2018), Table 2: t (expansion), c (output channels), n (repeats), s.
V2_ROWS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def v2_stored(classes: int = 1000) -> tuple[int, int]:
    m = 32
    weights, biases = 3 * 3 * 3 * m, m
    for t, c, n, _ in V2_ROWS:
        for _ in range(n):
            hidden = m * t
            if t != 1:
                weights, biases = weights + m * hidden, biases + hidden  # 1x1 expand + BN
            weights, biases = weights + 3 * 3 * hidden + hidden * c, biases + hidden + c  # depthwise, linear 1x1 projection
            m = c
    weights, biases = weights + m * 1280, biases + 1280  # 1x1 head conv to 1280
    return weights + 1280 * classes, biases + classes


def nbytes(stored: tuple[int, int], dtype: str) -> int:
    weight, bias = SIZES[dtype]
    return stored[0] * weight + stored[1] * bias


def analysis(*args):
    result = run("analyze", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name, alpha, stored", [
    ("mobilenet_v1", 1.0, v1_stored()),
    ("mobilenet_v1", 0.5, v1_stored(0.5)),
    ("mobilenet_v2", 1.0, v2_stored()),
])
def test_totals_at_every_dtype(name, alpha, stored):
    total = analysis(name, "--alpha", alpha)["total"]
    assert {d: total[f"weight_bytes_{d}"] for d in SIZES} == {d: nbytes(stored, d) for d in SIZES}


def test_mobilenet_v2_figures():
    # 3,469,760 weights (3,504,872 params, published: torchvision's MobileNet_V2_Weights, less 17,056 x 2
    # batch-norm params and the 1,000 classifier biases) and 17,056 + 1,000 biases.
    assert v2_stored() == (3_469_760, 18_056)
    total = analysis("mobilenet_v2")["total"]
    assert total["weight_bytes_fp32"] == 4 * (3_469_760 + 18_056)
    assert total["weight_bytes_int8"] == 3_469_760 + 4 * 18_056


def test_per_layer_and_per_block():
    data = analysis("mobilenet_v1", "--dtype", "int8")
    layers = {layer["name"]: layer for layer in data["layers"]}
    # stem: a 3x3 conv, 3 -> 32 channels, with batch norm and no bias: 864 weights + 32 folded biases.
    assert layers["stem"]["weight_bytes_int8"] == 3 * 3 * 3 * 32 + 4 * 32
    assert layers["stem"]["weight_bytes_fp16"] == 2 * (3 * 3 * 3 * 32 + 32)
    # blocks.0: depthwise 3x3 on 32 channels, pointwise 32 -> 64.
    block = next(b for b in data["by_block"] if b["block"] == "blocks.0")
    assert block["weight_bytes_int8"] == (9 * 32 + 32 * 64) + 4 * (32 + 64)
    assert layers["classifier"]["weight_bytes_fp32"] == 4 * (1024 * 1000 + 1000)
    assert layers["pool"]["weight_bytes_fp32"] == 0
    for dtype in SIZES:
        key = f"weight_bytes_{dtype}"
        assert sum(b[key] for b in data["by_block"]) == sum(layer[key] for layer in data["layers"]) == data["total"][key]


def test_conv_with_bias_and_norm_stores_one_bias_per_channel(cost_of):
    # A conv with its own bias and batch norm still folds to one bias per output channel;
    # a conv with a bias and no norm keeps its bias; squeeze-and-excitation's 1x1 convs keep theirs.
    a = cost_of("""
        input: {channels: 3, resolution: 16}
        classes: 10
        stem:
          conv: {kernel: 3, stride: 1, channels: 8, bias: true}
        blocks:
          - conv: {kernel: 1, stride: 1, channels: 16, bias: true, norm: none}
        pool: average
        classifier: {}
    """)
    stored = (3 * 3 * 3 * 8 + 8 * 16 + 16 * 10, 8 + 16 + 10)
    assert (a.stored.weights, a.stored.biases) == stored
    assert a.stored.bytes("int8") == nbytes(stored, "int8")


def test_table_names_the_dtype_and_states_the_convention():
    result = run("analyze", "mobilenet_v2", "--dtype", "fp16", "--format", "markdown")
    assert "weights fp16" in result.stdout
    assert "weight storage (batch norm folded" in result.stdout and "int8 keeps int32 biases" in result.stdout


# ----------------------------------------------------------------------------------------------------
# The budget: check --max-weight-bytes and budget.max_weight_bytes, at the check's dtype.

V2_INT8 = nbytes(v2_stored(), "int8")


@pytest.mark.parametrize("limit, code", [(V2_INT8, 0), (V2_INT8 - 1, 1)])
def test_check_option(limit, code):
    result = run("check", "mobilenet_v2", "--dtype", "int8", "--max-weight-bytes", limit, "--format", "json")
    assert result.exit_code == code
    spec = json.loads(result.stdout)["specs"][0]
    assert (spec["weight_bytes"], spec["dtype"]) == (V2_INT8, "int8")
    assert spec["limits"] == [
        {"metric": "weight_bytes", "actual": V2_INT8, "limit": limit, "source": "--max-weight-bytes",
         "line": spec["costliest"]["weight_bytes"]["line"], "ok": code == 0, "used": round(V2_INT8 / limit, 6)}
    ]
    # the classifier stores the most: 1280 x 1000 int8 weights + 1000 int32 biases
    assert spec["costliest"]["weight_bytes"]["block"] == "classifier"
    assert spec["costliest"]["weight_bytes"]["amount"] == 1280 * 1000 + 4 * 1000


def test_budget_section_annotates_its_line(tmp_path):
    source = (REPO / "configs" / "mobilenet_v2.yaml").read_text()
    spec = tmp_path / "v2.yaml"
    spec.write_text(source + f"budget:\n  dtype: int8\n  max_weight_bytes: {V2_INT8 - 1}\n")
    result = run("check", spec, "--format", "github")
    assert result.exit_code == 1
    (error,) = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert error.startswith(f"::error file={spec},line={source.count(chr(10)) + 3},")
    assert "weight bytes" in error
    assert run("check", spec, "--dtype", "fp16").exit_code == 1  # fp16 stores about twice the int8 bytes
    assert run("check", spec, "--max-weight-bytes", V2_INT8).exit_code == 0


@pytest.mark.parametrize("value", ["lots", "0", "-4M", "4Q"])
def test_bad_option(value):
    result = run("check", "mobilenet_v2", "--max-weight-bytes", value)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "--max-weight-bytes" in result.stderr


def test_bad_budget_field(tmp_path):
    source = (REPO / "configs" / "mobilenet_v2.yaml").read_text()
    spec = tmp_path / "v2.yaml"
    spec.write_text(source + "budget:\n  max_weight_bytes: lots\n")
    result = run("check", spec)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"{spec}:{source.count(chr(10)) + 2}:")
