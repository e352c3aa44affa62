"""The main menu, spoken: choose a kind of program, then a program, by number.

Two short levels keep every choice to one number key (there are more programs
than digits): first the kinds ("1, grounding, five programs"), then the
programs of that kind. A person chooses with a number key, or by saying the
number or the program's name when a microphone is there; r (or "repeat") says
the list again, b or 0 (or "back") goes up, s (or "stop") leaves. Nothing
here prints; ``say`` shows each line.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from voiceguide.catalog import ProgramInfo

WAIT_S = 30.0  # after the list has been said, before it is said again
SAYINGS = 2  # times the list is said with no choice before the menu ends
KIND_NAMES = {"grounding": "grounding", "breathing": "breathing",
              "journal": "journaling", "check-in": "check-ins"}
HOW_KEYS = ("Press the number of your choice. r says the list again, b goes "
            "back, and s leaves.")
HOW_VOICE = ("Press or say the number of your choice. You can also say repeat, "
             "back, or stop.")
NOTHING = "No choice was made, so I'll stop here. You can come back any time."


@dataclass(frozen=True)
class Level:
    """One list the person chooses from."""

    title: str
    lines: tuple[str, ...]  # what is said, one line per choice
    choices: tuple[str, ...]  # a kind (top level) or a program id, per line
    names: tuple[tuple[str, ...], ...]  # words that choose it when spoken


def top(programs: Sequence[ProgramInfo]) -> Level:
    kinds = [k for k in KIND_NAMES if any(p.kind == k for p in programs)]
    lines = []
    for i, kind in enumerate(kinds, 1):
        n = sum(p.kind == kind for p in programs)
        lines.append(f"{i}: {KIND_NAMES[kind]}, {n} program{'s' if n != 1 else ''}.")
    names = tuple((k, KIND_NAMES[k]) for k in kinds)
    return Level("What would you like to do?", tuple(lines), tuple(kinds), names)


def of_kind(programs: Sequence[ProgramInfo], kind: str) -> Level:
    chosen = [p for p in programs if p.kind == kind]
    lines = tuple(f"{i}: {p.title}, about {p.minutes:g} minutes."
                  for i, p in enumerate(chosen, 1))
    names = tuple((p.id, p.title) for p in chosen)
    return Level(f"{KIND_NAMES[kind].capitalize()}. Which one?", lines,
                 tuple(p.id for p in chosen), names)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text.lower().replace("-", " ")).split())


def choose(level: Level, heard: str) -> str | None:
    """What spoken words choose: a choice, "repeat", "back", "stop" or None.

    A number (digits or a word, "number three", "three please") or the whole
    name of a choice; anything else is None, never a guess.
    """
    from voiceguide.checkin import parse_spoken
    from voiceguide.commandwords import match

    words = _plain(heard).removeprefix("number ").removeprefix("option ")
    if not words:
        return None
    command = match(words)
    if command in ("repeat", "back", "stop", "exit"):
        return "stop" if command == "exit" else command
    reply = parse_spoken(words)
    if reply.kind == "number" and reply.value is not None:
        return by_number(level, reply.value)
    for choice, names in zip(level.choices, level.names, strict=True):
        if words in {_plain(n) for n in names}:
            return choice
    return None


def by_number(level: Level, n: int) -> str | None:
    if n == 0:
        return "back"
    return level.choices[n - 1] if 1 <= n <= len(level.choices) else None


# ---------------------------------------------------------------- running


@dataclass
class Menu:
    """The spoken menu's loop over a player, keys and (maybe) a microphone.

    ``speak(text)`` plays a line and returns the first command that came while
    it sounded (then silenced), or None; ``wait(seconds)`` returns the next
    command or None; ``hear()`` records one short reply and returns its words
    (None when there is no microphone).
    """

    programs: Sequence[ProgramInfo]
    speak: Callable[[str], str | None]
    wait: Callable[[float], str | None]
    hear: Callable[[], str | None] | None = None

    def run(self) -> str | None:
        """The chosen program's id, or None when the person left."""
        level, kind = top(self.programs), None
        first = self.speak(f"voiceguide. {HOW_VOICE if self.hear else HOW_KEYS}")
        pending, unanswered = first, 0
        while True:
            answer = pending or self._offer(level)
            pending = None
            if answer is None:
                unanswered += 1
                if unanswered >= SAYINGS:
                    self.speak(NOTHING)
                    return None
                continue
            unanswered = 0
            if answer.startswith("digit-"):
                answer = by_number(level, int(answer[6:])) or "unknown"
            if answer in ("stop", "exit"):
                return None
            if answer == "back" and kind is not None:
                level, kind = top(self.programs), None
            elif answer in level.choices and kind is None:
                kind = answer
                level = of_kind(self.programs, kind)
            elif answer in level.choices:
                return answer
            elif answer == "help":
                pending = self.speak(HOW_VOICE if self.hear else HOW_KEYS)
            elif answer == "unknown":
                pending = self.speak("That is not one of the numbers. Here is the "
                                     "list again.")
            # repeat, back at the top, Enter or any other key: the list again

    def _offer(self, level: Level) -> str | None:
        """Say the list; the person's answer (a command or a choice) or None."""
        for line in (level.title, *level.lines):
            got = self.speak(line)
            if got is not None:
                return got
        if self.hear is not None:
            words = self.hear()
            if words is None:  # no microphone after all: keys only
                self.hear = None
            elif words:
                return choose(level, words) or "unknown"
        return self.wait(WAIT_S)


def hear_with(recorder: Any, recognize: Callable[[Any], str],
              controls: Any) -> Callable[[], str | None]:
    """A ``hear`` for Menu: record one reply (a key ends it), return its words."""
    from voiceguide.audio import read_wav, scratch_wav
    from voiceguide.errors import BackendUnavailable

    def hear() -> str | None:
        path, stop = scratch_wav(), threading.Event()

        def key(name: str) -> None:  # any key ends the listening
            stop.set()

        controls.add_hook(key)
        try:
            rec = recorder.record(path, stop)
            if rec.reason in ("no-speech", "stopped"):
                return ""
            return recognize(read_wav(path))
        except BackendUnavailable:
            return None
        finally:
            controls.remove_hook(key)
            with contextlib.suppress(OSError):
                path.unlink()

    return hear
