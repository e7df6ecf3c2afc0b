"""The wheel carries every subpackage: pyproject.toml lists packages by name, so a new folder must be
added there or `pip install .` (not editable) ships a package without it."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    text = (REPO / "pyproject.toml").read_text()
    listed = set(re.findall(r'"(mbcost(?:\.[a-z_]+)*)"', text.split("packages = [", 1)[1].split("]", 1)[0]))
    folders = {
        ".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "mbcost").rglob("__init__.py")
    }
    assert folders <= listed, f"missing from pyproject.toml packages: {sorted(folders - listed)}"
