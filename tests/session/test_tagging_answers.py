"""Tagging while answering: "... Tag sister and work." at the end of a typed or
spoken answer goes into the note's tags, not its text. Real Session and notes;
fake microphone and transcriber."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from voiceguide.audio import AudioClip, write_wav
from voiceguide.backends.text import LineReader, TypedAnswers
from voiceguide.notes import Answer, Note, NoteBook, parse
from voiceguide.pacing import Timeline, VirtualClock
from voiceguide.program import Program, Prompt, Say
from voiceguide.session import Listening, Session
from voiceguide.transcribing import retranscribe

pytestmark = pytest.mark.timeout(60)

PROG = Program("tagging", "Tagging", "journal", 2, "Two questions.", (
    Say("Hello."),
    Prompt("What happened today?"),
    Prompt("Anything else?"),
), "test")


@dataclass(frozen=True)
class Recorded:
    path: Path
    duration: float
    speech_seconds: float
    reason: str


class QuietRecorder:
    """Writes one second of quiet per answer, ended by silence."""

    def record(self, path: Path, stop: threading.Event,
               on_pause: object = None) -> Recorded:
        write_wav(path, AudioClip(b"\0\0" * 16000, 16000))
        return Recorded(path, 1.0, 0.8, "silence")


class ScriptedTranscriber:
    name = "scripted"

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def transcribe(self, clip: AudioClip, context: str = "") -> str:
        return self.texts.pop(0)


def never_enter(stop: threading.Event, done: threading.Event) -> None:
    """Enter is not pressed in these tests."""


def run(tmp_path: Path, typed: str = "",
        spoken: list[str] | None = None) -> tuple[Note, list[str]]:
    book = NoteBook(tmp_path / "notes")
    shown: list[str] = []
    listening = None
    if spoken is not None:
        stt = ScriptedTranscriber(spoken)
        listening = Listening(QuietRecorder(), lambda: stt, never_enter)
    session = Session(PROG, Timeline(VirtualClock()), shown.append, None, None,
                      TypedAnswers(LineReader(io.StringIO(typed))), book, True, [],
                      listening)
    session.run()
    (path,) = book.all_paths()
    return parse(path.read_text(encoding="utf-8")), shown


def test_typed_tags_go_to_the_front_matter(tmp_path: Path) -> None:
    note, shown = run(tmp_path, "I called my sister today. Tag sister and work.\n"
                                "Tag sleep.\n")
    assert note.tags == ("sister", "work", "sleep")
    # The tag words are gone from the text; a tags-only answer adds no answer.
    assert [a.text for a in note.answers] == ["I called my sister today."]
    assert "Tagged: sister, work." in shown and "Tagged: sleep." in shown


def test_typed_text_that_only_starts_with_tag_is_kept(tmp_path: Path) -> None:
    note, _ = run(tmp_path, "Tag along with me, she said.\n\n")
    assert note.tags == ()
    assert [a.text for a in note.answers] == ["Tag along with me, she said."]


def test_spoken_tags_go_to_the_front_matter(tmp_path: Path) -> None:
    note, shown = run(tmp_path, spoken=["We walked by the sea. Tag walk, sea.",
                                        "Nothing else. Tags: Family."])
    assert [a.text for a in note.answers] == ["We walked by the sea.",
                                              "Nothing else."]
    assert all(not a.pending for a in note.answers)
    assert note.tags == ("walk", "sea", "family")
    assert "Tagged: walk, sea." in shown


def test_retranscribed_answers_are_tagged_too(tmp_path: Path) -> None:
    book = NoteBook(tmp_path / "notes")
    when = datetime(2025, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    path = book.new_path("tagging", when)
    folder = path.parent / path.stem
    folder.mkdir()
    write_wav(folder / "01.wav", AudioClip(b"\0\0" * 16000, 16000))
    book.save(Note("tagging", "Tagging", when, when, (
        Answer("What happened?", when, "", mode="spoken",
               audio=f"{path.stem}/01.wav", pending=True),), path, tags=("old",)))
    done, failed = retranscribe(book, ScriptedTranscriber(["It rained. Tag rain."]),
                                lambda line: None)
    assert (done, failed) == (1, 0)
    note = book.read(path)
    assert note.tags == ("old", "rain")
    assert note.answers[0].text == "It rained."
