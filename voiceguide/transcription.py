"""Choosing a transcriber, and the text measures used to judge one.

Whisper (faster-whisper) is preferred when its model is installed; PocketSphinx
is the fallback. Engines are only probed here, never imported: the chosen
backend imports its engine when it first loads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from voiceguide import models
from voiceguide.backends import sphinx_stt, whisper_stt
from voiceguide.backends.base import Transcriber
from voiceguide.errors import BackendUnavailable, BadInput
from voiceguide.vocab import ENGINES

log = logging.getLogger(__name__)

WHISPER_MODEL = "whisper-base"
MODEL_HINT = f"voiceguide models install {WHISPER_MODEL}"
WHISPER_HINT = f"{whisper_stt.PIP_HINT}, then: {MODEL_HINT}"


def choose(
    data_dir: Path, engine: str = "auto", threads: int = 0, timeout_s: float = 120
) -> Transcriber:
    """The transcriber for ``engine``: "auto", "whisper" or "pocketsphinx"."""
    if engine not in ENGINES:
        raise BadInput(
            f"unknown speech engine {engine!r}", f"Choose one of: {', '.join(ENGINES)}."
        )
    model_dir = models.model_path(WHISPER_MODEL, data_dir)
    if engine in ("auto", "whisper"):
        if model_dir is not None and whisper_stt.available():
            return whisper_stt.WhisperTranscriber(model_dir, threads, timeout_s)
        if engine == "whisper":
            if not whisper_stt.available():
                raise BackendUnavailable(
                    "Whisper cannot be used: faster-whisper is not installed",
                    WHISPER_HINT if model_dir is None else whisper_stt.PIP_HINT,
                )
            raise BackendUnavailable(
                f"Whisper cannot be used: the {WHISPER_MODEL} model is not installed "
                f"in {models.models_dir(data_dir)}",
                MODEL_HINT,
            )
        log.info("Whisper not ready (%s); trying PocketSphinx", _whisper_gap(model_dir))
    if sphinx_stt.available():
        return sphinx_stt.SphinxTranscriber(timeout_s=timeout_s)
    if engine == "pocketsphinx":
        raise BackendUnavailable(
            "PocketSphinx cannot be used: pocketsphinx is not installed",
            sphinx_stt.PIP_HINT,
        )
    raise BackendUnavailable(
        "no speech recognizer is installed, so spoken answers cannot be transcribed",
        f"For Whisper: {WHISPER_HINT}. Or the smaller fallback: {sphinx_stt.PIP_HINT}",
    )


def describe(data_dir: Path) -> list[str]:
    """Plain lines on which engine is active and how to get the better one."""
    model_dir = models.model_path(WHISPER_MODEL, data_dir)
    whisper_ok = whisper_stt.available()
    lines = []
    if model_dir is not None and whisper_ok:
        lines.append(f"Transcription: Whisper ({WHISPER_MODEL}, model in {model_dir}).")
        if sphinx_stt.available():
            lines.append("Fallback: PocketSphinx is installed too.")
        return lines
    gap = _whisper_gap(model_dir)
    if sphinx_stt.available():
        lines.append("Transcription: PocketSphinx (works, but often mishears free "
                     "speech).")
    else:
        lines.append("Transcription: none (no speech recognizer is installed).")
    lines.append(f"Whisper, the better engine, is not ready: {gap}.")
    if not whisper_ok:
        lines.append(f"To get it: {whisper_stt.PIP_HINT}")
    if model_dir is None:
        lines.append(f"To get its model (about 145 MB, no network at run time): "
                     f"{MODEL_HINT}")
    return lines


def _whisper_gap(model_dir: Path | None) -> str:
    gaps = []
    if not whisper_stt.available():
        gaps.append("faster-whisper is not installed")
    if model_dir is None:
        gaps.append(f"the {WHISPER_MODEL} model is not installed")
    return " and ".join(gaps) or "ready"


# --- measuring -------------------------------------------------------------

_NUMBERS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen", "twenty",
]
_SAME_WORD = {
    "mr": "mister", "mrs": "missus", "dr": "doctor", "ok": "okay",
    **{str(i): word for i, word in enumerate(_NUMBERS)},
}


def normalize_text(s: str) -> str:
    """Lowercase words without punctuation, spelled one way ("10" = "ten",
    "Mr." = "mister", "ill-disposed" = "ill disposed", "isn't" = "isnt")."""
    s = s.lower().replace("’", "'")
    s = re.sub(r"(?<=\w)'(?=\w)", "", s)  # isn't -> isnt, on both sides alike
    words = re.sub(r"[^\w]+|_", " ", s).split()
    return " ".join(_SAME_WORD.get(w, w) for w in words)


def word_errors(ref: str, hyp: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, words in ref), normalised."""
    r, h = normalize_text(ref).split(), normalize_text(hyp).split()
    previous = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        current = [i]
        for j, hw in enumerate(h, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (rw != hw)))
        previous = current
    return previous[-1], len(r)


def word_error_rate(ref: str, hyp: str) -> float:
    """Word error rate of ``hyp`` against ``ref``; an empty ref gives 0.0 for an
    empty hyp and 1.0 otherwise."""
    errors, words = word_errors(ref, hyp)
    if words == 0:
        return 0.0 if errors == 0 else 1.0
    return errors / words


def corpus_wer(pairs: Iterable[tuple[str, str]]) -> float:
    """All errors over all reference words, for (ref, hyp) pairs."""
    errors = words = 0
    for ref, hyp in pairs:
        e, w = word_errors(ref, hyp)
        errors += e
        words += w
    if words == 0:
        return 0.0 if errors == 0 else 1.0
    return errors / words
