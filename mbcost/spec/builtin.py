"""The shipped specs (`configs/*.yaml`), found by name after any kind of install.

The wheel maps the repository's `configs/` to the package `mbcost.configs` (pyproject.toml), so there is
one copy; a source checkout without an install falls back to the `configs/` beside the package.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SpecError


def config_dir() -> Path:
    try:
        import mbcost.configs as package  # a namespace package: the folder of YAML files

        for folder in package.__path__:
            if Path(folder).is_dir():
                return Path(folder)
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "configs"


def path_exists(path: Path) -> bool:
    """`Path.exists`, but False for names the OS refuses (too long, a NUL byte) instead of raising."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def builtin_names() -> list[str]:
    return sorted(p.stem for p in config_dir().glob("*.yaml"))


def resolve(spec: str) -> tuple[Path, str]:
    """A spec argument -> (file, model name): an existing path, else a built-in name."""
    path = Path(spec)
    if path_exists(path):
        return path, path.stem
    if spec in builtin_names():
        return config_dir() / f"{spec}.yaml", spec
    if path.suffix or "/" in spec or "\\" in spec:
        return path, path.stem  # reading it reports "no such file" with the path
    from ..errors import did_you_mean

    names = builtin_names()
    raise SpecError(
        f"no such file, and not a built-in spec{did_you_mean(spec, names)}; built-in: {', '.join(names)}", file=spec
    )
