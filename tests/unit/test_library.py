"""The notes index and library: real SQLite, real files in tmp_path."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from voiceguide import index
from voiceguide.errors import BadInput, NotesError
from voiceguide.library import Library
from voiceguide.notes import Answer, Note, NoteBook
from voiceguide.query import Filters, parse_day

pytestmark = pytest.mark.timeout(120)

TZ = timezone(timedelta(hours=1))
T0 = datetime(2025, 1, 1, 9, 0, 0, tzinfo=TZ)
FILLER = ("The morning was grey and I made tea and sat by the window for a while "
          "before work. ")


def save(book: NoteBook, when: datetime, *texts: str, program: str = "daily-check-in",
         title: str = "Daily check in", tags: tuple[str, ...] = ()) -> Path:
    answers = tuple(Answer(f"Question {i}?", when, t) for i, t in enumerate(texts, 1))
    note = Note(program, title, when, when + timedelta(minutes=5), answers,
                book.new_path(program, when), tags=tags)
    book.save(note)
    assert note.path is not None
    return note.path


@pytest.fixture
def book(tmp_path: Path) -> NoteBook:
    return NoteBook(tmp_path / "notes")


def titles(found: list) -> list[str]:  # type: ignore[type-arg]
    return [r.title for r in found]


# ---------------------------------------------------------------- search


def test_search_ranks_title_and_tags_above_a_passing_mention(book: NoteBook) -> None:
    save(book, T0, FILLER * 20 + "I thought of my sister once.", title="Passing")
    save(book, T0 + timedelta(days=1), FILLER, title="Tagged", tags=("sister",))
    save(book, T0 + timedelta(days=2), FILLER, title="Visiting my sister")
    save(book, T0 + timedelta(days=3), FILLER * 3, title="Unrelated")
    with Library(book) as lib:
        found = lib.search(["sister"])
    assert found.match == "all" and found.total == 3
    assert titles(found.rows)[-1] == "Passing"
    assert set(titles(found.rows)[:2]) == {"Tagged", "Visiting my sister"}


def test_more_mentions_in_less_text_rank_higher(book: NoteBook) -> None:
    save(book, T0, FILLER * 30 + "The lighthouse.", title="Once")
    save(book, T0 + timedelta(days=1),
         "The lighthouse again. The lighthouse light. Lighthouse keepers.",
         title="Often")
    with Library(book) as lib:
        assert titles(lib.search(["lighthouse"]).rows) == ["Often", "Once"]


def test_every_word_first_then_any_word_then_text(book: NoteBook) -> None:
    save(book, T0, "My sister came round.", title="Sister")
    save(book, T0 + timedelta(days=1), "Work was long.", title="Work")
    save(book, T0 + timedelta(days=2), "My sister and work, both.", title="Both")
    with Library(book) as lib:
        both = lib.search(["sister", "work"])
        assert both.match == "all" and titles(both.rows) == ["Both"]
        some = lib.search(["sister", "holiday"])
        assert some.match == "any" and set(titles(some.rows)) == {"Sister", "Both"}
        part = lib.search(["siste"])  # part of a word: found as text
        assert part.match == "text" and part.total == 2
        assert lib.search(["nothing-like-this"]).rows == []
        with pytest.raises(BadInput):
            lib.search(["...", "*"])


def test_phrases_prefixes_and_query_syntax_are_safe(book: NoteBook) -> None:
    save(book, T0, "We walked by the old lighthouse.", title="Phrase")
    save(book, T0 + timedelta(days=1), "The lighthouse was old.", title="Apart")
    with Library(book) as lib:
        assert titles(lib.search(["old lighthouse"]).rows) == ["Phrase"]
        assert set(titles(lib.search(["light*"]).rows)) == {"Phrase", "Apart"}
        # FTS5 syntax typed by a person is taken as words, not as a query.
        for words in (['"old'], ["NEAR(old"], ["old", "OR"], ["title:old"],
                      ["-old"], ["(old)"]):
            lib.search(words)  # no exception


def test_snippet_shows_the_words_around_a_hit(book: NoteBook) -> None:
    save(book, T0, FILLER * 10 + "Then my brother phoned. " + FILLER * 10)
    with Library(book) as lib:
        (row,) = lib.search(["brother"]).rows
    plain = row.snippet.replace("\x02", "[").replace("\x03", "]")
    assert "[brother]" in plain and "phoned" in plain
    assert len(plain.split()) <= 20 and "\n" not in plain


def test_non_english_text_is_found(book: NoteBook) -> None:
    save(book, T0, "Je suis allée au café. Ça va mieux.", title="French")
    save(book, T0 + timedelta(days=1), "Привет, мир. Сегодня было спокойно.",
         title="Russian")
    save(book, T0 + timedelta(days=2), "今日は少し落ち着いた。", title="Japanese")
    save(book, T0 + timedelta(days=3), "Ελπίδα και ηρεμία.", title="Greek")
    with Library(book) as lib:
        assert titles(lib.search(["cafe"]).rows) == ["French"]  # accents folded
        assert titles(lib.search(["Café"]).rows) == ["French"]
        assert titles(lib.search(["спокойно"]).rows) == ["Russian"]
        found = lib.search(["落ち着いた"])  # no spaces: found as text
        assert titles(found.rows) == ["Japanese"] and found.match == "text"
        assert titles(lib.search(["ελπίδα"]).rows) == ["Greek"]  # case folded


def test_markdown_like_and_very_long_answers(book: NoteBook) -> None:
    odd = "# not a heading\n## nor this\nanswered: fake\n---\n* a list\n> quoted"
    save(book, T0, odd, title="Markdown")
    long = " ".join(f"word{i % 500}" for i in range(60_000)) + " needle"
    save(book, T0 + timedelta(days=1), long, title="Long")
    with Library(book) as lib:
        assert titles(lib.search(["quoted"]).rows) == ["Markdown"]
        assert titles(lib.search(["heading"]).rows) == ["Markdown"]
        (row,) = lib.search(["needle"]).rows
        assert row.title == "Long" and "needle" in row.snippet


# ---------------------------------------------------------------- filters


def test_filters_narrow_lists_and_searches(book: NoteBook) -> None:
    save(book, datetime(2025, 1, 31, 23, 30, tzinfo=TZ), "sister", tags=("Family",))
    save(book, datetime(2025, 2, 1, 0, 10, tzinfo=TZ), "sister", program="trust-self",
         title="Trust")
    save(book, datetime(2025, 2, 15, 12, 0, tzinfo=TZ), "sister work",
         tags=("family", "work"))
    save(book, datetime(2025, 3, 1, 8, 0, tzinfo=TZ), "work")
    with Library(book) as lib:
        def days(f: Filters) -> list[str]:
            return [f"{r.started:%m-%d}" for r in lib.notes(f)]

        assert days(Filters()) == ["03-01", "02-15", "02-01", "01-31"]
        assert days(Filters(since=date(2025, 2, 1))) == ["03-01", "02-15", "02-01"]
        assert days(Filters(until=date(2025, 1, 31))) == ["01-31"]
        feb = Filters(date(2025, 2, 1), date(2025, 2, 28))
        assert days(feb) == ["02-15", "02-01"]
        assert days(Filters(program="TRUST-SELF")) == ["02-01"]
        assert days(Filters(tags=("family",))) == ["02-15", "01-31"]
        assert days(Filters(tags=("#Family", "work"))) == ["02-15"]
        assert days(Filters(tags=("nothing",))) == []
        found = lib.search(["sister"], feb)
        assert sorted(f"{r.started:%m-%d}" for r in found.rows) == ["02-01", "02-15"]
        assert found.total == 2
        assert lib.search(["sister"], Filters(tags=("work",))).total == 1


def test_dates_people_can_give() -> None:
    today = date(2026, 3, 31)
    assert parse_day("2025-02-03") == date(2025, 2, 3)
    assert parse_day("2025-02") == date(2025, 2, 1)
    assert parse_day("2025-02", end=True) == date(2025, 2, 28)
    assert parse_day("2024", end=True) == date(2024, 12, 31)
    assert parse_day("today", today=today) == today
    assert parse_day("yesterday", today=today) == date(2026, 3, 30)
    assert parse_day("30 days", today=today) == date(2026, 3, 1)
    assert parse_day("2 weeks ago", today=today) == date(2026, 3, 17)
    assert parse_day("1 month", today=today) == date(2026, 2, 28)  # clamped
    assert parse_day("1 year", today=today) == date(2025, 3, 31)
    for bad in ("last tuesday", "2025-13-01", "2025-02-30", "", "soon"):
        with pytest.raises(BadInput):
            parse_day(bad, today=today)


# ---------------------------------------------------------------- numbers


def test_numbers_are_the_same_in_every_list_and_in_resolve(book: NoteBook) -> None:
    paths = [save(book, T0 + timedelta(days=i), f"day {i} word{i % 2}")
             for i in range(6)]
    twin = save(book, T0 + timedelta(days=5), "a twin in the same second")
    assert twin.name.endswith("-2.md")
    with Library(book) as lib:
        rows = lib.notes()
        assert [r.number for r in rows] == list(range(1, 8))
        assert [r.path for r in rows] == [twin, *reversed(paths)]
        for r in rows:
            assert lib.resolve(str(r.number)) == r.path
        assert lib.resolve(None) == twin and lib.resolve("last") == twin
        numbers = {r.path: r.number for r in rows}
        for r in lib.search(["word1"]).rows:
            assert r.number == numbers[r.path]
        for r in lib.notes(Filters(since=(T0 + timedelta(days=3)).date())):
            assert r.number == numbers[r.path]
        assert lib.resolve(paths[0].stem) == paths[0]
        assert lib.resolve(paths[0].name) == paths[0]
        with pytest.raises(NotesError, match="there are 7"):
            lib.resolve("8")
        with pytest.raises(NotesError, match="7 notes match"):
            lib.resolve("daily-check-in")
        assert list(lib.oldest_first()) == [*paths, twin]


# ---------------------------------------------------------------- the folder


def test_hand_edits_additions_and_deletions_are_picked_up(book: NoteBook) -> None:
    a = save(book, T0, "apples and pears")
    b = save(book, T0 + timedelta(days=1), "bread")
    with Library(book) as lib:
        assert lib.read == 2
    with Library(book) as lib:
        assert lib.read == 0  # nothing changed: nothing read
    # Edited in place by another editor (same inode, new text).
    text = a.read_text(encoding="utf-8").replace("apples and pears", "plums only")
    with open(a, "r+", encoding="utf-8") as f:
        f.write(text)
        f.truncate()
    b.unlink()
    added = book.root / "2025" / "01" / "written-in-obsidian.md"
    added.write_text("---\nprogram: obsidian\ntitle: By hand\n"
                     "started: 2025-01-05T10:00:00+01:00\n---\n"
                     "## A heading\nanswered: 2025-01-05T10:00:00+01:00 · typed\n\n"
                     "cherries\n", encoding="utf-8")
    with Library(book) as lib:
        assert lib.read == 2  # the edited note and the new one; nothing else
        assert lib.search(["apples"]).rows == []
        assert [r.path for r in lib.search(["plums"]).rows] == [a]
        assert lib.search(["bread"]).rows == []
        assert [r.path for r in lib.search(["cherries"]).rows] == [added]
        assert {r.path for r in lib.notes()} == {a, added}


def test_broken_files_are_listed_and_still_found(book: NoteBook) -> None:
    good = save(book, T0, "fine")
    folder = book.root / "2025" / "01"
    (folder / "no-front-matter.md").write_text("I wrote about my sister here.\n")
    (folder / "unclosed.md").write_text("---\nprogram: x\nno end\n")
    (folder / "no-start.md").write_text("---\nprogram: x\n---\n## Q\n")
    (folder / "latin1.md").write_bytes("caf\xe9\n".encode("latin-1"))
    (folder / "empty.md").write_text("")
    with Library(book) as lib:
        rows = lib.notes()
        problems = {r.path.name: r.problem for r in rows if r.problem}
        assert set(problems) == {"no-front-matter.md", "unclosed.md", "no-start.md",
                                 "latin1.md", "empty.md"}
        assert "front matter" in problems["no-front-matter.md"]
        assert "closing" in problems["unclosed.md"]
        assert "started" in problems["no-start.md"]
        assert "cannot be read" in problems["latin1.md"]
        assert [r.path for r in rows if not r.problem] == [good]
        (hit,) = lib.search(["sister"]).rows
        assert hit.path.name == "no-front-matter.md" and hit.problem
        assert lib.problems() == 5
        # With filters, only notes that can have a date or program are shown.
        assert [r.path for r in lib.notes(Filters(program="daily-check-in"))] == [good]


def test_the_index_is_private_hidden_and_never_a_note(book: NoteBook) -> None:
    save(book, T0, "one")
    with Library(book):
        pass
    path = index.index_path(book)
    assert path.parent.name == ".voiceguide"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert all(".voiceguide" not in str(p) for p in book.all_paths())
    (path.parent / "stray.md").write_text("not a note")  # hidden folder: skipped
    with Library(book) as lib:
        assert len(lib.notes()) == 1


def _check_rebuilt(book: NoteBook, paths: list[Path]) -> None:
    with Library(book) as lib:
        assert not lib.in_memory
        assert sorted(r.path for r in lib.notes()) == sorted(paths)
        assert [r.path for r in lib.search(["pears"]).rows] == [paths[0]]
    with sqlite3.connect(index.index_path(book)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed", "old-schema",
                                    "missing", "empty"])
def test_a_damaged_index_is_rebuilt_without_losing_a_note(
        book: NoteBook, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    paths = [save(book, T0, "apples and pears")]
    paths += [save(book, T0 + timedelta(days=i), FILLER * 40 + f"day{i}")
              for i in range(1, 40)]
    with Library(book):
        pass
    before = {p: p.read_bytes() for p in paths}
    path = index.index_path(book)
    data = path.read_bytes()
    assert len(data) > 16384
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all" * 100)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif damage == "zeroed":  # pages in the middle wiped
        path.write_bytes(data[:4096] + b"\0" * (len(data) - 8192) + data[-4096:])
    elif damage == "old-schema":
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA user_version = 99")
    elif damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"")
    _check_rebuilt(book, paths)
    assert {p: p.read_bytes() for p in paths} == before  # notes untouched
    if damage not in ("missing", "empty"):  # those are simply made anew
        assert "building it again" in caplog.text


def test_an_index_broken_while_open_is_rebuilt_and_asked_again(
        book: NoteBook, caplog: pytest.LogCaptureFixture) -> None:
    path = save(book, T0, "apples and pears")
    with Library(book) as lib:
        with sqlite3.connect(index.index_path(book)) as other:
            other.execute("DROP TABLE fts")  # another tool spoils it meanwhile
        assert [r.path for r in lib.search(["pears"]).rows] == [path]
    assert "building it again" in caplog.text


def test_an_unwritable_index_place_falls_back_to_memory(book: NoteBook) -> None:
    path = save(book, T0, "apples")
    book.root.joinpath(".voiceguide").write_text("something in the way")
    with Library(book) as lib:
        assert lib.in_memory
        assert [r.path for r in lib.search(["apples"]).rows] == [path]
        assert lib.resolve("1") == path


def test_no_notes_folder_is_empty_not_an_error(tmp_path: Path) -> None:
    book = NoteBook(tmp_path / "none")
    with Library(book) as lib:
        assert lib.notes() == [] and lib.search(["x"]).rows == []
        with pytest.raises(NotesError, match="no notes yet"):
            lib.resolve(None)
    assert not book.root.exists()  # reading never creates the folder


def test_saving_notes_while_searching_breaks_neither(book: NoteBook,
                                                      tmp_path: Path) -> None:
    """A session saves a note after every answer while another process
    searches; both go on, and the last answer is found afterwards."""
    save(book, T0, "start")
    script = tmp_path / "search_loop.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "from voiceguide.library import Library\n"
        "from voiceguide.notes import NoteBook\n"
        "book = NoteBook(Path(sys.argv[1]))\n"
        "for i in range(40):\n"
        "    with Library(book) as lib:\n"
        "        lib.search(['answer'])\n"
        "        assert not lib.in_memory\n"
        "print('ok')\n")
    searcher = subprocess.Popen([sys.executable, str(script), str(book.root)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONPATH": str(
                                    Path(__file__).resolve().parents[2])})
    note = Note("live", "Live", T0 + timedelta(days=1), None, (),
                book.new_path("live", T0 + timedelta(days=1)))
    errors: list[BaseException] = []

    def in_thread() -> None:  # another searcher in this process, too
        try:
            for _ in range(20):
                with Library(book) as lib:
                    lib.notes()
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=in_thread)
    t.start()
    for i in range(60):
        note = note.with_answer(Answer(f"Q{i}?", T0, f"answer number{i}"))
        book.save(note)
    t.join(timeout=60)
    out, err = searcher.communicate(timeout=60)
    assert not t.is_alive() and errors == []
    assert searcher.returncode == 0, err
    assert out.strip() == "ok"
    with Library(book) as lib:
        (row,) = lib.search(["number59"]).rows
        assert row.answers == 60


def test_only_what_changed_is_read_again(book: NoteBook) -> None:
    paths = [save(book, T0 + timedelta(days=i), f"note {i}") for i in range(10)]
    with Library(book) as lib:
        assert lib.read == 10
    note = book.read(paths[3])
    book.save(replace(note, tags=("new",)))
    with Library(book) as lib:
        assert lib.read == 1
        assert [r.path for r in lib.notes(Filters(tags=("new",)))] == [paths[3]]
    with Library(book, rebuild=True) as lib:
        assert lib.read == 10
