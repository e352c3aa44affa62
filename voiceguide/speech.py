"""Speech synthesis ahead of time: texts are made in order in one worker thread.

The session asks for each line when it is due; by then it is usually ready, so
speech and cues start on schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from voiceguide.audio import AudioClip
from voiceguide.backends.base import Voice
from voiceguide.errors import VoiceGuideError

log = logging.getLogger(__name__)

WAIT_S = 40.0  # longer than the voice's own bound, so its message wins


class SpeechCache:
    """``make_voice`` runs in the worker, so the engine starts while a cue plays."""

    def __init__(self, make_voice: Callable[[], Voice]) -> None:
        self.make_voice = make_voice
        self.voice: Voice | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speech")
        self._made: dict[str, Future[AudioClip]] = {}
        self._rate_delta = 0
        self.rate_change = 0  # words a minute, all changes in this session
        self.voice_changed: str | None = None  # the voice chosen in this session

    def prefetch(self, texts: list[str]) -> None:
        for text in texts:
            self._future(text)

    def _future(self, text: str) -> Future[AudioClip]:
        if text not in self._made:
            self._made[text] = self._pool.submit(self._make, text)
        return self._made[text]

    def _make(self, text: str) -> AudioClip:
        if self.voice is None:
            self.voice = self.make_voice()
        rate = getattr(self.voice, "rate_wpm", None)
        if self._rate_delta and rate is not None:
            # Voices whose rate can change per utterance (espeak-ng's program).
            self.voice.rate_wpm = max(80, min(320, rate + self._rate_delta))  # type: ignore[attr-defined]
            self._rate_delta = 0
        return self.voice.synthesize(text)

    def get(self, text: str) -> AudioClip:
        try:
            return self._future(text).result(timeout=WAIT_S)
        except FutureTimeout:
            raise VoiceGuideError(
                f"speech was not ready after {WAIT_S:g} s",
                "Run 'voiceguide doctor' to check the speech engine.",
            ) from None

    def change_rate(self, delta_wpm: int) -> None:
        """Speak faster or slower from the next line on (made anew)."""
        self._rate_delta += delta_wpm
        self.rate_change += delta_wpm
        self._made.clear()

    def next_voice(self) -> str | None:
        """Speak with the next voice that works from the next line on; its
        spoken name, or None when there is no other (or it took too long)."""
        try:
            return self._pool.submit(self._next_voice).result(timeout=WAIT_S)
        except FutureTimeout:
            return None

    def _next_voice(self) -> str | None:
        from voiceguide.backends.voices import choices

        if self.voice is None:
            self.voice = self.make_voice()
        voice = self.voice
        if not hasattr(voice, "set_voice"):
            return None
        try:
            found = choices(voice)
        except VoiceGuideError as e:
            log.warning("no voices to choose from: %s", e.message)
            return None
        ids = [i for i, _ in found]
        here = ids.index(voice.name) if voice.name in ids else -1
        before = voice.name
        for k in range(1, len(found)):
            name, spoken = found[(here + k) % len(found)]
            try:
                voice.set_voice(name)
                voice.synthesize("Hello.")  # listed is not always installed
            except VoiceGuideError as e:
                log.info("voice %s cannot speak here: %s", name, e.message)
                continue
            self.voice_changed = voice.name
            self._made.clear()
            return spoken
        voice.set_voice(before)
        return None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        close = getattr(self.voice, "close", None)
        if close:
            close()
