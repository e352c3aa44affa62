"""NoteKeeper: the session's note in memory and on disk, safe across threads.

The session adds answers; the background transcriber fills them in. Every
change rewrites the note (atomically, by NoteBook.save) under one lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from voiceguide.errors import NotesError
from voiceguide.notes import Answer, Note, NoteBook, now
from voiceguide.tagging import merge


class NoteKeeper:
    def __init__(self, note: Note, notebook: NoteBook | None,
                 on_problem: Callable[[str], None]) -> None:
        self._note = note
        self.notebook = notebook
        self.on_problem = on_problem
        self.save_failed = False
        self._lock = threading.RLock()

    @property
    def note(self) -> Note:
        with self._lock:
            return self._note

    def save(self) -> None:
        with self._lock:
            if not (self.notebook and self._note.path):
                return
            try:
                self.notebook.save(self._note)
            except NotesError as e:
                first = not self.save_failed
                self.save_failed = True
                if first:
                    self.on_problem(e.message)
                return
            self.save_failed = False

    def add(self, answer: Answer) -> int:
        """Add an answer and save; its index, for later updates."""
        with self._lock:
            self._note = self._note.with_answer(answer)
            self.save()
            return len(self._note.answers) - 1

    def update(self, index: int, **changes: Any) -> None:
        with self._lock:
            answers = list(self._note.answers)
            answers[index] = replace(answers[index], **changes)
            self._note = replace(self._note, answers=tuple(answers))
            self.save()

    def remove(self, index: int) -> None:
        with self._lock:
            answers = list(self._note.answers)
            del answers[index]
            self._note = replace(self._note, answers=tuple(answers))
            self.save()

    def add_tags(self, tags: tuple[str, ...]) -> None:
        """Tags said or typed with an answer, added to the note's own."""
        with self._lock:
            self._note = replace(self._note, tags=merge(self._note.tags, tags))
            self.save()

    def finish(self) -> None:
        with self._lock:
            self._note = replace(self._note, finished=now())
            self.save()

    def rate(self, when: str, rating: int) -> None:
        """A check-in rating ("before" or "after", 0-10), saved at once."""
        with self._lock:
            distress = {**self._note.distress, when: rating}
            self._note = replace(self._note, distress=distress)
            self.save()
