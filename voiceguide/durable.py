"""Writing files so that a crash or a kill leaves the old version or the new
one, never half of either: a private temp file, fsync, rename, fsync of the
folder."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes_atomic(path: Path, data: bytes, sync_dir: bool = True) -> None:
    """Temp file (0600), fsync, rename; the folder is fsynced too unless the
    caller batches that. A failed write leaves the old file as it was."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        try:
            os.fchmod(fd, FILE_MODE)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(path.parent)
