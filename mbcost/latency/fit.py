"""Fitting a device profile to measured layer times: per op kind, the roof (peak MACs/s, bandwidth, overhead
per kernel) that minimises the squared error of log time, max(m / peak, b / bandwidth) + k * overhead
against the measurement, so that a 10 us layer weighs as much as a 10 ms one. Pure Python: a coarse grid
around what the data suggests, then Nelder-Mead on the logs of the three parameters."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .measurements import Sample
from .profile import Device, Roof

MIN_SAMPLES = 4  # a kind measured fewer times keeps the device-wide roof
NO_OVERHEAD = math.log(1e-12)  # the log of an overhead too small to matter: the fit's floor


def predict(roof: Roof, sample: Sample) -> float:
    return max(sample.macs / roof.peak_macs_per_s, sample.bytes_moved / roof.bandwidth_bytes_per_s) + sample.kernels * roof.overhead_s


def _loss(samples: Sequence[Sample], logs: Sequence[float], p: float, b: float, o: float) -> float:
    peak, bandwidth, overhead = math.exp(p), math.exp(b), math.exp(o)
    total = 0.0
    for s, log_t in zip(samples, logs):
        t = max(s.macs / peak, s.bytes_moved / bandwidth) + s.kernels * overhead
        total += (math.log(t) - log_t) ** 2
    return total


def _nelder_mead(f: Callable[[list[float]], float], start: list[float], step: float = 0.5, rounds: int = 400) -> list[float]:
    """Minimise f from `start` (Nelder and Mead 1965, standard coefficients)."""
    n = len(start)
    simplex = [list(start)] + [[x + (step if i == j else 0.0) for j, x in enumerate(start)] for i in range(n)]
    values = [f(x) for x in simplex]
    for _ in range(rounds):
        order = sorted(range(n + 1), key=values.__getitem__)
        simplex, values = [simplex[i] for i in order], [values[i] for i in order]
        if values[-1] - values[0] < 1e-12 and max(abs(a - b) for x in simplex[1:] for a, b in zip(x, simplex[0])) < 1e-6:
            break
        centre = [sum(x[j] for x in simplex[:-1]) / n for j in range(n)]
        worst = simplex[-1]
        reflected = [c + (c - w) for c, w in zip(centre, worst)]
        fr = f(reflected)
        if fr < values[0]:
            expanded = [c + 2 * (c - w) for c, w in zip(centre, worst)]
            fe = f(expanded)
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            contracted = [c + 0.5 * (w - c) for c, w in zip(centre, worst)]
            fc = f(contracted)
            if fc < values[-1]:
                simplex[-1], values[-1] = contracted, fc
            else:
                best = simplex[0]
                simplex = [best] + [[b + 0.5 * (x - b) for b, x in zip(best, point)] for point in simplex[1:]]
                values = [values[0]] + [f(x) for x in simplex[1:]]
    return simplex[min(range(n + 1), key=values.__getitem__)]


def fit_roof(samples: Sequence[Sample], fallback: Roof | None = None) -> Roof:
    """The roof that fits `samples` best. Without MACs among them (adds, pools) the peak cannot be seen:
    it is the fallback's, and only bandwidth and overhead are fitted."""
    logs = [math.log(s.seconds) for s in samples]
    has_macs = any(s.macs for s in samples)
    # What the data shows at least: the fastest rate any layer reached, in MACs and in bytes.
    p0 = math.log(max(s.macs / s.seconds for s in samples)) if has_macs else math.log(fallback.peak_macs_per_s)
    b0 = math.log(max(s.bytes_moved / s.seconds for s in samples))
    o0 = math.log(min(s.seconds / s.kernels for s in samples))
    grid_p = [p0 + math.log(10) * d for d in (0, 0.25, 0.5, 1, 1.5, 2)] if has_macs else [p0]
    grid_b = [b0 + math.log(10) * d for d in (0, 0.25, 0.5, 1, 1.5, 2)]
    grid_o = [NO_OVERHEAD] + [o0 + math.log(10) * d for d in (-3, -2, -1, -0.5, 0)]
    best = min(((p, b, o) for p in grid_p for b in grid_b for o in grid_o), key=lambda x: _loss(samples, logs, *x))

    if has_macs:
        def f(x: list[float]) -> float:
            return _loss(samples, logs, x[0], x[1], max(x[2], NO_OVERHEAD))

        p, b, o = _nelder_mead(f, list(best))
        p, b, o = _nelder_mead(f, [p, b, o], step=0.05)  # restarted small: the simplex may have collapsed
    else:
        def g(x: list[float]) -> float:
            return _loss(samples, logs, p0, x[0], max(x[1], NO_OVERHEAD))

        b, o = _nelder_mead(g, [best[1], best[2]])
        b, o = _nelder_mead(g, [b, o], step=0.05)
        p = p0
    overhead = 0.0 if o <= NO_OVERHEAD + 1e-9 else math.exp(o)
    return Roof(math.exp(p), math.exp(b), overhead)


def fit_device(samples: Sequence[Sample], name: str, source: str) -> Device:
    """A device-wide roof fitted to every sample, and a roof of its own for each kind measured at least
    MIN_SAMPLES times, in the order kinds first appear."""
    base = fit_roof(samples)
    kinds = []
    for kind in dict.fromkeys(s.kind for s in samples):
        own = [s for s in samples if s.kind == kind]
        if len(own) >= MIN_SAMPLES:
            kinds.append((kind, fit_roof(own, base)))
    return Device(name, base, tuple(kinds), source)


def profile_yaml(device: Device) -> str:
    """The profile as `mbcost --device FILE` reads it (profile.py): counts as integers, overheads in ns."""

    def roof_fields(roof: Roof, peak: bool = True) -> list[str]:  # a kind's peak is left out where it is the device's
        out = [f"peak_macs_per_s: {round(roof.peak_macs_per_s)}"] if peak else []
        out.append(f"bandwidth_bytes_per_s: {max(1, round(roof.bandwidth_bytes_per_s))}")
        out.append(f"overhead_s: {roof.overhead_s * 1e9:.1f}ns")
        return out

    lines = [f"name: {_quoted(device.name)}", f"source: {_quoted(device.source)}", *roof_fields(device.roof)]
    if device.kinds:
        lines.append("kinds:")
        for kind, roof in device.kinds:
            lines.append(f"  {kind}: {{{', '.join(roof_fields(roof, roof.peak_macs_per_s != device.roof.peak_macs_per_s))}}}")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar
