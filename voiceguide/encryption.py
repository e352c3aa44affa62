"""Turning encryption of a notes folder on and off: crash-safe and resumable.

The vault file is the journal. ``encrypt_folder`` runs with the state
"encrypting": each plain file ``x`` becomes ``x.enc`` (temp file, fsync,
rename), the folder is fsynced, then ``x`` is removed; at the end the state
becomes "on". ``decrypt_folder`` runs with "decrypting" the other way round
and deletes the vault file last, once no sealed file is left. A kill at any
moment leaves every file whole in at least one form, readable with the
passphrase; running the same command again finishes the job.

While one file has both forms, the state says which is newer (sealed.py):
so before the direction changes, such pairs are settled under the old state.

Every non-hidden file in the notes folder is sealed (notes, recordings, and
whatever else the person keeps there). Hidden folders are left alone, except
the search index's cache folder, which is emptied (it is rebuilt); leftover
temp files of killed writes are removed, as they may hold plain text.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from voiceguide import vault as vaults
from voiceguide.durable import fsync_dir
from voiceguide.errors import BadInput, NotesError
from voiceguide.sealed import (
    DECRYPTING,
    ENCRYPTING,
    FILE_MODE,
    ON,
    SEALED_SUFFIX,
    STREAM_MAGIC,
    VAULT_NAME,
    DamagedFile,
    Vault,
    plain_name,
    sealed_twin,
)

CACHE_DIR = ".voiceguide"  # the search index: a cache, rebuilt from the notes
MAX_FILE = 256 * 1024 * 1024  # sealed whole, in memory
Progress = Callable[[int, int], None]  # files done, files in all


@dataclass(frozen=True)
class Outcome:
    changed: int  # files sealed (or opened)
    problems: tuple[str, ...] = ()  # files left as they were, and why


def _folders(root: Path) -> Iterator[tuple[Path, list[str]]]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        yield Path(folder), sorted(files)


def _leftover(name: str) -> bool:
    """A temp file of a write that was killed (write_atomic's naming)."""
    return name.startswith(".") and name.endswith(".tmp")


def _settle(root: Path, vault: Vault) -> None:
    """Remove the older form of every file that has both, under the current
    state, before the state changes direction."""
    for folder, files in _folders(root):
        names = set(files)
        for name in files:
            if name.startswith(".") or not name.endswith(SEALED_SUFFIX):
                continue
            twin, plain = folder / name, folder / name[: -len(SEALED_SUFFIX)]
            if plain.name not in names:
                continue
            if not vault.sealing:
                twin.unlink()
                continue
            try:
                vault.unseal(twin.read_bytes(), vault.rel(plain), twin)
            except DamagedFile:
                twin.unlink()  # unreadable: the plain copy is all there is
                continue
            plain.unlink()
        fsync_dir(folder)


def _count(root: Path, sealed: bool) -> int:
    return sum(1 for _, files in _folders(root) for n in files
               if not n.startswith(".") and n.endswith(SEALED_SUFFIX) == sealed)


def _clear_cache(root: Path, sealed: bool) -> None:
    """Drop the index's files of the form being left (it is rebuilt)."""
    cache = root / CACHE_DIR
    if not cache.is_dir():
        return
    for folder, _dirs, files in os.walk(cache):
        for name in files:
            if name.endswith(SEALED_SUFFIX) == sealed:
                (Path(folder) / name).unlink(missing_ok=True)
        fsync_dir(Path(folder))


def _turn(root: Path, vault: Vault, state: str) -> None:
    info = vaults.read_info(root)
    assert info is not None
    if (info.state == DECRYPTING) != (state == DECRYPTING):
        vault.state = info.state
        _settle(root, vault)
    if info.state != state:
        vaults.set_state(root, state)
    vault.state = state


class _Batch:
    """Temp files written at once, then fsynced and renamed together: about
    twice as fast as one by one, and just as safe, since a source is removed
    only after its folder is fsynced (``retire``)."""

    LIMIT = 64  # open files at a time

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._open: list[tuple[int, Path, Path]] = []
        self._done: list[Path] = []  # sources whose new form is renamed in

    def add(self, path: Path, data: bytes, source: Path) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        self._open.append((fd, tmp, path))
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        self._done.append(source)
        if len(self._open) >= self.LIMIT:
            self.commit()

    def already(self, source: Path) -> None:
        """A source whose new form was made before a kill."""
        self._done.append(source)

    def commit(self) -> None:
        for fd, _tmp, _path in self._open:
            os.fsync(fd)
        for fd, tmp, path in self._open:
            os.close(fd)
            os.replace(tmp, path)
        self._open.clear()

    def retire(self) -> None:
        """Make every rename durable, then remove the sources."""
        self.commit()
        if self._done:
            fsync_dir(self.folder)
            for source in self._done:
                source.unlink(missing_ok=True)
            fsync_dir(self.folder)
        self._done.clear()

    def abandon(self) -> None:
        for fd, tmp, _path in self._open:
            with contextlib.suppress(OSError):
                os.close(fd)
            tmp.unlink(missing_ok=True)
        self._open.clear()


def _full(e: OSError, command: str) -> NotesError:
    return NotesError(
        f"{command}ing your notes stopped half way ({e.strerror or e})",
        "Every note is still readable with the passphrase. Free some disk "
        f"space, then run 'voiceguide {command}' again to finish.",
    )


def encrypt_folder(root: Path, vault: Vault,
                   progress: Progress | None = None) -> Outcome:
    """Seal every plain file under ``root``; resumes an interrupted run."""
    info = vaults.read_info(root)
    assert info is not None, "create the vault first"
    _turn(root, vault, ON if info.state == ON else ENCRYPTING)
    total, done, problems = _count(root, sealed=False), 0, []
    for folder, files in _folders(root):
        names, batch = set(files), _Batch(folder)
        try:
            for name in files:
                path = folder / name
                if _leftover(name):
                    path.unlink(missing_ok=True)
                    continue
                if name.startswith(".") or name.endswith(SEALED_SUFFIX) or \
                        path.is_symlink() or not path.is_file():
                    continue
                done += 1
                twin = sealed_twin(path)
                if twin.name in names:  # sealed before a kill: it is the newer
                    try:
                        vault.unseal(twin.read_bytes(), vault.rel(path), twin)
                        batch.already(path)
                        continue
                    except DamagedFile:
                        pass  # seal again from the plain copy, which is whole
                if path.stat().st_size > MAX_FILE:
                    problems.append(f"{path}: too big to encrypt here; move it "
                                    "out of the notes folder")
                    continue
                batch.add(twin, vault.seal(path.read_bytes(), vault.rel(path)), path)
                if progress:
                    progress(done, total)
            batch.retire()
        except OSError as e:
            batch.abandon()
            raise _full(e, "encrypt") from None
    _clear_cache(root, sealed=False)
    vaults.set_state(root, ON)
    return Outcome(done - len(problems), tuple(problems))


def decrypt_folder(root: Path, vault: Vault,
                   progress: Progress | None = None) -> Outcome:
    """Open every sealed file under ``root``; resumes an interrupted run. The
    vault file is deleted only when no sealed file is left."""
    from voiceguide.wavfile import fix_sizes

    _turn(root, vault, DECRYPTING)
    total, done, problems = _count(root, sealed=True), 0, []
    for folder, files in _folders(root):
        names, batch = set(files), _Batch(folder)
        try:
            for name in files:
                twin = folder / name
                if _leftover(name):
                    twin.unlink(missing_ok=True)
                    continue
                if name.startswith(".") or not name.endswith(SEALED_SUFFIX):
                    continue
                done += 1
                path = plain_name(twin)
                if path.name in names:  # opened before a kill: it is the newer
                    batch.already(twin)
                    continue
                try:
                    blob = twin.read_bytes()
                    data = vault.unseal(blob, vault.rel(path), twin)
                except DamagedFile as e:
                    problems.append(e.message)
                    continue
                if blob[:4] == STREAM_MAGIC and path.suffix.lower() == ".wav":
                    with contextlib.suppress(BadInput):  # cut off before audio
                        data = fix_sizes(data, twin)  # the recording's length
                batch.add(path, data, twin)
                if progress:
                    progress(done, total)
            batch.retire()
        except OSError as e:
            batch.abandon()
            raise _full(e, "decrypt") from None
    _clear_cache(root, sealed=True)
    if not problems and (root / VAULT_NAME).exists():
        vaults.remove(root)
    return Outcome(done - len(problems), tuple(problems))
