"""Endpointer: when a spoken answer has ended, on synthetic and real speech."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import virtual_audio as va

from voiceguide.audio import AudioClip, read_wav
from voiceguide.endpoint import Endpointer

RATE = 16000
BLOCK = 1600  # 0.1 s, as the recorder delivers it


def dbfs(level: float) -> float:
    return 32768.0 * 10 ** (level / 20)


def noise(seconds: float, level: float = -65.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, dbfs(level), round(seconds * RATE))


def speech_like(seconds: float, level: float = -20.0, seed: int = 1) -> np.ndarray:
    """Noise shaped like syllables: a 4 Hz envelope that dips to near zero."""
    t = np.arange(round(seconds * RATE)) / RATE
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4 * t))
    return noise(seconds, level, seed) * envelope * np.sqrt(8 / 3)


def int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def run(
    x: np.ndarray, endpointer: Endpointer, block: int = BLOCK
) -> tuple[str | None, float]:
    """Feed ``x`` block by block; the reason and the time fed when it came."""
    samples = int16(x)
    for start in range(0, len(samples), block):
        reason = endpointer.feed(samples[start : start + block])
        if reason is not None:
            return reason, min(start + block, len(samples)) / RATE
    return None, len(samples) / RATE


# ---- synthetic signals ---------------------------------------------------------


def test_low_noise_alone_ends_as_no_speech() -> None:
    ep = Endpointer(RATE, silence_s=3, no_speech_s=5)
    reason, at = run(noise(8), ep)
    assert reason == "no-speech"
    assert ep.seconds == pytest.approx(5.0, abs=0.05) and 5.0 <= at <= 5.1
    assert not ep.heard_speech and ep.speech_seconds == 0


def test_steady_loud_noise_is_not_speech() -> None:
    """A fan at -35 dBFS is far above the absolute minimum: the floor adapts."""
    ep = Endpointer(RATE, no_speech_s=6)
    assert run(noise(8, level=-35.0), ep)[0] == "no-speech"
    assert ep.floor == pytest.approx(dbfs(-35.0), rel=0.1)


def test_digital_silence_is_not_speech() -> None:
    ep = Endpointer(RATE, no_speech_s=2)
    assert run(np.zeros(3 * RATE), ep)[0] == "no-speech"
    assert ep.seconds == pytest.approx(2.0, abs=0.05)


def test_a_click_is_not_speech() -> None:
    x = noise(6)
    x[RATE : RATE + 300] = dbfs(-10)  # 19 ms knock on the table
    ep = Endpointer(RATE, no_speech_s=5)
    assert run(x, ep)[0] == "no-speech"


def test_speech_then_silence_ends_after_silence_s() -> None:
    x = np.concatenate((noise(1), speech_like(2, seed=2), noise(6, seed=3)))
    ep = Endpointer(RATE, silence_s=3)
    reason, at = run(x, ep)
    assert reason == "silence"
    assert 3.0 + 2.9 <= at <= 3.0 + 3.2
    assert ep.heard_speech
    assert ep.speech_seconds == pytest.approx(2.0, abs=0.35)


def test_a_thinking_pause_shorter_than_silence_s_does_not_end_it() -> None:
    parts = [
        noise(0.5),
        speech_like(1.5, seed=2),
        noise(2.7, seed=3),  # thinking
        speech_like(1.0, seed=4),
        noise(5, seed=5),
    ]
    ep = Endpointer(RATE, silence_s=3)
    reason, at = run(np.concatenate(parts), ep)
    end_of_speech = 0.5 + 1.5 + 2.7 + 1.0
    assert reason == "silence"
    assert end_of_speech + 2.9 <= at <= end_of_speech + 3.2


def test_continuous_speech_ends_at_max() -> None:
    ep = Endpointer(RATE, silence_s=3, max_s=5)
    reason, at = run(speech_like(10), ep)
    assert (reason, at) == ("max", pytest.approx(5.0, abs=0.1))
    assert ep.speech_seconds == pytest.approx(5.0, abs=0.2)


def test_no_speech_s_does_not_end_an_answer_that_started() -> None:
    x = np.concatenate((noise(1.5), speech_like(3, seed=2), noise(5, seed=3)))
    ep = Endpointer(RATE, silence_s=3, no_speech_s=2)
    assert run(x, ep)[0] == "silence"


def test_block_size_does_not_matter() -> None:
    x = np.concatenate((noise(1), speech_like(2, seed=2), noise(4, seed=3)))
    results = []
    for block in (1600, 480, 1000, 7, 44100):
        ep = Endpointer(RATE, silence_s=3)
        reason, _ = run(x, ep, block)
        results.append((reason, ep.seconds, ep.speech_seconds))
    assert len(set(results)) == 1, results


def test_the_reason_stays_once_ended() -> None:
    ep = Endpointer(RATE, no_speech_s=1)
    assert run(noise(2), ep)[0] == "no-speech"
    assert ep.feed(int16(speech_like(1))) == "no-speech"


def test_accepts_column_blocks_as_sounddevice_delivers_them() -> None:
    ep = Endpointer(RATE, max_s=1)
    assert ep.feed(int16(speech_like(1.2)).reshape(-1, 1)) == "max"


# ---- real speech -----------------------------------------------------------------


def dev_speech(shared_dir: Path, name: str) -> Path:
    """A recording listed in speech/dev.tsv (so the test uses the team's set)."""
    with open(shared_dir / "speech" / "dev.tsv", newline="") as f:
        listed = {row["path"] for row in csv.DictReader(f, delimiter="\t")}
    assert name in listed
    return shared_dir / "speech" / name


def real(shared_dir: Path, name: str) -> np.ndarray:
    clip = read_wav(dev_speech(shared_dir, name)).resampled(RATE)
    return np.frombuffer(clip.pcm, "<i2").astype(np.float64)


def speech_end(x: np.ndarray) -> float:
    """End of the last clearly audible part (-40 dBFS, 10 ms windows)."""
    return va.active_spans((x / 32768).astype(np.float32), RATE)[-1][1]


@pytest.mark.parametrize("room", [None, -65.0, -50.0])
def test_real_speech_with_a_thinking_pause(
    shared_dir: Path, room: float | None
) -> None:
    """speech + 2 s + speech + 4 s: one answer that ends ~3 s after the second
    part, in digital silence, a quiet room, and a room at the absolute minimum."""
    first = real(shared_dir, "alif_mlek_librispeech/another_engineer.wav")
    second = real(shared_dir, "alif_mlek_librispeech/i_tell_you.wav")
    gap, tail = np.zeros(2 * RATE), np.zeros(4 * RATE)
    x = np.concatenate((first, gap, second, tail))
    if room is not None:
        x = x + noise(len(x) / RATE, room, seed=7)
    second_start = (len(first) + len(gap)) / RATE
    end = second_start + speech_end(second)

    ep = Endpointer(RATE, silence_s=3)
    reason, at = run(x, ep)
    assert reason == "silence"
    assert end + 2.9 <= at <= end + 3.4, (end, at)
    assert ep.speech_seconds >= 0.6 * (speech_end(first) + speech_end(second) - 1.0)


def test_real_speech_from_a_noisy_recording(shared_dir: Path) -> None:
    """A LibriVox reading with an MP3 noise floor near -46 dBFS: the noise
    between phrases must not hold the answer open."""
    x = real(shared_dir, "cmusphinx_pocketsphinx/librivox_0870.wav")
    quiet = x[: round(0.15 * RATE)]  # the reader's own room before the first word
    room = np.tile(quiet, 40)
    spliced = np.concatenate((x, room))
    ep = Endpointer(RATE, silence_s=3)
    reason, at = run(spliced, ep)
    assert reason == "silence"
    # The reading fades out under the noise: its last 0.1 s may count as quiet.
    assert speech_end(x) + 2.5 <= at <= len(x) / RATE + 3.4


def test_real_speech_counts_as_speech_time(shared_dir: Path) -> None:
    x = real(shared_dir, "cheetah_librispeech/1272-128104-0000.wav")
    ep = Endpointer(RATE, silence_s=3)
    assert run(np.concatenate((x, np.zeros(5 * RATE))), ep)[0] == "silence"
    spans = va.active_spans((x / 32768).astype(np.float32), RATE)
    assert ep.speech_seconds == pytest.approx(spans[-1][1] - spans[0][0], abs=0.8)


def test_resampled_real_speech_still_ends_by_silence(shared_dir: Path) -> None:
    """8 kHz digits upsampled, as a phone-quality microphone would deliver them."""
    clip = read_wav(dev_speech(shared_dir, "fsdd/6_george_1.wav"))
    x = np.frombuffer(clip.resampled(RATE).pcm, "<i2").astype(np.float64)
    ep = Endpointer(RATE, silence_s=1.5, no_speech_s=10)
    reason, _ = run(np.concatenate((np.zeros(RATE), x, np.zeros(3 * RATE))), ep)
    assert reason == "silence" and ep.heard_speech
    assert isinstance(clip, AudioClip)


def test_the_length_of_words_said_alone_is_measured() -> None:
    """A short phrase between two quiets (it may be "done") is timed alone."""
    import numpy as np

    rate = 16000
    rng = np.random.default_rng(7)

    def tone(seconds: float) -> np.ndarray:
        t = np.arange(int(seconds * rate)) / rate
        return (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)

    def quiet(seconds: float) -> np.ndarray:
        return (rng.normal(0, 30, int(seconds * rate))).astype(np.int16)

    from voiceguide.endpoint import Endpointer

    ep = Endpointer(rate, silence_s=3.0)
    for chunk in (quiet(1.0), tone(3.0), quiet(1.0), tone(0.6), quiet(0.8)):
        assert ep.feed(chunk) is None
    assert ep.quiet_since() is not None
    assert abs(ep.last_words_seconds() - 0.6) < 0.15


def test_the_first_words_said_alone_are_timed_from_their_start() -> None:
    """The very first utterance (a spoken "stop" is often the first thing a
    person says) is measured from its own start, not from the stream's."""
    rate = 16000
    quiet = int16(noise(2.0, seed=3))
    word = int16(speech_like(0.5, seed=4))
    ep = Endpointer(rate, silence_s=3.0)
    for chunk in (quiet, word, int16(noise(0.8, seed=5))):
        assert ep.feed(chunk) is None
    quiet_from = ep.quiet_since()
    assert quiet_from is not None and abs(quiet_from - 2.5) < 0.15
    assert abs(ep.last_words_seconds() - 0.5) < 0.15
