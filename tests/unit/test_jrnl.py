"""jrnl's plain-text format: notes as entries and back, and real jrnl journals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from voiceguide import jrnl
from voiceguide.notes import Answer, Note, parse, render

TZ = timezone(timedelta(hours=1))
T0 = datetime(2026, 3, 4, 21, 10, 5, tzinfo=TZ)

# Written by jrnl 4 itself (jrnl --export txt), tags and a star included.
JRNL_TEXT = """[2012-03-29 09:00] Called in sick.
Used the time to clean the house and write my book.

[2012-03-30 18:45] Dinner with @Sister and @work friends *
We talked about the move.

It was good to laugh.

[2012-04-01 07:12] A one-line entry. With two sentences.
"""


def _note(*answers: tuple[str, str], title: str = "Rebuilding trust",
          tags: tuple[str, ...] = ()) -> Note:
    return Note("rebuilding-trust", title, T0, T0 + timedelta(minutes=9),
                tuple(Answer(p, T0 + timedelta(minutes=i), t)
                      for i, (p, t) in enumerate(answers)), tags=tags)


def test_a_note_as_a_jrnl_entry() -> None:
    note = _note(("What helped today?", "Water.\nA short walk."),
                 ("Who was kind?", "My neighbour, @home."), tags=("sister", "home"))
    assert jrnl.entry_text(note) == (
        "[2026-03-04 21:10] Rebuilding trust\n"
        "## What helped today?\nWater.\nA short walk.\n\n"
        "## Who was kind?\nMy neighbour, @home.\n"
        "@sister\n")


def test_reading_a_journal_written_by_jrnl() -> None:
    entries = list(jrnl.parse_journal(JRNL_TEXT))
    assert [e.date for e in entries] == [datetime(2012, 3, 29, 9, 0),
                                         datetime(2012, 3, 30, 18, 45),
                                         datetime(2012, 4, 1, 7, 12)]
    assert entries[0].title == "Called in sick."
    assert entries[0].body == "Used the time to clean the house and write my book."
    assert entries[1].starred and entries[1].title == (
        "Dinner with @Sister and @work friends")
    assert entries[1].body == "We talked about the move.\n\nIt was good to laugh."
    assert entries[2].title == "A one-line entry. With two sentences."
    assert entries[2].body == ""


def test_jrnl_entries_become_notes() -> None:
    entries = list(jrnl.parse_journal(JRNL_TEXT))
    notes = [jrnl.to_note(e, e.date.replace(tzinfo=TZ)) for e in entries]
    first = notes[0]
    assert first.program == "jrnl" and first.title == "Called in sick."
    assert [(a.prompt, a.text) for a in first.answers] == [
        (jrnl.ENTRY_PROMPT, "Used the time to clean the house and write my book.")]
    assert notes[1].tags == ("Sister", "work")
    assert jrnl.STARRED in notes[1].extra
    assert notes[2].answers == ()
    # Written back, each is what jrnl wrote.
    written = "".join(("\n" if i else "") + jrnl.entry_text(n)
                      for i, n in enumerate(notes))
    assert written == JRNL_TEXT


TRICKY = [
    "# a Markdown heading\n## and a second one",
    "[2026-01-01 10:00] looks like a jrnl date line",
    "\\ a backslash first\n\\\\ two",
    "Je me sens mieux. Ça va. 今日は少し落ち着いた。 Привет, мир.",
    "word " * 2000,
    "a line\n\nafter a blank line\n---\n> quoted\n* listed",
    "@work @home",  # an answer that is only tags, last of all
    "(transcript pending)",
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_tricky_answers_come_back_as_written(text: str) -> None:
    note = _note(("First question?", "fine"), ("Second question?", text.strip()),
                 tags=("sister",))
    once = jrnl.entry_text(note)
    (entry,) = jrnl.parse_journal(once)
    back = jrnl.to_note(entry, T0.replace(second=0))
    assert jrnl.entry_text(back) == once  # the text survives exactly
    assert back.title == note.title
    if text.strip() not in ("@work @home", "(transcript pending)"):
        assert [(a.prompt, a.text) for a in back.answers] == [
            (a.prompt, a.text) for a in note.answers]
        assert back.tags == note.tags


def test_tags_the_text_mentions_are_not_written_twice() -> None:
    note = _note(("Q?", "Time with @sister."), tags=("sister", "Walk"))
    text = jrnl.entry_text(note)
    assert text.endswith("Time with @sister.\n@Walk\n")
    (entry,) = jrnl.parse_journal(text)
    assert jrnl.to_note(entry, T0).tags == ("Walk", "sister")


def test_an_imported_note_renders_and_parses_as_a_note() -> None:
    (entry,) = jrnl.parse_journal("[2012-03-29 09:00] Title\n## Heading?\nText\n")
    note = jrnl.to_note(entry, datetime(2012, 3, 29, 9, 0, tzinfo=TZ))
    again = parse(render(note))
    assert again == note
    assert note.finished == note.started  # not listed as unfinished


def test_text_before_the_first_entry_and_bad_dates_are_not_entries() -> None:
    text = ("some preamble\n[not a date] text\n[2012-03-29 09:00] Real\nbody\n"
            "[2012-13-45 99:99] not a date either\n")
    (entry,) = jrnl.parse_journal(text)
    assert entry.title == "Real"
    assert entry.body == "body\n[2012-13-45 99:99] not a date either"


def test_other_jrnl_time_formats_are_read() -> None:
    (a, b) = jrnl.parse_journal("[2012-03-29 09:00:30] One\n\n[2012-03-30] Two\n")
    assert a.date == datetime(2012, 3, 29, 9, 0, 30)
    assert b.date == datetime(2012, 3, 30)


def test_foreign_lines_are_not_changed_on_the_way_through() -> None:
    text = ("[2012-03-29 09:00] Odd lines\n\\o/ yay\n# a heading of mine\n"
            "[note] not a date\n\\\\ two backslashes\n#hashtag\n")
    (entry,) = jrnl.parse_journal(text)
    note = jrnl.to_note(entry, entry.date.replace(tzinfo=TZ))
    assert note.answers[0].text == ("\\o/ yay\n# a heading of mine\n[note] not a date"
                                    "\n\\\\ two backslashes\n#hashtag")
    assert jrnl.entry_text(note) == text
