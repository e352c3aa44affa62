"""A player that writes the session to one WAV file instead of a speaker."""

from __future__ import annotations

from pathlib import Path

from voiceguide.audio import AudioClip, write_wav
from voiceguide.pacing import VirtualClock

RATE = 22050


class RenderPlayer:
    """Places each clip at the virtual clock's time; ``write`` mixes them all."""

    def __init__(self, clock: VirtualClock, volume: float = 0.9) -> None:
        self.clock = clock
        self.volume = volume
        self.placed: list[tuple[float, AudioClip]] = []

    def play(self, clip: AudioClip) -> None:
        self.placed.append((self.clock.now(), clip.resampled(RATE)))

    def stop(self) -> None:
        """Nothing is sounding in a render."""

    def close(self) -> None:
        """Nothing to release."""

    def write(self, path: Path) -> float:
        """Mix everything into ``path``; returns the length in seconds."""
        import numpy as np

        end = max([self.clock.now()] + [t + c.duration for t, c in self.placed])
        out = np.zeros(round(end * RATE) + 1, dtype=np.float32)
        for t, clip in self.placed:
            start = round(t * RATE)
            x = clip.samples()
            out[start : start + len(x)] += x[: len(out) - start]
        write_wav(path, AudioClip.from_samples(out * self.volume, RATE), mode=0o644)
        return len(out) / RATE
