"""Spoken answers in a real Session: fake microphone and transcriber, real notes."""

from __future__ import annotations

import threading
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest

from voiceguide.audio import AudioClip, write_wav
from voiceguide.backends.text import LineReader, TypedAnswers
from voiceguide.errors import BackendUnavailable, VoiceGuideError
from voiceguide.notes import NoteBook, parse
from voiceguide.pacing import Timeline, VirtualClock
from voiceguide.program import Program, Prompt, Say
from voiceguide.session import Listening, Session

pytestmark = pytest.mark.timeout(60)

PROG = Program("spoken", "Spoken", "journal", 2, "Two questions.", (
    Say("Hello."),
    Prompt("What is one small promise you could keep today?"),
    Prompt("Who has been kind to you lately?"),
    Say("Thank you."),
), "test")


@dataclass(frozen=True)
class FakeRecording:
    path: Path
    duration: float
    speech_seconds: float
    reason: str


class FakeRecorder:
    """Writes one second of quiet per answer; the reasons come from a script."""

    def __init__(self, reasons: list[str], book: NoteBook | None = None) -> None:
        self.reasons = reasons
        self.book = book
        self.notes_seen: list[str] = []  # the note on disk when recording began
        self.paths: list[Path] = []

    def record(self, path: Path, stop: threading.Event,
               on_pause: object = None) -> FakeRecording:
        if self.book:
            self.notes_seen.append(self.book.all_paths()[0].read_text())
        reason = self.reasons.pop(0)
        if reason == "unavailable":
            raise BackendUnavailable("no microphone", "Connect one.")
        write_wav(path, AudioClip(b"\0\0" * 16000, 16000))
        self.paths.append(path)
        return FakeRecording(path, 1.0, 0.8, reason)


class FakeTranscriber:
    name = "fake-stt"

    def __init__(self, texts: list[str | Exception], gate: threading.Event | None = None
                 ) -> None:
        self.texts = texts
        self.gate = gate
        self.contexts: list[str] = []

    def transcribe(self, clip: AudioClip, context: str = "") -> str:
        if self.gate is not None:
            assert self.gate.wait(10), "the session never went on"
        self.contexts.append(context)
        item = self.texts.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def never_enter(stop: threading.Event, done: threading.Event) -> None:
    """The Enter key is not pressed in these tests."""


def run(tmp_path: Path, recorder: FakeRecorder, transcriber: FakeTranscriber | None,
        typed: str = "", show: list[str] | None = None) -> tuple[Session, NoteBook]:
    book = NoteBook(tmp_path / "notes")
    recorder.book = book
    shown = show if show is not None else []
    listening = Listening(recorder, (lambda: transcriber) if transcriber else None,
                          never_enter)
    import io

    answers = TypedAnswers(LineReader(io.StringIO(typed)))
    session = Session(PROG, Timeline(VirtualClock()), shown.append, None, None,
                      answers, book, True, [], listening)
    session.run()
    return session, book


def test_spoken_answers_are_recorded_then_written_out(tmp_path: Path) -> None:
    stt = FakeTranscriber(["I could drink water", "My neighbour"])
    rec = FakeRecorder(["silence", "silence"])
    _, book = run(tmp_path, rec, stt)
    path = book.all_paths()[0]
    note = parse(path.read_text())
    assert [a.text for a in note.answers] == ["I could drink water", "My neighbour"]
    assert all(a.mode == "spoken" and a.engine == "fake-stt" for a in note.answers)
    assert not any(a.pending for a in note.answers)
    # The audio sits beside the note, named as the contract says.
    assert note.answers[0].audio == f"{path.stem}/01.wav"
    assert (path.parent / note.answers[1].audio).is_file()
    with wave.open(str(path.parent / note.answers[0].audio)) as w:
        assert w.getframerate() == 16000
    # The prompt is the engine's context.
    assert stt.contexts[0] == PROG.steps[1].text  # type: ignore[union-attr]
    assert note.finished is not None


def test_the_note_points_at_the_recording_before_a_word_is_said(tmp_path: Path
                                                                 ) -> None:
    rec = FakeRecorder(["silence", "silence"])
    run(tmp_path, rec, FakeTranscriber(["one", "two"]))
    first = parse(rec.notes_seen[0])
    assert first.answers[0].pending and first.answers[0].audio.endswith("/01.wav")


def test_the_session_goes_on_while_an_answer_is_written_out(tmp_path: Path) -> None:
    gate = threading.Event()
    shown: list[str] = []

    class Opening(FakeRecorder):
        def record(self, path: Path, stop: threading.Event,
                   on_pause: object = None) -> FakeRecording:
            if self.paths:  # the second prompt is reached: free the transcriber
                gate.set()
            return super().record(path, stop)

    stt = FakeTranscriber(["first", "second"], gate)
    run(tmp_path, Opening(["silence", "silence"]), stt, show=shown)
    assert gate.is_set()
    note = parse(NoteBook(tmp_path / "notes").all_paths()[0].read_text())
    assert [a.text for a in note.answers] == ["first", "second"]


def test_failed_transcription_stays_pending_with_its_audio(tmp_path: Path) -> None:
    shown: list[str] = []
    stt = FakeTranscriber([VoiceGuideError("engine broke", "fix it"), "fine"])
    run(tmp_path, FakeRecorder(["silence", "silence"]), stt, show=shown)
    path = NoteBook(tmp_path / "notes").all_paths()[0]
    note = parse(path.read_text())
    assert note.answers[0].pending and note.answers[0].text == ""
    assert (path.parent / note.answers[0].audio).is_file()
    assert note.answers[1].text == "fine"
    assert any("retranscribe" in ln and "engine broke" in ln for ln in shown)
    assert "(transcript pending)" in path.read_text()


def test_no_speech_leaves_no_answer_and_no_file(tmp_path: Path) -> None:
    rec = FakeRecorder(["no-speech", "silence"])
    shown: list[str] = []
    run(tmp_path, rec, FakeTranscriber(["second"]), show=shown)
    path = NoteBook(tmp_path / "notes").all_paths()[0]
    note = parse(path.read_text())
    assert [a.text for a in note.answers] == ["second"]
    assert not rec.paths[0].exists()
    assert any("didn't hear anything" in ln for ln in shown)


def test_maximum_length_is_announced_and_kept(tmp_path: Path) -> None:
    shown: list[str] = []
    run(tmp_path, FakeRecorder(["max", "silence"]), FakeTranscriber(["a", "b"]),
        show=shown)
    assert any("as long as one answer can be" in ln for ln in shown)
    note = parse(NoteBook(tmp_path / "notes").all_paths()[0].read_text())
    assert [a.text for a in note.answers] == ["a", "b"]


def test_lost_microphone_keeps_the_words_and_switches_to_typing(tmp_path: Path
                                                               ) -> None:
    shown: list[str] = []
    rec = FakeRecorder(["device-lost", "silence"])
    run(tmp_path, rec, FakeTranscriber(["said before it failed"]),
        typed="typed instead\n", show=shown)
    note = parse(NoteBook(tmp_path / "notes").all_paths()[0].read_text())
    assert [(a.mode, a.text) for a in note.answers] == [
        ("spoken", "said before it failed"), ("typed", "typed instead")]
    assert sum("microphone is not working" in ln for ln in shown) == 1
    assert len(rec.reasons) == 1  # the microphone was not tried again


def test_microphone_that_cannot_open_falls_back_to_typing(tmp_path: Path) -> None:
    shown: list[str] = []
    rec = FakeRecorder(["unavailable"])
    run(tmp_path, rec, FakeTranscriber([]), typed="one\ntwo\n", show=shown)
    note = parse(NoteBook(tmp_path / "notes").all_paths()[0].read_text())
    # The question asked when the microphone failed is answered by typing too.
    assert [(a.mode, a.text) for a in note.answers] == [("typed", "one"),
                                                        ("typed", "two")]
    assert any("no microphone" in ln for ln in shown)


def test_without_a_transcriber_answers_stay_pending(tmp_path: Path) -> None:
    run(tmp_path, FakeRecorder(["silence", "stopped"]), None)
    note = parse(NoteBook(tmp_path / "notes").all_paths()[0].read_text())
    assert len(note.answers) == 2 and all(a.pending for a in note.answers)


class PausingRecorder(FakeRecorder):
    """Reports two pauses during each answer: three pieces to write out."""

    def record(self, path: Path, stop: threading.Event,
               on_pause: object = None) -> FakeRecording:
        rec = super().record(path, stop)
        assert callable(on_pause)
        on_pause(0.3)
        on_pause(0.6)
        return rec


class PieceTranscriber(FakeTranscriber):
    """Says which slice of the recording it was given."""

    def transcribe(self, clip: AudioClip, context: str = "") -> str:
        self.contexts.append(context)
        return f"<{clip.duration:.1f}>"


def test_long_answers_are_written_out_piece_by_piece(tmp_path: Path) -> None:
    stt = PieceTranscriber([])
    run(tmp_path, PausingRecorder(["silence", "silence"]), stt)
    note = parse(NoteBook(tmp_path / "notes").all_paths()[0].read_text())
    # 1 s recordings cut at 0.3 s and 0.6 s: pieces of 0.3, 0.3 and 0.4 s, in order.
    assert [a.text for a in note.answers] == ["<0.3> <0.3> <0.4>"] * 2
    assert len(stt.contexts) == 6


def test_a_failed_piece_keeps_the_whole_answer_pending(tmp_path: Path) -> None:
    class OneFails(PieceTranscriber):
        def transcribe(self, clip: AudioClip, context: str = "") -> str:
            if len(self.contexts) == 1:
                self.contexts.append(context)
                raise VoiceGuideError("engine hiccup", "")
            return super().transcribe(clip, context)

    run(tmp_path, PausingRecorder(["silence", "silence"]), OneFails([]))
    note = parse(NoteBook(tmp_path / "notes").all_paths()[0].read_text())
    assert note.answers[0].pending and note.answers[0].text == ""
    assert note.answers[1].text == "<0.3> <0.3> <0.4>"


@pytest.mark.parametrize("text, kept, done", [
    ("I walked by the river. Done.", "I walked by the river.", True),
    ("I walked by the river. I'm done!", "I walked by the river.", True),
    ("Done", "", True),
    ("I'm done with him.", "I'm done with him.", False),
    ("Nothing is done yet", "Nothing is done yet", False),
])
def test_strip_done(text: str, kept: str, done: bool) -> None:
    from voiceguide.transcribing import strip_done

    assert strip_done(text) == (kept, done)


def test_saying_done_ends_the_answer(tmp_path: Path) -> None:
    """A piece that says "done" stops the recording, and the word is not kept."""
    stopped = threading.Event()

    class Talker(FakeRecorder):
        def record(self, path: Path, stop: threading.Event,
                   on_pause: object = None) -> FakeRecording:
            rec = super().record(path, stop)
            assert callable(on_pause)
            on_pause(0.5)  # "... Done." then a pause
            if stop.wait(5):  # the session heard "done"
                stopped.set()
            return FakeRecording(rec.path, rec.duration, 0.8, "stopped")

    stt = FakeTranscriber(["I walked by the river. Done.", "", "Two", ""])
    run(tmp_path, Talker(["silence", "silence"]), stt)
    assert stopped.is_set()
    note = parse(NoteBook(tmp_path / "notes").all_paths()[0].read_text())
    assert note.answers[0].text == "I walked by the river."
