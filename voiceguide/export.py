"""Notes out of voiceguide: one Markdown file, JSON, or a jrnl journal.

Every writer takes the notes one at a time (an iterator that reads each file
as it is needed) and a ``write`` function, and writes each note as soon as it
has it, so exporting ten thousand notes never builds one giant string. Notes
come oldest first, as a journal is read.

JSON is one array with one object per note::

    {"path": "2026/11/2026-11-27T14-03-22_rebuilding-trust.md",
     "program": "rebuilding-trust", "title": "Rebuilding trust",
     "started": "2026-11-27T14:03:22+01:00", "finished": null, "tags": [],
     "distress": {}, "extra": [],
     "answers": [{"prompt": "...", "answered": "...", "text": "...",
                  "mode": "spoken", "engine": "whisper-base",
                  "audio": "2026/11/2026-11-27T14-03-22_rebuilding-trust/01.wav",
                  "pending": false}]}

Paths (the note's and its recordings') are relative to the notes folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from voiceguide import jrnl
from voiceguide.notes import Note

FORMATS = ("md", "json", "jrnl")
SUFFIXES = {".md": "md", ".markdown": "md", ".json": "json", ".txt": "jrnl",
            ".jrnl": "jrnl"}

Write = Callable[[str], object]  # file.write returns a count


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def note_json(note: Note, root: Path) -> dict[str, Any]:
    folder = note.path.parent if note.path else root
    return {
        "path": _rel(note.path, root) if note.path else None,
        "program": note.program,
        "title": note.title,
        "started": note.started.isoformat(),
        "finished": note.finished.isoformat() if note.finished else None,
        "tags": list(note.tags),
        "distress": dict(note.distress),
        "extra": list(note.extra),
        "answers": [
            {
                "prompt": a.prompt,
                "answered": a.answered.isoformat(),
                "text": a.text,
                "mode": a.mode,
                "engine": a.engine,
                "audio": _rel(folder / a.audio, root) if a.audio else "",
                "pending": a.pending,
            }
            for a in note.answers
        ],
    }


def write_json(notes: Iterable[Note], root: Path, write: Write) -> int:
    n = 0
    for note in notes:
        body = json.dumps(note_json(note, root), ensure_ascii=False, indent=2)
        write(("[\n" if n == 0 else ",\n") + "  " + body.replace("\n", "\n  "))
        n += 1
    write("\n]\n" if n else "[]\n")
    return n


# Lines of an answer that Markdown would read as structure, not text.
_MD_SPECIAL = re.compile(r"^(?:#|\\|<|---|===|___|\*\*\*)")


def _md_text(text: str) -> str:
    return "\n".join("\\" + ln if _MD_SPECIAL.match(ln) else ln
                     for ln in text.split("\n"))


def _md_note(note: Note, root: Path) -> str:
    when = f"{note.started:%A} {note.started.day} {note.started:%B %Y, %H:%M}"
    title = " ".join(note.title.split()) or note.program
    facts = [f"Program: {note.program}."]
    if note.tags:
        facts.append(f"Tags: {', '.join(note.tags)}.")
    if not note.finished:
        facts.append("Unfinished.")
    parts = [f"## {title}, {when}", "", " ".join(facts), ""]
    folder = note.path.parent if note.path else root
    for a in note.answers:
        parts += [f"### {' '.join(a.prompt.split())}", ""]
        if a.pending:
            where = (f" Its recording: {_rel(folder / a.audio, root)}."
                     if a.audio else "")
            parts += [f"(Not written out yet.{where})", ""]
        else:
            parts += [_md_text(a.text), ""]
    return "\n".join(parts) + "\n"


def write_markdown(notes: Iterable[Note], root: Path, write: Write) -> int:
    write("# Journal\n")
    n = 0
    for note in notes:
        write("\n" + _md_note(note, root))
        n += 1
    return n


def write_notes(fmt: str, notes: Iterable[Note], root: Path, write: Write) -> int:
    """Write the notes in one of FORMATS; how many were written."""
    if fmt == "json":
        return write_json(notes, root, write)
    if fmt == "jrnl":
        return jrnl.write_journal(notes, write)
    return write_markdown(notes, root, write)
