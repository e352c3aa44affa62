"""Check-ins and "I need help" in a real Session: fake keys, lines, microphone
and recognizer; real notes on disk."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from voiceguide import checkin, support
from voiceguide.audio import AudioClip, silence, write_wav
from voiceguide.backends.text import LineReader
from voiceguide.checkin import QUESTION, Replies
from voiceguide.controls import NEED_HELP, Controls
from voiceguide.errors import BackendUnavailable
from voiceguide.notes import NoteBook, parse
from voiceguide.pacing import Timeline, VirtualClock
from voiceguide.program import Pause, Program, Say
from voiceguide.session import Listening, Session, SessionResult
from voiceguide.speech import SpeechCache

pytestmark = pytest.mark.timeout(30)

LINES = ["First line.", "Second line.", "Last line."]
PROG = Program("g", "Grounding", "grounding", 1, "Lines.",
               (Say(LINES[0]), Pause(1), Say(LINES[1]), Say(LINES[2])), "test")


class Voice:
    name = "fake"

    def synthesize(self, text: str) -> AudioClip:
        return silence(0.5, 22050)


class Player:
    volume = 0.5

    def play(self, clip: AudioClip) -> None:
        pass

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Recording:
    path: Path
    duration: float
    speech_seconds: float
    reason: str


class ReplyRecorder:
    """Short replies: each call writes a second of quiet and reports a reason
    from the script ("silence", "no-speech", "unavailable", "wait-for-stop")."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        self.calls = 0

    def record(self, path: Path, stop: threading.Event,
               on_pause: object = None) -> Recording:
        self.calls += 1
        reason = self.reasons.pop(0)
        if reason == "unavailable":
            raise BackendUnavailable("no microphone", "Connect one.")
        if reason == "wait-for-stop":
            assert stop.wait(10), "nothing ended the recording"
            reason = "stopped"
        write_wav(path, AudioClip(b"\0\0" * 16000, 16000))
        return Recording(path, 1.0, 0.5, reason)


class Recognizer:
    name = "fake-stt"

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.loaded = 0

    def load(self) -> None:
        self.loaded += 1

    def transcribe(self, clip: AudioClip, context: str = "") -> str:
        assert "zero to ten" in context
        return self.texts.pop(0)


def never_enter(stop: threading.Event, done: threading.Event) -> None:
    pass


class Run:
    def __init__(self, tmp_path: Path, ratings: Replies | None, *,
                 listening: Listening | None = None,
                 contacts: tuple[support.Contact, ...] | None = ()) -> None:
        self.shown: list[str] = []
        self.controls = Controls()
        self.when: dict[str, Callable[[], None]] = {}
        self.book = NoteBook(tmp_path / "notes")
        self.on_disk: list[str] = []  # the note as it was when LINES[0] was said
        self.digits: list[bool] = []
        if ratings is not None and ratings.keys:
            ratings.digits = self.digits.append
        self.session = Session(PROG, Timeline(VirtualClock()), self._show,
                               SpeechCache(Voice), Player(), None, self.book, False,
                               [], listening, self.controls, ratings=ratings,
                               contacts=contacts)

    def _show(self, line: str) -> None:
        self.shown.append(line)
        if line == LINES[0] and not self.on_disk:
            self.on_disk.append(self.book.all_paths()[0].read_text())
        action = self.when.pop(line, None)
        if action:
            action()

    def press(self, at_line: str, *names: str) -> None:
        def send() -> None:
            for name in names:
                self.controls.send(name)

        self.when[at_line] = send

    def run(self) -> SessionResult:
        return self.session.run()

    def distress(self) -> dict[str, int]:
        return parse(self.book.all_paths()[0].read_text()).distress


# ---------------------------------------------------------------- keys


def test_number_keys_before_and_after(tmp_path: Path) -> None:
    r = Run(tmp_path, Replies(keys=True, wait_s=5))
    r.press(QUESTION["before"], "digit-6")
    r.press(QUESTION["after"], "digit-1", "digit-0")
    result = r.run()
    assert result.completed
    assert r.distress() == {"before": 6, "after": 10}
    assert checkin.noted(6) in r.shown and checkin.noted(10) in r.shown
    assert "Thank you. Noted: six." in r.shown
    # Asked first and last; told how once.
    assert r.shown.index(QUESTION["before"]) < r.shown.index(LINES[0])
    assert r.shown.index(QUESTION["after"]) > r.shown.index(LINES[2])
    assert r.shown.count(checkin.HOW_KEYS) == 1
    # The rating was on disk before the program went on.
    assert "distress_before: 6" in r.on_disk[0]
    # Number keys were commands only while a check-in waited.
    assert r.digits == [True, False, True, False]


def test_a_lone_one_is_one_after_a_moment(tmp_path: Path) -> None:
    r = Run(tmp_path, Replies(keys=True, wait_s=5, ten_s=0.2))
    r.press(QUESTION["before"], "digit-1")
    r.press(QUESTION["after"], "digit-1", "enter")
    r.run()
    assert r.distress() == {"before": 1, "after": 1}


def test_enter_or_silence_skips_without_fuss(tmp_path: Path) -> None:
    r = Run(tmp_path, Replies(keys=True, wait_s=0.3))
    r.press(QUESTION["before"], "enter")
    result = r.run()  # the after check-in: no key at all
    assert result.completed
    assert r.distress() == {}
    assert r.shown.count(checkin.SKIPPED) == 2


def test_other_keys_act_as_usual_during_a_check_in(tmp_path: Path) -> None:
    r = Run(tmp_path, Replies(keys=True, wait_s=5))
    r.press(QUESTION["before"], "skip")  # n: on to the program, no rating
    r.press(LINES[1], "stop")
    result = r.run()
    assert result.ended_by == "stop"
    assert QUESTION["after"] not in r.shown  # stop means stop: no question after
    assert r.distress() == {}
    assert checkin.SKIPPED not in r.shown


def test_help_during_a_check_in_asks_again(tmp_path: Path) -> None:
    r = Run(tmp_path, Replies(keys=True, wait_s=0.3))
    r.press(QUESTION["before"], "help")
    r.when[checkin.HOW_KEYS] = lambda: None
    r.run()
    assert r.shown.count(QUESTION["before"]) == 2


# ---------------------------------------------------------------- typed lines


def test_typed_lines_from_a_pipe(tmp_path: Path) -> None:
    lines = LineReader(io.StringIO("seven\n42\n3\n"))
    r = Run(tmp_path, Replies(lines=lines, wait_s=5))
    r.run()
    assert r.distress() == {"before": 7, "after": 3}
    assert r.shown.count(checkin.AGAIN_TYPED) == 1
    assert checkin.HOW_TYPED in r.shown


def test_end_of_input_skips_and_the_program_goes_on(tmp_path: Path) -> None:
    r = Run(tmp_path, Replies(lines=LineReader(io.StringIO("")), wait_s=5))
    result = r.run()
    assert result.completed and r.distress() == {}
    assert LINES[2] in r.shown


def test_no_check_ins_without_ratings(tmp_path: Path) -> None:
    r = Run(tmp_path, None)
    r.run()
    assert QUESTION["before"] not in r.shown and QUESTION["after"] not in r.shown


# ---------------------------------------------------------------- voice


def spoken(tmp_path: Path, reasons: list[str], texts: list[str],
           typed: str = "") -> tuple[Run, ReplyRecorder, Recognizer]:
    recorder, recognizer = ReplyRecorder(reasons), Recognizer(texts)
    listening = Listening(ReplyRecorder([]), lambda: recognizer, never_enter,
                          recorder)
    lines = LineReader(io.StringIO(typed)) if typed else None
    r = Run(tmp_path, Replies(lines=lines, wait_s=5), listening=listening)
    return r, recorder, recognizer


def test_a_spoken_rating_is_read_back_and_kept_on_yes(tmp_path: Path) -> None:
    r, recorder, recognizer = spoken(
        tmp_path, ["silence", "silence", "no-speech"], ["Six.", "Yes."])
    r.run()
    assert r.distress() == {"before": 6}
    assert checkin.read_back(6, keys=False) in r.shown
    assert checkin.noted(6) in r.shown
    assert r.shown.count(checkin.SKIPPED) == 1  # after: nothing was said
    assert recognizer.loaded >= 1  # loaded before use
    assert recorder.calls == 3  # "six", "yes", and the quiet after
    assert not list(tmp_path.rglob("*.wav"))  # replies are not kept


def test_a_misheard_number_can_be_corrected(tmp_path: Path) -> None:
    r, _, _ = spoken(tmp_path, ["silence"] * 6,
                     ["Sex.", "No.", "Thanks for watching.", "Eight", "Yes", "Skip"])
    r.run()
    assert r.distress() == {"before": 8}
    assert checkin.TRY_AGAIN in r.shown and checkin.NOT_CAUGHT in r.shown
    assert r.shown.count(checkin.SKIPPED) == 1


def test_silence_after_the_read_back_keeps_nothing(tmp_path: Path) -> None:
    r, _, _ = spoken(tmp_path, ["silence", "no-speech", "no-speech"], ["Four."])
    r.run()
    assert r.distress() == {}


def test_a_spoken_command_acts(tmp_path: Path) -> None:
    r, _, _ = spoken(tmp_path, ["silence"], ["Stop."])
    result = r.run()
    assert result.ended_by == "stop" and LINES[0] not in r.shown


def test_a_number_key_ends_listening_and_counts(tmp_path: Path) -> None:
    r, recorder, _ = spoken(tmp_path, ["wait-for-stop", "no-speech"], [])
    r.session.ratings.keys = True  # type: ignore[union-attr]
    r.press("Listening...", "digit-3")
    r.run()
    assert r.distress() == {"before": 3}
    assert recorder.calls == 2  # no read-back for a key
    assert checkin.HOW_SPOKEN_KEYS in r.shown


def test_no_microphone_falls_back_to_typing(tmp_path: Path) -> None:
    r, _, _ = spoken(tmp_path, ["unavailable"], [], typed="5\n\n")
    r.run()
    assert r.distress() == {"before": 5}
    assert any("microphone is not working" in ln for ln in r.shown)


# ---------------------------------------------------------------- I need help


def _help_run(tmp_path: Path, contacts: tuple[support.Contact, ...] | None
              ) -> Run:
    r = Run(tmp_path, None, contacts=contacts)
    r.press(LINES[1], "need-help")
    # The session pauses after the contacts; the person goes on a moment later.
    r.when[support.GO_ON] = lambda: threading.Timer(
        0.2, lambda: r.controls.send("pause")).start()
    result = r.run()
    assert result.completed
    return r


def test_i_need_help_reads_the_contacts_after_the_reminder(tmp_path: Path) -> None:
    r = _help_run(tmp_path, (support.Contact("Sam", "07700 900123"),
                             support.Contact("Ali", "call the office")))
    at = r.shown.index(NEED_HELP)
    assert r.shown[at + 1:at + 5] == ["Your support contacts.",
                                      "Sam: 0 7 7 0 0, 9 0 0 1 2 3.",
                                      "Ali: call the office.", support.GO_ON]
    # Nothing went on by itself; then the interrupted line was said again.
    assert r.shown[at + 5] == LINES[1]
    assert [ln for ln in r.shown if ln in LINES] == [LINES[0], LINES[1], LINES[1],
                                                     LINES[2]]


def test_i_need_help_without_contacts_says_how_to_add_them(tmp_path: Path) -> None:
    r = _help_run(tmp_path, ())
    at = r.shown.index(NEED_HELP)
    assert r.shown[at + 1] == support.NONE_YET


def test_i_need_help_when_contacts_could_not_be_read(tmp_path: Path) -> None:
    r = _help_run(tmp_path, None)
    at = r.shown.index(NEED_HELP)
    assert r.shown[at + 1] == support.UNREADABLE


def test_a_quick_recognizer_is_used_when_there_is_one(tmp_path: Path) -> None:
    r, _, recognizer = spoken(tmp_path, ["silence", "silence", "no-speech"], [])
    heard = ["9 9", "Yes!"]
    clips: list[float] = []

    def quick(clip: AudioClip) -> str:
        clips.append(clip.duration)
        return heard.pop(0)

    r.session.ratings.recognize = quick  # type: ignore[union-attr]
    r.run()
    assert r.distress() == {"before": 9}
    assert clips == [1.0, 1.0]  # the recorded replies, as written
    assert recognizer.texts == []  # the answer transcriber was not needed
