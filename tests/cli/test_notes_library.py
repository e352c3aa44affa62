"""The journal library from the command line, in-process: cli.main([...]) with
VOICEGUIDE_HOME in tmp_path; notes written by real runs or by NoteBook."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from voiceguide import assemble, cli
from voiceguide.notes import Answer, Note, NoteBook, parse

pytestmark = pytest.mark.timeout(60)
TZ = timezone(timedelta(hours=1))


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("VOICEGUIDE_HOME", str(home))
    for name in ("VOICEGUIDE_NOTES_DIR", "ACCESSIBLE", "VOICEGUIDE_LOG", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return home


@pytest.fixture(autouse=True)
def no_sound(monkeypatch: pytest.MonkeyPatch) -> None:
    """No speaker in these tests: one opened would be a bug."""
    def player(settings: object, say: object) -> None:
        raise AssertionError("a speaker was opened")

    monkeypatch.setattr(assemble, "open_player", player)


@pytest.fixture
def book(home: Path) -> NoteBook:
    return NoteBook(home / "notes")


def no_waiting(home: Path) -> None:
    """Spoken output without its pauses (the person's own setting)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("pace = 0\n")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def add(book: NoteBook, day: str, *texts: str, program: str = "daily-check-in",
        title: str = "Daily check in", tags: tuple[str, ...] = ()) -> Path:
    when = datetime.fromisoformat(day + "T20:15:00").replace(tzinfo=TZ)
    note = Note(program, title, when, when + timedelta(minutes=4),
                tuple(Answer(f"Question {i}?", when, t) for i, t in enumerate(texts)),
                book.new_path(program, when), tags=tags)
    book.save(note)
    assert note.path is not None
    return note.path


def journal(book: NoteBook) -> list[Path]:
    return [
        add(book, "2025-01-10", "A quiet day at work."),
        add(book, "2025-02-03", "I called my sister and we laughed.",
            tags=("family",)),
        add(book, "2025-02-20", "Walked to the lighthouse.", program="trust-self",
            title="Trusting yourself again"),
        add(book, "2025-03-01", "My sister visited. Work was long.",
            tags=("family", "work")),
    ]


def numbered(out: str) -> dict[str, int]:
    """name of each listed note -> its number."""
    found = {}
    for line in out.splitlines():
        head, _, rest = line.strip().partition(". ")
        if head.isdigit():
            found[Path(rest.split()[-1]).name] = int(head)
    return found


# ---------------------------------------------------------------- list, search


def test_list_filters_keep_the_numbers(capsys: pytest.CaptureFixture[str],
                                       book: NoteBook) -> None:
    paths = journal(book)
    code, out, _ = run_cli(capsys, "notes", "list")
    assert code == 0
    everything = numbered(out)
    assert everything == {p.name: n for n, p in enumerate(reversed(paths), 1)}
    assert "tags: family, work" in out
    code, out, _ = run_cli(capsys, "notes", "list", "--since", "2025-02-01",
                           "--until", "2025-02")
    assert code == 0
    assert numbered(out) == {paths[2].name: 2, paths[1].name: 3}
    code, out, _ = run_cli(capsys, "notes", "list", "--tag", "family", "--program",
                           "daily-check-in")
    assert numbered(out) == {paths[3].name: 1, paths[1].name: 3}
    code, out, _ = run_cli(capsys, "notes", "list", "--tag", "nothing")
    assert code == 0 and out == "No notes match.\n"


def test_bad_dates_are_one_clear_message(capsys: pytest.CaptureFixture[str],
                                         book: NoteBook) -> None:
    journal(book)
    code, out, err = run_cli(capsys, "notes", "list", "--since", "last spring")
    assert code == 2 and out == ""
    assert "'last spring' is not a date" in err and "fix:" in err
    code, _, err = run_cli(capsys, "notes", "search", "sister", "--since",
                           "2025-03-01", "--until", "2025-01-01")
    assert code == 2 and "comes after" in err
    assert "Traceback" not in err


def test_search_numbers_work_with_show_and_read(capsys: pytest.CaptureFixture[str],
                                                book: NoteBook) -> None:
    paths = journal(book)
    code, out, err = run_cli(capsys, "notes", "search", "sister")
    assert code == 0, err
    lines = out.splitlines()
    assert numbered(out) == {paths[3].name: 1, paths[1].name: 3}
    assert any("called my sister and we laughed" in ln for ln in lines)
    assert "\x02" not in out and "\x1b" not in out  # plain text in a pipe
    assert lines[-1].startswith("2 notes found.")
    code, out, _ = run_cli(capsys, "notes", "show", "3")
    assert code == 0 and out == paths[1].read_text(encoding="utf-8")
    code, out, err = run_cli(capsys, "notes", "read", "3", "--silent")
    assert code == 0, err
    assert "I called my sister and we laughed." in out.splitlines()


def test_search_filters_and_nothing_found(capsys: pytest.CaptureFixture[str],
                                          book: NoteBook) -> None:
    paths = journal(book)
    code, out, _ = run_cli(capsys, "notes", "search", "sister", "--until",
                           "2025-02-28")
    assert code == 0 and numbered(out) == {paths[1].name: 3}
    code, out, _ = run_cli(capsys, "notes", "search", "sister", "--tag", "work")
    assert numbered(out) == {paths[3].name: 1}
    code, out, _ = run_cli(capsys, "notes", "search", "holiday")
    assert code == 0 and out == "No notes found for: holiday.\n"
    code, out, _ = run_cli(capsys, "notes", "search", "sister", "holiday")
    assert out.startswith("No note has all of those words.")


def test_search_results_read_aloud(capsys: pytest.CaptureFixture[str],
                                   book: NoteBook, home: Path) -> None:
    journal(book)
    no_waiting(home)
    code, out, err = run_cli(capsys, "notes", "search", "lighthouse", "--read",
                             "--silent")
    assert code == 0, err
    lines = out.splitlines()
    assert "I found 1 note with: lighthouse." in lines
    assert "Number 2, from Thursday 20 February 2025. Trusting yourself again." in lines
    assert "Walked to the lighthouse." in lines
    assert lines[-1].startswith("To hear a whole note, run voiceguide notes read")


def test_broken_files_never_crash_a_command(capsys: pytest.CaptureFixture[str],
                                            book: NoteBook) -> None:
    journal(book)
    folder = book.root / "2025" / "02"
    (folder / "broken.md").write_text("---\ntitle: no end, about my sister\n")
    (folder / "binary.md").write_bytes(b"\xff\xfe\x00junk")
    for argv in (["list"], ["search", "sister"], ["stats", "--silent"],
                 ["export", "--format", "json"], ["list", "--tag", "family"]):
        code, out, err = run_cli(capsys, "notes", *argv)
        assert code == 0, (argv, err)
        assert "Traceback" not in err
    code, out, _ = run_cli(capsys, "notes", "list")
    assert "broken.md: unreadable: not a voiceguide note" in out
    assert "binary.md: unreadable: cannot be read" in out
    code, out, _ = run_cli(capsys, "notes", "search", "sister")
    assert "broken.md: unreadable" in out  # its words are still found
    code, out, _ = run_cli(capsys, "notes", "list", "--tag", "family")
    assert "Not shown: 2 files that could not be read as notes." in out
    code, out, err = run_cli(capsys, "notes", "export", "--format", "json")
    assert "Not exported, not readable as a note:" in err and "broken.md" in err
    code, _, err = run_cli(capsys, "notes", "tag", "broken", "x")
    assert code == 2 and "not a voiceguide note" in err


# ---------------------------------------------------------------- tags


def test_tag_and_untag(capsys: pytest.CaptureFixture[str], book: NoteBook) -> None:
    paths = journal(book)
    extra = paths[0].read_text(encoding="utf-8").replace(
        "title: Daily check in\n", "title: Daily check in\nmood: calm\n")
    paths[0].write_text(extra, encoding="utf-8")
    code, out, _ = run_cli(capsys, "notes", "tag", "4", "Sister", "#walk")
    assert code == 0 and out == f"Tags on {paths[0].name}: sister, walk.\n"
    note = book.read(paths[0])
    assert note.tags == ("sister", "walk") and note.extra == ("mood: calm",)
    code, out, _ = run_cli(capsys, "notes", "untag", paths[0].stem, "SISTER")
    assert out == f"Tags on {paths[0].name}: walk.\n"
    code, out, _ = run_cli(capsys, "notes", "tag", "4")
    assert out == f"Tags on {paths[0].name}: walk.\n"
    code, out, _ = run_cli(capsys, "notes", "list", "--tag", "walk")
    assert numbered(out) == {paths[0].name: 4}
    code, _, err = run_cli(capsys, "notes", "tag", "9", "x")
    assert code == 2 and "there is no note number 9" in err


def test_tagging_while_answering(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(
        "A glass of water. Tag sister and Work.\nquiet knowing\n"))
    code, out, err = run_cli(capsys, "run", "--silent", "--pace", "0", "trust-self")
    assert code == 0, err
    assert "Tagged: sister, work." in out
    (path,) = NoteBook(home / "notes").all_paths()
    note = parse(path.read_text(encoding="utf-8"))
    assert note.tags == ("sister", "work")
    assert note.answers[0].text == "A glass of water."
    assert 'tags: ["sister", "work"]' in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- export, import


def test_export_import_round_trip(capsys: pytest.CaptureFixture[str], book: NoteBook,
                                  tmp_path: Path) -> None:
    journal(book)
    first = tmp_path / "journal.txt"
    code, out, _ = run_cli(capsys, "notes", "export", "-o", str(first))
    assert code == 0 and out == f"Exported 4 notes to {first} (jrnl).\n"
    assert first.read_text(encoding="utf-8").startswith("[2025-01-10 20:15] Daily")
    assert (first.stat().st_mode & 0o777) == 0o600
    other = tmp_path / "other"
    for expected in ("Imported 4 entries as notes in",
                     "Imported 0 entries as notes in"):
        code, out, _ = run_cli(capsys, "notes", "--notes-dir", str(other), "import",
                               str(first))
        assert code == 0 and out.startswith(expected)
    assert "4 were there already." in out
    code, out, _ = run_cli(capsys, "notes", "--notes-dir", str(other), "export",
                           "--format", "jrnl")
    assert out == first.read_text(encoding="utf-8")
    code, out, _ = run_cli(capsys, "notes", "--notes-dir", str(other), "search",
                           "lighthouse")
    assert "Walked to the lighthouse." in out


def test_export_formats_and_filters(capsys: pytest.CaptureFixture[str],
                                    book: NoteBook, tmp_path: Path) -> None:
    journal(book)
    code, out, _ = run_cli(capsys, "notes", "export", "--format", "json", "--tag",
                           "family")
    assert code == 0
    data = json.loads(out)
    assert [d["started"][:10] for d in data] == ["2025-02-03", "2025-03-01"]
    code, out, _ = run_cli(capsys, "notes", "export", "--since", "2025-02-15")
    assert out.startswith("# Journal\n") and out.count("\n## ") == 2
    target = tmp_path / "all.json"
    code, out, _ = run_cli(capsys, "notes", "export", "--output", str(target))
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 4
    code, _, err = run_cli(capsys, "notes", "export", "-o",
                           str(book.root / "export.md"))
    assert code == 2 and "taken for a note" in err
    code, _, err = run_cli(capsys, "notes", "export", "-o",
                           str(tmp_path / "no" / "such" / "x.md"))
    assert code == 2 and "no such folder" in err


def test_import_bad_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("just some words\n")
    code, _, err = run_cli(capsys, "notes", "import", str(empty))
    assert code == 2 and "no jrnl entries found" in err and "fix:" in err
    code, _, err = run_cli(capsys, "notes", "import", str(tmp_path / "missing.txt"))
    assert code == 2 and "no such file" in err
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00")
    code, _, err = run_cli(capsys, "notes", "import", str(binary))
    assert code == 2 and "UTF-8" in err


# ---------------------------------------------------------------- stats, index


def test_stats_printed(capsys: pytest.CaptureFixture[str], book: NoteBook) -> None:
    journal(book)
    code, out, _ = run_cli(capsys, "notes", "stats", "--silent")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "4 sessions with 4 answers, from January 2025 to March 2025."
    assert ["2025-02", "2", "sessions", "2", "answers"] in [ln.split() for ln in lines]
    code, out, _ = run_cli(capsys, "notes", "stats", "--silent", "--program",
                           "trust-self")
    assert out.splitlines()[0] == "1 session with 1 answer, all in February 2025."


def test_stats_spoken(capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch, book: NoteBook,
                      home: Path) -> None:
    """Without --silent, the summary goes through the session that speaks notes
    (here with no voice installed, so it carries on as text)."""
    from voiceguide.backends import voices
    from voiceguide.errors import BackendUnavailable

    played: list[object] = []

    class Speaker:
        def play(self, clip: object) -> None:
            played.append(clip)

        def stop(self) -> None:
            pass

        def wait_idle(self, timeout: float) -> bool:
            return True

        def close(self) -> None:
            pass

    def no_voice(voice: object, rate: object) -> None:
        raise BackendUnavailable("espeak-ng is not installed", "Install it.")

    monkeypatch.setattr(voices, "open_voice", no_voice)
    monkeypatch.setattr(assemble, "open_player", lambda settings, say: Speaker())
    journal(book)
    no_waiting(home)
    code, out, err = run_cli(capsys, "notes", "stats")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("4 sessions with 4 answers")
    assert ("There are 4 sessions, with 4 answers, from January 2025 to March 2025."
            in lines)
    assert any(ln.startswith("Used most: Daily check in, 3 sessions.") for ln in lines)
    assert played  # the session's cues sounded
    assert len(book.all_paths()) == 4  # no note written


def test_reindex(capsys: pytest.CaptureFixture[str], book: NoteBook) -> None:
    journal(book)
    code, out, _ = run_cli(capsys, "notes", "reindex")
    assert code == 0 and out.startswith("Index built from 4 files in ")
    (book.root / ".voiceguide" / "index.sqlite3").write_bytes(b"garbage" * 1000)
    code, out, _ = run_cli(capsys, "notes", "search", "lighthouse")
    assert code == 0 and "Walked to the lighthouse." in out
