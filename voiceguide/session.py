"""Runs a Program: speak, pace, take answers, save the note.

The session knows only interfaces: a Voice (through a SpeechCache), a Player,
an answer source, a Listening (microphone and transcriber), a NoteBook and a
Timeline. It never prints; every line the person should see goes through
``show``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from voiceguide import answering, asking, checkin, commanding, cues, support
from voiceguide.audio import AudioClip
from voiceguide.backends.base import Player, Recorder, Transcriber
from voiceguide.controls import KEYS_HELP, VOICE_HELP, Controls, Flow
from voiceguide.errors import VoiceGuideError
from voiceguide.keeping import NoteKeeper
from voiceguide.notes import Answer, Note, NoteBook, now, render
from voiceguide.pacing import Timeline
from voiceguide.program import Breathe, Cue, Pause, Program, Prompt, Say
from voiceguide.speech import SpeechCache
from voiceguide.tagging import split_tags
from voiceguide.transcribing import AnswerWriter, BackgroundTranscriber

log = logging.getLogger(__name__)

PHASE_WORDS = {
    "inhale": "Breathe in",
    "hold": "Hold",
    "exhale": "Breathe out",
    "rest": "Rest",
}
TYPED_HOW = "Type your answer and press Enter. An empty line skips the question."
DRAIN_S = 300.0  # the longest the end of a session waits for transcripts


@dataclass
class Listening:
    """What spoken answers need: a microphone, a transcriber, and the Enter key.

    ``enter(stop, done)`` sets ``stop`` when the person presses Enter, until
    ``done`` is set.
    """

    recorder: Recorder
    make_transcriber: Callable[[], Transcriber] | None
    enter: Callable[[threading.Event, threading.Event], None]
    replies: Recorder | None = None  # short replies (a rating): ends sooner


class AnswerSource(Protocol):
    mode: str

    def ask(self, prompt: str, poll: Callable[[], None] | None = None) -> str | None:
        """The answer; '' to skip; None when input has ended. ``poll`` is
        called while waiting, and may raise to abandon the answer."""


@dataclass
class SessionResult:
    note_path: Path | None
    answered: int
    completed: bool  # every step was reached
    unsaved_note: str = ""  # the note's text, when it could not be saved
    ended_by: str = ""  # "stop" or "exit" when the person ended it


@dataclass
class Session:
    program: Program
    timeline: Timeline
    show: Callable[[str], None]
    speech: SpeechCache | None = None
    player: Player | None = None
    answers: AnswerSource | None = None
    notebook: NoteBook | None = None
    use_cues: bool = True
    intro: list[str] = field(default_factory=list)
    listening: Listening | None = None
    controls: Controls | None = None
    keeper: NoteKeeper | None = None
    transcriber: BackgroundTranscriber | None = None
    _told_how: bool = False
    _told_spoken: bool = False
    _recordings: int = 0
    _handling: bool = False
    writer: AnswerWriter | None = None
    answering: bool = False  # the microphone is taking an answer
    ratings: checkin.Replies | None = None  # None: no check-ins
    # Read out after the emergency reminder when the person asks for help;
    # None: they could not be read.
    contacts: tuple[support.Contact, ...] | None = ()
    # Saves (rate change in wpm, volume or None, pace, voice or None) as
    # lasting settings and returns what to say; None where nothing may be
    # saved (reading aloud).
    keep_settings: Callable[[int, float | None, float, str | None], str] | None = None
    voice_commands: bool = False  # spoken commands are listened for

    def help_text(self) -> str:
        """What "help" says: the keys, and the spoken commands when they are on."""
        return f"{KEYS_HELP} {VOICE_HELP}" if self.voice_commands else KEYS_HELP

    @property
    def note(self) -> Note | None:
        return self.keeper.note if self.keeper else None

    # ------------------------------------------------------------ sound

    def _cue(self, name: str) -> float:
        """Start a cue now; its length in seconds (0 when cues are off)."""
        if not (self.use_cues and self.player):
            return 0.0
        clip = cues.load(name)
        self.player.play(clip)
        return clip.duration

    def _speech(self, text: str) -> AudioClip | None:
        if not self.speech:
            return None
        try:
            return self.speech.get(text)
        except VoiceGuideError as e:
            self.show(
                f"Speech is not available: {e.message}. Carrying on as text. "
                f"Fix: {e.hint}"
            )
            self.speech.close()
            self.speech = None
            return None

    def speak(self, text: str) -> None:
        """Show the line, then say it and wait until it has been said."""
        self.show(text)
        clip = self._speech(text)
        if clip is None or self.player is None:
            return
        self.timeline.resync()
        self.timeline.wait_cursor()
        self.player.play(clip)
        self.timeline.hold(clip.duration)

    # ------------------------------------------------------------ steps

    def _say(self, step: Say) -> None:
        self.speak(step.text)
        self.timeline.rest(step.pause)

    def _prompt(self, step: Prompt) -> bool:
        """False when input has ended."""
        self.speak(step.text)
        if step.answer and self.listening and self._spoken(step):
            return True
        if not (step.answer and self.answers):
            self.timeline.rest(step.pause)
            return True
        if not self._told_how:
            self._told_how = True
            self.speak(TYPED_HOW)
        self.timeline.hold(self._cue("your-turn"))
        text = self.answers.ask(step.text, self._poll)
        self.timeline.resync()
        if text is None:
            return False
        if not text:
            self.speak("Skipped.")
            return True
        assert self.keeper is not None
        text, tags = split_tags(text)  # "... Tag sister and work."
        if tags:
            self.keeper.add_tags(tags)
            self.show(f"Tagged: {', '.join(tags)}.")
        if text:
            self.keeper.add(Answer(step.text, now(), text, mode=self.answers.mode))
        if self.keeper.save_failed:
            self.speak(answering.NOT_SAVED)
            return True
        self.timeline.hold(self._cue("saved"))
        self.show("Saved.")
        return True

    def _spoken(self, step: Prompt) -> bool:
        return answering.spoken(self, step)

    def _command(self, name: str) -> None:
        commanding.act(self, name)

    def _pause(self, message: str = commanding.PAUSED) -> None:
        commanding.pause(self, message)

    def _lost_microphone(self, why: str) -> None:
        self.speak(f"The microphone is not working: {why}. Everything said so far "
                   "is saved. From now on, please type your answers.")
        self.listening = None

    def _breathe(self, step: Breathe) -> None:
        words = [PHASE_WORDS[name] for name, _ in step.phases()]
        if self.speech:
            self.speech.prefetch(words)
        self.timeline.resync()
        pace = self.timeline.pace
        for cycle in range(1, step.cycles + 1):
            for name, seconds in step.phases():
                phase_start = self.timeline.cursor
                self.timeline.wait_cursor()
                cue_len = self._cue(name)
                word = PHASE_WORDS[name]
                self.show(
                    f"{word}, {seconds * pace:.3g}."
                    + (f" Round {cycle} of {step.cycles}." if name == "inhale" else "")
                )
                clip = self._speech(word)
                if clip is not None and self.player is not None:
                    self.timeline.cursor = phase_start + cue_len
                    self.timeline.wait_cursor()
                    self.player.play(clip)
                self.timeline.cursor = phase_start + seconds * pace
                self.timeline.wait_cursor()

    def _step(self, step: object) -> bool:
        if isinstance(step, Say):
            self._say(step)
        elif isinstance(step, Prompt):
            return self._prompt(step)
        elif isinstance(step, Pause):
            self.timeline.rest(step.seconds)
        elif isinstance(step, Breathe):
            self._breathe(step)
        elif isinstance(step, Cue):
            self.timeline.resync()
            self.timeline.hold(self._cue(step.name))
        elif isinstance(step, checkin.Ask):
            asking.ask(self, step.when)
        return True

    # ------------------------------------------------------------ commands

    def _poll(self) -> None:
        """Handle commands waiting in the queue (may raise Flow)."""
        if self.controls and self.timeline.interrupt.is_set():
            self.timeline.interrupt.clear()
            self._on_command()

    def _on_command(self) -> None:
        """The timeline's hook: act on queued commands; Flow changes course."""
        if self.controls is None or self._handling:
            return  # commands that come while one is handled wait their turn
        self._handling = True
        try:
            for name in self.controls.take():
                self._command(name)
        finally:
            self._handling = False

    # ------------------------------------------------------------ notes

    def _save_problem(self, detail: str) -> None:
        if threading.current_thread() is threading.main_thread():
            self.speak("Your note could not be saved. Your answers are kept, and "
                       "saving will be tried again.")
        else:
            self.show("Your note could not be saved; saving will be tried again.")
        self.show(f"({detail})")

    # ------------------------------------------------------------ run

    def _texts(self) -> list[str]:
        texts = [*self.intro]
        for step in self.program.steps:
            if isinstance(step, Say | Prompt):
                texts.append(step.text)
        return texts

    def run(self) -> SessionResult:
        p = self.program
        title = f"{p.title}. About {_minutes(p.minutes)}."
        if self.speech:
            self.speech.prefetch([title, *self._texts()])
        bell = self._cue("bell")  # sound at once, while speech is being made
        started = now()
        path = self.notebook.new_path(p.id, started) if self.notebook else None
        self.keeper = NoteKeeper(Note(p.id, p.title, started, path=path),
                                 self.notebook, self._save_problem)
        self.keeper.save()
        if self.listening:
            self.writer = AnswerWriter(self.keeper, self.show)
        if self.listening and self.listening.make_transcriber and self.writer:
            self.transcriber = BackgroundTranscriber(self.listening.make_transcriber,
                                                     self.writer.written)
            self.transcriber.preload()
        if self.controls:
            self.timeline.on_interrupt = self._on_command
            self.controls.wake_on_command(self.timeline.interrupt)
        asks = [checkin.Ask("before"), checkin.Ask("after")] if self.ratings else []
        steps: list[object] = [Say(title), *(Say(x) for x in self.intro), *asks[:1],
                               *p.steps, *asks[1:]]
        completed, ended_by = False, ""
        try:
            self.timeline.hold(bell)
            completed = self._steps(steps)
            if completed:
                self.timeline.resync()
                self.timeline.hold(self._cue("bell"))
        except Flow as f:  # stop or exit
            ended_by = f.kind
            if f.kind == "stop":
                self.show("Stopped. Everything you said is saved.")
        except BaseException:
            if self.player:
                self.player.stop()
            self.keeper.save()
            raise
        finally:
            self.timeline.on_interrupt = None
            if self.speech:
                self.speech.close()
        self._wait_for_transcripts()
        self.keeper.finish()
        note = self.keeper.note
        return SessionResult(note.path, len(note.answers), completed,
                             render(note) if self.keeper.save_failed else "",
                             ended_by)

    def _steps(self, steps: list[object]) -> bool:
        """Run the steps, following skip, back, repeat; False if input ended."""
        i = 0
        while i < len(steps):
            try:
                if not self._step(steps[i]):
                    self.show("End of input: the session ends here.")
                    return False
                i += 1
            except Flow as f:
                self.timeline.resync()
                if f.kind in ("stop", "exit"):
                    raise
                if f.kind == "skip":
                    i += 1
                elif f.kind == "back":
                    i = _spoken_before(steps, i)
                else:  # repeat, or go on after a pause: this step again
                    i = i if _speaks(steps[i]) else _spoken_before(steps, i + 1)
        return True

    def _wait_for_transcripts(self) -> None:
        transcriber = self.transcriber
        if transcriber is None:
            return
        if transcriber.pending():
            self.show("Writing out your answers. This can take a moment.")
            if not transcriber.drain(DRAIN_S):
                self.show("Some answers are still being written out; their "
                          "recordings are saved. Later, run: "
                          "voiceguide notes retranscribe")
        transcriber.close()


def _speaks(step: object) -> bool:
    return isinstance(step, Say | Prompt | Breathe | checkin.Ask)


def _spoken_before(steps: list[object], i: int) -> int:
    """The index of the last step before ``i`` that says something (or 0)."""
    for j in range(i - 1, -1, -1):
        if _speaks(steps[j]):
            return j
    return 0


def _minutes(m: float) -> str:
    n = max(1, round(m))
    return "1 minute" if n == 1 else f"{n} minutes"
