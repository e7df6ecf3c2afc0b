"""How well a predictor ranks and sizes measured times, in the terms of the latency-predictor literature
(nn-Meter, Zhang et al. 2021): the share of predictions within +-10% and +-25% of the measurement, the
mean absolute percentage error, and Spearman's rank correlation. The baseline is MACs alone, scaled by one
constant fitted on the training data (the geometric mean of time per MAC)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Accuracy:
    count: int
    within_10: float  # share of predictions within +-10% of the measurement
    within_25: float
    mape: float  # mean |predicted - measured| / measured
    spearman: float


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of their ranks."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Pearson's correlation of the ranks; 0 when either side is constant."""
    ra, rb = ranks(a), ranks(b)
    n = len(ra)
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va, vb = sum((x - ma) ** 2 for x in ra), sum((y - mb) ** 2 for y in rb)
    return cov / math.sqrt(va * vb) if va and vb else 0.0


def accuracy(predicted: Sequence[float], measured: Sequence[float]) -> Accuracy:
    errors = [abs(p - m) / m for p, m in zip(predicted, measured)]
    n = len(errors)
    return Accuracy(
        n, sum(e <= 0.10 for e in errors) / n, sum(e <= 0.25 for e in errors) / n, sum(errors) / n, spearman(predicted, measured)
    )


def seconds_per_mac(macs: Sequence[int], seconds: Sequence[float]) -> float:
    """The one constant of the MACs baseline: exp(mean(log(t / m))) over what has MACs."""
    logs = [math.log(t / m) for m, t in zip(macs, seconds) if m]
    return math.exp(sum(logs) / len(logs)) if logs else 0.0
