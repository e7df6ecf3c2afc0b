"""Shared helpers: write a small spec to a temporary file and analyze it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mbcost import analyze_spec

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def write_spec(tmp_path):
    """write_spec(body, name="net") -> path of a YAML file holding the dedented body."""

    def write(body: str, name: str = "net") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(textwrap.dedent(body))
        return path

    return write


@pytest.fixture
def cost_of(write_spec):
    """cost_of(body, alpha=None, resolution=None) -> Analysis of a spec written from body."""

    def run(body: str, alpha=None, resolution=None):
        return analyze_spec(write_spec(body), alpha, resolution)

    return run
