"""StreamingWav: a WAV written as audio arrives, playable after a kill."""

from __future__ import annotations

import os
import stat
import struct
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import numpy as np
import pytest

from voiceguide.errors import BadInput
from voiceguide.wavfile import HEADER_BYTES, StreamingWav, repair

ROOT = Path(__file__).resolve().parents[2]


def tone(seconds: float, rate: int = 16000, start: int = 0) -> bytes:
    n = np.arange(start, start + round(seconds * rate))
    return (8000 * np.sin(2 * np.pi * 440 * n / rate)).astype("<i2").tobytes()


def read(path: Path) -> tuple[int, int, int, bytes]:
    with wave.open(str(path), "rb") as w:
        return (
            w.getframerate(),
            w.getnchannels(),
            w.getsampwidth(),
            w.readframes(w.getnframes()),
        )


def test_written_file_is_a_private_16k_mono_wav(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    pcm = tone(0.5)
    with StreamingWav(path) as wav:
        wav.append(pcm[:1000])
        wav.append(pcm[1000:])
        assert wav.frames == 8000
        assert wav.duration == pytest.approx(0.5)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_size == HEADER_BYTES + len(pcm)
    assert read(path) == (16000, 1, 2, pcm)


def test_existing_file_is_replaced_and_made_private(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"x" * 5000)
    path.chmod(0o644)
    with StreamingWav(path, rate=8000) as wav:
        wav.append(tone(0.1, 8000))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rate, _, _, pcm = read(path)
    assert rate == 8000 and len(pcm) == 1600


def test_empty_recording_is_a_valid_wav(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    StreamingWav(path).close()
    assert read(path) == (16000, 1, 2, b"")


def test_header_counts_only_flushed_audio(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    wav = StreamingWav(path)
    try:
        wav.append(tone(0.2))
        wav.flush()
        wav.append(tone(0.3))  # on disk but not yet in the header
        assert len(read(path)[3]) == 2 * 3200
        wav.flush()
        assert len(read(path)[3]) == 2 * 8000
    finally:
        wav.close()


def test_partial_frames_and_closed_writes_are_refused(tmp_path: Path) -> None:
    wav = StreamingWav(tmp_path / "a.wav")
    with pytest.raises(ValueError):
        wav.append(b"\0")
    wav.close()
    wav.close()  # idempotent
    with pytest.raises(ValueError):
        wav.append(b"\0\0")


KILLED_WRITER = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from voiceguide.wavfile import StreamingWav

    wav = StreamingWav(sys.argv[1])
    for i in range(10):  # 10 blocks of 0.1 s, flushed after each
        block = np.full(1600, 1000 + i, dtype="<i2")
        wav.append(block.tobytes())
        wav.flush()
    wav.append(np.full(800, 7, dtype="<i2").tobytes())  # appended, never flushed
    os._exit(0)  # as if killed: nothing is closed or cleaned up
    """
)


def test_killed_writer_leaves_a_playable_wav_of_all_flushed_audio(
    tmp_path: Path,
) -> None:
    path = tmp_path / "killed.wav"
    subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(path)],
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    rate, channels, width, pcm = read(path)
    assert (rate, channels, width) == (16000, 1, 2)
    samples = np.frombuffer(pcm, "<i2")
    assert len(samples) == 16000
    expected = np.repeat(np.arange(1000, 1010, dtype="<i2"), 1600)
    assert np.array_equal(samples, expected)

    # The unflushed tail is on disk too; repair makes the header claim it.
    assert repair(path) == pytest.approx(1.05)
    samples = np.frombuffer(read(path)[3], "<i2")
    assert len(samples) == 16800 and (samples[16000:] == 7).all()


def test_repair_fixes_a_stale_header(tmp_path: Path) -> None:
    path = tmp_path / "stale.wav"
    pcm = tone(1.25)
    with StreamingWav(path) as wav:
        wav.append(pcm)
    data = bytearray(path.read_bytes())
    data[4:8] = struct.pack("<I", 36)  # as written before any flush
    data[40:44] = struct.pack("<I", 0)
    path.write_bytes(bytes(data) + b"\1")  # plus half a frame from a torn write

    assert read(path)[3] == b""
    assert repair(path) == pytest.approx(1.25)
    assert read(path) == (16000, 1, 2, pcm)


def test_repair_finds_the_data_chunk_after_other_chunks(tmp_path: Path) -> None:
    path = tmp_path / "list.wav"
    pcm = tone(0.5)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm)
    raw = path.read_bytes()
    extra = b"LIST" + struct.pack("<I", 5) + b"INFOx\0"  # odd size: padded
    broken = raw[:36] + extra + b"data" + struct.pack("<I", 0) + raw[44:]
    path.write_bytes(broken)

    assert repair(path) == pytest.approx(0.5)
    assert read(path)[3] == pcm


def test_repair_refuses_what_is_not_a_wav(tmp_path: Path) -> None:
    path = tmp_path / "note.wav"
    path.write_text("hello, this is not audio at all")
    with pytest.raises(BadInput, match="not a WAV"):
        repair(path)
    with pytest.raises(BadInput, match="no such file"):
        repair(tmp_path / "missing.wav")
    headless = tmp_path / "headless.wav"
    headless.write_bytes(b"RIFF\0\0\0\0WAVE")
    with pytest.raises(BadInput, match="no audio data"):
        repair(headless)


def test_file_is_created_private_even_under_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        StreamingWav(tmp_path / "a.wav").close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.wav").stat().st_mode) == 0o600
