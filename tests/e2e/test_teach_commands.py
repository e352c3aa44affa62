"""Teaching a command in one's own voice, for real: `voiceguide commands
teach stop` records a real person's "stop" twice through the virtual
microphone; the takes are saved, listed, and match that voice."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from runner import run_steps, voiceguide

from voiceguide import taught
from voiceguide.audio import AudioClip, read_wav, silence, write_wav

pytestmark = [pytest.mark.audio, pytest.mark.engine, pytest.mark.timeout(300)]


@pytest.fixture
def stop_wav(tmp_path: Path, shared_dir: Path) -> Path:
    """The Speech Commands speaker's "stop", between quiet."""
    words = read_wav(shared_dir / "speech" / "alif_mlek_speech_commands" /
                     "yes_no_go_stop.wav")
    stop = words.sliced(3.0, 4.0)
    quiet = silence(0.5, stop.rate)
    out = tmp_path / "stop.wav"
    write_wav(out, AudioClip(quiet.pcm + stop.pcm + quiet.pcm, stop.rate))
    return out


def test_a_command_taught_by_voice_is_kept_listed_and_matched(
        voice_home: Path, stop_wav: Path,
        mic_feed: Callable[..., threading.Thread]) -> None:
    def say_stop(proc: subprocess.Popen[str]) -> None:
        mic_feed(stop_wav, 0.3).join(timeout=30)

    cmd, env = voiceguide(voice_home)
    code, out, err = run_steps(
        [*cmd, "commands", "teach", "stop", "--silent"], env,
        [("Say: stop.", say_stop), ("Once more: stop.", say_stop),
         ("Taught 1 command in your voice.", lambda proc: None)])
    assert code == 0, err + out
    assert "Traceback" not in err
    assert "Spoken commands are off." in out  # and how to turn them on

    path = taught.path_in(voice_home)
    takes = taught.load(path, taught.MODEL)
    assert [t.command for t in takes] == ["stop", "stop"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"

    listed = subprocess.run([*cmd, "commands"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "taught in your voice: stop (2 takes)" in listed.stdout

    # The two takes are close to each other: the same voice matches.
    assert taught.distances(takes[0].frames, takes[1:])[0] <= taught.ACCEPT

    forgot = subprocess.run([*cmd, "commands", "forget"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert forgot.returncode == 0 and not path.exists()
