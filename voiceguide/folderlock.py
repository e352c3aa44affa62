"""One notes folder, one changer: sessions share it, encrypt/decrypt take it alone.

An flock on ``<notes>/.voiceguide.lock``: released when its descriptor
closes or the process ends, even by SIGKILL, so a killed run never leaves the
folder locked. Windows has no flock: there the folder is not locked.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from voiceguide.errors import BadInput
from voiceguide.sealed import FILE_MODE

LOCK_NAME = ".voiceguide.lock"

def _lock(root: Path, exclusive: bool) -> int | None:
    """An flock on the folder's lock file (released when the fd closes, or the
    process dies, even by SIGKILL); BlockingIOError when it is taken."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks
        return None
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                    | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    return fd


def hold_shared(root: Path) -> Callable[[], None]:
    """A session holds its notes folder while it runs, so turning encryption
    on or off cannot start under it (nor it under them); call the returned
    function to let go. A killed process lets go by itself."""
    try:
        fd = _lock(root, exclusive=False)
    except BlockingIOError:
        raise BadInput(
            f"your notes in {root} are being encrypted or decrypted right now",
            "Wait until that has finished, then start again.",
        ) from None
    except OSError:
        fd = None  # a read-only folder: check_writable has its own message

    def release() -> None:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    return release


@contextlib.contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """Only one command changes the folder's encryption, and no session runs."""
    try:
        fd = _lock(root, exclusive=True)
    except BlockingIOError:
        raise BadInput(
            f"voiceguide is using the notes in {root} right now",
            "Finish that session (or wait for the other command), then run "
            "this again.",
        ) from None
    except OSError:
        fd = None  # no lock file can be made: the writes will say why
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)
