"""The player goes quiet under the person's voice and comes back, on the real
output path (PortAudio to the virtual speaker), without losing its place."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import pytest
from virtual_audio import active_spans, read_wav_float

from voiceguide.audio import AudioClip

pytestmark = pytest.mark.audio

Capture = Callable[[], AbstractContextManager[Path]]


def _tone(seconds: float, rate: int = 22050) -> AudioClip:
    t = np.arange(round(seconds * rate)) / rate
    x = (0.4 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    return AudioClip(x.tobytes(), rate)


def test_duck_silences_at_once_and_the_clip_goes_on_unheard(
        speaker_capture: Capture) -> None:
    from voiceguide.backends.sounddevice_io import SoundDevicePlayer

    player = SoundDevicePlayer(volume=1.0)
    try:
        with speaker_capture() as wav:
            player.play(_tone(3.0))
            time.sleep(1.0)
            player.duck(True)
            time.sleep(1.0)
            player.duck(False)
            assert player.wait_idle(5.0)  # the clip ended on time, ducked or not
            time.sleep(0.3)
    finally:
        player.close()
    x, rate = read_wav_float(wav)
    spans = active_spans(x, rate, min_gap=0.2)
    assert len(spans) == 2, spans  # heard, quiet while ducked, heard again
    (a0, a1), (b0, b1) = spans
    assert b0 - a1 > 0.5, spans  # a real quiet, not a dip
    # The clip kept its place while unheard: it still ends 3 s after it began.
    assert 2.8 < b1 - a0 < 3.3, spans
