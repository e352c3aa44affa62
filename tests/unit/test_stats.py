"""Stats: counts from the real index, added up and worded."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from voiceguide import stats
from voiceguide.library import Library
from voiceguide.notes import Answer, Note, NoteBook
from voiceguide.query import Filters

TZ = timezone(timedelta(hours=1))


def add(book: NoteBook, when: datetime, program: str, title: str, answers: int) -> None:
    note = Note(program, title, when, when,
                tuple(Answer("Q?", when, f"a{i}") for i in range(answers)),
                book.new_path(program, when))
    book.save(note)


def test_counts_by_month_and_program(tmp_path: Path) -> None:
    book = NoteBook(tmp_path / "notes")
    add(book, datetime(2025, 1, 5, 9, 0, tzinfo=TZ), "daily-check-in", "Daily", 2)
    add(book, datetime(2025, 1, 6, 9, 0, tzinfo=TZ), "daily-check-in", "Daily", 1)
    add(book, datetime(2025, 1, 7, 9, 0, tzinfo=TZ), "trust-self", "Trust", 3)
    add(book, datetime(2025, 3, 1, 9, 0, tzinfo=TZ), "daily-check-in", "Daily check",
        0)
    (book.root / "broken.md").write_text("no front matter")  # not counted
    with Library(book) as lib:
        s = stats.summarize(lib.counts())
        titles = lib.titles()
        only_jan = stats.summarize(lib.counts(Filters(until=date(2025, 1, 31))))
    assert (s.sessions, s.answers) == (4, 6)
    assert [(t.key, t.sessions, t.answers) for t in s.months] == [
        ("2025-03", 1, 0), ("2025-01", 3, 6)]
    assert [(t.key, t.sessions, t.answers) for t in s.programs] == [
        ("daily-check-in", 3, 3), ("trust-self", 1, 3)]
    assert titles["daily-check-in"] == "Daily check"  # the newest note's title
    printed = stats.printed(s, titles)
    assert printed[0] == "4 sessions with 6 answers, from January 2025 to March 2025."
    assert any(ln.split()[:5] == ["2025-01", "3", "sessions", "6", "answers"]
               for ln in printed)
    assert any(ln.split()[:3] == ["trust-self", "1", "session"] for ln in printed)
    said = stats.spoken(s, titles)
    assert said[0] == ("There are 4 sessions, with 6 answers, from January 2025 to "
                       "March 2025.")
    assert said[1] == "Most recently: March 2025, 1 session. January 2025, 3 sessions."
    assert said[2] == "Used most: Daily check, 3 sessions. Trust, 1 session."
    assert only_jan.sessions == 3
    assert stats.spoken(only_jan, titles, chosen=True)[0].startswith(
        "In the notes you chose, there are 3 sessions")


def test_no_notes() -> None:
    empty = stats.summarize([])
    assert stats.printed(empty, {}) == ["No sessions saved yet."]
    assert stats.spoken(empty, {}) == ["There are no saved sessions yet."]
    assert stats.spoken(empty, {}, chosen=True) == [
        "No sessions match what you asked for."]
