"""AudioClip and the WAV helpers."""

from __future__ import annotations

import math
import os
import stat
import struct
from pathlib import Path

import pytest

from voiceguide.audio import AudioClip, concat, read_wav, silence, write_wav
from voiceguide.errors import BadInput


def _tone(seconds: float, rate: int, freq: float = 440.0) -> AudioClip:
    n = round(seconds * rate)
    pcm = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(n)
    )
    return AudioClip(pcm, rate)


def test_frames_and_duration() -> None:
    clip = AudioClip(b"\x00\x00" * 22050, 22050)
    assert clip.frames == 22050
    assert clip.duration == pytest.approx(1.0)
    stereo = AudioClip(b"\x00\x00" * 32000, 16000, channels=2)
    assert stereo.frames == 16000
    assert stereo.duration == pytest.approx(1.0)
    assert AudioClip(b"", 16000).duration == 0.0
    assert AudioClip(b"\x00\x00", 0).duration == 0.0


def test_silence_length() -> None:
    clip = silence(0.5, 16000)
    assert clip.frames == 8000
    assert clip.samples().max() == 0


@pytest.mark.parametrize(
    ("src", "dst"), [(22050, 16000), (16000, 22050), (8000, 48000), (44100, 22050)]
)
def test_resample_changes_rate_keeps_duration(src: int, dst: int) -> None:
    clip = _tone(0.73, src)
    out = clip.resampled(dst)
    assert out.rate == dst
    assert out.channels == 1 and out.width == 2
    assert abs(out.duration - clip.duration) <= 1.0 / dst + 1e-12
    # the signal survives: similar loudness
    assert (
        abs(float(abs(out.samples()).mean()) - float(abs(clip.samples()).mean())) < 0.05
    )


def test_resample_same_rate_is_identity() -> None:
    clip = _tone(0.1, 16000)
    assert clip.resampled(16000) is clip


def test_resample_stereo_same_rate_makes_mono() -> None:
    frames = [struct.pack("<hh", 1000, 3000) for _ in range(100)]
    clip = AudioClip(b"".join(frames), 16000, channels=2)
    out = clip.resampled(16000)
    assert out.channels == 1 and out.frames == 100
    assert out.samples()[0] == pytest.approx(2000 / 32768, abs=1e-3)


def test_concat_resamples_to_one_rate() -> None:
    clip = concat([silence(0.5, 16000), silence(0.25, 22050)], 22050)
    assert clip.rate == 22050
    assert clip.duration == pytest.approx(0.75, abs=2 / 22050)


def test_wav_round_trip_private_mode(tmp_path: Path) -> None:
    clip = _tone(0.3, 16000)
    path = tmp_path / "answer.wav"
    write_wav(path, clip)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    back = read_wav(path)
    assert back == clip
    assert os.listdir(tmp_path) == ["answer.wav"]  # no temp file left


def test_wav_write_other_mode(tmp_path: Path) -> None:
    path = tmp_path / "render.wav"
    write_wav(path, silence(0.1, 22050), mode=0o644)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_wav_round_trip_stereo(tmp_path: Path) -> None:
    clip = AudioClip(bytes(range(256)) * 8, 44100, channels=2)
    write_wav(tmp_path / "s.wav", clip)
    assert read_wav(tmp_path / "s.wav") == clip


def test_read_wav_of_non_wav_is_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "notes.wav"
    f.write_text("this is not audio at all\n" * 10)
    with pytest.raises(BadInput) as info:
        read_wav(f)
    assert str(f) in info.value.message and info.value.hint
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(BadInput):
        read_wav(empty)


def test_read_wav_missing_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such file"):
        read_wav(tmp_path / "gone.wav")


def test_read_wav_8_bit_becomes_16_bit(tmp_path: Path) -> None:
    import wave

    path = tmp_path / "u8.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes([128, 255, 0]))
    clip = read_wav(path)
    assert clip.width == 2 and clip.frames == 3
    assert struct.unpack("<3h", clip.pcm) == (0, 127 << 8, -128 << 8)
