"""A full disk while turning encryption on or off, for real: the notes folder on
a small tmpfs filled up. One clear message, every note still readable with
the passphrase and identical, no temp file left; once there is room again,
the same command finishes the job.

Mounting needs root, which CI has: there these tests must run. Elsewhere,
without root, they skip with the reason.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from vaulting import PASSPHRASE, make_notes, snapshot

from voiceguide import vault
from voiceguide.sealed import SEALED_SUFFIX, VAULT_NAME, load

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 60.0

pytestmark = pytest.mark.timeout(300)


def fill(disk: Path, leave: int) -> Path:
    """Take the free space of ``disk`` but ``leave`` bytes; the filler file."""
    path = disk / "filler"
    st = os.statvfs(disk)
    with open(path, "wb", buffering=0) as f:
        f.write(bytes(max(0, st.f_bavail * st.f_frsize - leave)))
        for size in (4096, 1):  # whatever rounding left, down to ``leave``
            try:
                while os.statvfs(disk).f_bavail * st.f_frsize > leave:
                    f.write(bytes(size))
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
    return path


def voiceguide(home: Path, notes: Path,
               command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICEGUIDE_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "voiceguide", command,
                           "--notes-dir", str(notes)], env=env,
                          input=f"{PASSPHRASE}\n{PASSPHRASE}\n", text=True,
                          capture_output=True, timeout=WAIT_S)


def readable(notes: Path, original: dict[str, bytes]) -> None:
    vault.set_unlocker(None)
    opened = vault.unlock(notes, PASSPHRASE) if vault.read_info(notes) else None
    try:
        for rel, data in original.items():
            assert load(notes / rel, opened) == data, rel
    finally:
        vault.set_unlocker(None)
    assert [p for p in notes.rglob(".*.tmp")] == []


@pytest.mark.parametrize("leave", [16 * 1024, 0])
def test_a_full_disk_stops_encrypt_and_decrypt_without_loss(
        small_disk: Path, tmp_path: Path, leave: int) -> None:
    home, notes = tmp_path / "home", small_disk / "notes"
    original = make_notes(notes, 40)

    filler = fill(small_disk, leave)
    done = voiceguide(home, notes, "encrypt")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "No space left on device" in done.stderr
    assert "Free some disk space" in done.stderr
    readable(notes, original)
    if leave:  # room for the vault, not for the files: it stopped half way
        assert "encrypting your notes stopped half way" in done.stderr
        assert vault.read_info(notes).state == vault.ENCRYPTING  # type: ignore[union-attr]
    else:  # no room even for the vault file: nothing changed at all
        assert snapshot(notes) == original and not (notes / VAULT_NAME).exists()

    filler.unlink()
    done = voiceguide(home, notes, "encrypt")
    assert done.returncode == 0, done.stderr
    assert all(k.endswith(SEALED_SUFFIX) for k in snapshot(notes))
    readable(notes, original)

    filler = fill(small_disk, leave)
    done = voiceguide(home, notes, "decrypt")
    assert done.returncode == 2 and "No space left on device" in done.stderr
    readable(notes, original)
    filler.unlink()
    done = voiceguide(home, notes, "decrypt")
    assert done.returncode == 0, done.stderr
    assert snapshot(notes) == original
