"""When has a spoken answer ended? Pure logic over int16 samples; no I/O.

A frame is *voiced* when its RMS is well above the noise floor, which is
tracked as a low percentile of the recent frames (the gaps between words and
the quiet before speech), and above an absolute minimum so that a very quiet
room does not turn breath into speech. A short hangover bridges the gaps
between words; the answer ends only after ``silence_s`` of unbroken quiet,
which must be long enough not to cut off someone who is thinking.
"""

from __future__ import annotations

import numpy as np

FLOOR_WINDOW_S = 5.0  # the floor is taken from this much recent audio
FLOOR_PERCENTILE = 5.0  # robust to a few odd frames, unlike the minimum
SPEECH_RATIO = 3.0  # voiced: RMS above 3x the floor (about 9.5 dB) ...
MIN_LEVEL_DBFS = -50.0  # ... and above this absolute level
ONSET_S = 0.09  # this much voiced audio in a row counts as speech (not a click)
HANGOVER_S = 0.3  # word gaps shorter than this still count as speech


class Endpointer:
    """Feed blocks of int16 samples; ``feed`` returns why the answer ended."""

    def __init__(
        self,
        rate: int,
        silence_s: float = 3.0,
        max_s: float = 300.0,
        no_speech_s: float = 20.0,
        frame_s: float = 0.03,
    ) -> None:
        if rate <= 0 or frame_s <= 0:
            raise ValueError("rate and frame_s must be positive")
        self.rate = rate
        self.frame = max(1, round(frame_s * rate))
        step = self.frame / rate
        self.silence_frames = max(1, round(silence_s / step))
        self.max_frames = max(1, round(max_s / step))
        self.no_speech_frames = max(1, round(no_speech_s / step))
        self.onset_frames = max(1, round(ONSET_S / step))
        self.hangover_frames = round(HANGOVER_S / step)
        self.min_level = 32768.0 * 10 ** (MIN_LEVEL_DBFS / 20)
        self._history = np.zeros(max(1, round(FLOOR_WINDOW_S / step)))
        self._filled = 0
        self._pending = np.zeros(0, dtype=np.float64)
        self._frames = 0
        self._run = 0  # voiced frames in a row
        self._since_voiced = 0  # frames since the last voiced frame
        self._speech_frames = 0
        self._utterance_start = 0  # frame where the present (or last) words began
        self.heard_speech = False
        self.reason: str | None = None
        self.floor = 0.0  # RMS of the noise floor, int16 units

    @property
    def seconds(self) -> float:
        """Audio judged so far."""
        return self._frames * self.frame / self.rate

    @property
    def speech_seconds(self) -> float:
        """Time spent speaking: voiced frames and the word gaps between them."""
        return self._speech_frames * self.frame / self.rate

    @property
    def speaking(self) -> bool:
        return self.heard_speech and self._since_voiced <= self.hangover_frames

    def quiet_since(self) -> float | None:
        """When the present quiet began (seconds in), once speech was heard."""
        if not self.heard_speech or self._since_voiced <= self.hangover_frames:
            return None
        return (self._frames - self._since_voiced) * self.frame / self.rate

    def last_words_seconds(self) -> float:
        """How long the latest stretch of speech (between two quiets) lasted."""
        end = self._frames - self._since_voiced
        return max(0, end - self._utterance_start) * self.frame / self.rate

    def feed(self, samples: np.ndarray) -> str | None:
        """Take the next samples; return "silence", "max" or "no-speech" once the
        answer has ended (and on every later call), else None."""
        if self.reason is not None:
            return self.reason
        x = np.asarray(samples).reshape(-1).astype(np.float64)
        if len(self._pending):
            x = np.concatenate((self._pending, x))
        n = len(x) // self.frame
        self._pending = x[n * self.frame :]
        if n == 0:
            return None
        frames = x[: n * self.frame].reshape(n, self.frame)
        for rms in np.sqrt(np.mean(frames**2, axis=1)).tolist():
            self.reason = self._step(rms)
            if self.reason is not None:
                self._pending = np.zeros(0)
                break
        return self.reason

    def _step(self, rms: float) -> str | None:
        self._history[self._frames % len(self._history)] = rms
        self._filled = min(self._filled + 1, len(self._history))
        self._frames += 1
        self.floor = float(
            np.percentile(self._history[: self._filled], FLOOR_PERCENTILE)
        )
        voiced = rms > max(self.floor * SPEECH_RATIO, self.min_level)

        # A click or a single loud frame is not speech: it takes a short run of
        # voiced frames, both to start an answer and to break a silence.
        self._run = self._run + 1 if voiced else 0
        if self._run >= self.onset_frames:
            first = not self.heard_speech
            if first:
                self.heard_speech = True
                self._speech_frames += self.onset_frames - 1
            if first or self._since_voiced > self.hangover_frames:
                self._utterance_start = self._frames - self._run
            self._since_voiced = 0
        elif self.heard_speech:
            self._since_voiced += 1
        if self.heard_speech and self._since_voiced <= self.hangover_frames:
            self._speech_frames += 1

        if self.heard_speech and self._since_voiced >= self.silence_frames:
            return "silence"
        if self._frames >= self.max_frames:
            return "max"
        if not self.heard_speech and self._frames >= self.no_speech_frames:
            return "no-speech"
        return None
