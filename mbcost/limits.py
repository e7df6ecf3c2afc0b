"""Caps that keep every run bounded. Each is generous: a spec that hits one is almost surely a mistake."""

MAX_FILE_BYTES = 1 << 20  # 1 MiB of YAML is far beyond any hand-written architecture
MAX_REPORT_BYTES = 256 << 20  # a baseline JSON report: ~0.8 KB a layer, so MAX_LAYERS fit many times over
MAX_YAML_NODES = 200_000  # after alias expansion: refuses "billion laughs" files
MAX_NESTING = 50  # mappings inside sequences inside mappings ...
MAX_REPEAT = 10_000  # copies of one spec row (MobileNetV1's longest run is 5)
# Primitive nodes in the expanded graph. MobileNetV1/V2 have under 100 and the deepest nets of the
# family a few hundred; 50,000 admits a 10,000-block stress spec (benchmarks/workloads.py) while the
# slowest accepted run stays at seconds (benchmarks/limits_timing.py).
MAX_LAYERS = 50_000
MAX_CHANNELS = 100_000  # after width scaling
# `mbcost verify` builds and runs one PyTorch module per layer, some 5 ms each: 5,000 layers (ten times
# the deepest real member of the family) take about half a minute (benchmarks/verify_bench.py).
MAX_VERIFY_LAYERS = 5_000
MAX_RESOLUTION = 16_384  # pixels per side
# Images in one inference. Counts are exact integers at any batch; the cap keeps a typo (an extra zero or
# five) from reading as a plan, far above any batch a device runs.
MAX_BATCH = 65_536
MAX_KERNEL = 63
MAX_STRIDE = 32
MAX_WIDTH_MULTIPLIER = 16.0
MAX_DEPTH = 16.0  # the repeats multiplier; EfficientNet-B7 uses 3.1
MAX_EXPANSION = 64.0
MAX_CLASSES = 1_000_000
