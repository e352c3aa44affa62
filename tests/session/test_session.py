"""The real Session with fake backends: voices, a player, scripted answers.

Every run uses a VirtualClock, so pauses and breaths take no real time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from voiceguide import cues, speech
from voiceguide.audio import AudioClip, silence
from voiceguide.errors import BackendUnavailable, NotesError, VoiceGuideError
from voiceguide.notes import NoteBook, parse
from voiceguide.pacing import Timeline, VirtualClock
from voiceguide.program import Breathe, Cue, Pause, Program, Prompt, Say, Step
from voiceguide.session import TYPED_HOW, Session, SessionResult

RATE = 22050
PHASES = ("inhale", "hold", "exhale", "rest")
CUE_NAMES = ("bell", *PHASES, "your-turn", "saved")

pytestmark = pytest.mark.timeout(60)


# ---------------------------------------------------------------- fakes

class FakeVoice:
    """Silent speech, len(text) * seconds_per_char long; records what it made."""

    name = "fake"

    def __init__(self, seconds_per_char: float = 0.01) -> None:
        self.seconds_per_char = seconds_per_char
        self.texts: list[str] = []
        self.closed = False

    def synthesize(self, text: str) -> AudioClip:
        self.texts.append(text)
        return silence(len(text) * self.seconds_per_char, RATE)

    def close(self) -> None:
        self.closed = True


class FailingVoice:
    name = "failing"

    def __init__(self) -> None:
        self.calls = 0

    def synthesize(self, text: str) -> AudioClip:
        self.calls += 1
        raise VoiceGuideError("the speech engine crashed", "Reinstall espeak-ng.")


class HangingVoice:
    """Never answers in time; released at the end of the test."""

    name = "hanging"

    def __init__(self, hang_s: float = 10.0) -> None:
        self.hang_s = hang_s
        self.release = threading.Event()
        self.started = threading.Event()

    def synthesize(self, text: str) -> AudioClip:
        self.started.set()
        self.release.wait(self.hang_s)
        return silence(0.1, RATE)


class FakePlayer:
    """Records (clock time, duration, clip) of every play, and every stop."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.plays: list[tuple[float, float, AudioClip]] = []
        self.stops: list[float] = []
        self.closed = False

    def play(self, clip: AudioClip) -> None:
        self.plays.append((self.clock.now(), clip.duration, clip))

    def stop(self) -> None:
        self.stops.append(self.clock.now())

    def close(self) -> None:
        self.closed = True

    def cue_name(self, clip: AudioClip) -> str | None:
        for name in CUE_NAMES:
            if clip == cues.load(name):
                return name
        return None

    def cue_plays(self) -> list[tuple[float, str]]:
        out = []
        for t, _, clip in self.plays:
            name = self.cue_name(clip)
            if name:
                out.append((t, name))
        return out

    def speech_plays(self) -> list[tuple[float, float]]:
        return [(t, d) for t, d, clip in self.plays if self.cue_name(clip) is None]


class ScriptedAnswers:
    """Pops answers from a list; None (or an empty list) is end of input.

    An exception instance in the list is raised instead of answering.
    ``before_answer(prompt)`` runs first on every ask.
    """

    mode = "typed"

    def __init__(self, answers: list[str | BaseException | None],
                 before_answer: Callable[[str], None] | None = None) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []
        self.before_answer = before_answer

    def ask(self, prompt: str, poll: object = None) -> str | None:
        self.asked.append(prompt)
        if self.before_answer:
            self.before_answer(prompt)
        if not self.answers:
            return None
        item = self.answers.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item


# ---------------------------------------------------------------- helpers

def make_program(*steps: Step, title: str = "Test program",
                 minutes: float = 3) -> Program:
    return Program("test-program", title, "journal", minutes, "For tests.", steps,
                   "built-in")


class Run:
    """One session and everything it touched."""

    def __init__(self, prog: Program, tmp_path: Path, *, voice: object = None,
                 answers: ScriptedAnswers | None = None, use_cues: bool = True,
                 pace: float = 1.0, notebook: bool = True, player: bool = True,
                 intro: list[str] | None = None) -> None:
        self.clock = VirtualClock()
        self.timeline = Timeline(self.clock, pace)
        self.shown: list[str] = []
        self.player = FakePlayer(self.clock) if player else None
        self.voice = voice
        self.speech = speech.SpeechCache(lambda: voice) if voice else None
        self.book = NoteBook(tmp_path / "notes") if notebook else None
        self.answers = answers
        self.session = Session(prog, self.timeline, self.shown.append, self.speech,
                               self.player, answers, self.book, use_cues,
                               intro or [])

    def run(self) -> SessionResult:
        return self.session.run()

    def note_files(self) -> list[Path]:
        assert self.book is not None
        return self.book.all_paths()


def _title_line(prog: Program) -> str:
    n = max(1, round(prog.minutes))
    return f"{prog.title}. About {n} minute{'s' if n != 1 else ''}."


JOURNAL = make_program(
    Cue("bell"),
    Say("Welcome. Take your time.", 2),
    Prompt("What is one thing you noticed today?"),
    Pause(3),
    Prompt("Just notice your breath.", answer=False, pause=5),
    Prompt("What do you need right now?"),
    Prompt("What would you like to remember?"),
    Say("Thank you."),
)
ANSWERABLE = [s.text for s in JOURNAL.prompts if s.answer]


# ---------------------------------------------------------------- order and notes

def test_lines_shown_in_order(tmp_path: Path) -> None:
    answers = ScriptedAnswers(["a bird outside", "rest", "the light"])
    run = Run(JOURNAL, tmp_path, answers=answers, intro=["A word before we begin."])
    result = run.run()
    assert run.shown == [
        _title_line(JOURNAL),
        "A word before we begin.",
        "Welcome. Take your time.",
        "What is one thing you noticed today?",
        TYPED_HOW,
        "Saved.",
        "Just notice your breath.",
        "What do you need right now?",
        "Saved.",
        "What would you like to remember?",
        "Saved.",
        "Thank you.",
    ]
    assert answers.asked == ANSWERABLE
    assert result.completed is True
    assert result.answered == 3
    assert result.unsaved_note == ""


def test_voice_speaks_each_line_in_order(tmp_path: Path) -> None:
    voice = FakeVoice()
    answers = ScriptedAnswers(["one", "two", "three"])
    run = Run(JOURNAL, tmp_path, voice=voice, answers=answers)
    run.run()
    spoken_lines = [ln for ln in run.shown if ln != "Saved."]
    assert run.player is not None
    speech_plays = run.player.speech_plays()
    assert len(speech_plays) == len(spoken_lines)
    # each clip is the one made for its line: durations follow len(text)
    assert [round(d, 3) for _, d in speech_plays] == \
        [round(len(t) * 0.01, 3) for t in spoken_lines]
    times = [t for t, _ in speech_plays]
    assert times == sorted(times)
    assert set(voice.texts) >= set(spoken_lines)
    assert voice.closed


def test_speech_is_waited_for_before_the_next_line(tmp_path: Path) -> None:
    """A line starts only when the one before it has been said."""
    voice = FakeVoice(seconds_per_char=0.1)
    prog = make_program(Say("One two three."), Say("Four."))
    run = Run(prog, tmp_path, voice=voice, use_cues=False, notebook=False)
    run.run()
    assert run.player is not None
    (t1, d1), (t2, d2), (t3, _) = run.player.speech_plays()
    assert t2 == pytest.approx(t1 + d1)
    assert t3 == pytest.approx(t2 + d2)


def test_every_answer_is_on_disk_after_each_answer(tmp_path: Path) -> None:
    given: list[str] = []
    checks: list[int] = []
    script = ["a bird outside", "", "rest, and some water"]

    def check_disk(prompt: str) -> None:
        files = run.note_files()
        assert len(files) == 1
        note = parse(files[0].read_text(encoding="utf-8"))
        assert [a.text for a in note.answers] == [g for g in given if g]
        assert [a.prompt for a in note.answers] == \
            [p for p, g in zip(ANSWERABLE, given, strict=False) if g]
        assert note.finished is None  # still running
        checks.append(len(note.answers))
        if len(given) < len(script):
            given.append(script[len(given)])  # what ask() is about to return

    answers = ScriptedAnswers(list(script), before_answer=check_disk)
    run = Run(JOURNAL, tmp_path, answers=answers)
    result = run.run()
    assert checks == [0, 1, 1]  # looked at the file before each answer
    note = parse(run.note_files()[0].read_text(encoding="utf-8"))
    assert [a.text for a in note.answers] == ["a bird outside", "rest, and some water"]
    assert note.finished is not None
    assert result.note_path == run.note_files()[0]
    assert result.answered == 2


def test_empty_answer_skips_the_section(tmp_path: Path) -> None:
    answers = ScriptedAnswers(["", "water", ""])
    run = Run(JOURNAL, tmp_path, answers=answers)
    result = run.run()
    assert run.shown.count("Skipped.") == 2
    assert run.shown.count("Saved.") == 1
    note = parse(run.note_files()[0].read_text(encoding="utf-8"))
    assert [(a.prompt, a.text) for a in note.answers] == \
        [("What do you need right now?", "water")]
    assert "## What is one thing you noticed today?" not in \
        run.note_files()[0].read_text(encoding="utf-8")
    assert result.completed and result.answered == 1


def test_answers_are_saved_with_the_source_mode(tmp_path: Path) -> None:
    answers = ScriptedAnswers(["x", "y", "z"])
    answers.mode = "spoken"
    run = Run(JOURNAL, tmp_path, answers=answers)
    run.run()
    note = parse(run.note_files()[0].read_text(encoding="utf-8"))
    assert [a.mode for a in note.answers] == ["spoken"] * 3
    assert note.program == "test-program" and note.title == "Test program"


def test_end_of_input_ends_cleanly(tmp_path: Path) -> None:
    answers = ScriptedAnswers(["first answer", None])
    run = Run(JOURNAL, tmp_path, answers=answers)
    result = run.run()
    assert result.completed is False
    assert result.answered == 1
    assert run.shown[-1] == "End of input: the session ends here."
    assert "What would you like to remember?" not in run.shown
    assert "Thank you." not in run.shown
    note = parse(run.note_files()[0].read_text(encoding="utf-8"))
    assert [a.text for a in note.answers] == ["first answer"]
    assert note.finished is not None  # ended cleanly, not cut off
    assert run.player is not None and run.player.stops == []


def test_no_answers_means_no_questions_asked(tmp_path: Path) -> None:
    run = Run(JOURNAL, tmp_path, answers=None)
    result = run.run()
    assert TYPED_HOW not in run.shown and "Saved." not in run.shown
    assert result.answered == 0 and result.completed
    note = parse(run.note_files()[0].read_text(encoding="utf-8"))
    assert note.answers == () and note.finished is not None


def test_no_notebook_no_note(tmp_path: Path) -> None:
    run = Run(JOURNAL, tmp_path, answers=None, notebook=False)
    result = run.run()
    assert result.note_path is None and result.answered == 0
    assert not (tmp_path / "notes").exists()


def test_answers_without_a_notebook_do_not_crash(tmp_path: Path) -> None:
    run = Run(JOURNAL, tmp_path, answers=ScriptedAnswers(["a", "b", "c"]),
              notebook=False)
    result = run.run()
    assert result.completed and result.note_path is None


def test_typed_how_is_said_once(tmp_path: Path) -> None:
    run = Run(JOURNAL, tmp_path, answers=ScriptedAnswers(["a", "b", "c"]))
    run.run()
    assert run.shown.count(TYPED_HOW) == 1


# ---------------------------------------------------------------- cues

def test_cues_around_an_answer(tmp_path: Path) -> None:
    events: list[str] = []

    def before(prompt: str) -> None:
        assert run.player is not None
        events.append(f"ask, last cue: {run.player.cue_plays()[-1][1]}")

    answers = ScriptedAnswers(["one", "", "three"], before_answer=before)
    run = Run(JOURNAL, tmp_path, voice=FakeVoice(), answers=answers)
    run.run()
    assert events == ["ask, last cue: your-turn"] * 3
    assert run.player is not None
    names = [n for _, n in run.player.cue_plays()]
    assert names == ["bell", "bell", "your-turn", "saved", "your-turn",
                     "your-turn", "saved", "bell"]
    # the person's turn starts after the cue has been heard
    ask_cues = [t for t, n in run.player.cue_plays() if n == "your-turn"]
    assert ask_cues[0] > 0


def test_no_cues_when_cues_are_off(tmp_path: Path) -> None:
    answers = ScriptedAnswers(["one", "two", "three"])
    run = Run(JOURNAL, tmp_path, voice=FakeVoice(), answers=answers, use_cues=False)
    result = run.run()
    assert run.player is not None
    assert run.player.cue_plays() == []
    assert run.player.speech_plays()  # still speaking
    assert result.answered == 3


def _breathing_run(tmp_path: Path, pace: float, voice: FakeVoice | None) -> Run:
    prog = make_program(
        Say("Let's breathe together."),
        Breathe(inhale=4, hold=4, exhale=4, rest=4, cycles=4),
        Say("That was the last round."),
    )
    run = Run(prog, tmp_path, voice=voice, pace=pace, notebook=False)
    run.run()
    return run


@pytest.mark.parametrize("pace", [1.0, 0.5])
@pytest.mark.parametrize("seconds_per_char", [0.01, 0.8])  # 0.8: "Breathe in" = 8 s
def test_breathing_cues_fall_exactly_on_phase_starts(tmp_path: Path, pace: float,
                                                     seconds_per_char: float) -> None:
    run = _breathing_run(tmp_path, pace, FakeVoice(seconds_per_char))
    assert run.player is not None
    phase_cues = [(t, n) for t, n in run.player.cue_plays() if n in PHASES]
    assert [n for _, n in phase_cues] == list(PHASES) * 4
    t0 = phase_cues[0][0]
    step = 4 * pace
    assert [t for t, _ in phase_cues] == \
        pytest.approx([t0 + k * step for k in range(16)], abs=1e-9)
    # the breath starts after the first line has been said
    first_line = run.player.speech_plays()[1]  # [0] is the title
    assert t0 >= first_line[0] + first_line[1] - 1e-9


@pytest.mark.parametrize("pace", [1.0, 0.5])
def test_breathing_words_follow_their_cue(tmp_path: Path, pace: float) -> None:
    run = _breathing_run(tmp_path, pace, FakeVoice(0.8))
    assert run.player is not None
    phase_cues = [(t, n) for t, n in run.player.cue_plays() if n in PHASES]
    word_times = [t for t, d in run.player.speech_plays()
                  if d == pytest.approx(0.8 * len("Breathe in"))
                  or d == pytest.approx(0.8 * len("Hold"))
                  or d == pytest.approx(0.8 * len("Breathe out"))
                  or d == pytest.approx(0.8 * len("Rest"))]
    assert len(word_times) == 16
    expected = [t + cues.load(n).duration for t, n in phase_cues]
    assert word_times == pytest.approx(expected, abs=1e-9)


def test_breathing_without_voice_keeps_the_same_schedule(tmp_path: Path) -> None:
    run = _breathing_run(tmp_path, 1.0, None)
    assert run.player is not None
    phase_cues = [t for t, n in run.player.cue_plays() if n in PHASES]
    t0 = phase_cues[0]
    assert phase_cues == pytest.approx([t0 + 4 * k for k in range(16)], abs=1e-9)
    shown_rounds = [ln for ln in run.shown if ln.startswith("Breathe in")]
    assert shown_rounds[0] == "Breathe in, 4. Round 1 of 4."
    assert len(shown_rounds) == 4
    # after the breath: the closing line comes once the last rest is over
    assert run.clock.now() >= t0 + 16 * 4


# ---------------------------------------------------------------- failing engines

def test_failing_voice_shows_one_line_and_carries_on_as_text(tmp_path: Path) -> None:
    voice = FailingVoice()
    answers = ScriptedAnswers(["one", "two", "three"])
    run = Run(JOURNAL, tmp_path, voice=voice, answers=answers)
    result = run.run()
    problems = [ln for ln in run.shown if "Speech is not available" in ln]
    assert len(problems) == 1
    assert "the speech engine crashed" in problems[0]
    assert "Reinstall espeak-ng." in problems[0]
    assert run.shown[0] == _title_line(JOURNAL)
    rest = [ln for ln in run.shown if ln not in problems]
    assert rest[-1] == "Thank you."
    assert "What would you like to remember?" in rest
    assert result.completed and result.answered == 3
    assert run.player is not None and run.player.speech_plays() == []
    assert run.session.speech is None


def test_voice_that_cannot_start_carries_on_as_text(tmp_path: Path) -> None:
    def make_voice() -> FakeVoice:
        raise BackendUnavailable("pyttsx3 is not installed", "Run ./scripts/setup")

    run = Run(JOURNAL, tmp_path, answers=ScriptedAnswers(["a", "b", "c"]))
    run.session.speech = speech.SpeechCache(make_voice)
    result = run.run()
    assert sum("Speech is not available" in ln for ln in run.shown) == 1
    assert result.completed and result.answered == 3


def test_hanging_voice_is_bounded(tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speech, "WAIT_S", 0.5)
    voice = HangingVoice(hang_s=20.0)
    answers = ScriptedAnswers(["one", "two", "three"])
    run = Run(JOURNAL, tmp_path, voice=voice, answers=answers)
    t0 = time.monotonic()
    try:
        result = run.run()
        took = time.monotonic() - t0
    finally:
        voice.release.set()
    assert took < 10.0
    assert voice.started.is_set()
    problems = [ln for ln in run.shown if "Speech is not available" in ln]
    assert len(problems) == 1
    assert "not ready" in problems[0]
    assert result.completed and result.answered == 3
    assert run.shown[-1] == "Thank you."
    assert run.player is not None and run.player.speech_plays() == []


def test_failed_saves_are_shown_once_and_the_note_is_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def broken_save(self: NoteBook, note: object) -> None:
        calls.append(1)
        raise NotesError("could not save the note (disk full)", "Free some space.")

    monkeypatch.setattr(NoteBook, "save", broken_save)
    script = ["first: a bird", "## second\nwith lines", "third, ünïcode"]
    answers = ScriptedAnswers(list(script))
    run = Run(JOURNAL, tmp_path, answers=answers)
    result = run.run()
    problems = [ln for ln in run.shown if "could not be saved" in ln]
    assert len(problems) == 1  # said once, not after every answer
    assert sum("disk full" in ln for ln in run.shown) == 1
    assert len(calls) >= 5  # start, three answers, finish: it kept trying
    assert result.completed and result.answered == 3
    assert result.unsaved_note
    kept = parse(result.unsaved_note)
    assert [a.text for a in kept.answers] == script
    assert [a.prompt for a in kept.answers] == ANSWERABLE
    assert kept.finished is not None
    assert run.shown[-1] == "Thank you."


def test_save_that_recovers_clears_the_unsaved_note(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_save = NoteBook.save
    failures = [True, True]  # the first two saves fail, then the disk is back

    def flaky_save(self: NoteBook, note: object) -> None:
        if failures:
            failures.pop()
            raise NotesError("disk full", "Free some space.")
        real_save(self, note)  # type: ignore[arg-type]

    monkeypatch.setattr(NoteBook, "save", flaky_save)
    run = Run(JOURNAL, tmp_path, answers=ScriptedAnswers(["a", "b", "c"]))
    result = run.run()
    assert sum("could not be saved" in ln for ln in run.shown) == 1
    assert result.unsaved_note == ""
    note = parse(run.note_files()[0].read_text(encoding="utf-8"))
    assert [a.text for a in note.answers] == ["a", "b", "c"]


def test_keyboard_interrupt_saves_answers_so_far(tmp_path: Path) -> None:
    answers = ScriptedAnswers(["kept answer", KeyboardInterrupt()])
    run = Run(JOURNAL, tmp_path, voice=FakeVoice(), answers=answers)
    with pytest.raises(KeyboardInterrupt):
        run.run()
    files = run.note_files()
    assert len(files) == 1
    note = parse(files[0].read_text(encoding="utf-8"))
    assert [a.text for a in note.answers] == ["kept answer"]
    assert note.finished is None
    assert "finished:" not in files[0].read_text(encoding="utf-8")
    assert run.player is not None and len(run.player.stops) == 1
    assert run.voice is not None and run.voice.closed  # type: ignore[attr-defined]
    assert "Thank you." not in run.shown


def test_keyboard_interrupt_before_any_answer(tmp_path: Path) -> None:
    answers = ScriptedAnswers([KeyboardInterrupt()])
    run = Run(JOURNAL, tmp_path, answers=answers)
    with pytest.raises(KeyboardInterrupt):
        run.run()
    note = parse(run.note_files()[0].read_text(encoding="utf-8"))
    assert note.answers == () and note.finished is None
    assert run.player is not None and len(run.player.stops) == 1


def test_typed_answers_from_a_stream(tmp_path: Path) -> None:
    import io

    from voiceguide.backends.text import LineReader, TypedAnswers

    stream = io.StringIO("  first line  \r\n\nthird\n")
    run = Run(JOURNAL, tmp_path)
    run.session.answers = TypedAnswers(LineReader(stream))
    result = run.run()
    note = parse(run.note_files()[0].read_text(encoding="utf-8"))
    assert [(a.prompt, a.text, a.mode) for a in note.answers] == [
        (ANSWERABLE[0], "first line", "typed"), (ANSWERABLE[2], "third", "typed")]
    assert result.completed
