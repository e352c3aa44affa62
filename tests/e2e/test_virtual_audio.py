"""The virtual-audio harness itself: real sounddevice/PortAudio, espeak-ng and
PulseAudio I/O against the private server of scripts/virtual-audio."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import pytest
import virtual_audio as va

pytestmark = pytest.mark.audio

PHRASE = "today I feel calm and grateful"
VOICE = ["-v", "en-us+f2", "-s", "130"]

DEVICES = ("default", "vg_speaker", "vg_speaker_monitor", "vg_mic", "vg_mic_feed")
Capture = Callable[..., AbstractContextManager[Path]]


def play(x: np.ndarray, rate: int, timeout: float) -> None:
    """sd.play with a bounded wait (sd.wait() has no timeout)."""
    import sounddevice as sd

    sd.play(x, rate)
    stream = sd.get_stream()
    deadline = time.monotonic() + timeout
    try:
        while stream.active:
            if time.monotonic() > deadline:
                raise TimeoutError(f"playback still running after {timeout} s")
            time.sleep(0.01)
    finally:
        sd.stop()


def record(seconds: float, rate: int, timeout: float) -> np.ndarray:
    """Record the default input without ever blocking in PortAudio."""
    import sounddevice as sd

    need = round(seconds * rate)
    chunks: list[np.ndarray] = []
    got = 0
    deadline = time.monotonic() + timeout
    with sd.InputStream(samplerate=rate, channels=1, dtype="float32") as stream:
        while got < need:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {got / rate:.2f} s of {seconds} s recorded")
            available = min(stream.read_available, need - got)
            if available == 0:
                time.sleep(0.02)
                continue
            data, _overflowed = stream.read(available)
            chunks.append(data[:, 0].copy())
            got += len(data)
    return np.concatenate(chunks)


def test_devices_are_listed(virtual_audio: dict[str, str]) -> None:
    import sounddevice as sd

    names = {d["name"] for d in sd.query_devices()}
    assert set(DEVICES) <= names
    assert sd.query_devices(kind="output")["max_output_channels"] > 0
    assert sd.query_devices(kind="input")["max_input_channels"] > 0


def test_tone_is_captured_with_its_length_and_pitch(speaker_capture: Capture) -> None:
    rate, seconds = 48000, 1.5
    t = np.arange(round(rate * seconds)) / rate
    tone = (0.5 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)

    with speaker_capture() as wav:
        play(tone, rate, timeout=seconds + 5)

    x, fs = va.read_wav_float(wav)
    spans = va.active_spans(x, fs)
    assert len(spans) == 1, spans
    start, end = spans[0]
    assert 1.35 <= end - start <= 1.65
    segment = x[int(start * fs) : int(end * fs)]
    assert va.dominant_frequency(segment, fs) == pytest.approx(440.0, abs=3.0)
    assert np.sqrt(np.mean(segment**2)) > 0.1


def test_espeak_speech_is_captured(speaker_capture: Capture, tmp_path: Path) -> None:
    reference = tmp_path / "reference.wav"
    subprocess.run(
        ["espeak-ng", *VOICE, "-w", str(reference), PHRASE], check=True, timeout=30
    )
    ref, ref_rate = va.read_wav_float(reference)
    ref_spans = va.active_spans(ref, ref_rate)
    ref_length = ref_spans[-1][1] - ref_spans[0][0]

    with speaker_capture() as wav:
        # espeak-ng exits 0 even without an audio device: the capture is the check.
        subprocess.run(["espeak-ng", *VOICE, PHRASE], check=True, timeout=30)

    x, fs = va.read_wav_float(wav)
    spans = va.active_spans(x, fs)
    assert spans, "the speaker heard only silence"
    assert spans[-1][1] - spans[0][0] == pytest.approx(ref_length, abs=0.4)
    assert float(np.max(np.abs(x))) > 0.05


def test_mic_feed_reaches_sounddevice_input(
    mic_feed: Callable[..., threading.Thread], shared_dir: Path
) -> None:
    source = shared_dir / "speech" / "cmusphinx_pocketsphinx" / "goforward.wav"
    ref, rate = va.read_wav_float(source)
    assert rate == 16000

    feeder = mic_feed(source, delay=0.3)
    seconds = len(ref) / rate + 2.0  # room for the feed delay and paplay start
    recorded = record(seconds, rate, timeout=seconds + 5)
    feeder.join(timeout=10)

    assert va.active_spans(recorded, rate), "the microphone delivered only silence"
    assert va.peak_correlation(recorded, ref) >= 0.9


def test_no_audio_hides_every_output_device(
    virtual_audio: dict[str, str], no_audio: None
) -> None:
    import sounddevice as sd

    assert not [d for d in sd.query_devices() if d["max_output_channels"] > 0]
    with pytest.raises(sd.PortAudioError):
        sd.query_devices(kind="output")
