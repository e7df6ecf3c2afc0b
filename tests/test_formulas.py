"""Closed-form witnesses: each op kind's counts written as the v1 paper's formulas (eqs. 2-7), at odd
sizes and strides, against what mbcost computes from a spec."""

from fractions import Fraction

import pytest

from mbcost.arch.scaling import make_divisible, truncate


def ceil_div(a, b):
    return -(-a // b)


def node(analysis, name):
    return next(layer for layer in analysis.layers if layer.node.name == name)


@pytest.mark.parametrize("kernel", [1, 3, 5, 7])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("resolution", [97, 15, 1])
def test_standard_conv(cost_of, kernel, stride, resolution):
    m, n = 5, 11
    a = cost_of(
        f"""
        input: {{channels: {m}, resolution: {resolution}}}
        classes: 10
        defaults: {{norm: batch, activation: relu}}
        stem: {{conv: {{kernel: {kernel}, stride: {stride}, channels: {n}, scaling: none}}}}
        """
    )
    df = ceil_div(resolution, stride)  # 'same' padding
    layer = node(a, "stem")
    assert layer.node.output_shape.as_list() == [n, df, df]
    c = layer.cost
    assert c.macs == kernel * kernel * m * n * df * df  # DK*DK*M*N*DF*DF (v1 paper, eq. 2)
    assert c.weights == kernel * kernel * m * n
    assert c.biases == 0
    assert c.norm_params == 2 * n and c.norm_buffers == 2 * n
    assert c.norm_ops == n * df * df and c.activation_ops == n * df * df
    assert c.params == kernel * kernel * m * n + 2 * n


@pytest.mark.parametrize("kernel, stride, resolution", [(3, 1, 97), (3, 2, 97), (5, 2, 33), (7, 3, 31), (1, 2, 9)])
def test_depthwise_pointwise_and_separable_ratio(cost_of, kernel, stride, resolution):
    m, n = 24, 40
    a = cost_of(
        f"""
        input: {{channels: {m}, resolution: {resolution}}}
        classes: 10
        defaults: {{activation: relu6}}
        blocks:
          - depthwise: {{kernel: {kernel}, stride: {stride}}}
          - pointwise: {{channels: {n}, scaling: none}}
          - separable: {{kernel: {kernel}, stride: {stride}, channels: {n}, scaling: none}}
        """
    )
    df = ceil_div(resolution, stride)
    dw, pw = node(a, "blocks.0").cost, node(a, "blocks.1").cost
    assert dw.macs == kernel * kernel * m * df * df  # DK*DK*M*DF*DF (eq. 3)
    assert dw.weights == kernel * kernel * m
    assert pw.macs == m * n * df * df  # M*N*DF*DF (eq. 4 second term)
    assert pw.weights == m * n
    # The separable block is the same pair; its standard twin is DK*DK*M*N*DF2*DF2 with DF2 after stride.
    # The pair's input has n channels now (the output of blocks.1).
    df2 = ceil_div(df, stride)
    pair = a.pairs[0]
    assert pair.pair.depthwise == "blocks.2.depthwise" and pair.pair.pointwise == "blocks.2.pointwise"
    assert pair.cost.macs == kernel * kernel * n * df2 * df2 + n * n * df2 * df2
    assert pair.standard.macs == kernel * kernel * n * n * df2 * df2
    # Reduction in computation (eq. 5): 1/N + 1/DK^2, exactly.
    assert Fraction(pair.cost.macs, pair.standard.macs) == Fraction(1, n) + Fraction(1, kernel * kernel)


@pytest.mark.parametrize("expansion, stride, c_in, c_out", [(6, 1, 16, 16), (6, 2, 16, 16), (1, 1, 32, 16), (4, 1, 24, 32), (3, 1, 8, 8)])
def test_bottleneck(cost_of, expansion, stride, c_in, c_out):
    r = 29
    a = cost_of(
        f"""
        input: {{channels: {c_in}, resolution: {r}}}
        classes: 10
        defaults: {{norm: batch, activation: relu6}}
        blocks:
          - bottleneck: {{expansion: {expansion}, channels: {c_out}, stride: {stride}, scaling: none}}
        """
    )
    names = [layer.node.name for layer in a.layers]
    hidden = c_in * expansion
    df = ceil_div(r, stride)
    expected_names = (["blocks.0.expand"] if expansion != 1 else []) + ["blocks.0.depthwise", "blocks.0.project"]
    residual = stride == 1 and c_in == c_out
    assert names == expected_names + (["blocks.0.add"] if residual else [])
    macs = (c_in * hidden * r * r if expansion != 1 else 0) + 9 * hidden * df * df + hidden * c_out * df * df
    assert a.total.macs == macs
    weights = (c_in * hidden if expansion != 1 else 0) + 9 * hidden + hidden * c_out
    assert a.total.weights == weights
    bn_channels = (hidden if expansion != 1 else 0) + hidden + c_out
    assert a.total.norm_params == 2 * bn_channels
    # Activations after expand and depthwise only: the projection is linear (v2 paper, Section 3.2).
    assert a.total.activation_ops == (hidden * r * r if expansion != 1 else 0) + hidden * df * df
    assert a.total.add_ops == (c_out * df * df if residual else 0)


def test_residual_mismatch_is_an_error(write_spec):
    from mbcost import analyze_spec
    from mbcost.errors import SpecError

    path = write_spec(
        """
        input: {channels: 16, resolution: 32}
        classes: 10
        blocks:
          - bottleneck: {expansion: 6, channels: 24, stride: 1, residual: true}
        """
    )
    with pytest.raises(SpecError) as error:
        analyze_spec(path)
    assert error.value.line == 5 and "residual" in str(error.value)


def test_grouped_conv_and_no_norm_bias(cost_of):
    a = cost_of(
        """
        input: {channels: 12, resolution: 9}
        classes: 10
        blocks:
          - conv: {kernel: 3, channels: 18, groups: 3, norm: none, scaling: none}
        """
    )
    c = node(a, "blocks.0").cost
    assert c.macs == 3 * 3 * (12 // 3) * 18 * 9 * 9
    assert c.weights == 3 * 3 * (12 // 3) * 18
    assert c.biases == 18 and c.norm_params == 0 and c.norm_buffers == 0 and c.norm_ops == 0


def test_pool_and_classifier(cost_of):
    a = cost_of(
        """
        input: {channels: 3, resolution: 7}
        classes: 13
        stem: {conv: {kernel: 1, channels: 24, scaling: none}}
        pool: average
        classifier: {dropout: 0.2}
        """
    )
    pool, fc = node(a, "pool").cost, node(a, "classifier").cost
    assert pool.pool_ops == 24 * 7 * 7 and pool.macs == 0 and pool.params == 0
    assert fc.macs == 24 * 13 and fc.weights == 24 * 13 and fc.biases == 13
    assert a.graph.output.output_shape.as_list() == [13, 1, 1]


def test_repeat_stride_applies_to_first_copy_only(cost_of):
    a = cost_of(
        """
        input: {channels: 3, resolution: 64}
        classes: 10
        blocks:
          - separable: {channels: 16, stride: 2, repeat: 3, scaling: none}
        """
    )
    sizes = [layer.node.output_shape.height for layer in a.layers if layer.node.name.endswith("depthwise")]
    assert sizes == [32, 32, 32]
    strides = [layer.node.op.stride for layer in a.layers if layer.node.name.endswith("depthwise")]
    assert strides == [2, 1, 1]


@pytest.mark.parametrize(
    "value, expected",
    # make_divisible(v, 8): nearest multiple of 8, at least 8, never more than 10% below v.
    [(32 * 0.75, 24), (16 * 0.35, 8), (32 * 0.35, 16), (96 * 0.35, 32), (1280 * 1.4, 1792), (24 * 1.4, 32), (20, 24), (10, 16), (4, 8)],
)
def test_make_divisible(value, expected):
    assert make_divisible(value, 8) == expected


@pytest.mark.parametrize("value, expected", [(32 * 0.25, 8), (64 * 0.75, 48), (1024 * 0.25, 256), (5.9, 8), (1000.9, 1000)])
def test_truncate(value, expected):
    assert truncate(value, 8) == expected


@pytest.mark.parametrize("alpha, last", [(0.35, 1280), (0.75, 1280), (1.0, 1280), (1.4, 1792)])
def test_mobilenet_v2_last_conv_grows_only(alpha, last):
    from mbcost import analyze_spec

    a = analyze_spec("mobilenet_v2", width_multiplier=alpha)
    assert node(a, "head").node.output_shape.channels == last
    assert node(a, "classifier").node.output_shape.channels == 1000  # the class count never scales


def test_mobilenet_v2_expansion_width_uses_rounded_input():
    from mbcost import analyze_spec

    a = analyze_spec("mobilenet_v2", width_multiplier=0.35)
    # stem 32*0.35 -> 16; blocks.0 (t=1) projects to make_divisible(16*0.35)=8; blocks.1 expands 8*6 = 48.
    assert node(a, "stem").node.output_shape.channels == 16
    assert node(a, "blocks.0.project").node.output_shape.channels == 8
    assert node(a, "blocks.1.expand").node.output_shape.channels == 48


def test_whole_model_as_standard_convs_replaces_every_pair(cost_of):
    a = cost_of(
        """
        input: {channels: 3, resolution: 8}
        classes: 5
        stem: {conv: {kernel: 3, stride: 2, channels: 8, scaling: none}}
        blocks:
          - separable: {channels: 16, scaling: none}
        pool: average
        classifier: {}
        """
    )
    stem = 3 * 3 * 3 * 8 * 4 * 4
    standard_pair = 3 * 3 * 8 * 16 * 4 * 4
    fc = 16 * 5
    assert a.standard.macs == stem + standard_pair + fc
    assert a.total.macs == stem + (9 * 8 + 8 * 16) * 16 + fc
    # params of the standard model: the depthwise conv and its norm are gone, the pointwise weights
    # become the KxKxMxN standard weights; the pointwise norm stays.
    dw_params = 9 * 8 + 2 * 8
    assert a.standard.params == a.total.params - dw_params - 8 * 16 + standard_pair // 16


def test_rows_sum_to_totals():
    from mbcost import analyze_spec

    for name in ("mobilenet_v1", "mobilenet_v2"):
        a = analyze_spec(name)
        assert sum(layer.cost.macs for layer in a.layers) == a.total.macs
        assert sum(layer.cost.params for layer in a.layers) == a.total.params
        assert sum(c.macs for c in a.by_kind().values()) == a.total.macs
        assert sum(c.params for c in a.by_block().values()) == a.total.params
