"""Edges the kill loop and the full-disk tests found in notes.py and wavfile.py."""

from __future__ import annotations

import errno
import os
import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest

from voiceguide import wavfile
from voiceguide.errors import NotesError
from voiceguide.notes import PENDING, Answer, Note, NoteBook, parse, render
from voiceguide.wavfile import HEADER_BYTES, StreamingWav

T0 = datetime(2026, 11, 27, 14, 3, 22, tzinfo=UTC)


def test_an_answer_that_is_the_pending_marker_is_kept_as_typed() -> None:
    typed = Answer("What did you notice?", T0, PENDING)
    spoken = Answer("And now?", T0, "", mode="spoken", audio="a/01.wav",
                    pending=True)
    note = Note("p", "T", T0, answers=(typed, spoken))
    back = parse(render(note))
    assert back.answers == (typed, spoken)
    assert render(back) == render(note)


def test_notes_written_before_the_fix_still_read_as_pending() -> None:
    text = ("---\nprogram: p\ntitle: T\nstarted: 2026-11-27T14:03:22+00:00\n---\n\n"
            "## Q?\nanswered: 2026-11-27T14:03:22+00:00 · spoken · audio: a/01.wav"
            f"\n\n{PENDING}\n")
    (answer,) = parse(text).answers
    assert answer.pending and answer.text == ""


def test_check_writable_refuses_a_full_disk_and_leaves_no_probe(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A full disk still makes empty files, so the probe must hold bytes; here
    # the disk takes the first page and then refuses (the real full disk is
    # in tests/e2e/test_full_disk.py).
    def full(self: Path, data: bytes) -> int:
        assert len(data) > 0
        with open(self, "wb") as f:
            f.write(data[:4096])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(NotesError) as e:
        NoteBook(tmp_path / "notes").check_writable()
    assert "No space left on device" in e.value.message
    assert e.value.hint.startswith("Free some disk space")
    assert os.listdir(tmp_path / "notes") == []


def test_recording_over_a_named_file_keeps_it_a_wav_throughout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The session makes an empty WAV before the note names it; the recorder
    # then opens it again. Cutting the old content must come after the new
    # header, so a kill at that instant still leaves a valid WAV.
    path = tmp_path / "01.wav"
    with StreamingWav(path, rate=8000) as old:
        old.append(b"\1\0" * 8000)
    seen: list[tuple[int, int]] = []
    real = os.ftruncate

    def cut(fd: int, length: int) -> None:
        with wave.open(str(path)) as w:
            seen.append((w.getframerate(), w.getnframes()))
        real(fd, length)

    monkeypatch.setattr(wavfile.os, "ftruncate", cut)
    with StreamingWav(path) as wav:
        wav.append(b"\2\0" * 160)
    assert seen == [(16000, 0)]  # the new header, no frames yet
    assert path.stat().st_size == HEADER_BYTES + 320
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnframes()) == (16000, 160)
