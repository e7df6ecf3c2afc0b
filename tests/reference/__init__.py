"""Reference PyTorch modules for the published MobileNet-family networks, written for the tests.

timm and torchvision cannot be installed beside the pinned torch, so these are compact re-implementations,
written from their published source, of the parts that decide a network's cost: every conv's channels,
kernel, stride, groups and bias, every norm, the squeeze-and-excitation widths, the rounding rules and the
head. Dropout, drop-path and weight init are left out (they change no count). Each rule names the timm or
torchvision file and function it follows. They are the independent witness for mbcost's counts.

Importing this package needs torch; tests call ``pytest.importorskip("torch")`` before importing it.

- ``timm_efficientnet``: timm's block-string decoder (``_efficientnet_builder.py``), its blocks
  (``_efficientnet_blocks.py``) and the ``EfficientNet`` / ``MobileNetV3`` model classes; generators for
  EfficientNet-B0..B7, EfficientNetV2-S, MnasNet-A1 (semnasnet), FBNet-C, MixNet-S, LCNet, MobileNetV4-Conv.
- ``timm_ghostnet``: GhostNet v1 (``ghostnet.py``).
- ``torchvision_nets``: torchvision's EfficientNet B0..B7 and V2-S, MNASNet (B1) and ShuffleNetV2.
- ``measure``: parameter count and conv+linear MACs (``FlopCounterMode`` FLOPs / 2).
"""
