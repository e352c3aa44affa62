"""Notes into voiceguide: a jrnl plain-text journal becomes one note per entry.

Each entry becomes a note of the program "jrnl" (see ``jrnl.py`` for how its
text maps to questions, answers and tags), saved like any note. Importing is
safe to repeat: an entry is skipped when a note already in the folder (or one
earlier in the same file) would be written out as exactly the same jrnl
entry, so importing one journal twice, or importing an export of these very
notes, adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from voiceguide import jrnl
from voiceguide.errors import BadInput, NotesError
from voiceguide.library import Library
from voiceguide.notes import NoteBook


@dataclass(frozen=True)
class Imported:
    added: int
    already: int  # entries that were there already


def import_jrnl(text: str, source: str, book: NoteBook, lib: Library) -> Imported:
    """Import every entry of a jrnl journal's text (``source`` names it in
    messages)."""
    entries = list(jrnl.parse_journal(text))
    if not entries:
        raise BadInput(
            f"{source}: no jrnl entries found",
            "A jrnl journal has entries that start with a line such as "
            "'[2026-03-01 09:00] A title'. Export one with: jrnl --export txt")
    seen: set[str] = set()
    added = already = 0
    for entry in entries:
        # jrnl keeps the time on the clock; it gets this machine's zone then.
        started = entry.date.astimezone().replace(microsecond=0)
        note = jrnl.to_note(entry, started)
        as_entry = jrnl.entry_text(note)
        if as_entry in seen or _present(as_entry, started.isoformat()[:16], book, lib):
            already += 1
            continue
        seen.add(as_entry)
        book.save(replace(note, path=book.new_path(jrnl.PROGRAM, started)))
        added += 1
    return Imported(added, already)


def _present(as_entry: str, minute: str, book: NoteBook, lib: Library) -> bool:
    for path in lib.same_minute(minute):
        try:
            if jrnl.entry_text(book.read(path)) == as_entry:
                return True
        except NotesError:
            continue
    return False
