"""Progress: which sessions count, the averages, and the words said."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from voiceguide import progress
from voiceguide.notes import Note

TZ = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)
KINDS = {"five-senses": "grounding", "box-breathing": "breathing"}


def note(days_ago: float, program: str = "five-senses", **distress: int) -> Note:
    return Note(program, program.replace("-", " ").title(),
                NOW - timedelta(days=days_ago), distress=distress)


def test_summary_of_known_notes() -> None:
    notes = [
        note(1, before=6, after=4), note(3, before=8, after=5),
        note(5, before=7),  # no after: counted as a session, not in the average
        note(2, "box-breathing", before=5, after=5),
        note(4, "trust-self"),  # a journal session without ratings
        note(40, before=10, after=0),  # too long ago
    ]
    p = progress.gather(notes, 30, NOW, KINDS)
    assert p.sessions == 5
    assert [r.program for r in p.rated] == ["five-senses", "five-senses",
                                            "box-breathing", "five-senses"]
    assert progress.summary(p) == [
        "Over the last 30 days you did 5 sessions.",
        "On average, your distress went from 7 to 4.5 after grounding, across "
        "2 sessions.",
        "In one session of breathing exercises, your distress went from 5 to 5.",
        progress.CLOSING,
    ]


def test_a_program_that_is_not_built_in_is_one_of_your_own() -> None:
    p = progress.gather([note(1, "my-evening", before=9, after=3),
                         note(2, "my-evening", before=6, after=2)], 7, NOW, KINDS)
    assert progress.summary(p)[1] == ("On average, your distress went from 7.5 to "
                                      "2.5 after your own programs, across 2 "
                                      "sessions.")


def test_the_window_is_counted_back_from_now() -> None:
    notes = [note(0.5, before=3), note(1.5, before=4), note(-1, before=5)]
    p = progress.gather(notes, 1, NOW, KINDS)
    assert p.sessions == 1 and p.rated[0].before == 3
    assert progress.summary(p)[0] == "Over the last day you did 1 session."


def test_no_sessions_is_said_kindly() -> None:
    lines = progress.summary(progress.gather([], 30, NOW, KINDS))
    assert len(lines) == 1 and "no sessions yet" in lines[0]
    assert "That's okay" in lines[0]


def test_sessions_without_ratings() -> None:
    lines = progress.summary(progress.gather([note(1), note(2)], 30, NOW, KINDS))
    assert lines[0] == "Over the last 30 days you did 2 sessions."
    assert "None of them has a check-in rating yet" in lines[1]


def test_ratings_without_a_pair() -> None:
    p = progress.gather([note(1, before=4), note(2, after=3)], 30, NOW, KINDS)
    assert p.changes == ()
    assert progress.summary(p)[1] == ("2 sessions have a rating, but none yet has "
                                      "both a before and an after, so there is no "
                                      "change to tell.")


def test_out_of_range_ratings_are_ignored() -> None:
    p = progress.gather([note(1, before=42, after=3)], 30, NOW, KINDS)
    assert p.rated[0].before is None and p.rated[0].after == 3


def test_notes_without_an_offset_are_read_as_local_time() -> None:
    naive = Note("five-senses", "Five senses", datetime(2026, 11, 26, 9, 0),
                 distress={"before": 5, "after": 2})
    p = progress.gather([naive], 30, NOW, KINDS)
    assert p.sessions == 1


def test_numbers_are_said_simply() -> None:
    assert progress.number(6.0) == "6"
    assert progress.number(5.26) == "5.3"
    assert progress.number(4.96) == "5"
    assert progress.number(10 / 3) == "3.3"


def test_the_text_alternative_lists_every_rated_session() -> None:
    p = progress.gather([note(1, before=6, after=4), note(3, before=8)], 30, NOW,
                        KINDS)
    lines = progress.summary(p)
    text = progress.text_alternative(p, lines, progress.chart_title(30))
    assert text.startswith("Distress before and after sessions, last 30 days\n")
    for line in lines:
        assert line in text
    assert "2026-11-24 12:00  Five Senses (grounding): before 8, after no rating" \
        in text
    assert "2026-11-26 12:00  Five Senses (grounding): before 6, after 4" in text
