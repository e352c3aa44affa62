"""The command line, in-process: cli.main([...]) with VOICEGUIDE_HOME in tmp_path."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voiceguide import assemble, cli, program
from voiceguide.errors import NotesError
from voiceguide.notes import NoteBook, parse

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "sounddevice", "pyttsx3", "faster_whisper", "ctranslate2",
         "speech_recognition", "pocketsphinx")

GOOD_TOML = """title = "My evening"
kind = "journal"
minutes = 2
summary = "A short evening check."

[[step]]
say = "Hello."

[[step]]
prompt = "What went well today?"
answer = true
"""

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("VOICEGUIDE_HOME", str(home))
    for name in ("VOICEGUIDE_NOTES_DIR", "ACCESSIBLE", "VOICEGUIDE_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return home


@pytest.fixture
def no_sound(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail loudly if a command tries to open a speaker or a voice."""
    calls: list[str] = []

    def player(settings: object, say: object) -> None:
        calls.append("player")
        raise AssertionError("a speaker was opened")

    monkeypatch.setattr(assemble, "open_player", player)
    return calls


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str,
            stdin: str | None = None,
            monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _only_note(home: Path) -> Path:
    notes = NoteBook(home / "notes").all_paths()
    assert len(notes) == 1, notes
    return notes[0]


# ---------------------------------------------------------------- basics

def test_list_shows_every_builtin(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "list")
    assert code == 0 and err == ""
    ids = [line.split()[0] for line in out.splitlines()]
    assert ids == program.builtin_ids()
    for p in program.builtins():
        line = next(ln for ln in out.splitlines() if ln.split()[0] == p.id)
        assert p.kind in line and p.title in line


def test_list_by_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "list", "--kind", "breathing")
    assert code == 0
    ids = {line.split()[0] for line in out.splitlines()}
    assert ids == {p.id for p in program.builtins() if p.kind == "breathing"}
    assert "box-breathing" in ids and "trust-self" not in ids


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    assert "usage: voiceguide" in out and "run" in out


def test_version_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and "voiceguide" in out


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "dance")
    assert code == 2
    assert "dance" in err


def test_run_missing_program_exits_2_with_one_message(
        capsys: pytest.CaptureFixture[str], no_sound: list[str]) -> None:
    code, out, err = run_cli(capsys, "run", "no-such-program")
    assert code == 2
    assert "Traceback" not in err
    assert out == ""
    messages = [ln for ln in err.splitlines() if ln.startswith("voiceguide:")]
    assert len(messages) == 1 and "no-such-program" in messages[0]
    assert "fix:" in err


def test_run_missing_toml_file_exits_2(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path, no_sound: list[str]) -> None:
    code, _out, err = run_cli(capsys, "run", str(tmp_path / "gone.toml"))
    assert code == 2 and "gone.toml" in err and "Traceback" not in err


def test_check_malformed_file_names_file_and_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD_TOML + '\n[[step]]\ncue = "gong"\n')
    code, _, err = run_cli(capsys, "check", str(bad))
    assert code == 2
    assert f"{bad}:14:" in err
    assert "gong" in err and "fix:" in err
    assert "Traceback" not in err


def test_check_syntax_error_names_file_and_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text('title = "x"\nkind = "journal\n')
    code, _, err = run_cli(capsys, "check", str(bad))
    assert code == 2 and f"{bad}:2:" in err


def test_check_good_file_exits_0(capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
    good = tmp_path / "evening.toml"
    good.write_text(GOOD_TOML)
    code, out, err = run_cli(capsys, "check", str(good))
    assert code == 0 and err == ""
    assert str(good) in out and "ok" in out and "1 prompts" in out


# ---------------------------------------------------------------- run

def test_run_typed_writes_note_with_sections(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path, no_sound: list[str]) -> None:
    code, out, err = run_cli(
        capsys, "run", "--silent", "--pace", "0", "--answers", "typed", "trust-self",
        stdin="I will drink water\nIt felt like a quiet knowing\n",
        monkeypatch=monkeypatch)
    assert code == 0, err
    assert no_sound == []
    note_path = _only_note(home)
    assert str(note_path) in out and "2 answers" in out
    note = parse(note_path.read_text(encoding="utf-8"))
    prompts = [p.text for p in program.load_builtin("trust-self").prompts if p.answer]
    assert [(a.prompt, a.text) for a in note.answers] == [
        (prompts[0], "I will drink water"),
        (prompts[1], "It felt like a quiet knowing"),
    ]
    assert note.program == "trust-self" and note.finished is not None
    text = note_path.read_text(encoding="utf-8")
    assert f"## {prompts[0]}" in text and f"## {prompts[1]}" in text
    assert note_path.stat().st_mode & 0o777 == 0o600
    assert out.splitlines()[0].startswith("Trusting yourself again.")


def test_first_run_says_not_therapy_once(capsys: pytest.CaptureFixture[str],
                                         no_sound: list[str]) -> None:
    args = ("run", "--silent", "--pace", "0", "--answers", "off", "box-breathing")
    code, out, _ = run_cli(capsys, *args)
    assert code == 0 and assemble.NOT_THERAPY in out
    code, out, _ = run_cli(capsys, *args)
    assert code == 0 and assemble.NOT_THERAPY not in out


def test_run_answers_off_writes_note_without_sections(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path, no_sound: list[str]) -> None:
    code, out, err = run_cli(
        capsys, "run", "--silent", "--pace", "0", "--answers", "off", "trust-self",
        stdin="this must not be read\n", monkeypatch=monkeypatch)
    assert code == 0, err
    text = _only_note(home).read_text(encoding="utf-8")
    assert "\n## " not in text
    assert parse(text).answers == ()
    assert "this must not be read" not in text
    assert "0 answers" in out


def test_run_toml_path_and_empty_line_skips(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, home: Path, no_sound: list[str]) -> None:
    f = tmp_path / "my-evening.toml"
    f.write_text(GOOD_TOML)
    code, out, _ = run_cli(capsys, "run", "--silent", "--pace", "0", str(f),
                           stdin="\n", monkeypatch=monkeypatch)
    assert code == 0
    assert "Skipped." in out
    note_path = _only_note(home)
    assert note_path.name.endswith("_my-evening.md")
    assert parse(note_path.read_text(encoding="utf-8")).answers == ()


def test_run_end_of_input_ends_cleanly(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch, home: Path,
                                       no_sound: list[str]) -> None:
    code, out, err = run_cli(capsys, "run", "--silent", "--pace", "0",
                             "daily-check-in", stdin="tired\n",
                             monkeypatch=monkeypatch)
    assert code == 0, err
    assert "End of input" in out
    note = parse(_only_note(home).read_text(encoding="utf-8"))
    assert [a.text for a in note.answers] == ["tired"]


def test_run_notes_dir_flag(capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                            home: Path, no_sound: list[str]) -> None:
    elsewhere = tmp_path / "journal"
    code, _, _ = run_cli(capsys, "run", "--silent", "--pace", "0", "--notes-dir",
                         str(elsewhere), "trust-self", stdin="a\nb\n",
                         monkeypatch=monkeypatch)
    assert code == 0
    assert len(NoteBook(elsewhere).all_paths()) == 1
    assert NoteBook(home / "notes").all_paths() == []


def test_run_notes_dir_is_a_file_fails_with_hint_and_no_speech(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        no_sound: list[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, out, err = run_cli(capsys, "run", "--pace", "0", "--notes-dir",
                             str(blocker), "trust-self")
    assert code != 0
    assert out == ""  # nothing spoken or shown before the problem
    assert no_sound == []
    assert str(blocker) in err
    assert "fix:" in err and "--notes-dir" in err
    assert "Traceback" not in err
    assert blocker.read_text() == "x"


def test_run_notes_dir_is_a_file_exits_2(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path, no_sound: list[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, _, _ = run_cli(capsys, "run", "--pace", "0", "--notes-dir", str(blocker),
                         "trust-self")
    assert code == 2


class _InterruptingStdin(io.StringIO):
    """One answer, then Ctrl-C."""

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if getattr(self, "_answered", False):
            raise KeyboardInterrupt
        self._answered = True
        return "kept before ctrl-c\n"


def test_run_interrupted_exits_130_with_answers_saved(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path, no_sound: list[str]) -> None:
    monkeypatch.setattr("sys.stdin", _InterruptingStdin())
    code, _, err = run_cli(capsys, "run", "--silent", "--pace", "0", "trust-self")
    assert code == 130
    note_path = _only_note(home)
    assert str(note_path) in err
    note = parse(note_path.read_text(encoding="utf-8"))
    assert [a.text for a in note.answers] == ["kept before ctrl-c"]
    assert note.finished is None


def test_run_unsaveable_note_is_printed_in_full(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        no_sound: list[str]) -> None:
    def broken_save(self: NoteBook, note: object) -> None:
        raise NotesError("could not save (disk full)", "Free some space.")

    monkeypatch.setattr(NoteBook, "save", broken_save)
    code, out, err = run_cli(capsys, "run", "--silent", "--pace", "0", "trust-self",
                             stdin="first words\nsecond words\n",
                             monkeypatch=monkeypatch)
    assert code == 1
    assert "first words" in err and "second words" in err
    assert out.count("Your note could not be saved") == 1


# ---------------------------------------------------------------- notes

def _one_run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
             home: Path) -> Path:
    code, _, _ = run_cli(capsys, "run", "--silent", "--pace", "0", "trust-self",
                         stdin="water\nquiet knowing\n", monkeypatch=monkeypatch)
    assert code == 0
    return _only_note(home)


def test_notes_list_and_show_after_a_run(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch, home: Path,
                                         no_sound: list[str]) -> None:
    code, out, _ = run_cli(capsys, "notes", "list")
    assert code == 0 and "No notes yet" in out
    note_path = _one_run(capsys, monkeypatch, home)

    code, out, _ = run_cli(capsys, "notes", "list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].lstrip().startswith("1.")
    assert "Trusting yourself again" in lines[0] and "(2 answers)" in lines[0]
    assert str(note_path) in lines[0]

    code, out, _ = run_cli(capsys, "notes")  # list is the default
    assert code == 0 and str(note_path) in out

    for ref in ([], ["1"], ["last"], [note_path.stem], [str(note_path)]):
        code, out, _ = run_cli(capsys, "notes", "show", *ref)
        assert code == 0, ref
        assert out == note_path.read_text(encoding="utf-8"), ref
        assert "water" in out and "quiet knowing" in out


def test_notes_list_shows_broken_files(capsys: pytest.CaptureFixture[str],
                                       home: Path) -> None:
    folder = home / "notes" / "2026" / "01"
    folder.mkdir(parents=True)
    (folder / "2026-01-01T00-00-00_broken.md").write_text("no front matter\n")
    code, out, err = run_cli(capsys, "notes", "list")
    assert code == 0 and err == ""
    assert "unreadable" in out and "2026-01-01T00-00-00_broken.md" in out


def test_notes_show_bad_ref(capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch, home: Path,
                            no_sound: list[str]) -> None:
    _one_run(capsys, monkeypatch, home)
    code, out, err = run_cli(capsys, "notes", "show", "no-such-note")
    assert NotesError.exit_code == 2  # a note path that is not there is bad input
    assert code == NotesError.exit_code
    assert "no-such-note" in err and "fix:" in err
    assert out == "" and "Traceback" not in err


def test_notes_show_with_no_notes(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "notes", "show")
    assert code == 2 and "no notes yet" in err


def test_notes_dir_after_show(capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                              home: Path, no_sound: list[str]) -> None:
    note_path = _one_run(capsys, monkeypatch, home)
    code, out, _ = run_cli(capsys, "notes", "show", "--notes-dir",
                           str(home / "notes"))
    assert code == 0 and out == note_path.read_text(encoding="utf-8")
    code, out, _ = run_cli(capsys, "notes", "list", "--notes-dir",
                           str(tmp_path / "empty"))
    assert code == 0 and "No notes yet" in out


def test_notes_dir_before_subcommand(capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                     home: Path, no_sound: list[str]) -> None:
    _one_run(capsys, monkeypatch, home)  # a note in the default folder
    empty = tmp_path / "empty"
    code, out, _ = run_cli(capsys, "notes", "--notes-dir", str(empty), "list")
    assert code == 0
    assert "No notes yet" in out


# ---------------------------------------------------------------- settings

def test_settings_set_then_show(capsys: pytest.CaptureFixture[str],
                                home: Path) -> None:
    code, out, _ = run_cli(capsys, "settings")
    assert code == 0 and "rate = 150" in out.splitlines()
    code, out, _ = run_cli(capsys, "settings", "set", "rate", "140")
    assert code == 0 and "rate" in out
    assert (home / "config.toml").is_file()
    code, out, _ = run_cli(capsys, "settings")
    assert code == 0
    assert "rate = 140" in out.splitlines()
    assert str(home / "config.toml") in out
    code, out, _ = run_cli(capsys, "settings", "show")
    assert "rate = 140" in out.splitlines()


def test_settings_set_bad_value_exits_2(capsys: pytest.CaptureFixture[str],
                                        home: Path) -> None:
    code, _, err = run_cli(capsys, "settings", "set", "rate", "fast")
    assert code == 2
    assert "rate" in err and "fix:" in err
    assert not (home / "config.toml").exists()


def test_settings_set_unknown_key_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "settings", "set", "colour", "blue")
    assert code == 2 and "colour" in err


BROKEN_CONFIG_COMMANDS = [
    ["run", "--silent", "--pace", "0", "trust-self"],
    ["check", "PROGRAM"],
    ["notes", "list"],
    ["notes", "show"],
    ["settings"],
    ["settings", "set", "rate", "140"],
    [],
]


@pytest.mark.parametrize("argv", BROKEN_CONFIG_COMMANDS,
                         ids=[" ".join(a) or "menu" for a in BROKEN_CONFIG_COMMANDS])
@pytest.mark.parametrize("config_text", ["rate = \n", 'rate = "fast"\n',
                                         "speed = 3\n"])
def test_broken_config_makes_every_command_exit_2(
        capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path,
        argv: list[str], config_text: str, no_sound: list[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "config.toml"
    cfg.write_text(config_text)
    good = tmp_path / "good.toml"
    good.write_text(GOOD_TOML)
    argv = [str(good) if a == "PROGRAM" else a for a in argv]
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert str(cfg) in err
    assert "fix:" in err and "Traceback" not in err
    assert out == ""
    assert cfg.read_text() == config_text


def test_list_works_even_with_a_broken_config(capsys: pytest.CaptureFixture[str],
                                              home: Path) -> None:
    """'list' reads no settings, so a broken settings file cannot block it."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("rate = \n")
    code, out, _ = run_cli(capsys, "list")
    assert code == 0 and "box-breathing" in out


def test_accessible_env_runs_silently(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch,
                                      no_sound: list[str]) -> None:
    monkeypatch.setenv("ACCESSIBLE", "1")
    code, _, err = run_cli(capsys, "run", "--pace", "0", "--answers", "off",
                           "box-breathing")
    assert code == 0, err
    assert no_sound == []


# ---------------------------------------------------------------- menu

def test_no_command_non_tty_prints_numbered_menu(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        no_sound: list[str]) -> None:
    code, out, err = run_cli(capsys, stdin="1\n", monkeypatch=monkeypatch)
    assert code == 0 and err == ""
    programs = program.builtins()
    for i, p in enumerate(programs, 1):
        assert any(ln.strip().startswith(f"{i}. {p.title}") for ln in out.splitlines())
    assert "voiceguide run" in out
    assert "Note saved" not in out  # nothing was run


# ---------------------------------------------------------------- start-up

def _modules_after(code: str, tmp_path: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO),
           "VOICEGUIDE_HOME": str(tmp_path / "sub-home")}
    env.pop("ACCESSIBLE", None)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


def test_import_cli_is_light(tmp_path: Path) -> None:
    modules = _modules_after(
        "import voiceguide.cli, sys; import json; "
        "print(json.dumps(sorted(sys.modules)))", tmp_path)
    assert "voiceguide.cli" in modules
    assert _heavy(modules) == []


def test_list_is_light(tmp_path: Path) -> None:
    modules = _modules_after(
        "import voiceguide.cli, sys, json\n"
        "rc = voiceguide.cli.main(['list'])\n"
        "assert rc == 0, rc\n"
        "print(json.dumps(sorted(sys.modules)))", tmp_path)
    assert "voiceguide.catalog" in modules
    # Not even the settings or the program loader: 'list' is kept light.
    assert "voiceguide.config" not in modules and "dataclasses" not in modules
    assert _heavy(modules) == []


def test_silent_run_is_light(tmp_path: Path) -> None:
    """A screen-reader user's silent run needs no audio or speech engine."""
    modules = _modules_after(
        "import voiceguide.cli, sys, json\n"
        "rc = voiceguide.cli.main(['run', '--silent', '--pace', '0', '--answers', "
        "'off', 'box-breathing'])\n"
        "assert rc == 0, rc\n"
        "print(json.dumps(sorted(sys.modules)))", tmp_path)
    assert "voiceguide.session" in modules
    assert _heavy(modules) == []


# ---------------------------------------------------------------- no speech engine


class _RecordingPlayer:
    """Stands in for the speaker: records what would be played."""

    def __init__(self) -> None:
        self.played: list[float] = []

    def play(self, clip: object) -> None:
        self.played.append(getattr(clip, "duration", 0.0))

    def stop(self) -> None:
        pass

    def wait_idle(self, timeout: float) -> bool:
        return True

    def close(self) -> None:
        pass


def _no_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.backends import voices
    from voiceguide.errors import APT_AUDIO, BackendUnavailable

    def missing(voice: object, rate: object) -> None:
        raise BackendUnavailable("espeak-ng is not installed",
                                 f"Install it: {APT_AUDIO}")

    monkeypatch.setattr(voices, "open_voice", missing)


def test_no_espeak_says_so_once_and_carries_on_as_text(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path) -> None:
    _no_espeak(monkeypatch)
    player = _RecordingPlayer()
    monkeypatch.setattr(assemble, "open_player", lambda settings, say: player)
    code, out, err = run_cli(capsys, "run", "trust-self", "--pace", "0",
                             stdin="a small promise\n", monkeypatch=monkeypatch)
    assert code == 0, err
    said = [ln for ln in out.splitlines() if "espeak-ng is not installed" in ln]
    assert len(said) == 1 and "apt-get install" in said[0]
    assert "Traceback" not in err
    assert "a small promise" in _only_note(home).read_text()
    assert player.played  # the cues still sound


def test_render_without_espeak_fails_clearly(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path, tmp_path: Path) -> None:
    _no_espeak(monkeypatch)
    out_wav = tmp_path / "s.wav"
    code, _, err = run_cli(capsys, "run", "box-breathing", "--render", str(out_wav))
    assert code == 1
    assert "espeak-ng is not installed" in err and "fix:" in err
    assert not out_wav.exists()


def test_notes_read_speaks_a_note_line_by_line_and_writes_nothing(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path, no_sound: list[str]) -> None:
    note_path = _one_run(capsys, monkeypatch, home)
    code, out, err = run_cli(capsys, "notes", "read", "--silent", "--notes-dir",
                             str(home / "notes"))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Trusting yourself again. About")
    assert "water" in lines and "quiet knowing" in lines
    assert lines[-2] == "End of this note." or "End of this note." in lines
    assert NoteBook(home / "notes").all_paths() == [note_path]  # no new note


def test_doctor_tells_whether_commands_are_taught(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["doctor"])
    assert "spoken commands: off; none taught in your voice" in capsys.readouterr().out
    taught_file = home / "commands" / "taught.npz"
    taught_file.parent.mkdir(parents=True)
    taught_file.write_bytes(b"not a saved file")
    cli.main(["doctor"])
    shown = capsys.readouterr().out
    assert "note: spoken commands: off; " in shown and "cannot be read" in shown
    assert "fix: Run 'voiceguide commands teach' again" in shown


def test_commands_lists_and_refuses_unknown_ones(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["commands"]) == 0
    shown = capsys.readouterr().out
    assert "I need help" in shown and "not taught" in shown
    assert "voiceguide commands teach" in shown
    assert cli.main(["commands", "teach", "jump"]) == 2
    assert "'jump' is not a command" in capsys.readouterr().err
    assert cli.main(["commands", "forget"]) == 0  # nothing to forget is fine
