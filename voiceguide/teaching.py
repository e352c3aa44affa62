"""Teaching the commands in the person's own voice: what is said, what is
recorded, and what is kept (``voiceguide commands teach``).

For each command the guide says its words, the person says them after the
your-turn sound, twice. A take with no speech, or too short or too long for a
command, is asked for again (twice at most, then the command is left as it
was). Each command is saved as soon as its takes are in, so stopping half-way
keeps what was taught. The engines come in as callables: tests drive it with
real recordings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceguide import taught
from voiceguide.commandwords import (
    COMMANDS,
    PHRASES,
    as_said,
    first_phrases,
    normalize,
)
from voiceguide.errors import BadInput

RETRIES = 2  # extra tries for a take that could not be used
ENDS = ("stop", "exit")

WHY = {
    "no speech": "I did not hear anything.",
    "too short": "That was too short to keep.",
    "too long": "That was longer than a command: just the words, please.",
}


def chosen(words: list[str]) -> list[tuple[str, str]]:
    """(command, phrase) for each of ``words``: a phrase teaches those words
    ("softer" for quieter), a command's name its first phrase ("need-help":
    "I need help"). Every command's first phrase when none are given."""
    first = first_phrases()
    if not words:
        return list(first.items())
    by_phrase = {normalize(p): (c, p) for p, c in PHRASES.items()}
    out: list[tuple[str, str]] = []
    for word in words:
        found = by_phrase.get(normalize(word))
        if found is not None:
            pair = (found[0], as_said(found[1]))
        elif word in COMMANDS:
            pair = (word, first[word])
        else:
            raise BadInput(f"{word!r} is not a command",
                           f"Commands: {', '.join(first.values())}")
        if pair not in out:
            out.append(pair)
    return out


@dataclass
class Teaching:
    """``speak(text)`` says a line and returns a command key pressed during it,
    or None; ``record()`` records one take and returns it as a clip, or
    "no speech"; ``take_of(clip)`` makes the Take, or why it cannot."""

    speak: Callable[[str], str | None]
    record: Callable[[], Any]
    take_of: Callable[[Any], taught.Take | str]
    path: Path
    kept: list[taught.Take] = field(default_factory=list)
    taught_now: list[str] = field(default_factory=list)

    def run(self, commands: list[tuple[str, str]]) -> bool:
        """Teach each (command, phrase) in order; False when the person
        stopped. A phrase taught again replaces its earlier takes."""
        for n, (command, phrase) in enumerate(commands, 1):
            lead = f"{n} of {len(commands)}. " if len(commands) > 1 else ""
            takes = self._takes(command, phrase, lead)
            if takes is None:
                return False
            if takes:
                self.kept = [t for t in self.kept
                             if (t.command, t.phrase) != (command, phrase)] + takes
                taught.save(self.path, self.kept, taught.MODEL)
                self.taught_now.append(phrase)
        return True

    def _takes(self, command: str, phrase: str, lead: str
               ) -> list[taught.Take] | None:
        takes: list[taught.Take] = []
        tries = 0
        while len(takes) < taught.TAKES and tries < taught.TAKES + RETRIES:
            tries += 1
            ask = (f"{lead}Say: {phrase}." if not takes else
                   f"Once more: {phrase}.")
            if self.speak(ask) in ENDS:
                return None
            clip = self.record()
            if clip in ENDS:
                return None
            made = self.take_of(clip) if not isinstance(clip, str) else clip
            if isinstance(made, str):
                if self.speak(f"{WHY.get(made, made)} Let's try again.") in ENDS:
                    return None
                continue
            takes.append(taught.Take(command, made.frames, phrase))
        if len(takes) < taught.TAKES:
            if self.speak(f"Leaving {phrase} as it was.") in ENDS:
                return None
            return []
        return takes
