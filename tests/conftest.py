"""Shared helpers: write a small spec to a temporary file and analyze it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from mbcost import analyze_spec
from mbcost.cli import cli

REPO = Path(__file__).resolve().parent.parent


def run(*args):
    """`mbcost ARGS...` through click's runner; any exception but the exit itself fails the test."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


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


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", help="rewrite tests/golden/ from the current code")
