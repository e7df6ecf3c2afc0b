"""Device profiles (mbcost/latency/profile.py): the YAML format, its located errors through the real CLI,
the built-in profiles and `mbcost devices`."""

from __future__ import annotations

import json

import pytest
import yaml

from mbcost.latency.profile import device_dir, device_names, load_device, parse_device

from .conftest import run

GOOD = """\
name: phone
source: "a test"
peak_macs_per_s: 30G
bandwidth_bytes_per_s: 12G
overhead_s: 5us
kinds:
  depthwise: {peak_macs_per_s: 2G}
  add: {overhead_s: 0}
"""


def test_a_profile_reads_exactly():
    d = parse_device(GOOD, "phone.yaml")
    assert (d.name, d.source, d.roof.peak_macs_per_s, d.roof.bandwidth_bytes_per_s, d.roof.overhead_s) == ("phone", "a test", 30e9, 12e9, 5e-6)
    # a kind's roof takes the device's for what it does not say
    assert d.roof_of("depthwise").peak_macs_per_s == 2e9 and d.roof_of("depthwise").bandwidth_bytes_per_s == 12e9
    assert d.roof_of("depthwise").overhead_s == 5e-6 and d.roof_of("add").overhead_s == 0
    assert d.roof_of("pointwise") == d.roof
    assert d.roof.ridge == 2.5  # 30G MACs/s over 12G bytes/s


# (text, expected stderr after "FILE:"): every mistake is one located line, exit 2.
BAD = [
    (GOOD.replace("peak_macs_per_s: 30G\n", ""), "1:1: peak_macs_per_s: missing required field"),
    (GOOD.replace("bandwidth_bytes_per_s: 12G", "bandwidth_bytes_per_s: 0"), "4:24: bandwidth_bytes_per_s: must be positive, got 0"),
    (GOOD.replace("peak_macs_per_s: 30G", "peak_macs_per_s: -3G"), "3:18: peak_macs_per_s: must be positive, got -3G"),
    (GOOD.replace("overhead_s: 5us", "overhead_s: 5"), "5:13: overhead_s: expected a duration like 5ms, 0.5s, 250us or 800ns, got 5; write it with a unit"),
    (GOOD.replace("source:", "sorce:"), "2:1: sorce: unknown field (did you mean 'source'?); expected one of: name, source, peak_macs_per_s, bandwidth_bytes_per_s, overhead_s, kinds"),
    (GOOD.replace("  depthwise:", "  depthwsie:"), "7:3: kinds.depthwsie: unknown op kind (did you mean 'depthwise'?); expected one of: conv, pointwise, depthwise, grouped, linear, squeeze_excite, add, pool, maxpool, concat, split, channel_shuffle"),
    (GOOD.replace("{peak_macs_per_s: 2G}", "{peak: 2G}"), "7:15: kinds.depthwise.peak: unknown field; expected one of: peak_macs_per_s, bandwidth_bytes_per_s, overhead_s"),
    (GOOD.replace("{peak_macs_per_s: 2G}", "{peak_macs_per_s: 0}"), "7:32: kinds.depthwise.peak_macs_per_s: must be positive, got 0"),
    (GOOD.replace("kinds:\n  depthwise: {peak_macs_per_s: 2G}\n  add: {overhead_s: 0}\n", "kinds: 3\n"), "6:8: kinds: expected a mapping of op kinds"),
]


@pytest.mark.parametrize("text, expected", BAD)
def test_bad_profiles_are_one_located_line(tmp_path, text, expected):
    path = tmp_path / "phone.yaml"
    path.write_text(text)
    result = run("analyze", "mobilenet_v2", "--device", path)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"{path}:{expected}"), result.stderr


def test_an_unknown_device_name():
    result = run("analyze", "mobilenet_v2", "--device", "xeon-ort-cpu-1thred")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("xeon-ort-cpu-1thred: --device: no such file, and not a built-in device (did you mean 'xeon-ort-cpu-1thread'?)")


def test_builtin_profiles_cite_their_source():
    names = device_names()
    assert names, "configs/devices/ holds the built-in profiles"
    for name in names:
        device = load_device(name)
        assert len(device.source) > 40, name  # says where the numbers come from and how they were obtained
        assert yaml.safe_load((device_dir() / f"{name}.yaml").read_text())["name"] == name  # the name is the file's


def test_devices_command():
    table = run("devices")
    assert table.exit_code == 0
    for name in device_names():
        assert name in table.stdout
    data = json.loads(run("devices", "--format", "json").stdout)
    assert [d["name"] for d in data["devices"]] == device_names()
    assert all(d["source"] for d in data["devices"])
