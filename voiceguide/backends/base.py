"""The small interfaces every engine implements. The session knows only these."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from voiceguide.audio import AudioClip


class Voice(Protocol):
    """Turns text into audio; never plays it."""

    name: str

    def synthesize(self, text: str) -> AudioClip: ...


class Player(Protocol):
    """Plays clips without blocking; several clips may overlap (they are mixed)."""

    def play(self, clip: AudioClip) -> None: ...

    def stop(self) -> None:
        """Silence everything now."""

    def close(self) -> None: ...


class Recording(Protocol):
    @property
    def duration(self) -> float: ...

    @property
    def reason(self) -> str:
        """silence | max | no-speech | stopped | device-lost"""


class Recorder(Protocol):
    """Records one answer from a microphone to a WAV file, written as it arrives."""

    def record(self, path: Path, stop: threading.Event, *,
               on_pause: Callable[[float], None] | None = None) -> Recording:
        """``on_pause(t)``: a place to cut at ``t`` seconds, for writing out a
        long answer piece by piece."""


class Transcriber(Protocol):
    """Turns a clip of speech into text; silence gives ''."""

    name: str

    def transcribe(self, clip: AudioClip, context: str = "") -> str: ...
