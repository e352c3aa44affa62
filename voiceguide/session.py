"""Runs a Program: speak, pace, take answers, save the note.

The session knows only interfaces: a Voice (through a SpeechCache), a Player,
an answer source, a NoteBook and a Timeline. It never prints; every line
the person should see goes through ``show``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from voiceguide import cues
from voiceguide.audio import AudioClip
from voiceguide.backends.base import Player
from voiceguide.errors import NotesError, VoiceGuideError
from voiceguide.notes import Answer, Note, NoteBook, now, render
from voiceguide.pacing import Timeline
from voiceguide.program import Breathe, Cue, Pause, Program, Prompt, Say
from voiceguide.speech import SpeechCache

log = logging.getLogger(__name__)

PHASE_WORDS = {
    "inhale": "Breathe in",
    "hold": "Hold",
    "exhale": "Breathe out",
    "rest": "Rest",
}
TYPED_HOW = "Type your answer and press Enter. An empty line skips the question."


class AnswerSource(Protocol):
    mode: str

    def ask(self, prompt: str) -> str | None:
        """The answer; '' to skip; None when input has ended."""


@dataclass
class SessionResult:
    note_path: Path | None
    answered: int
    completed: bool  # every step was reached
    unsaved_note: str = ""  # the note's text, when it could not be saved


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
    note: Note | None = None
    _told_how: bool = False
    _save_failed: bool = False

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
        if not (step.answer and self.answers):
            self.timeline.rest(step.pause)
            return True
        if not self._told_how:
            self._told_how = True
            self.speak(TYPED_HOW)
        self.timeline.hold(self._cue("your-turn"))
        text = self.answers.ask(step.text)
        self.timeline.resync()
        if text is None:
            return False
        if not text:
            self.speak("Skipped.")
            return True
        self._record(Answer(step.text, now(), text, mode=self.answers.mode))
        self.timeline.hold(self._cue("saved"))
        self.show("Saved.")
        return True

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
        return True

    # ------------------------------------------------------------ notes

    def _save(self) -> None:
        if not (self.notebook and self.note and self.note.path):
            return
        try:
            self.notebook.save(self.note)
            self._save_failed = False
        except NotesError as e:
            if not self._save_failed:
                self._save_failed = True
                self.speak(
                    "Your note could not be saved. Your answers are kept, and "
                    "saving will be tried again."
                )
                self.show(f"({e.message})")
            self._save_failed = True

    def _record(self, answer: Answer) -> None:
        assert self.note is not None
        self.note = self.note.with_answer(answer)
        self._save()

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
        self.note = Note(
            p.id,
            p.title,
            started,
            path=(self.notebook.new_path(p.id, started) if self.notebook else None),
        )
        self._save()
        completed = False
        try:
            self.timeline.hold(bell)
            self.speak(title)
            for line in self.intro:
                self.speak(line)
            for step in p.steps:
                if not self._step(step):
                    self.show("End of input: the session ends here.")
                    break
            else:
                completed = True
                self.timeline.resync()
                self.timeline.hold(self._cue("bell"))
        except BaseException:
            if self.player:
                self.player.stop()
            self._save()
            raise
        finally:
            if self.speech:
                self.speech.close()
        self.note = replace(self.note, finished=now())
        self._save()
        return SessionResult(
            self.note.path,
            len(self.note.answers),
            completed,
            render(self.note) if self._save_failed else "",
        )


def _minutes(m: float) -> str:
    n = max(1, round(m))
    return "1 minute" if n == 1 else f"{n} minutes"
