"""Published figures, each with its source. The counts must match exactly where the source gives exact
integers, and within the source's rounding where it gives millions."""

import pytest

from mbcost import analyze_spec


def without(analysis, name):
    """Totals of the network without node `name` (TF-slim reports the body without the classifier)."""
    layer = next(layer for layer in analysis.layers if layer.node.name == name)
    return analysis.total - layer.cost


def test_mobilenet_v1_tf_slim_docstring():
    # TF-slim nets/mobilenet_v1.py module docstring, 1.0 MobileNet-224 without the classifier:
    # "Total: 3,185,088 parameters, 567,716,352 multiply-adds".
    a = analyze_spec("mobilenet_v1")
    body = without(a, "classifier")
    assert body.macs == 567_716_352
    assert body.weights == 3_185_088


def test_mobilenet_v1_with_classifier_paper_tables_4_and_6():
    # With the 1024x1000 fully connected layer: 567,716,352 + 1024*1000 MACs and
    # 3,185,088 + 1024*1000 weights; the paper (Tables 4 and 6) rounds these to 569M and 4.2M.
    a = analyze_spec("mobilenet_v1")
    assert a.total.macs == 567_716_352 + 1024 * 1000 == 568_740_352
    assert a.total.weights == 3_185_088 + 1024 * 1000 == 4_209_088
    assert round(a.total.macs / 1e6) == 569
    assert round(a.total.weights / 1e6, 1) == 4.2


def test_mobilenet_v1_as_standard_convs_paper_table_4():
    # MobileNet v1 paper, Table 4: "Conv MobileNet" (full convolutions) 4866M mult-adds, 29.3M params.
    a = analyze_spec("mobilenet_v1")
    assert a.standard.macs == pytest.approx(4866e6, rel=1e-3)
    assert round(a.standard.weights / 1e6, 1) == 29.3


@pytest.mark.parametrize(
    "alpha, macs_m, params_m",
    # MobileNet v1 paper, Table 6 (224 px): width multiplier vs million mult-adds and parameters.
    [(1.0, 569, 4.2), (0.75, 325, 2.6), (0.5, 149, 1.3), (0.25, 41, 0.5)],
)
def test_mobilenet_v1_width_multiplier_paper_table_6(alpha, macs_m, params_m):
    a = analyze_spec("mobilenet_v1", width_multiplier=alpha)
    assert round(a.total.macs / 1e6) == macs_m
    assert round(a.total.params / 1e6, 1) == params_m


@pytest.mark.parametrize(
    "resolution, macs_m",
    # MobileNet v1 paper, Table 7 (1.0 MobileNet): resolution vs million mult-adds.
    [(224, 569), (192, 418), (160, 290), (128, 186)],
)
def test_mobilenet_v1_resolution_paper_table_7(resolution, macs_m):
    # The paper's integer millions are sometimes rounded, sometimes truncated (290.8M is printed 290).
    a = analyze_spec("mobilenet_v1", resolution=resolution)
    assert abs(a.total.macs / 1e6 - macs_m) < 1


def test_mobilenet_v2_torchvision():
    # torchvision MobileNet_V2_Weights.IMAGENET1K_V1 meta: num_params 3,504,872; its MACs measured with
    # torch.utils.flop_counter.FlopCounterMode are 601,548,544 FLOPs = 300,774,272 MACs.
    a = analyze_spec("mobilenet_v2")
    assert a.total.macs == 300_774_272
    assert a.total.params == 3_504_872
    # MobileNetV2 paper, Table 4: 300M mult-adds (its 3.4M params excludes batch norm and rounds down).
    assert abs(a.total.macs / 1e6 - 300) < 1


@pytest.mark.parametrize(
    "alpha, resolution, macs_m, params_m",
    # TF-slim research/slim/nets/mobilenet/README.md, table of MobileNetV2 checkpoints:
    # MACs (M), printed truncated to whole millions, and parameters (M). TF-slim's classifier has 1001
    # outputs and no batch norm params are counted there, so params compare against weights + biases,
    # within the table's rounding. (tests/test_sweep.py checks the full 21-entry MACs grid.)
    [
        (1.4, 224, 582, 6.06),
        (1.3, 224, 509, 5.34),
        (1.0, 224, 300, 3.47),
        (0.75, 224, 209, 2.61),
        (0.5, 224, 97, 1.95),
        (0.35, 224, 59, 1.66),
        (1.0, 192, 221, 3.47),
        (1.0, 160, 154, 3.47),
        (1.0, 128, 99, 3.47),
        (1.0, 96, 56, 3.47),
        (0.35, 96, 11, 1.66),
    ],
)
def test_mobilenet_v2_tf_slim_checkpoint_table(alpha, resolution, macs_m, params_m):
    a = analyze_spec("mobilenet_v2", width_multiplier=alpha, resolution=resolution)
    assert 0 <= a.total.macs - macs_m * 10**6 < 10**6
    assert round((a.total.weights + a.total.biases) / 1e6, 2) == pytest.approx(params_m, abs=0.011)
