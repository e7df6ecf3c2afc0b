"""The same spec gives byte-identical output in separate processes, whatever the hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(seed: str, *args: str) -> bytes:
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "mbcost", *args], cwd=ROOT, env=env, capture_output=True, check=True)
    return proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "mobilenet_v2", "--format", "json"),
        ("analyze", "configs/mobilenet_v1.yaml", "--format", "json", "--alpha", "0.75", "--resolution", "160"),
        ("schema",),
    ],
    ids=["v2-json", "v1-json-scaled", "schema"],
)
def test_byte_identical_across_processes(args):
    first, second = run("1", *args), run("4242", *args)
    assert len(first) > 1000
    assert first == second
