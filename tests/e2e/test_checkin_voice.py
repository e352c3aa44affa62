"""A spoken check-in through the virtual microphone, heard by Whisper: "six"
(espeak-ng), then a real person saying "yes" to the read-back; Enter skips
the check-in at the end."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from runner import run_steps, voiceguide

from voiceguide import checkin
from voiceguide.audio import AudioClip, read_wav, silence, write_wav
from voiceguide.notes import NoteBook

pytestmark = [pytest.mark.audio, pytest.mark.engine, pytest.mark.timeout(300)]

PROGRAM = """\
title = "Spoken check-in"
kind = "grounding"
minutes = 1
summary = "One line between two check-ins."
[[step]]
say = "One quiet line."
"""


@pytest.fixture
def six(tmp_path: Path) -> Path:
    """espeak-ng saying "six", with quiet before it for the microphone's floor."""
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed")
    raw = tmp_path / "six-raw.wav"
    subprocess.run(["espeak-ng", "-w", str(raw), "six"], check=True, timeout=30)
    word = read_wav(raw)
    out = tmp_path / "six.wav"
    quiet = silence(0.5, word.rate)
    write_wav(out, AudioClip(quiet.pcm + word.pcm + quiet.pcm, word.rate))
    return out


def test_a_spoken_rating_is_read_back_confirmed_and_saved(
        voice_home: Path, tmp_path: Path, shared_dir: Path, six: Path,
        mic_feed: Callable[..., threading.Thread]) -> None:
    program = tmp_path / "spoken.toml"
    program.write_text(PROGRAM)
    yes = shared_dir / "speech" / "alif_mlek_speech_commands" / "yes.wav"

    def say(wav: Path) -> Callable[[subprocess.Popen[str]], None]:
        return lambda proc: mic_feed(wav, 0.3).join(timeout=30)

    def enter(proc: subprocess.Popen[str]) -> None:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()

    cmd, env = voiceguide(voice_home)
    code, out, err = run_steps(
        [*cmd, "run", str(program), "--answers", "voice", "--silent", "--pace", "0"],
        env,
        [("Listening...", say(six)),  # the number
         ("I heard six.", lambda proc: None),
         ("Listening...", say(yes)),  # yes to the read-back
         (checkin.QUESTION["after"], lambda proc: None),
         ("Listening...", enter)])  # Enter: skip
    assert code == 0, err + out
    assert "Traceback" not in err
    assert checkin.noted(6) in out and checkin.SKIPPED in out
    book = NoteBook(voice_home / "notes")
    note = book.read(book.all_paths()[0])
    assert note.distress == {"before": 6}
    assert not list((voice_home / "notes").rglob("*.wav"))  # replies not kept
