"""`voiceguide notes search --spoken`: a real recording said into the virtual
microphone is written out by Whisper and finds the note that holds its words."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from voiceguide.notes import Answer, Note, NoteBook

pytestmark = [pytest.mark.audio, pytest.mark.engine, pytest.mark.timeout(300)]

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _note(book: NoteBook, days: int, title: str, text: str) -> None:
    started = T0 + timedelta(days=days)
    book.save(Note("trust-self", title, started, started,
                   (Answer("What is on your mind?", started, text),),
                   book.new_path("trust-self", started)))


def test_a_spoken_query_finds_the_note_with_those_words(
        voice_home: Path, shared_dir: Path,
        mic_feed: Callable[..., Any]) -> None:
    book = NoteBook(voice_home / "notes")
    _note(book, 0, "Morning", "Coffee on the step, and the quiet street.")
    _note(book, 1, "Evening", "Reading about John Dashwood and his leisure to "
                              "consider what was in his power.")
    _note(book, 2, "Night", "A long walk by the river with my sister.")
    said = shared_dir / "speech/cmusphinx_pocketsphinx/librivox_0870.wav"
    env = {**os.environ, "VOICEGUIDE_HOME": str(voice_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "notes", "search", "--spoken",
         "--silent"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # speak once it listens
        if line.startswith("Listening"):
            mic_feed(said, 0.2).join(timeout=60)
            break
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    searched = next(ln for ln in out.splitlines() if ln.startswith("Searching for:"))
    assert "dashwood" in searched.lower()
    results = out[out.index(searched):]
    # A whole sentence: notes with some of its words count too, but the note
    # with its rare words ("Dashwood", "leisure") comes first.
    first = min((results.find(t), t) for t in ("Morning", "Evening", "Night")
                if t in results)
    assert first[1] == "Evening", out


def test_no_microphone_is_one_clear_message(tmp_path: Path,
                                            no_audio: None) -> None:
    env = {**os.environ, "VOICEGUIDE_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "voiceguide", "notes", "search",
                           "--spoken", "--silent"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "no microphone" in done.stderr and "notes search WORDS" in done.stderr
    assert "Traceback" not in done.stderr
