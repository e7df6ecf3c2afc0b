"""Calibration: a device profile fitted to training measurements (fit.py), and its accuracy on held-out ones
beside the MACs baseline (accuracy.py), per layer and per network (a network's time: the sum of its layers')."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .accuracy import Accuracy, accuracy, seconds_per_mac
from .fit import fit_device, predict
from .measurements import Measurement
from .profile import Device


@dataclass(frozen=True)
class Level:
    name: str  # "layers" or "networks"
    roofline: Accuracy
    macs: Accuracy  # MACs times one fitted constant


@dataclass(frozen=True)
class Calibration:
    device: Device
    training: tuple[Measurement, ...]
    evaluated: tuple[Measurement, ...]  # the held-out measurements, or the training ones when none are held out
    held_out: bool
    levels: tuple[Level, ...]


def network_seconds(device: Device, m: Measurement) -> float:
    return sum(predict(device.roof_of(s.kind), s) for s in m.samples)


def calibrate(training: Sequence[Measurement], held_out: Sequence[Measurement], name: str, source: str) -> Calibration:
    samples = [s for m in training for s in m.samples]
    device = fit_device(samples, name, source)
    evaluated = tuple(held_out) or tuple(training)
    per_mac = seconds_per_mac([s.macs for s in samples], [s.seconds for s in samples])
    per_mac_network = seconds_per_mac([m.macs for m in training], [m.seconds for m in training])
    layers = [s for m in evaluated for s in m.samples]
    measured = [s.seconds for s in layers]
    levels = [Level(
        "layers",
        accuracy([predict(device.roof_of(s.kind), s) for s in layers], measured),
        accuracy([per_mac * s.macs for s in layers], measured),
    )]
    totals = [m.seconds for m in evaluated]
    levels.append(Level(
        "networks",
        accuracy([network_seconds(device, m) for m in evaluated], totals),
        accuracy([per_mac_network * m.macs for m in evaluated], totals),
    ))
    return Calibration(device, tuple(training), evaluated, bool(held_out), tuple(levels))
