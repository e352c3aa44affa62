"""Helpers for the encryption tests: a cheap KDF, folder snapshots, scans."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from voiceguide.notes import Answer, Note, NoteBook
from voiceguide.vault import Kdf

PASSPHRASE = "a quiet morning by the river"
# Argon2id at its smallest: the same code path, without 0.4 s per unlock.
LIGHT = Kdf("argon2id", b"0123456789abcdef", memory_kib=8, iterations=1, lanes=1)
TZ = timezone(timedelta(hours=1))
T0 = datetime(2026, 3, 4, 9, 30, 0, tzinfo=TZ)


def light_kdf() -> Kdf:
    return Kdf("argon2id", os.urandom(16), memory_kib=8, iterations=1, lanes=1)


def secret(i: int) -> str:
    """An answer's text that appears nowhere else (scans look for it)."""
    return f"my sister's garden, secret number {i:05d}, the blue gate"


def make_notes(root: Path, count: int, with_audio: int = 0) -> dict[str, bytes]:
    """``count`` notes (and ``with_audio`` of them with a recording) written by
    NoteBook; returns every file's bytes by path relative to ``root``."""
    from voiceguide.wavfile import StreamingWav

    book = NoteBook(root)
    for i in range(count):
        started = T0 + timedelta(days=i, minutes=i)
        path = book.new_path("trust-self", started)
        audio = ""
        if i < with_audio:
            folder = path.parent / path.stem
            folder.mkdir(mode=0o700)
            with StreamingWav(folder / "01.wav") as wav:
                wav.append(bytes(range(256)) * 16 + i.to_bytes(2, "little") * 800)
            audio = f"{path.stem}/01.wav"
        answers = (Answer("What helped today?", started, secret(i), audio=audio),)
        book.save(Note("trust-self", "Trust yourself", started, started, answers,
                       path))
    return snapshot(root)


def files(root: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            yield Path(folder) / name


def snapshot(root: Path) -> dict[str, bytes]:
    """Every visible file's bytes (voiceguide's own hidden files left out)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files(root)
            if not any(part.startswith(".") for part in p.relative_to(root).parts)}


def containing(root: Path, needle: bytes) -> list[Path]:
    """Every file under ``root`` whose bytes hold ``needle``."""
    return [p for p in files(root) if p.is_file() and needle in p.read_bytes()]
