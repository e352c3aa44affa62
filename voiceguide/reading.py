"""A note read aloud: turned into a program of spoken lines, so the session's
keys work on it (n and b move between answers, r repeats, s stops)."""

from __future__ import annotations

from voiceguide.notes import Note
from voiceguide.program import Pause, Program, Say


def note_as_program(note: Note) -> Program:
    when = f"{note.started:%A %d %B %Y}, at {note.started:%H:%M}"
    steps: list[Say | Pause] = [Say(f"Your note from {when}: {note.title}.")]
    if not note.answers:
        steps.append(Say("It holds no answers."))
    for n, answer in enumerate(note.answers, 1):
        steps.append(Say(f"Question {n}. {answer.prompt}"))
        if answer.pending or not answer.text:
            steps.append(Say("This answer is not written out yet. Its recording "
                             "is kept beside the note."))
        else:
            steps.append(Say(answer.text, pause=1.0))
    steps.append(Say("End of this note."))
    words = sum(len(s.text.split()) for s in steps if isinstance(s, Say))
    minutes = words / 150 + len(note.answers) / 60  # speech, and a breath each
    return Program(f"read-{note.program}", note.title, "journal", minutes,
                   "A note read aloud.", tuple(steps), "note")
