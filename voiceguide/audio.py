"""AudioClip, plain 16-bit PCM, and the WAV helpers around it."""

from __future__ import annotations

import io
import os
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.errors import BadInput

if TYPE_CHECKING:  # numpy is imported lazily: start-up stays light
    import numpy as np


@dataclass(frozen=True)
class AudioClip:
    """Mono or interleaved signed 16-bit little-endian PCM."""

    pcm: bytes
    rate: int
    width: int = 2
    channels: int = 1

    @property
    def frames(self) -> int:
        return len(self.pcm) // (self.width * self.channels)

    @property
    def duration(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    def samples(self) -> np.ndarray:
        """Float32 mono samples in [-1, 1]."""
        import numpy as np

        if self.width != 2:
            raise ValueError("only 16-bit audio is supported")
        x = np.frombuffer(self.pcm, dtype="<i2").astype(np.float32) / 32768.0
        if self.channels > 1:
            x = x.reshape(-1, self.channels).mean(axis=1)
        return x

    @classmethod
    def from_samples(cls, x: np.ndarray, rate: int) -> AudioClip:
        import numpy as np

        y = np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0)
        return cls((y * 32767.0).astype("<i2").tobytes(), rate)

    def resampled(self, rate: int) -> AudioClip:
        """Mono clip at ``rate`` (linear interpolation; fine for speech and cues)."""
        import numpy as np

        if rate == self.rate and self.channels == 1:
            return self
        x = self.samples()
        if rate == self.rate or len(x) == 0:
            return AudioClip.from_samples(x, rate)
        n = round(len(x) * rate / self.rate)
        t = np.arange(n, dtype=np.float64) * (self.rate / rate)
        return AudioClip.from_samples(np.interp(t, np.arange(len(x)), x), rate)

    def sliced(self, start_s: float, end_s: float | None = None) -> AudioClip:
        """The part from ``start_s`` to ``end_s`` seconds (None: to the end)."""
        size = self.width * self.channels
        a = max(0, round(start_s * self.rate)) * size
        b = len(self.pcm) if end_s is None else round(end_s * self.rate) * size
        return AudioClip(self.pcm[a:b], self.rate, self.width, self.channels)

    def scaled(self, gain: float) -> AudioClip:
        if gain == 1.0:
            return self
        return AudioClip.from_samples(self.samples() * gain, self.rate)


def silence(seconds: float, rate: int) -> AudioClip:
    return AudioClip(b"\0\0" * max(0, round(seconds * rate)), rate)


def read_wav(path: str | os.PathLike[str]) -> AudioClip:
    """Read a PCM WAV file; a missing or malformed file is a BadInput.

    A recording of encrypted notes (``<path>.enc``) is opened in memory."""
    source: str | io.BytesIO = str(path)
    if os.path.exists(f"{path}.enc"):
        from voiceguide.vaultstream import read_sealed_wav

        source = io.BytesIO(read_sealed_wav(Path(path)))
    try:
        with wave.open(source, "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            pcm = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file", "Check the path.") from None
    except (wave.Error, EOFError, OSError) as e:
        raise BadInput(
            f"{path}: not a readable WAV file ({e})",
            "Give a 16-bit PCM WAV file, for example: "
            "sox input.mp3 -b 16 -c 1 output.wav",
        ) from None
    if width != 2:
        import numpy as np

        if width == 1:  # unsigned 8-bit
            x = (np.frombuffer(pcm, np.uint8).astype(np.int16) - 128) << 8
        elif width == 4:
            x = (np.frombuffer(pcm, "<i4") >> 16).astype(np.int16)
        else:
            raise BadInput(
                f"{path}: {width * 8}-bit audio is not supported",
                "Convert it: sox input.wav -b 16 output.wav",
            )
        pcm = x.astype("<i2").tobytes()
    return AudioClip(pcm, rate, 2, channels)


def write_wav(path: str | os.PathLike[str], clip: AudioClip, mode: int = 0o600) -> None:
    """Write ``clip`` atomically (temp file, fsync, rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        with wave.open(f, "wb") as w:
            w.setnchannels(clip.channels)
            w.setsampwidth(clip.width)
            w.setframerate(clip.rate)
            w.writeframes(clip.pcm)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def concat(clips: list[AudioClip], rate: int) -> AudioClip:
    return AudioClip(b"".join(c.resampled(rate).pcm for c in clips), rate)


def scratch_wav() -> Path:
    """A private file for a short recording that is read once and deleted (a
    spoken rating, a menu choice): in memory-backed /dev/shm when the system
    has it, so a person's voice does not reach the disk even for a moment."""
    import tempfile

    folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
    fd, name = tempfile.mkstemp(prefix="voiceguide-reply-", suffix=".wav",
                                dir=folder)
    os.close(fd)
    return Path(name)
