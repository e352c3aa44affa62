"""The gate before a spoken command is decoded: what cannot be a command
(silence, a click, a breath, or more than 2 s of sound) is dropped without
Whisper, and the rest is cut to its voiced part with a little quiet around it.
"""

from __future__ import annotations

from typing import Any

from voiceguide.audio import AudioClip
from voiceguide.backends import whisper_stt

MIN_SPEECH_S = 0.15  # voiced audio less than this is a click or a breath
MAX_SPEECH_S = 2.0  # a span of sound longer than this is talk, not a command
MIN_LEVEL_DBFS = -50.0  # quieter frames are silence whatever else is there
BELOW_PEAK_DB = 25.0  # frames this far below the loudest are not the utterance
FRAME_S = 0.02
PAD_S = 0.2  # kept around the voiced span: soft onsets and endings
RATE = whisper_stt.RATE


def utterance(clip: AudioClip) -> tuple[Any, str]:
    """The voiced part of ``clip`` with a little quiet around it, at Whisper's
    rate; or None and why not ("too short", "too long")."""
    samples = clip.resampled(RATE).samples()
    span, reason = speech_span(samples, RATE)
    if span is None:
        return None, reason
    a, b = span
    pad = round(PAD_S * RATE)
    return samples[max(0, a - pad) : b + pad], reason


def speech_span(samples: Any, rate: int) -> tuple[tuple[int, int] | None, str]:
    """(first, end) sample of the voiced part of ``samples``, or None and why.

    A frame is voiced when it is above an absolute floor and within
    ``BELOW_PEAK_DB`` of the loudest frame.
    """
    import numpy as np

    size = max(1, round(FRAME_S * rate))
    n = len(samples) // size
    if n == 0:
        return None, "too short"
    frames = np.asarray(samples[: n * size], dtype=np.float64).reshape(n, size)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    threshold = max(MIN_LEVEL_DBFS, float(level.max()) - BELOW_PEAK_DB)
    voiced = np.flatnonzero(level > threshold)
    if len(voiced) * FRAME_S < MIN_SPEECH_S:
        return None, "too short"
    first, last = int(voiced[0]), int(voiced[-1]) + 1
    if (last - first) * FRAME_S > MAX_SPEECH_S:
        return None, "too long"
    return (first * size, last * size), "speech"
