"""A session on encrypted notes asks for the passphrase aloud first (through the
virtual speaker), and says nothing when silent. A wrong passphrase ends the
run right after the request, so all that is heard is the request."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from vaulting import PASSPHRASE
from virtual_audio import active_spans, read_wav_float

pytestmark = [pytest.mark.audio, pytest.mark.timeout(180)]
REPO = Path(__file__).resolve().parents[2]
Capture = Callable[..., AbstractContextManager[Path]]


def voiceguide(home: Path, argv: list[str], stdin: str
               ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICEGUIDE_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "voiceguide", *argv], env=env,
                          input=stdin, text=True, capture_output=True, timeout=120)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / "state").mkdir(parents=True)
    (home / "state" / "welcomed").touch()
    done = voiceguide(home, ["encrypt"], f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert done.returncode == 0, done.stderr
    return home


def test_the_passphrase_is_asked_aloud(home: Path, speaker_capture: Capture) -> None:
    argv = ["run", "box-breathing", "--answers", "off", "--pace", "0"]
    with speaker_capture() as wav:
        done = voiceguide(home, argv, "not the passphrase\n")
    assert done.returncode == 2, done.stderr
    assert "Your notes are locked with a passphrase" in done.stderr
    assert "that passphrase does not open your notes" in done.stderr
    assert done.stdout == ""  # the session never started
    heard, rate = read_wav_float(wav)
    spans = active_spans(heard, rate)
    assert spans, "the request was not heard"
    assert spans[-1][1] - spans[0][0] > 2.0  # a sentence or two, not a click


def test_a_silent_run_asks_in_text_only(home: Path, speaker_capture: Capture) -> None:
    argv = ["run", "box-breathing", "--answers", "off", "--pace", "0", "--silent"]
    with speaker_capture() as wav:
        done = voiceguide(home, argv, "not the passphrase\n")
    assert done.returncode == 2, done.stderr
    assert "Passphrase for your notes" in done.stderr
    assert "Your notes are locked" not in done.stderr
    heard, rate = read_wav_float(wav)
    assert not active_spans(heard, rate)
