"""Spoken commands through the virtual microphone, in a real session."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from runner import run_until
from virtual_audio import active_spans, read_wav_float

from voiceguide.audio import read_wav, write_wav
from voiceguide.notes import NoteBook

pytestmark = [pytest.mark.audio, pytest.mark.engine]

Capture = Callable[[], AbstractContextManager[Path]]

LONG = ("This is a long line, said slowly, so that there is time to say a word "
        "while it is being spoken, and then to hear that the voice has stopped.")
PROGRAM = f"""\
title = "Listening"
kind = "grounding"
checkins = false
minutes = 1
summary = "Lines to speak over."
[[step]]
say = "First line."
[[step]]
say = "{LONG}"
[[step]]
say = "{LONG}"
[[step]]
say = "Last line."
"""


@pytest.fixture
def stop_word(shared_dir: Path, tmp_path: Path) -> Path:
    """A real person saying "stop": the last second of yes_no_go_stop.wav."""
    clip = read_wav(shared_dir / "speech/alif_mlek_speech_commands/yes_no_go_stop.wav")
    clip = clip.resampled(16000)
    out = tmp_path / "stop.wav"
    write_wav(out, clip.sliced(3.0, 4.0))
    return out


def test_saying_stop_with_a_headset_silences_the_guide(
        voice_home: Path, tmp_path: Path, stop_word: Path, mic_feed: object,
        speaker_capture: Capture) -> None:
    (voice_home / "config.toml").write_text("voice_commands = true\nheadset = true\n")
    program = tmp_path / "listening.toml"
    program.write_text(PROGRAM)
    said: list[float] = []

    def say_stop() -> None:
        time.sleep(1.5)  # well into the long line
        said.append(time.monotonic())
        mic_feed(stop_word, 0.0).join(timeout=30)  # type: ignore[operator]

    with speaker_capture() as wav:
        code, out, err = run_until(voice_home, ["run", str(program), "--answers",
                                                "off"], "This is a long line",
                                   say_stop, timeout=60)
    assert code == 0, err + out
    assert "Stopped" in out and "Last line." not in out
    x, rate = read_wav_float(wav)
    spans = active_spans(x, rate, min_gap=0.3)
    assert spans, "nothing was heard"
    # The long line takes over 8 s; after "stop" the sound ends well before.
    assert spans[-1][1] - spans[-1][0] < 6.0, spans
    notes = NoteBook(voice_home / "notes")
    assert notes.read(notes.all_paths()[0]).finished is not None


def test_ordinary_talk_commands_nothing(voice_home: Path, tmp_path: Path,
                                        shared_dir: Path, mic_feed: object) -> None:
    (voice_home / "config.toml").write_text("voice_commands = true\nheadset = true\n")
    program = tmp_path / "listening.toml"
    program.write_text(PROGRAM.replace(f'say = "{LONG}"', 'pause = 6', 1))
    talk = shared_dir / "speech/cmusphinx_pocketsphinx/librivox_0880.wav"

    def talk_over() -> None:
        mic_feed(talk, 0.2).join(timeout=30)  # type: ignore[operator]

    code, out, err = run_until(voice_home, ["run", str(program), "--answers", "off",
                                            "--pace", "1"], "First line.", talk_over,
                               timeout=90)
    assert code == 0, err + out
    assert "Last line." in out and "Stopped" not in out
