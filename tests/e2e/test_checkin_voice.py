"""A spoken check-in through the virtual microphone, heard by Whisper: "six"
(espeak-ng), then a real person saying "yes" to the read-back; Enter skips
the check-in at the end."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

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


def run_steps(home: Path, argv: list[str],
              steps: list[tuple[str, Callable[[subprocess.Popen[str]], None]]],
              timeout: float = 180) -> tuple[int, str, str]:
    """Run voiceguide; for each (line prefix, action) in order, act when that
    line is printed. Every wait is bounded."""
    env = {**os.environ, "VOICEGUIDE_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "voiceguide", *argv], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for prefix, act in steps:
            while True:
                try:
                    line = lines.get(timeout=90)
                except queue.Empty:
                    raise AssertionError(f"no line starting {prefix!r}; got:\n"
                                         + "".join(seen)) from None
                if line.startswith(prefix):
                    break
            act(proc)
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    reader.join(10)
    assert proc.stderr is not None
    return proc.returncode, "".join(seen), proc.stderr.read()


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

    code, out, err = run_steps(
        voice_home, ["run", str(program), "--answers", "voice", "--silent",
                     "--pace", "0"],
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
