"""Speech out through pyttsx3 (espeak-ng on Linux, SAPI5, NSSpeechSynthesizer).

Each utterance is synthesised to a WAV and returned as an AudioClip; the
session plays it through its own player. pyttsx3's own playback on Linux runs
``aplay`` through os.system, cannot be stopped and returns before the sound
ends, so it is never used.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from voiceguide.audio import AudioClip, read_wav
from voiceguide.backends.base import VoiceInfo, match_voice
from voiceguide.bounded import run_bounded
from voiceguide.errors import APT_AUDIO, BackendUnavailable

log = logging.getLogger(__name__)

SYNTH_TIMEOUT_S = 30.0


def _init_engine() -> Any:
    try:
        import pyttsx3
    except ImportError:
        raise BackendUnavailable(
            "the speech library pyttsx3 is not installed",
            "Run ./scripts/setup, or: pip install pyttsx3",
        ) from None
    try:
        return pyttsx3.init()
    except (RuntimeError, OSError, ImportError, KeyError) as e:
        raise BackendUnavailable(
            f"the speech engine could not start ({e})",
            f"Install espeak-ng: {APT_AUDIO}",
        ) from None


class Pyttsx3Voice:
    """Synthesises text, one utterance at a time (the engines are not thread-safe).

    The rate is fixed when the voice is made: with pyttsx3 2.99 and espeak-ng
    1.51, a rate set after the first utterance is applied late or not at all
    (measured: 110, 300, 150 wpm in turn all gave the length of the first).
    """

    def __init__(self, voice: str | None = None, rate_wpm: int = 150) -> None:
        self.rate_wpm = rate_wpm
        self._lock = threading.Lock()
        self._engine = _init_engine()
        self._engine.setProperty("rate", rate_wpm)
        self._tmp = Path(tempfile.mkdtemp(prefix="voiceguide-tts-"))
        os.chmod(self._tmp, 0o700)
        self.name = "default"
        if voice:
            self.set_voice(voice)
        self.name = str(self._engine.getProperty("voice") or "default")
        self._engine.setProperty("volume", 1.0)  # loudness is the player's job

    def set_voice(self, voice: str) -> None:
        name = match_voice(self.voices(), voice)
        with self._lock:
            self._engine.setProperty("voice", name)
        self.name = name

    def voices(self) -> list[VoiceInfo]:
        with self._lock:
            raw = self._engine.getProperty("voices") or []
        return [
            VoiceInfo(
                str(v.id),
                str(v.name or v.id),
                tuple(str(lang) for lang in (v.languages or [])),
                str(v.gender or ""),
            )
            for v in raw
        ]

    def synthesize(self, text: str) -> AudioClip:
        """Text to audio, bounded by SYNTH_TIMEOUT_S."""
        return run_bounded(lambda: self._synthesize(text), SYNTH_TIMEOUT_S,
                           "speech synthesis",
                           "Run 'voiceguide doctor' to check the speech engine.")

    def _synthesize(self, text: str) -> AudioClip:
        with self._lock:
            fd, name = tempfile.mkstemp(suffix=".wav", dir=self._tmp)
            os.close(fd)
            try:
                self._engine.save_to_file(text, name)
                # pyttsx3's espeak driver prints "Audio saved to ..." on save.
                with contextlib.redirect_stdout(io.StringIO()):
                    self._engine.runAndWait()
                return read_wav(name)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(name)

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def list_voices() -> list[VoiceInfo]:
    voice = Pyttsx3Voice()
    try:
        return voice.voices()
    finally:
        voice.close()
