"""What the kill loop and the full-disk tests found, pinned down.

An answer is called saved only when it is on disk: the note's folder is really
taken away mid-session (a file put in its place), so saves fail the way they
do on a full or vanished disk. And a note never names a recording that does
not exist, so a kill as the microphone opens leaves nothing dangling.
"""

from __future__ import annotations

import shutil
import threading
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from voiceguide.answering import NOT_SAVED
from voiceguide.errors import BackendUnavailable
from voiceguide.notes import NoteBook, parse
from voiceguide.pacing import Timeline, VirtualClock
from voiceguide.program import Program, Prompt, Say
from voiceguide.session import Listening, Session

pytestmark = pytest.mark.timeout(60)

PROGRAM = Program("unsaved", "Unsaved", "journal", 1, "For tests.",
                  (Prompt("First?"), Prompt("Second?"), Prompt("Third?"),
                   Say("Thank you.")), "built-in")


class Answers:
    """Typed answers from a list; ``before(n)`` runs before answer n (0-based)."""

    mode = "typed"

    def __init__(self, texts: list[str], before: Callable[[int], None]) -> None:
        self.texts, self.before, self.n = texts, before, 0

    def ask(self, prompt: str, poll: object = None) -> str | None:
        if self.n >= len(self.texts):
            return None
        self.before(self.n)
        self.n += 1
        return self.texts[self.n - 1]


def _session(tmp_path: Path, before: Callable[[int], None]
             ) -> tuple[Session, list[str]]:
    shown: list[str] = []
    session = Session(PROGRAM, Timeline(VirtualClock(), 0), shown.append,
                      answers=Answers(["one", "two", "three"], before),
                      notebook=NoteBook(tmp_path / "notes"))
    return session, shown


def test_an_answer_that_could_not_be_saved_is_not_called_saved(
        tmp_path: Path) -> None:
    moved = tmp_path / "moved"

    def take_folder_away(n: int) -> None:
        if n == 1:  # after the first answer is on disk
            note = session.note
            assert note is not None and note.path is not None
            shutil.move(note.path.parent, moved)
            note.path.parent.write_text("in the way")

    session, shown = _session(tmp_path, take_folder_away)
    result = session.run()
    assert shown.count("Saved.") == 1
    assert shown.count(NOT_SAVED) == 2
    assert sum("could not be saved" in ln for ln in shown) == 1
    assert [a.text for a in parse(result.unsaved_note).answers] == [
        "one", "two", "three"]
    (kept,) = moved.glob("*.md")
    assert [a.text for a in parse(kept.read_text()).answers] == ["one"]


def test_answers_are_called_saved_again_once_saving_works(tmp_path: Path) -> None:
    def block_then_free(n: int) -> None:
        note = session.note
        assert note is not None and note.path is not None
        if n == 1:
            shutil.rmtree(note.path.parent)
            note.path.parent.write_text("in the way")
        elif n == 2:
            note.path.parent.unlink()

    session, shown = _session(tmp_path, block_then_free)
    result = session.run()
    assert [ln for ln in shown if ln in ("Saved.", NOT_SAVED)] == [
        "Saved.", NOT_SAVED, "Saved."]
    assert result.unsaved_note == ""
    assert result.note_path is not None
    note = parse(result.note_path.read_text())
    assert [a.text for a in note.answers] == ["one", "two", "three"]


class WatchingRecorder:
    """Looks at the disk as recording begins; then has no microphone."""

    def __init__(self, book: NoteBook) -> None:
        self.book = book
        self.seen: list[tuple[bool, int]] = []  # (pending, frames of the WAV)

    def record(self, path: Path, stop: threading.Event,
               on_pause: object = None) -> object:
        (note_path,) = self.book.all_paths()
        (answer,) = parse(note_path.read_text()).answers
        assert note_path.parent / answer.audio == path
        with wave.open(str(path)) as w:  # a kill now would leave this file
            self.seen.append((answer.pending, w.getnframes()))
        raise BackendUnavailable("no microphone", "Connect one.")


def test_a_note_names_only_a_recording_that_exists(tmp_path: Path) -> None:
    book = NoteBook(tmp_path / "notes")
    recorder = WatchingRecorder(book)
    listening = Listening(recorder, None, lambda stop, done: None)
    session = Session(PROGRAM, Timeline(VirtualClock(), 0), [].append,
                      answers=Answers([], lambda n: None), notebook=book,
                      listening=listening)
    session.run()
    assert recorder.seen == [(True, 0)]
    # No microphone after all: the answer and its empty recording are gone.
    (note_path,) = book.all_paths()
    assert parse(note_path.read_text()).answers == ()
    assert list((note_path.parent / note_path.stem).iterdir()) == []
