"""Single keys on a real terminal driving a real `voiceguide run`."""

from __future__ import annotations

import os
import sys
import termios
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from ptyterm import Terminal
from virtual_audio import active_spans, read_wav_float

from voiceguide.notes import NoteBook

LONG = ("Second line, a long one, so that there is time to press a key while "
        "it is being said aloud to you.")
PROGRAM = f"""\
title = "Keys"
kind = "grounding"
checkins = false
minutes = 1
summary = "Lines to press keys on."
[[step]]
say = "First line."
[[step]]
pause = 1
[[step]]
say = "{LONG}"
[[step]]
pause = 30
[[step]]
say = "Last line."
"""


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "keys.toml"
    path.write_text(PROGRAM)
    return path


def _run(tmp_path: Path, program: Path, *flags: str) -> Terminal:
    env = {**os.environ, "VOICEGUIDE_HOME": str(tmp_path / "home")}
    return Terminal([sys.executable, "-m", "voiceguide", "run", str(program), *flags],
                    env)


def test_s_stops_a_silent_session_and_keeps_the_note(tmp_path: Path,
                                                    program: Path) -> None:
    term = _run(tmp_path, program, "--silent")
    try:
        term.expect("Second line")
        term.send("s")
        assert term.wait() == 0
        shown = term.seen.decode("utf-8", "replace")
        assert "Stopped" in shown and "Last line." not in shown
        assert termios.tcgetattr(term.slave) == term.before  # terminal given back
        notes = NoteBook(tmp_path / "home" / "notes")
        assert notes.read(notes.all_paths()[0]).finished is not None
    finally:
        term.close()


def test_space_pauses_until_space_again(tmp_path: Path, program: Path) -> None:
    term = _run(tmp_path, program, "--silent", "--pace", "0.05")
    try:
        term.expect("First line.")
        term.send(" ")
        term.expect("Paused.")
        with pytest.raises(AssertionError):  # nothing goes on by itself
            term.expect("Last line.", timeout=2.5)
        term.send(" ")
        term.expect("Last line.")
        assert term.wait() == 0
    finally:
        term.close()


def test_question_mark_lists_the_keys(tmp_path: Path, program: Path) -> None:
    term = _run(tmp_path, program, "--silent")
    try:
        term.expect("First line.")
        term.send("?")
        term.expect("Keys you can press at any time")
        term.send("q")
        assert term.wait() == 0
    finally:
        term.close()


def test_escape_twice_leaves_at_once_and_clears_the_screen(tmp_path: Path,
                                                          program: Path) -> None:
    term = _run(tmp_path, program, "--silent")
    try:
        term.expect("Second line")
        term.send(b"\x1b\x1b")
        assert term.wait() == 0
        after = term.seen.split(b"Second line", 1)[1]
        assert b"\x1b[2J" in after and b"\x1b[3J" in after  # screen and scrollback
        assert b"Last line." not in after
        assert NoteBook(tmp_path / "home" / "notes").all_paths()  # kept
    finally:
        term.close()


Capture = Callable[[], AbstractContextManager[Path]]


@pytest.mark.audio
def test_stop_key_silences_the_speaker(tmp_path: Path, program: Path,
                                       speaker_capture: Capture) -> None:
    """The guide is speaking; 's' is pressed; the captured sound ends at once."""
    import time

    with speaker_capture() as wav:
        term = _run(tmp_path, program)
        try:
            term.expect("Second line", timeout=30)
            time.sleep(1.5)  # well into the long line
            term.send("s")
            assert term.wait() == 0
        finally:
            term.close()
    x, rate = read_wav_float(wav)
    spans = active_spans(x, rate, min_gap=0.3)
    assert spans, "nothing was heard"
    # The long line takes about 6 s to say: after the key, sound ends well
    # before it would have (the closing "Stopped" is only printed).
    last_span = spans[-1]
    assert last_span[1] - last_span[0] < 4.0, spans


@pytest.mark.audio
def test_v_changes_the_voice_and_k_keeps_it(tmp_path: Path, program: Path,
                                            speaker_capture: Capture) -> None:
    """While the guide speaks, 'v': another voice says its name and the line
    again, heard on the speaker; 'k' makes it the lasting voice."""
    from voiceguide.config import load_file

    with speaker_capture() as wav:
        term = _run(tmp_path, program, "--voice", "en-us")
        try:
            term.expect("First line.", timeout=30)
            term.send("v")
            term.expect("This voice is English, America, female.", timeout=30)
            term.expect("First line.", timeout=30)  # said again, in that voice
            term.send("k")
            term.expect("and this voice.", timeout=30)
            term.send("s")
            assert term.wait() == 0
        finally:
            term.close()
    x, rate = read_wav_float(wav)
    assert active_spans(x, rate, min_gap=0.3), "nothing was heard"
    kept = load_file(tmp_path / "home" / "config.toml")
    assert kept["voice"] == "gmw/en-us+f2"
