"""`voiceguide` with no command on a real terminal: the menu is spoken through
the virtual speaker and chosen with number keys."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from ptyterm import Terminal
from virtual_audio import active_spans, read_wav_float

pytestmark = pytest.mark.audio

Capture = Callable[[], AbstractContextManager[Path]]


def _menu(home: Path) -> Terminal:
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text("checkins = false\n")
    env = {**os.environ, "VOICEGUIDE_HOME": str(home)}
    return Terminal([sys.executable, "-m", "voiceguide"], env)


def test_number_keys_choose_a_program_from_the_spoken_menu(
        tmp_path: Path, speaker_capture: Capture) -> None:
    with speaker_capture() as wav:
        term = _menu(tmp_path / "home")
        try:
            term.expect("What would you like to do?", timeout=30)
            term.expect("2: breathing")
            term.send("2")  # while the list is being said
            term.expect("Breathing. Which one?")
            term.send("1")
            term.expect("Box breathing. About", timeout=30)
            term.send("s")
            assert term.wait(30) == 0
        finally:
            term.close()
    shown = term.seen.decode("utf-8", "replace")
    assert "4: check-ins" not in shown  # the key cut the list short
    x, rate = read_wav_float(wav)
    assert active_spans(x, rate, min_gap=0.3), "the menu was not heard"
    notes = list((tmp_path / "home" / "notes").rglob("*box-breathing.md"))
    assert len(notes) == 1


def test_stop_key_leaves_the_menu_and_gives_the_terminal_back(tmp_path: Path) -> None:
    import termios

    term = _menu(tmp_path / "home")
    try:
        term.expect("What would you like to do?", timeout=30)
        term.send("r")  # the list again, from the top
        term.expect("What would you like to do?")
        term.send("s")
        assert term.wait(30) == 0
        assert termios.tcgetattr(term.slave) == term.before
    finally:
        term.close()
    assert not (tmp_path / "home" / "notes").exists()  # no session, no note
