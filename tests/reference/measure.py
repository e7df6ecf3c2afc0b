"""Measurements of a reference module: parameters and conv + linear MACs.

MACs follow mbcost's convention: multiply-accumulates of convolutions and linear layers, batch 1, bias
excluded. `torch.utils.flop_counter.FlopCounterMode` counts aten convolution, mm, addmm, bmm (2 FLOPs
per multiply-accumulate) and nothing elementwise, so MACs = its total // 2.

Build a module on the meta device (`with torch.device("meta"): module = factory()`) to count shapes
only: the forward then allocates and computes nothing, and the counts are the same as on the CPU.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def params(module: nn.Module) -> int:
    """Number of parameters: sum of p.numel() (batch-norm running stats are buffers, not counted)."""
    return sum(p.numel() for p in module.parameters())


def count(module: nn.Module, input_hw, in_chans: int = 3, run_norms: bool = False) -> tuple[int, int]:
    """(conv + linear MACs, batch-norm output elements) of one batch-1 forward at input_hw (an int or
    (H, W)) in eval mode under no_grad, on the module's device.

    Batch norm does no conv or linear work, but under FlopCounterMode it is decomposed op by op in
    Python, which is most of the time of a meta-device count; unless run_norms, each BatchNorm2d passes
    its input through unchanged during the count (same shape, so no conv or linear count changes;
    tests/test_reference_models.py checks both ways agree)."""
    h, w = (input_hw, input_hw) if isinstance(input_hw, int) else input_hw
    device = next(module.parameters()).device
    module.eval()
    norms = [m for m in module.modules() if isinstance(m, nn.BatchNorm2d)]
    norm_elements = 0

    def on_norm(_module, _inputs, output):
        nonlocal norm_elements
        norm_elements += output.numel()

    def skip_norm(_module, x):
        return x

    hooks = [m.register_forward_hook(on_norm) for m in norms]
    if not run_norms:
        for m in norms:
            m.forward = skip_norm.__get__(m)
    counter = FlopCounterMode(display=False)
    try:
        with torch.no_grad(), counter:
            module(torch.zeros(1, in_chans, h, w, device=device))
    finally:
        for hook in hooks:
            hook.remove()
        for m in norms:
            m.__dict__.pop("forward", None)
    flops = counter.get_total_flops()
    assert flops % 2 == 0, flops
    return flops // 2, norm_elements


def conv_linear_macs(module: nn.Module, input_hw, in_chans: int = 3) -> int:
    """Conv + linear MACs: FlopCounterMode's total // 2 on a batch-1 eval forward under no_grad."""
    return count(module, input_hw, in_chans)[0]


def fvcore_macs(module: nn.Module, input_hw, in_chans: int = 3) -> int:
    """What fvcore's FlopCountAnalysis reports (timm benchmark.py `profile_fvcore`, the `infer_gmacs`
    column of timm's results/benchmark-*.csv): conv + linear MACs plus 2 per batch-norm element in eval
    mode with affine (fvcore/nn/jit_handles.py batchnorm_flop_jit). fvcore's global-pool term, if any,
    is far below the CSV's 0.01 GMAC rounding and is left out."""
    macs, norm_elements = count(module, input_hw, in_chans)
    return macs + 2 * norm_elements
