"""Writing a file atomically: readers of the target see the old text or the new, never half of one."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errors import SpecError


def write_atomically(path: Path, text: str, field: str = "") -> None:
    """Write `text` to `path` through a temporary file in the same folder, renamed over the target (with
    the target's permissions). A target that is not a regular file (a device, a pipe, a symlink) is
    written through instead: renaming over it would replace it. Failures are SpecErrors naming `field`
    (the option that named the file)."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if not folder.is_dir():
            raise SpecError("the folder to write to does not exist", file=str(path), field=field)
        if path.is_symlink() or (path.exists() and not path.is_file()):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            return
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError) as error:
        raise SpecError(f"cannot write: {getattr(error, 'strerror', None) or error}", file=str(path), field=field) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
