"""voiceguide progress, voiceguide support, and check-ins in `voiceguide run`:
in-process, with VOICEGUIDE_HOME in tmp_path."""

from __future__ import annotations

import io
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from voiceguide import assemble, checkin, cli, progress, support
from voiceguide.audio import AudioClip, silence
from voiceguide.notes import Note, NoteBook, now, parse

pytestmark = pytest.mark.timeout(120)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("VOICEGUIDE_HOME", str(home))
    for name in ("VOICEGUIDE_NOTES_DIR", "ACCESSIBLE", "VOICEGUIDE_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return home


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class Voice:
    """Quiet speech; notes what was said, and whether the chart existed then."""

    name = "fake"

    def __init__(self, chart: Path | None = None) -> None:
        self.said: list[str] = []
        self.chart = chart
        self.chart_existed: list[bool] = []

    def synthesize(self, text: str) -> AudioClip:
        self.said.append(text)
        if self.chart is not None:
            self.chart_existed.append(self.chart.exists())
        return silence(0.01, 22050)


class Player:
    def __init__(self) -> None:
        self.played = 0

    def play(self, clip: object) -> None:
        self.played += 1

    def stop(self) -> None:
        pass

    def wait_idle(self, timeout: float) -> bool:
        return True

    def close(self) -> None:
        pass


@pytest.fixture
def spoken(monkeypatch: pytest.MonkeyPatch, home: Path) -> Voice:
    """A speaker and a voice that take no time; no cues, no pauses."""
    from voiceguide.backends import voices

    voice = Voice(home / "progress.png")
    monkeypatch.setattr(voices, "open_voice", lambda v, rate: voice)
    monkeypatch.setattr(assemble, "open_player", lambda settings, say: Player())
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("cues = false\npace = 0\n")
    return voice


def write_notes(home: Path) -> None:
    book = NoteBook(home / "notes")
    t = now()
    rated = [("five-senses", 6, 4, 0.5), ("five-senses", 8, 5, 3.5),
             ("box-breathing", 7, 3, 2.5), ("my-evening", 9, None, 4.5),
             ("trust-self", None, None, 5.5), ("five-senses", 2, 1, 45)]
    for program, before, after, days_ago in rated:
        started = t - timedelta(days=days_ago)
        distress = {k: v for k, v in (("before", before), ("after", after))
                    if v is not None}
        book.save(Note(program, program.replace("-", " ").capitalize(), started,
                       started + timedelta(minutes=5),
                       path=book.new_path(program, started), distress=distress))


EXPECTED = [
    "Over the last 30 days you did 5 sessions.",
    "On average, your distress went from 7 to 4.5 after grounding, across 2 "
    "sessions.",
    "In one session of breathing exercises, your distress went from 7 to 3.",
    progress.CLOSING,
]


def check_png(path: Path) -> None:
    from matplotlib.image import imread

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = imread(str(path))
    assert pixels.shape[0] >= 500 and pixels.shape[1] >= 800
    assert pixels.std() > 0.05  # not a blank picture
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# ---------------------------------------------------------------- progress


def test_progress_prints_the_summary_then_the_chart_and_its_text(
        capsys: pytest.CaptureFixture[str], home: Path) -> None:
    write_notes(home)
    code, out, err = run_cli(capsys, "progress", "--silent")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:4] == EXPECTED
    assert lines[-2:] == [f"Chart: {home / 'progress.png'}",
                          f"The same numbers as text: {home / 'progress.txt'}"]
    check_png(home / "progress.png")
    text = (home / "progress.txt").read_text()
    assert text.startswith(progress.chart_title(30))
    for line in EXPECTED:
        assert line in text
    assert "My evening (your own programs): before 9, after no rating" in text
    assert "Trust self" not in text  # no rating: not in the list
    assert stat.S_IMODE((home / "progress.txt").stat().st_mode) == 0o600


def test_progress_is_spoken_before_the_chart_is_drawn(
        capsys: pytest.CaptureFixture[str], home: Path, spoken: Voice) -> None:
    write_notes(home)
    code, out, err = run_cli(capsys, "progress")
    assert code == 0, err
    summary_said = [t for t in spoken.said if t in EXPECTED]
    assert summary_said == EXPECTED  # all of it, in order
    assert not any(spoken.chart_existed)  # every word came before the picture
    assert any("saved as text in progress.txt" in t for t in spoken.said)
    check_png(home / "progress.png")
    assert f"Chart: {home / 'progress.png'}" in out


def test_progress_with_a_shorter_window_and_a_chart_path(
        capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path) -> None:
    write_notes(home)
    png = tmp_path / "mine.png"
    code, out, err = run_cli(capsys, "progress", "--silent", "--days", "1",
                             "--chart", str(png))
    assert code == 0, err
    assert out.splitlines()[:2] == [
        "Over the last day you did 1 session.",
        "In one session of grounding, your distress went from 6 to 4."]
    check_png(png)
    assert (tmp_path / "mine.txt").is_file()
    assert not (home / "progress.png").exists()


def test_progress_without_ratings_is_kind_and_draws_nothing(
        capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, err = run_cli(capsys, "progress", "--silent")
    assert code == 0, err
    assert "no sessions yet. That's okay." in out
    assert not (home / "progress.png").exists()
    assert not (home / "progress.txt").exists()


@pytest.mark.parametrize("args, problem", [
    (("--days", "0"), "--days 0 is not usable"),
    (("--days", "99999"), "is not usable"),
    (("--chart", "chart.txt"), "must end in .png"),
    (("--chart", "/no/such/folder/chart.png"), "/no/such/folder: no such folder"),
])
def test_progress_bad_options_exit_2_with_the_fix(
        capsys: pytest.CaptureFixture[str], home: Path, args: tuple[str, ...],
        problem: str) -> None:
    write_notes(home)
    code, out, err = run_cli(capsys, "progress", "--silent", *args)
    assert code == 2
    assert problem in err and "fix:" in err and "Traceback" not in err
    assert out == ""  # nothing said before the problem


def test_progress_leaves_out_unreadable_notes_and_says_so(
        capsys: pytest.CaptureFixture[str], home: Path) -> None:
    write_notes(home)
    broken = home / "notes" / "2026" / "broken.md"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("no front matter here")
    code, out, _ = run_cli(capsys, "progress", "--silent")
    assert code == 0
    assert "1 note was left out because it could not be read" in out


# ---------------------------------------------------------------- support


def test_support_add_list_remove(capsys: pytest.CaptureFixture[str],
                                 home: Path) -> None:
    code, out, _ = run_cli(capsys, "support", "--silent")
    assert code == 0
    assert out.splitlines() == [support.REMINDER, support.NONE_YET]

    code, out, _ = run_cli(capsys, "support", "add", "Sam", "07700", "900123")
    assert code == 0 and out.startswith("Added Sam.")
    code, out, _ = run_cli(capsys, "support", "add", "My sister",
                           "text her after 6pm")
    assert code == 0
    path = home / "support.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    code, out, _ = run_cli(capsys, "support", "list", "--silent")
    assert code == 0
    assert out.splitlines()[:4] == [support.REMINDER, "Your support contacts.",
                                    "Sam: 07700 900123.",
                                    "My sister: text her after 6pm."]

    code, out, _ = run_cli(capsys, "support", "remove", "sam")
    assert code == 0 and out.startswith("Removed Sam.")
    assert support.load(path) == [support.Contact("My sister", "text her after 6pm")]

    code, _, err = run_cli(capsys, "support", "remove", "Sam")
    assert code == 2 and "no support contact called 'Sam'" in err


def test_support_is_read_aloud_after_the_reminder(
        capsys: pytest.CaptureFixture[str], spoken: Voice) -> None:
    run_cli(capsys, "support", "add", "Sam", "+44 7700 900123")
    code, _, err = run_cli(capsys, "support")
    assert code == 0, err
    at = spoken.said.index(support.REMINDER)
    assert spoken.said[at + 1:at + 3] == [
        "Your support contacts.", "Sam: plus 4 4, 7 7 0 0, 9 0 0 1 2 3."]


def test_a_broken_support_file_exits_2_and_is_kept(
        capsys: pytest.CaptureFixture[str], home: Path) -> None:
    home.mkdir(parents=True)
    path = home / "support.toml"
    path.write_text("[[contact]\nname = ")
    for args in (("support", "--silent"), ("support", "add", "Ali", "0333")):
        code, _, err = run_cli(capsys, *args)
        assert code == 2 and "not valid TOML" in err and str(path) in err
        assert "Traceback" not in err
    assert path.read_text() == "[[contact]\nname = "


def test_reading_support_aloud_is_not_the_first_run(
        capsys: pytest.CaptureFixture[str], spoken: Voice) -> None:
    run_cli(capsys, "support")
    code, out, _ = run_cli(capsys, "run", "--silent", "--pace", "0", "--answers",
                           "off", "trust-self")
    assert code == 0 and assemble.NOT_THERAPY in out


# ---------------------------------------------------------------- check-ins in run


def _note(home: Path) -> Note:
    paths = NoteBook(home / "notes").all_paths()
    assert len(paths) == 1, paths
    return parse(paths[0].read_text())


def test_run_asks_before_and_after_and_saves_the_ratings(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("6\nthree\n"))
    code, out, err = run_cli(capsys, "run", "--silent", "--pace", "0",
                             "--answers", "off", "box-breathing")
    assert code == 0, err
    assert _note(home).distress == {"before": 6, "after": 3}
    lines = out.splitlines()
    assert lines.index(checkin.QUESTION["before"]) < lines.index(checkin.noted(6))
    assert lines.index(checkin.QUESTION["after"]) < lines.index(checkin.noted(3))


def test_the_checkins_setting_turns_them_off(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path) -> None:
    code, _, _ = run_cli(capsys, "settings", "set", "checkins", "false")
    assert code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("6\n3\n"))
    code, out, _ = run_cli(capsys, "run", "--silent", "--pace", "0", "five-senses")
    assert code == 0
    assert checkin.QUESTION["before"] not in out
    assert _note(home).distress == {}


def test_a_journal_file_can_opt_in(capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch, home: Path,
                                   tmp_path: Path) -> None:
    prog = tmp_path / "evening.toml"
    prog.write_text('title = "Evening"\nkind = "journal"\nminutes = 1\n'
                    'summary = "One question."\ncheckins = true\n'
                    '[[step]]\nprompt = "What went well?"\n')
    monkeypatch.setattr("sys.stdin", io.StringIO("5\nthe walk\n\n"))
    code, out, err = run_cli(capsys, "run", "--silent", "--pace", "0", str(prog))
    assert code == 0, err
    note = _note(home)
    assert note.distress == {"before": 5}
    assert [a.text for a in note.answers] == ["the walk"]
    assert checkin.SKIPPED in out  # the empty line after


def test_a_session_goes_on_when_support_contacts_cannot_be_read(
        capsys: pytest.CaptureFixture[str], home: Path) -> None:
    home.mkdir(parents=True)
    (home / "support.toml").write_text("not toml at all [")
    code, out, err = run_cli(capsys, "run", "--silent", "--pace", "0", "--answers",
                             "off", "trust-self")
    assert code == 0, err
    said = [ln for ln in out.splitlines() if "support contacts could not be read"
            in ln]
    assert len(said) == 1 and "voiceguide support" in said[0]


def test_progress_of_encrypted_notes_saves_no_chart_unless_asked(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path, tmp_path: Path) -> None:
    from voiceguide import vault
    from voiceguide.cli.care import ENCRYPTED_NO_CHART

    monkeypatch.setattr(vault, "KDF_MEMORY_KIB", 8)
    monkeypatch.setattr(vault, "KDF_ITERATIONS", 1)
    write_notes(home)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n" * 2))
    assert cli.main(["encrypt"]) == 0
    capsys.readouterr()
    vault.set_unlocker(None)
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
        code, out, err = run_cli(capsys, "progress", "--silent")
        assert code == 0, err
        assert out.splitlines()[:4] == EXPECTED
        assert ENCRYPTED_NO_CHART in out
        assert not (home / "progress.png").exists()
        assert not (home / "progress.txt").exists()
        vault.set_unlocker(None)
        monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
        chosen = tmp_path / "mine.png"
        code, out, err = run_cli(capsys, "progress", "--silent", "--chart",
                                 str(chosen))
        assert code == 0, err
        check_png(chosen)
    finally:
        vault.set_unlocker(None)
