"""Whisper through faster-whisper: int8 on the CPU, loaded once per process.

faster_whisper is imported only when a model is loaded. Decoding is bounded:
one temperature fallback step at most, a token cap per 30 s window, repetition
and no-speech guards, a check that drops runaway loops, and a wall-clock
timeout on the whole call.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from voiceguide import bounded
from voiceguide.audio import AudioClip
from voiceguide.errors import BackendUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

RATE = 16_000
PIP_HINT = "pip install faster-whisper"
PROMPT_CHARS = 200  # the prompt only steers spelling and style; keep it short
MAX_WORDS_PER_S = 6.0  # faster than people speak; more is a runaway loop
WORKERS = 2  # decodes that may run at the same time

# Whisper's own defaults are 5 fallback temperatures (0.0 ... 1.0); each step
# re-decodes, and high temperatures are where invented text comes from. But
# greedy/beam decoding alone (t=0 only) loops: a quiet 0.24 s "three" became
# "I'm sorry, " x 56. One sampled step escapes most loops (its randomness makes
# marginal clips vary from run to run).
DECODE_OPTIONS: dict[str, Any] = {
    "language": "en",
    "task": "transcribe",
    "beam_size": 5,
    "best_of": 2,
    "temperature": (0.0, 0.4),
    # Fast speech is ~130 tokens per 30 s window; a loop runs to the model's 448.
    # (Prompt <= 223 tokens + 4 + this must stay within 448.)
    "max_new_tokens": 200,
    "compression_ratio_threshold": 2.4,  # gzip ratio above this = repetitive
    "log_prob_threshold": -1.0,
    "no_speech_threshold": 0.6,
    "condition_on_previous_text": False,  # a bad window cannot poison the next
    "vad_filter": True,  # Silero VAD: silence and noise give no segments
}

_models: dict[tuple[str, int], Any] = {}
_models_lock = threading.Lock()


def available() -> bool:
    """True when faster-whisper can be imported (checked without importing)."""
    try:
        return importlib.util.find_spec("faster_whisper") is not None
    except (ImportError, ValueError):
        return False


def default_threads() -> int:
    """CPU threads for CTranslate2: the cores this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


class WhisperTranscriber:
    """Transcriber for an installed faster-whisper model folder."""

    name = "whisper-base"

    def __init__(
        self,
        model_dir: Path,
        threads: int = 0,
        timeout_s: float = 120,
        beam_size: int = DECODE_OPTIONS["beam_size"],
    ) -> None:
        self.model_dir = Path(model_dir)
        self.threads = threads or default_threads()
        self.timeout_s = timeout_s
        self.options = {**DECODE_OPTIONS, "beam_size": beam_size}

    def load(self) -> None:
        """Load the model now (it is shared by every transcriber in the process)."""
        run_bounded(self.model, self.timeout_s, f"loading {self.model_dir}")

    def transcribe(self, clip: AudioClip, context: str = "") -> str:
        samples = clip.resampled(RATE).samples()
        if len(samples) == 0:
            return ""
        prompt = " ".join(context.split())[-PROMPT_CHARS:] or None

        def work() -> str:
            segments, _info = self.model().transcribe(
                samples, initial_prompt=prompt, **self.options
            )
            # segments is a lazy generator: the decoding happens here.
            kept = [s.text.strip() for s in segments if _plausible(s)]
            return " ".join(t for t in kept if t).strip()

        start = time.perf_counter()
        text = run_bounded(work, self.timeout_s, f"transcribing {clip.duration:.1f} s")
        log.debug("whisper: %.1f s of audio in %.2f s -> %d chars",
                  clip.duration, time.perf_counter() - start, len(text))
        return text

    def model(self) -> Any:
        """The loaded faster-whisper model, shared by the whole process (the
        voice-command recognizer decodes with it too)."""
        key = (str(self.model_dir.resolve()), self.threads)
        with _models_lock:
            model = _models.get(key)
            if model is None:
                model = _load(self.model_dir, self.threads)
                _models[key] = model
            return model


def _plausible(segment: Any) -> bool:
    """False for a loop that survived the fallback: repetitive text with more
    words than its time allows. ("I'm sorry." said 8 times is repetitive too,
    but takes 8 s to say, so it stays.)"""
    if segment.compression_ratio <= DECODE_OPTIONS["compression_ratio_threshold"]:
        return True
    words = len(segment.text.split())
    seconds = max(1.0, segment.end - segment.start)
    if words <= MAX_WORDS_PER_S * seconds:
        return True
    log.warning("whisper: dropped a runaway repetition (%d words in %.1f s): %.60r",
                words, segment.end - segment.start, segment.text)
    return False


def _load(model_dir: Path, threads: int) -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError as e:
        raise BackendUnavailable(
            f"faster-whisper cannot be imported ({e})", PIP_HINT
        ) from None
    if not (model_dir / "model.bin").is_file():
        raise BackendUnavailable(
            f"no Whisper model in {model_dir}",
            "voiceguide models install whisper-base",
        )
    start = time.perf_counter()
    try:
        model = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type="int8",
            cpu_threads=threads,
            # Two workers: a short spoken command ("stop") is decoded at once
            # instead of waiting behind a long answer being written out
            # (measured 0.47-0.54 s instead of 2.8-3.4 s, for +84 MB).
            num_workers=WORKERS,
            local_files_only=True,  # a folder path never reaches the hub anyway
        )
    except (RuntimeError, OSError, ValueError) as e:
        raise BackendUnavailable(
            f"the Whisper model in {model_dir} cannot be loaded ({e})",
            "Check it with: voiceguide models verify whisper-base, or reinstall: "
            "voiceguide models install whisper-base",
        ) from None
    log.info("loaded Whisper from %s in %.2f s (%d threads)",
             model_dir, time.perf_counter() - start, threads)
    return model


def run_bounded(fn: Callable[[], T], timeout_s: float, what: str) -> T:
    return bounded.run_bounded(
        fn, timeout_s, f"Whisper {what}",
        "Try a shorter answer. If it keeps happening, check the model: "
        "voiceguide models install whisper-base")
