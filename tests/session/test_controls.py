"""Commands during a real Session: stop, pause, repeat, skip, back, help, volume."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from voiceguide.audio import AudioClip, silence
from voiceguide.backends.text import LineReader, TypedAnswers
from voiceguide.controls import KEYS_HELP, VOICE_HELP, Controls
from voiceguide.notes import NoteBook, parse
from voiceguide.pacing import Timeline, VirtualClock
from voiceguide.program import Pause, Program, Prompt, Say
from voiceguide.session import Session, SessionResult
from voiceguide.speech import SpeechCache

pytestmark = pytest.mark.timeout(30)

LINES = ["First line.", "Second line.", "Third line.", "Fourth line."]
PROG = Program("c", "Controls", "grounding", 1, "Lines.",
               (Say(LINES[0]), Say(LINES[1]), Pause(2), Say(LINES[2]), Say(LINES[3])),
               "test")


class Voice:
    name = "fake"

    def synthesize(self, text: str) -> AudioClip:
        clip = silence(1.0, 22050)
        return AudioClip(clip.pcm, clip.rate)


class Player:
    """Plays nothing; calls ``on_play(text_index)`` so tests can press keys."""

    def __init__(self, speech: dict[int, str]) -> None:
        self.volume = 0.5
        self.stops = 0
        self.played = 0
        self.speech = speech

    def play(self, clip: AudioClip) -> None:
        self.played += 1

    def stop(self) -> None:
        self.stops += 1

    def close(self) -> None:
        pass


class Run:
    def __init__(self, tmp_path: Path, prog: Program = PROG,
                 answers: TypedAnswers | None = None,
                 voice: Callable[[], Any] = Voice) -> None:
        self.shown: list[str] = []
        self.controls = Controls()
        self.player = Player({})
        self.when: dict[str, Callable[[], None]] = {}
        self.seen: dict[str, int] = {}
        self.book = NoteBook(tmp_path / "notes")
        self.session = Session(prog, Timeline(VirtualClock()), self._show,
                               SpeechCache(voice), self.player, answers, self.book,
                               False, [], None, self.controls)

    def _show(self, line: str) -> None:
        self.shown.append(line)
        self.seen[line] = self.seen.get(line, 0) + 1
        action = self.when.get(f"{line}#{self.seen[line]}") or self.when.get(line)
        if action:
            self.when.pop(f"{line}#{self.seen[line]}", None)
            action()

    def press(self, at_line: str, name: str) -> None:
        """Send ``name`` the first time ``at_line`` is shown."""
        self.when[f"{at_line}#1"] = lambda: self.controls.send(name)

    def run(self) -> SessionResult:
        return self.session.run()

    def program_lines(self) -> list[str]:
        return [ln for ln in self.shown if ln in LINES]


def test_stop_ends_at_once_and_keeps_the_note(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.press(LINES[1], "stop")
    result = r.run()
    assert result.ended_by == "stop" and not result.completed
    assert r.program_lines() == LINES[:2]
    assert r.player.stops >= 1
    note = parse(r.book.all_paths()[0].read_text())
    assert note.finished is not None


def test_skip_goes_to_the_next_step(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.press(LINES[0], "skip")
    assert r.run().completed
    assert r.program_lines() == LINES


def test_repeat_says_the_line_again(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.press(LINES[1], "repeat")
    r.run()
    assert r.program_lines() == [LINES[0], LINES[1], LINES[1], LINES[2], LINES[3]]


def test_back_goes_to_the_line_before(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.press(LINES[2], "back")
    r.run()
    # From the third line, back past the silent pause to the second.
    assert r.program_lines() == [LINES[0], LINES[1], LINES[2], LINES[1], LINES[2],
                                 LINES[3]]


def test_pause_waits_for_resume_and_says_the_line_again(tmp_path: Path) -> None:
    r = Run(tmp_path)
    resumed = threading.Event()

    def pause_then_resume() -> None:
        r.controls.send("pause")
        threading.Timer(0.3, lambda: (resumed.set(), r.controls.send("pause"))).start()

    r.when[f"{LINES[1]}#1"] = pause_then_resume
    r.run()
    assert resumed.is_set()
    assert any(ln.startswith("Paused.") for ln in r.shown)
    paused_at = next(i for i, ln in enumerate(r.shown) if ln.startswith("Paused."))
    assert r.shown[paused_at + 1] == LINES[1]  # nothing went on by itself
    assert r.program_lines() == [LINES[0], LINES[1], LINES[1], LINES[2], LINES[3]]


def test_stop_wins_during_a_pause(tmp_path: Path) -> None:
    r = Run(tmp_path)

    def pause_then_stop() -> None:
        r.controls.send("pause")
        threading.Timer(0.2, lambda: r.controls.send("stop")).start()

    r.when[f"{LINES[0]}#1"] = pause_then_stop
    result = r.run()
    assert result.ended_by == "stop"
    assert r.program_lines() == [LINES[0]]


def test_stop_wins_over_other_queued_commands(tmp_path: Path) -> None:
    r = Run(tmp_path)

    def many() -> None:
        for name in ("louder", "skip", "stop", "repeat"):
            r.controls.send(name)

    r.when[f"{LINES[0]}#1"] = many
    assert r.run().ended_by == "stop"
    assert r.program_lines() == [LINES[0]]


def test_louder_and_quieter_change_the_volume(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.press(LINES[0], "louder")
    r.press(LINES[2], "quieter")
    r.run()
    assert r.player.volume == pytest.approx(0.5)
    assert any(ln.startswith("Volume 65 percent") for ln in r.shown)


def test_slower_stretches_the_pauses(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.press(LINES[0], "slower")
    r.run()
    assert r.session.timeline.pace == pytest.approx(1.2)


def test_help_lists_the_keys_then_repeats_the_line(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.press(LINES[1], "help")
    r.run()
    assert KEYS_HELP in r.shown
    assert r.program_lines().count(LINES[1]) == 2


def test_help_also_lists_the_spoken_commands_when_they_are_on(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.session.voice_commands = True
    r.press(LINES[1], "help")
    r.run()
    assert f"{KEYS_HELP} {VOICE_HELP}" in r.shown
    for phrase in ("change voice", "keep settings", "I need help"):
        assert phrase in VOICE_HELP


def test_voice_changes_to_another_real_voice_and_can_be_kept(tmp_path: Path) -> None:
    """espeak-ng for real: the next voice says its name, then the line it cut
    off; "keep" writes it to the settings."""
    from voiceguide.assemble import settings_keeper
    from voiceguide.backends.espeak_voice import EspeakVoice
    from voiceguide.config import Paths, Settings, load_file

    made: list[EspeakVoice] = []

    def voice() -> EspeakVoice:
        made.append(EspeakVoice("en-us", 150))
        return made[-1]

    paths = Paths(tmp_path / "config.toml", tmp_path)
    r = Run(tmp_path, voice=voice)
    r.session.keep_settings = settings_keeper(Settings(rate=150), paths)
    r.press(LINES[1], "voice")
    r.press(LINES[2], "voice")
    r.press(LINES[3], "keep")
    r.run()
    said = [ln for ln in r.shown if ln.startswith("This voice is ")]
    assert said == ["This voice is English, America, female.",
                    said[1]] and said[1] != said[0], r.shown
    assert r.program_lines() == [LINES[0], LINES[1], LINES[1], LINES[2], LINES[2],
                                 LINES[3]]
    chosen = made[0].name
    assert chosen not in ("gmw/en-us", "gmw/en-us+f2")
    assert load_file(tmp_path / "config.toml")["voice"] == chosen
    assert any(ln.endswith(", and this voice.") for ln in r.shown)
    # the chosen voice really speaks, and differently from the first
    first = EspeakVoice("en-us", 150).synthesize("Second line.")
    assert made[0].synthesize("Second line.").pcm != first.pcm


def test_voice_with_no_other_voice_says_so(tmp_path: Path) -> None:
    r = Run(tmp_path)  # the fake voice cannot change
    r.press(LINES[0], "voice")
    assert r.run().completed
    assert "There is no other voice to change to here." in r.shown
    assert r.program_lines() == LINES


def test_exit_leaves_without_a_word(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.press(LINES[0], "exit")
    result = r.run()
    assert result.ended_by == "exit"
    assert r.program_lines() == [LINES[0]]
    assert not any("Stopped" in ln for ln in r.shown)


def test_exit_while_typing_an_answer(tmp_path: Path) -> None:
    rfd, wfd = __import__("os").pipe()  # a keyboard that never sends a line
    reader = LineReader(io.TextIOWrapper(io.FileIO(rfd, "r")))
    prog = Program("a", "Answer", "journal", 1, "One question.",
                   (Prompt("What do you need?"), Say(LINES[3])), "test")
    r = Run(tmp_path, prog, TypedAnswers(reader))
    r.when["Type your answer and press Enter. An empty line skips the question.#1"] \
        = lambda: threading.Timer(0.3, lambda: r.controls.send("exit")).start()
    result = r.run()
    assert result.ended_by == "exit"
    assert LINES[3] not in r.shown
    __import__("os").close(wfd)


def test_keep_makes_the_live_speed_and_loudness_lasting(tmp_path: Path) -> None:
    from voiceguide.assemble import settings_keeper
    from voiceguide.config import Paths, Settings, load_file

    paths = Paths(tmp_path / "config.toml", tmp_path)
    (tmp_path / "config.toml").write_text("# mine\nrate = 150\n")
    r = Run(tmp_path)
    r.session.keep_settings = settings_keeper(Settings(rate=150), paths)
    r.press(LINES[0], "faster")
    r.press(LINES[1], "louder")
    r.press(LINES[2], "keep")
    r.run()
    kept = load_file(tmp_path / "config.toml")
    assert kept["rate"] == 170 and kept["volume"] == pytest.approx(0.65)
    assert kept["pace"] == pytest.approx(1 / 1.2, abs=0.01)
    assert (tmp_path / "config.toml").read_text().startswith("# mine\n")
    assert any(ln.startswith("Kept for next time: speed 170 words a minute, "
                             "loudness 65 percent") for ln in r.shown)
    assert r.program_lines() == LINES  # keeping does not interrupt


def test_keep_where_nothing_may_be_saved_says_so(tmp_path: Path) -> None:
    r = Run(tmp_path)
    r.press(LINES[0], "keep")
    r.run()
    assert "Settings cannot be kept from here." in r.shown


def test_voice_choices_keep_to_the_language_and_start_with_the_current() -> None:
    from voiceguide.backends.base import VoiceInfo
    from voiceguide.backends.voices import choices

    class Engine:  # as pyttsx3 lists voices: no variants
        name = "id-gb"

        def voices(self) -> list[VoiceInfo]:
            return [VoiceInfo("id-fr", "French", ("fr-FR",), "female"),
                    VoiceInfo("id-us", "English (America)", ("en-US",), "male"),
                    VoiceInfo("id-gb", "English (Great Britain)", ("en-GB",), "")]

    assert choices(Engine()) == [("id-gb", "English, Great Britain"),
                                 ("id-us", "English, America")]
