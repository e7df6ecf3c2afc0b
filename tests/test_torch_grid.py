"""Every shipped config at every published width multiplier and resolution (plus an odd one) verifies
exactly against its PyTorch module, per layer and in total; and the published MobileNet figures come
out of the torch modules themselves."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from mbcost import analyze, build_graph, build_module, load  # noqa: E402
from mbcost.pytorch.verify import verify  # noqa: E402
from mbcost.spec.builtin import builtin_names  # noqa: E402

ALPHAS = (1.4, 1.0, 0.75, 0.5, 0.35, 0.25)  # MobileNetV2 paper, Table 6 / torchvision and TF-slim checkpoints
RESOLUTIONS = (224, 192, 160, 128, 96, 97)  # the papers' resolutions, and an odd one


def test_shipped_configs_exist():
    assert {"mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"} <= set(builtin_names())


@pytest.mark.parametrize("resolution", RESOLUTIONS, ids=lambda r: f"r{r}")
@pytest.mark.parametrize("alpha", ALPHAS, ids=lambda a: f"a{a}")
@pytest.mark.parametrize("config", builtin_names())
def test_grid_verifies_exactly(config, alpha, resolution):
    graph = build_graph(load(config), alpha, resolution)
    result = verify(graph)
    assert [row.name for row in result.rows] == [node.name for node in graph.nodes]
    for row in result.rows:
        assert row.analytic == row.measured, row.name
        assert row.analytic_shape == row.measured_shape, row.name
    assert result.measured == result.analytic
    assert result.ok
    # The totals are measured on the whole module, independently of the rows: they also equal the rows' sum.
    assert result.measured.macs == sum(row.measured.macs for row in result.rows)
    assert result.measured.params == sum(row.measured.params for row in result.rows)


def closed_form_mobilenet_v2(resolution: int = 224, classes: int = 1000) -> tuple[int, int]:
    """(MACs, params) of MobileNetV2 1.0 from the paper's Table 2, written out independently of mbcost:
    conv 3x3 s2 to 32, bottlenecks (t, c, n, s), conv 1x1 to 1280, pool, fully connected with bias;
    batch norm (weight and bias) after every conv. 'Same' padding: size ceil(size / stride)."""
    table = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    size = -(-resolution // 2)
    macs = 3 * 3 * 3 * 32 * size * size
    params = 3 * 3 * 3 * 32 + 2 * 32
    c_in = 32
    for t, c, n, s in table:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = c_in * t
            if t != 1:
                macs += c_in * hidden * size * size
                params += c_in * hidden + 2 * hidden
            size = -(-size // stride)
            macs += 3 * 3 * hidden * size * size + hidden * c * size * size
            params += 3 * 3 * hidden + 2 * hidden + hidden * c + 2 * c
            c_in = c
    macs += c_in * 1280 * size * size + 1280 * classes
    params += c_in * 1280 + 2 * 1280 + 1280 * classes + classes
    return macs, params


def test_mobilenet_v2_published_figures_from_the_torch_module():
    # torchvision docs, MobileNet_V2_Weights.IMAGENET1K_V1: num_params 3,504,872 (0.30 GFLOPS, i.e. GMACs).
    model = build_module("mobilenet_v2")
    assert sum(p.numel() for p in model.parameters()) == 3_504_872
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch.randn(1, 3, 224, 224))
    assert list(out.shape) == [1, 1000]
    assert counter.get_total_flops() / 2 == 300_774_272
    # ... and both equal the paper's Table 2 written out in closed form above.
    assert closed_form_mobilenet_v2() == (300_774_272, 3_504_872)


def test_mobilenet_v1_published_figures_from_the_torch_module():
    # TF-slim nets/mobilenet_v1.py docstring: 3,185,088 parameters (conv weights) and 567,716,352
    # multiply-adds without the classifier; plus the 1024x1000 fully connected layer.
    with torch.device("meta"):
        model = build_module("mobilenet_v1")
    conv_weights = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv_weights == 3_185_088
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.empty(1, 3, 224, 224, device="meta"))
    assert counter.get_total_flops() / 2 == 567_716_352 + 1024 * 1000


def test_build_module_names_follow_the_graph():
    graph = build_graph(load("mobilenet_v2"))
    with torch.device("meta"):
        model = build_module("mobilenet_v2")
    modules = dict(model.named_modules())
    assert [name for name in modules if name in {n.name for n in graph.nodes}] == [n.name for n in graph.nodes]
    assert model.blocks[3].expand is modules["blocks.3.expand"]
    assert isinstance(model.blocks[3].expand.conv, torch.nn.Conv2d)
    assert model.blocks[3].depthwise.conv.groups == 144  # 24 * t (6), depthwise
    assert model.blocks[3].depthwise.conv.stride == (2, 2)  # first repeat of (6, 32, 3, 2)
    assert isinstance(model.blocks[2].add, torch.nn.Identity)  # 24 -> 24, stride 1: a residual add
    assert "blocks.1.add" not in modules and "blocks.3.add" not in modules  # stride 2: no shortcut
    assert analyze(graph).total.params == sum(p.numel() for p in model.parameters())


def test_build_module_overrides_alpha_and_resolution():
    model = build_module("mobilenet_v2", width_multiplier=0.5, resolution=97)
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 97, 97))
    assert list(out.shape) == [1, 1000]
    assert model.stem.conv.out_channels == 16  # make_divisible(32 * 0.5, 8)
    assert model.head.conv.out_channels == 1280  # grow_only: not thinned below 1
