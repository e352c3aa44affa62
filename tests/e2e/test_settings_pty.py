"""`voiceguide settings` at a terminal says the settings aloud, and a change is
heard as it now is (the new speed, in the new speed)."""

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


def _settings(home: Path, *argv: str) -> Terminal:
    env = {**os.environ, "VOICEGUIDE_HOME": str(home)}
    return Terminal([sys.executable, "-m", "voiceguide", "settings", *argv], env)


def _spoken_seconds(wav: Path) -> float:
    x, rate = read_wav_float(wav)
    spans = active_spans(x, rate, min_gap=0.5)
    return spans[-1][1] - spans[0][0] if spans else 0.0


def test_settings_are_said_aloud_and_a_change_is_heard(
        tmp_path: Path, speaker_capture: Capture) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "state").mkdir()
    (home / "state" / "welcomed").touch()
    heard = []
    for argv, line in ((("set", "rate", "100"), "Saved. Speed: 100 words a minute."),
                       (("set", "rate", "220"), "Saved. Speed: 220 words a minute.")):
        with speaker_capture() as wav:
            term = _settings(home, *argv)
            try:
                term.expect(line, timeout=30)
                assert term.wait(30) == 0
            finally:
                term.close()
        heard.append(_spoken_seconds(wav))
    assert heard[0] > 1.5 * heard[1] > 0, heard  # slower speech takes longer
    term = _settings(home)
    try:
        term.expect("rate = 220")
        term.expect("Your settings.", timeout=30)
        term.expect("Speed: 220 words a minute.")
        term.expect("Answers: typed.")
        assert term.wait(60) == 0
    finally:
        term.close()


def test_silent_settings_print_only(tmp_path: Path) -> None:
    term = _settings(tmp_path / "home", "--silent")
    try:
        assert term.wait(30) == 0
    finally:
        term.close()
    shown = term.seen.decode("utf-8", "replace")
    assert "rate = 150" in shown and "Your settings." not in shown
