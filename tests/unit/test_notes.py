"""Notes: render/parse round trip, paths, modes, atomic writes, reading back."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from voiceguide import notes
from voiceguide.errors import NotesError
from voiceguide.notes import Answer, Note, NoteBook, parse, render, write_atomic

TZ = timezone(timedelta(hours=1))
T0 = datetime(2026, 11, 27, 14, 3, 22, tzinfo=TZ)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _answer(prompt: str, text: str, minutes: int = 1, **kw: object) -> Answer:
    return Answer(prompt, T0 + timedelta(minutes=minutes), text, **kw)  # type: ignore[arg-type]


TRICKY = [
    "# not a heading",
    "## What are three small ways? (looks like a section)",
    "answered: 2026-01-01T00:00:00+00:00 · typed",
    "---",
    "--- and more",
    "Je me sens mieux. Ça va. 今日は少し落ち着いた。 Привет, мир. ☀️",
    "word " * 3000,
    "first line\nsecond line\n\nafter a blank line",
    "line one\n## heading inside\nanswered: fake\n---\n# hash",
    "ends with a colon:",
    "quotes \"double\" and 'single'",
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_round_trip_one_tricky_answer(text: str) -> None:
    note = Note(
        "trust-self",
        "Trusting yourself again",
        T0,
        answers=(_answer("What do you notice?", text.strip()),),
    )
    back = parse(render(note))
    assert back.answers[0].text == text.strip()
    assert back == note


def test_round_trip_several_answers_and_metadata() -> None:
    answers = tuple(
        _answer(f"Question {i}: what now?", text.strip(), minutes=i + 1)
        for i, text in enumerate(TRICKY)
    )
    spoken = Answer(
        "Spoken one?",
        T0 + timedelta(minutes=30),
        "I said this",
        mode="spoken",
        engine="whisper-base",
        audio="2026-11-27T14-03-22_trust-self/01.wav",
    )
    pending = Answer(
        "Pending one?",
        T0 + timedelta(minutes=31),
        "",
        mode="spoken",
        engine="whisper-base",
        audio="x/02.wav",
        pending=True,
    )
    note = Note(
        "rebuilding-trust",
        "Rebuilding trust",
        T0,
        finished=T0 + timedelta(minutes=40),
        answers=(*answers, spoken, pending),
    )
    text = render(note)
    back = parse(text)
    assert back == note
    assert len(back.answers) == len(TRICKY) + 2
    assert back.answers[-2].engine == "whisper-base"
    assert back.answers[-2].audio == "2026-11-27T14-03-22_trust-self/01.wav"
    assert back.answers[-1].pending and "(transcript pending)" in text
    assert back.finished == T0 + timedelta(minutes=40)


def test_render_format_matches_contract() -> None:
    note = Note(
        "rebuilding-trust",
        "Rebuilding trust",
        T0,
        answers=(_answer("What  are three\nsmall ways?", "I could rest."),),
    )
    lines = render(note).splitlines()
    assert lines[:5] == [
        "---",
        "program: rebuilding-trust",
        "title: Rebuilding trust",
        "started: 2026-11-27T14:03:22+01:00",
        "---",
    ]
    assert "finished:" not in render(note)  # absent while unfinished
    assert "## What are three small ways?" in lines
    i = lines.index("## What are three small ways?")
    assert lines[i + 1] == "answered: 2026-11-27T14:04:22+01:00 · typed"
    assert lines[i + 3] == "I could rest."


@pytest.mark.parametrize(
    "title",
    [
        "Trust: a beginning",
        'She said "wait": and I did',
        "'quoted' start",
        "- dash start",
        "? question start",
        "Ünïcødé: 信頼",
        "a # hash",
        "",
    ],
)
def test_titles_with_colons_and_quotes_round_trip(title: str) -> None:
    note = Note("p", title, T0, finished=T0)
    back = parse(render(note))
    assert back.title == title
    assert back.program == "p"


def test_answer_headings_of_answers_are_escaped_in_the_file() -> None:
    note = Note("p", "T", T0, answers=(_answer("Q?", "## fake\nanswered: x"),))
    text = render(note)
    assert "\n## fake\n" not in text
    assert len(parse(text).answers) == 1


def test_parse_rejects_broken_front_matter() -> None:
    with pytest.raises(ValueError):
        parse("---\nprogram: x\nstarted: 2026-01-01T00:00:00\n")
    with pytest.raises(ValueError):
        parse("---\nprogram: x\n---\n")
    with pytest.raises(ValueError):
        parse("---\nprogram: x\nstarted: yesterday\n---\n")


# ---------------------------------------------------------------- paths


def test_new_path_layout(tmp_path: Path) -> None:
    book = NoteBook(tmp_path / "notes")
    p = book.new_path("trust-self", T0)
    assert p == tmp_path / "notes" / "2026" / "11" / "2026-11-27T14-03-22_trust-self.md"
    assert p.parent.is_dir()
    assert not p.exists()


def test_new_path_makes_ids_safe(tmp_path: Path) -> None:
    book = NoteBook(tmp_path)
    assert (
        book.new_path("My Program/../x", T0).name
        == "2026-11-27T14-03-22_my-program-x.md"
    )
    assert book.new_path("!!!", T0).name == "2026-11-27T14-03-22_note.md"


def test_new_path_deduplicates(tmp_path: Path) -> None:
    book = NoteBook(tmp_path)
    first = book.new_path("daily-check-in", T0)
    first.write_text("x")
    second = book.new_path("daily-check-in", T0)
    assert second != first
    assert second.name == "2026-11-27T14-03-22_daily-check-in-2.md"
    second.write_text("x")
    third = book.new_path("daily-check-in", T0)
    assert third.name == "2026-11-27T14-03-22_daily-check-in-3.md"


def test_save_makes_private_dirs_and_file(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    book = NoteBook(root)
    note = Note("trust-self", "T", T0, path=book.new_path("trust-self", T0))
    book.save(note)
    assert note.path is not None and note.path.is_file()
    for folder in (root, root / "2026", root / "2026" / "11"):
        assert _mode(folder) == 0o700, folder
    assert _mode(note.path) == 0o600
    assert parse(note.path.read_text(encoding="utf-8")) == note


def test_save_rewrites_the_whole_note(tmp_path: Path) -> None:
    book = NoteBook(tmp_path)
    note = Note("p", "T", T0, path=book.new_path("p", T0))
    book.save(note)
    note = note.with_answer(_answer("One?", "first"))
    book.save(note)
    note = note.with_answer(_answer("Two?", "second"))
    book.save(note)
    assert note.path is not None
    back = book.read(note.path)
    assert [a.text for a in back.answers] == ["first", "second"]
    assert back.path == note.path
    assert _mode(note.path) == 0o600
    assert sorted(os.listdir(note.path.parent)) == [note.path.name]


def test_new_path_failure_is_a_notes_error(tmp_path: Path) -> None:
    (tmp_path / f"{T0:%Y}").write_text("a file where the year folder goes")
    with pytest.raises(NotesError):
        NoteBook(tmp_path).new_path("p", T0)


# ---------------------------------------------------------------- atomic writes


def test_write_atomic_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "n.md"
    write_atomic(target, "one\n")
    write_atomic(target, "two\n")
    assert target.read_text() == "two\n"
    assert os.listdir(tmp_path) == ["n.md"]
    assert _mode(target) == 0o600


def test_write_atomic_failure_keeps_old_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "n.md"
    write_atomic(target, "old answers\n")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(notes.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, "new answers\n")
    monkeypatch.undo()
    assert target.read_text() == "old answers\n"
    assert os.listdir(tmp_path) == ["n.md"]  # no .tmp left behind


def test_save_failure_is_notes_error_and_keeps_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = NoteBook(tmp_path)
    note = Note(
        "p", "T", T0, answers=(_answer("Q?", "kept"),), path=book.new_path("p", T0)
    )
    book.save(note)
    monkeypatch.setattr(
        notes.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space"))
    )
    with pytest.raises(NotesError) as info:
        book.save(note.with_answer(_answer("Q2?", "lost?")))
    monkeypatch.undo()
    assert str(note.path) in info.value.message and info.value.hint
    assert note.path is not None
    assert [a.text for a in book.read(note.path).answers] == ["kept"]
    assert os.listdir(note.path.parent) == [note.path.name]


# ---------------------------------------------------------------- writable


def test_check_writable_creates_missing_root(tmp_path: Path) -> None:
    root = tmp_path / "a" / "b"
    NoteBook(root).check_writable()
    assert root.is_dir() and _mode(root) == 0o700
    assert os.listdir(root) == []  # the probe is gone


def test_check_writable_root_is_a_file(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    root.write_text("not a folder")
    with pytest.raises(NotesError) as info:
        NoteBook(root).check_writable()
    assert str(root) in info.value.message
    assert "--notes-dir" in info.value.hint
    with pytest.raises(NotesError):
        NoteBook(root / "inside").check_writable()


def test_check_writable_read_only_folder(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root in CI, where folder permissions do not bind: the
    # refusal a read-only folder gives is injected instead.
    def refuse(self: Path, data: bytes) -> int:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    with pytest.raises(NotesError) as e:
        NoteBook(tmp_path / "ro").check_writable()
    assert "Permission denied" in e.value.message
    assert "--notes-dir" in e.value.hint


# ---------------------------------------------------------------- reading back


def _write_notes(book: NoteBook, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        started = T0 + timedelta(days=i)
        note = Note(
            f"prog-{i}",
            f"Title {i}",
            started,
            finished=started,
            answers=(_answer("Q?", f"answer {i}"),),
            path=book.new_path(f"prog-{i}", started),
        )
        book.save(note)
        assert note.path is not None
        paths.append(note.path)
    return paths


def test_resolve_by_number_name_and_last(tmp_path: Path) -> None:
    book = NoteBook(tmp_path)
    paths = _write_notes(book, 3)  # paths[2] is the newest
    assert book.all_paths() == list(reversed(paths))
    assert book.resolve(None) == paths[2]
    assert book.resolve("last") == paths[2]
    assert book.resolve("latest") == paths[2]
    assert book.resolve("1") == paths[2]
    assert book.resolve("3") == paths[0]
    assert book.resolve(paths[1].name) == paths[1]
    assert book.resolve(paths[1].stem) == paths[1]
    assert book.resolve("prog-0") == paths[0]
    assert book.resolve(str(paths[1])) == paths[1]


def test_resolve_errors(tmp_path: Path) -> None:
    book = NoteBook(tmp_path)
    with pytest.raises(NotesError, match="no notes yet"):
        book.resolve("last")
    _write_notes(book, 2)
    with pytest.raises(NotesError, match="no note matches"):
        book.resolve("nothing-like-this")
    with pytest.raises(NotesError, match="2 notes match"):
        book.resolve("prog")






def test_infos_report_broken_files_without_raising(tmp_path: Path) -> None:
    book = NoteBook(tmp_path)
    good = _write_notes(book, 1)[0]
    folder = tmp_path / "2020" / "01"
    folder.mkdir(parents=True)
    broken = {
        "2020-01-01T00-00-01_no-front.md": b"just some text\n",
        "2020-01-01T00-00-02_unclosed.md": b"---\nprogram: x\nstarted: 2020-01-01\n",
        "2020-01-01T00-00-03_no-start.md": b"---\nprogram: x\n---\n## Q\n",
        "2020-01-01T00-00-04_bad-start.md": b"---\nstarted: someday\n---\n",
        "2020-01-01T00-00-05_binary.md": b"\xff\xfe\x00garbage\x80",
        "2020-01-01T00-00-06_empty.md": b"",
    }
    for name, data in broken.items():
        (folder / name).write_bytes(data)
    (folder / "2020-01-01T00-00-07_a-folder.md").mkdir()
    (folder / ".hidden.md.tmp").write_text("temp")

    infos = book.infos()
    by_name = {i.path.name: i for i in infos}
    assert good.name in by_name and by_name[good.name].note is not None
    assert by_name[good.name].problem == ""
    for name in [*broken, "2020-01-01T00-00-07_a-folder.md"]:
        info = by_name[name]
        assert info.note is None, name
        assert info.problem.strip(), name
    assert len(infos) == 1 + len(broken) + 1


def test_round_trip_keeps_leading_backslash() -> None:
    text = "\\n is a newline\n\\\\ two backslashes\nplain"
    note = Note("p", "T", T0, answers=(_answer("Q?", text),))
    assert parse(render(note)).answers[0].text == text


def test_resolve_number_out_of_range_is_an_error(tmp_path: Path) -> None:
    book = NoteBook(tmp_path)
    _write_notes(book, 1)
    assert book.resolve("1") == book.all_paths()[0]
    with pytest.raises(NotesError) as e:
        book.resolve("2")
    assert "notes list" in e.value.hint


def test_last_is_the_newer_of_two_notes_in_the_same_second(tmp_path: Path) -> None:
    book = NoteBook(tmp_path)
    first = Note("p", "First", T0, path=book.new_path("p", T0))
    book.save(first)
    second = Note("p", "Second", T0, path=book.new_path("p", T0))
    assert second.path != first.path
    book.save(second)
    assert second.path is not None and first.path is not None
    os.utime(first.path, ns=(1_000_000_000, 1_000_000_000))
    assert book.resolve("last") == second.path
    assert book.read(book.resolve("1")).title == "Second"


def test_tags_distress_and_foreign_front_matter_round_trip() -> None:
    note = Note(
        "grounding-54321",
        "Five things",
        T0,
        T0 + timedelta(minutes=5),
        (_answer("What do you see?", "a window"),),
        tags=("sister", "work, late", "été"),
        distress={"before": 7, "after": 3},
        extra=("aliases: [morning]", "cssclass: journal"),
    )
    text = render(note)
    assert 'tags: ["sister", "work, late", "été"]' in text
    assert "distress_before: 7\ndistress_after: 3" in text
    assert "aliases: [morning]\ncssclass: journal\n---" in text
    assert parse(text) == note


@pytest.mark.parametrize(
    ("line", "tags"),
    [
        ("tags: [sister, work]", ("sister", "work")),
        ("tags: sister, #work", ("sister", "work")),
        ('tags: ["a", "a", "b"]', ("a", "b")),
        ("tags: \"one\"", ("one",)),
        ("tags:\n  - sister\n  - 'work'", ("sister", "work")),
        ("tags:", ()),
    ],
)
def test_tags_written_by_hand_are_read(line: str, tags: tuple[str, ...]) -> None:
    text = f"---\nprogram: x\ntitle: X\nstarted: {T0.isoformat()}\n{line}\n---\n"
    note = parse(text)
    assert note.tags == tags
    assert note.extra == ()
    assert parse(render(note)).tags == tags


def test_unknown_front_matter_survives_a_rewrite(tmp_path: Path) -> None:
    text = (
        f"---\nprogram: x\ntitle: X\nstarted: {T0.isoformat()}\n"
        "mood: calm\nlinks:\n  - \"[[other]]\"\ndistress_before: high\n---\n"
    )
    note = parse(text)
    assert note.extra == (
        "mood: calm", "links:", '  - "[[other]]"', "distress_before: high"
    )
    assert note.distress == {}
    again = render(note)
    assert "mood: calm\nlinks:\n  - \"[[other]]\"\ndistress_before: high\n---" in again


def test_tidy_removes_old_leftovers_of_killed_writes_only(tmp_path: Path) -> None:
    import time
    from datetime import datetime as dt

    book = NoteBook(tmp_path / "notes")
    month = book.root / f"{dt.now():%Y}" / f"{dt.now():%m}"
    month.mkdir(parents=True)
    old_tmp = month / ".2026-11-27T10-00-00_x.md.tmp"
    old_sealed_tmp = month / ".2026-11-27T10-00-00_x.md.enc.tmp"
    probe = book.root / ".write-test-999999"
    fresh_tmp = month / ".2026-11-27T11-00-00_y.md.tmp"  # a write in progress
    note = month / "2026-11-27T10-00-00_x.md"
    hidden = month / ".obsidian-settings.md"
    for f in (old_tmp, old_sealed_tmp, probe, fresh_tmp, note, hidden):
        f.write_text("x")
    long_ago = time.time() - notes.LEFTOVER_S - 60
    for f in (old_tmp, old_sealed_tmp, probe, note, hidden):
        os.utime(f, (long_ago, long_ago))
    removed = book.tidy()
    assert sorted(removed) == sorted([old_tmp, old_sealed_tmp, probe])
    assert fresh_tmp.exists() and note.exists() and hidden.exists()
    book.check_writable()  # tidies too, and leaves no probe of its own
    assert sorted(p.name for p in book.root.iterdir()) == [f"{dt.now():%Y}"]
