"""A real `voiceguide run --answers voice` session, listening through the virtual
microphone to real human speech, transcribing it with Whisper into the note."""

from __future__ import annotations

import stat
import wave
from pathlib import Path

import pytest
from runner import run_until

from voiceguide.notes import NoteBook
from voiceguide.transcription import word_error_rate

pytestmark = [pytest.mark.audio, pytest.mark.engine]

PROGRAM = """\
title = "One question"
kind = "journal"
minutes = 1
summary = "One spoken answer."
[[step]]
prompt = "What did you hear today?"
[[step]]
say = "Thank you."
"""
SPEECH = "cheetah_librispeech/1272-128104-0000.wav"


@pytest.fixture
def home(voice_home: Path) -> Path:
    (voice_home / "config.toml").write_text("answer_silence = 2.0\n")
    return voice_home


def _reference(shared_dir: Path, rel: str) -> str:
    for line in (shared_dir / "speech" / "dev.tsv").read_text().splitlines()[1:]:
        cols = line.split("\t")
        if cols[0] == rel:
            return cols[1]
    raise AssertionError(f"{rel} not in dev.tsv")


def test_spoken_answer_is_kept_and_written_out(home: Path, tmp_path: Path,
                                               shared_dir: Path,
                                               mic_feed: object) -> None:
    program = tmp_path / "one-question.toml"
    program.write_text(PROGRAM)
    wav = shared_dir / "speech" / SPEECH
    def speak() -> None:
        mic_feed(wav, 0.3).join(timeout=60)  # type: ignore[operator]

    code, out, err = run_until(home, ["run", str(program), "--answers", "voice"],
                               "Listening", speak)
    assert code == 0, err + out
    assert "Traceback" not in err

    note_path = NoteBook(home / "notes").all_paths()[0]
    note = NoteBook(home / "notes").read(note_path)
    assert len(note.answers) == 1
    answer = note.answers[0]
    assert answer.mode == "spoken" and answer.engine == "whisper-base"
    assert not answer.pending
    wer = word_error_rate(_reference(shared_dir, SPEECH), answer.text)
    assert wer < 0.2, answer.text

    audio = note_path.parent / answer.audio
    assert stat.S_IMODE(audio.stat().st_mode) == 0o600
    with wave.open(str(audio)) as w, wave.open(str(wav)) as src:
        assert w.getframerate() == 16000 and w.getnchannels() == 1
        assert w.getnframes() / 16000 >= src.getnframes() / src.getframerate()
    text = note_path.read_text()
    assert f"audio: {answer.audio}" in text and "spoken · whisper-base" in text
