"""Export (Markdown, JSON, jrnl) and jrnl import, with real files and index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from voiceguide.export import note_json, write_notes
from voiceguide.importing import import_jrnl
from voiceguide.library import Library
from voiceguide.notes import Answer, Note, NoteBook

pytestmark = pytest.mark.timeout(120)


def local(*args: int) -> datetime:
    """A time on this machine's clock, as notes are written and jrnl is read."""
    return datetime(*args).astimezone()  # type: ignore[arg-type]


ODD = [
    "# looks like a heading\n## and a question\nanswered: 2020-01-01 · typed",
    "[2025-01-01 10:00] looks like a jrnl entry",
    "Je me sens mieux. Ça va. 今日は少し落ち着いた。 Привет, мир. ☀️",
    "line one\n\nafter a blank\n---\n* a list item\n> a quote\n\\ backslash",
    " ".join(["a very long answer"] * 3000),
    "ends with a tag line\n@alone",
]


def make_originals(book: NoteBook) -> list[Path]:
    paths = []
    for i, text in enumerate(ODD):
        when = local(2025, 1, 1 + i, 9, 30, 42)
        note = Note(
            "rebuilding-trust", f"Rebuilding trust {i}", when,
            when + timedelta(minutes=3),
            (Answer("What helped today?", when, f"Answer {i}."),
             Answer("And what else?", when + timedelta(minutes=1), text.strip(),
                    mode="spoken", engine="whisper-base",
                    audio=f"{when:%Y-%m-%dT%H-%M-%S}_rebuilding-trust/02.wav")),
            book.new_path("rebuilding-trust", when),
            tags=("sister", "Work") if i % 2 else ())
        book.save(note)
        paths.append(note.path)  # type: ignore[arg-type]
    # Two in the same minute, and a twin in the same second.
    same = local(2025, 2, 1, 8, 0, 5)
    for k in range(3):
        when = same + timedelta(seconds=0 if k == 2 else k * 30)
        note = Note("daily-check-in", "Daily check in", when, same,
                    (Answer("How?", same, f"twin {k}"),),
                    book.new_path("daily-check-in", when))
        book.save(note)
        paths.append(note.path)  # type: ignore[arg-type]
    return paths


def export(book: NoteBook, fmt: str) -> str:
    chunks: list[str] = []
    with Library(book) as lib:
        ordered = list(lib.oldest_first())
    write_notes(fmt, (book.read(p) for p in ordered), book.root, chunks.append)
    return "".join(chunks)


def carried(note_dict: dict[str, Any]) -> dict[str, Any]:
    """The fields a jrnl journal carries. Tags as jrnl sees them: the note's,
    and every @word in its text (without regard to case)."""
    texts = [note_dict["title"], *(a["text"] for a in note_dict["answers"])]
    return {
        "title": note_dict["title"],
        "started": note_dict["started"][:16],
        "tags": {t.casefold() for t in note_dict["tags"]} | {
            w[1:].casefold() for t in texts for w in t.split() if w.startswith("@")},
        "answers": [(a["prompt"], a["text"]) for a in note_dict["answers"]],
    }


def test_jrnl_round_trip_is_exact(tmp_path: Path) -> None:
    originals = NoteBook(tmp_path / "a")
    make_originals(originals)
    first = export(originals, "jrnl")
    journal = tmp_path / "journal.txt"
    journal.write_text(first, encoding="utf-8")

    copy = NoteBook(tmp_path / "b")
    with Library(copy) as lib:
        done = import_jrnl(journal.read_text(encoding="utf-8"), "journal.txt", copy,
                           lib)
    assert (done.added, done.already) == (len(ODD) + 3, 0)
    assert export(copy, "jrnl") == first

    before = [carried(d) for d in json.loads(export(originals, "json"))]
    after = [carried(d) for d in json.loads(export(copy, "json"))]
    assert after == before
    assert all(d["program"] == "jrnl" for d in json.loads(export(copy, "json")))


def test_importing_twice_adds_nothing(tmp_path: Path) -> None:
    book = NoteBook(tmp_path / "notes")
    make_originals(book)
    text = export(book, "jrnl")
    count = len(book.all_paths())
    with Library(book) as lib:  # its own export, into the same folder
        assert import_jrnl(text, "j", book, lib).added == 0
    other = NoteBook(tmp_path / "other")
    for expected in (len(ODD) + 3, 0):
        with Library(other) as lib:
            assert import_jrnl(text, "j", other, lib).added == expected
    assert len(book.all_paths()) == count
    assert len(other.all_paths()) == len(ODD) + 3


def test_a_journal_written_by_jrnl_comes_back_the_same(tmp_path: Path) -> None:
    text = ("[2012-03-29 09:00] Called in sick.\nUsed the time to clean the house.\n\n"
            "[2012-03-29 09:00] Same minute, another entry @work\n\n"
            "[2012-03-30 18:45] Dinner with @Sister *\nWe talked.\n\nIt was good.\n")
    book = NoteBook(tmp_path / "notes")
    with Library(book) as lib:
        assert import_jrnl(text + "\n" + text, "j", book, lib).added == 3
    assert export(book, "jrnl") == text


def test_json_has_every_field_and_paths_from_the_notes_folder(tmp_path: Path) -> None:
    book = NoteBook(tmp_path / "notes")
    paths = make_originals(book)
    notes = json.loads(export(book, "json"))
    assert len(notes) == len(paths)
    first = notes[0]
    assert set(first) == {"path", "program", "title", "started", "finished", "tags",
                          "distress", "extra", "answers"}
    assert first["path"] == paths[0].relative_to(book.root).as_posix()
    spoken = first["answers"][1]
    assert spoken["mode"] == "spoken" and spoken["engine"] == "whisper-base"
    assert spoken["audio"] == (paths[0].parent.relative_to(book.root) / (
        f"{paths[0].stem}/02.wav")).as_posix()
    assert first["answers"][1]["text"] == ODD[0]
    assert notes[1]["tags"] == ["sister", "Work"]
    assert export(NoteBook(tmp_path / "none"), "json") == "[]\n"
    note = book.read(paths[0])
    assert note_json(note, book.root) == first


def test_export_streams_note_by_note(tmp_path: Path) -> None:
    book = NoteBook(tmp_path / "notes")
    make_originals(book)
    read: list[int] = []
    chunks: list[tuple[int, str]] = []
    with Library(book) as lib:
        ordered = list(lib.oldest_first())

    def reading() -> Iterator[Note]:
        for p in ordered:
            read.append(1)
            yield book.read(p)

    for fmt in ("md", "json", "jrnl"):
        read.clear()
        chunks.clear()
        write_notes(fmt, reading(), book.root,
                    lambda s: chunks.append((len(read), s)))
        # Each note is written as soon as it is read, before the next is read.
        notes_written = [n for n, s in chunks if "twin" in s or "Answer " in s]
        assert notes_written == list(range(1, len(ordered) + 1)), fmt


def test_markdown_keeps_answers_as_text(tmp_path: Path) -> None:
    book = NoteBook(tmp_path / "notes")
    make_originals(book)
    md = export(book, "md")
    assert md.startswith("# Journal\n")
    assert "\n\\# looks like a heading\n\\## and a question\n" in md
    assert "\n\\---\n* a list item\n> a quote\n\\\\ backslash" in md
    assert "Tags: sister, Work." in md
    headings = [ln for ln in md.splitlines() if ln.startswith("## ")]
    assert len(headings) == len(ODD) + 3  # one per note, none from an answer
