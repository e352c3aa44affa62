"""PocketSphinx: small, fast, weak on free speech; the fallback transcriber.

One ``pocketsphinx.Decoder`` is held for the process (SpeechRecognition's
``recognize_sphinx`` builds a new one, 0.5-0.7 s, on every call). It uses
SpeechRecognition's en-US model when that package is installed (its larger
language model is clearly better on our recordings) and PocketSphinx's bundled
en-us model otherwise. PocketSphinx always finds some word, even in silence
("of", "oh", "dog"), so clips without speech are gated out before decoding.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from voiceguide import bounded
from voiceguide.audio import AudioClip
from voiceguide.errors import BackendUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

RATE = 16_000
PIP_HINT = "pip install pocketsphinx SpeechRecognition"

# Energy gate, in dBFS over 20 ms frames. Speech has loud frames (p95) well
# above its quiet ones (p5); silence is quiet throughout and steady noise (fan,
# hiss, hum) is flat: white noise varies by ~1 dB from frame to frame. Isolated
# words trimmed to the bone (FSDD) still show ~11 dB; quiet speakers peak near
# -40 dBFS.
GATE_FRAME_S = 0.02
GATE_MIN_PEAK_DB = -50.0
GATE_MIN_CONTRAST_DB = 8.0

_decoder: Any = None
_decoder_model = ""
_decoder_lock = threading.Lock()


def available() -> bool:
    """True when pocketsphinx can be imported (checked without importing)."""
    try:
        return importlib.util.find_spec("pocketsphinx") is not None
    except (ImportError, ValueError):
        return False


def has_speech(samples: np.ndarray, rate: int) -> bool:
    """A cheap energy check: does this clip hold anything like speech?"""
    n = max(1, int(rate * GATE_FRAME_S))
    frames = len(samples) // n
    if frames == 0:
        return False
    x = np.asarray(samples[: frames * n], dtype=np.float64).reshape(frames, n)
    db = 10.0 * np.log10(np.mean(x * x, axis=1) + 1e-10)
    loud, quiet = np.percentile(db, 95), np.percentile(db, 5)
    return bool(loud >= GATE_MIN_PEAK_DB and loud - quiet >= GATE_MIN_CONTRAST_DB)


class SphinxTranscriber:
    """Transcriber on the process-wide PocketSphinx decoder; lowercase text."""

    name = "pocketsphinx"

    def __init__(self, timeout_s: float = 60) -> None:
        self.timeout_s = timeout_s

    @property
    def model(self) -> str:
        """Which model the decoder uses (after load)."""
        return _decoder_model

    def load(self) -> None:
        run_bounded(_get_decoder, self.timeout_s, "loading PocketSphinx")

    def transcribe(self, clip: AudioClip, context: str = "") -> str:
        """``context`` is ignored: PocketSphinx's n-gram model takes no prompt."""
        clip = clip.resampled(RATE)
        if not has_speech(clip.samples(), RATE):
            log.debug("pocketsphinx: no speech in %.1f s, not decoded", clip.duration)
            return ""

        def work() -> str:
            decoder = _get_decoder()
            with _decoder_lock:  # one utterance at a time on the one decoder
                decoder.start_utt()
                try:
                    decoder.process_raw(clip.pcm, False, True)
                finally:
                    decoder.end_utt()
                hyp = decoder.hyp()
            return str(hyp.hypstr).strip().lower() if hyp is not None else ""

        start = time.perf_counter()
        text = run_bounded(work, self.timeout_s, f"transcribing {clip.duration:.1f} s")
        log.debug("pocketsphinx: %.1f s of audio in %.2f s",
                  clip.duration, time.perf_counter() - start)
        return text


def _get_decoder() -> Any:
    global _decoder, _decoder_model
    with _decoder_lock:
        if _decoder is None:
            _decoder, _decoder_model = _load()
        return _decoder


def _load() -> tuple[Any, str]:
    try:
        import pocketsphinx
    except ImportError as e:
        raise BackendUnavailable(
            f"pocketsphinx cannot be imported ({e})", PIP_HINT
        ) from None
    start = time.perf_counter()
    files = _speech_recognition_model()
    try:
        if files is not None:
            hmm, lm, dic = files
            decoder = pocketsphinx.Decoder(
                hmm=str(hmm), lm=str(lm), dict=str(dic), loglevel="FATAL"
            )
            model = "SpeechRecognition en-US"
        else:
            decoder = pocketsphinx.Decoder(loglevel="FATAL")  # bundled en-us
            model = "pocketsphinx en-us"
    except (RuntimeError, OSError, ValueError) as e:
        raise BackendUnavailable(
            f"PocketSphinx cannot load its model ({e})", f"Reinstall: {PIP_HINT}"
        ) from None
    log.info("loaded PocketSphinx (%s) in %.2f s", model, time.perf_counter() - start)
    return decoder, model


def _speech_recognition_model() -> tuple[Path, Path, Path] | None:
    """SpeechRecognition's en-US model files, found without importing it."""
    try:
        found = importlib.util.find_spec("speech_recognition")
    except (ImportError, ValueError):
        return None
    for location in (found.submodule_search_locations or []) if found else []:
        base = Path(location) / "pocketsphinx-data" / "en-US"
        files = (base / "acoustic-model", base / "language-model.lm.bin",
                 base / "pronounciation-dictionary.dict")  # sic
        if files[0].is_dir() and files[1].is_file() and files[2].is_file():
            return files
    return None


def run_bounded(fn: Callable[[], T], timeout_s: float, what: str) -> T:
    return bounded.run_bounded(fn, timeout_s, f"PocketSphinx {what}",
                               "Try a shorter answer.")
