"""The small interfaces every engine implements. The session knows only these."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from voiceguide.audio import AudioClip
from voiceguide.errors import BadInput


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]
    gender: str


def match_voice(voices: list[VoiceInfo], wanted: str) -> str:
    """The engine's name for ``wanted`` (an id, its last part, or a name).

    espeak-ng takes a variant after "+", e.g. "en-us+f2"; it is kept.
    """
    want, plus, variant = wanted.lower().partition("+")
    for v in voices:
        if want in (v.id, v.id.rsplit("/", 1)[-1], v.name.lower()):
            return v.id + plus + variant
    raise BadInput(f"no voice called {wanted!r}",
                   "Run 'voiceguide voices' to see the voices on this machine.")


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
