"""Writing a file atomically: readers of the target see the old text or the new, never half of one."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errors import SpecError


def write_atomically(path: Path, text: str | bytes, field: str = "") -> None:
    """Write `text` (UTF-8, or bytes as they are) to `path` through a temporary file in the same folder,
    renamed over the target (with the target's permissions): the old file stays whole until the new one is. Through a symlink, the
    file it points to is replaced the same way and the link kept. A target that is not a regular file (a
    FIFO, a device, a folder) is refused: opening a FIFO would wait for a reader, and renaming over
    anything else would replace it. Failures are SpecErrors naming `field` (the option that named the file)."""
    target = Path(os.path.realpath(path))  # the file a symlink (or a chain of them) points to
    folder = target.parent
    try:
        if not folder.is_dir():
            raise SpecError("the folder to write to does not exist", file=str(path), field=field)
        if target.exists() and not target.is_file():
            raise SpecError("not a regular file; write to a file path, or leave out --output to print", file=str(path), field=field)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError) as error:
        raise SpecError(f"cannot write: {getattr(error, 'strerror', None) or error}", file=str(path), field=field) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
