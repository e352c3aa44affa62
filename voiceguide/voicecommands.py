"""Spoken commands: a short utterance to a command name, or None.

Whisper hears the utterance; :func:`match` accepts its text only when the whole
of it is one phrase of a small closed vocabulary. That strictness is the
rejection path: "stop" is a command, "I want to stop feeling this way" is not.

Decoding is bounded for commands, and it uses the model that
:class:`~voiceguide.backends.whisper_stt.WhisperTranscriber` loaded (one copy per
process): a small beam at temperature 0 with no fallback, no timestamps, no
prompt, a few tokens, and a wall-clock timeout. The n best hypotheses are read,
not only the best: "Stop!" second to "STOP!" still counts. The encoder sees the
utterance padded to ``window_s`` seconds instead of Whisper's 30: the encoder
is most of the cost, and the 10 s window was the more accurate one
(``scripts/bench_commands.py``). Before any decoding, an energy gate drops what
cannot be a command: silence, a click, or more than 2 s of sound.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiceguide import bounded
from voiceguide.audio import AudioClip
from voiceguide.backends import whisper_stt
from voiceguide.errors import VoiceGuideError

log = logging.getLogger(__name__)

# Spoken phrase -> command name. Few, short and unlike each other.
PHRASES: dict[str, str] = {
    "stop": "stop",
    "pause": "pause",
    "resume": "resume",
    "go on": "resume",
    "continue": "resume",
    "repeat": "repeat",
    "say again": "repeat",
    "repeat slower": "repeat-slower",
    "skip": "skip",
    "next": "skip",
    "back": "back",
    "go back": "back",
    "slower": "slower",
    "faster": "faster",
    "louder": "louder",
    "quieter": "quieter",
    "softer": "quieter",
    "help": "help",
    "i need help": "need-help",
    "done": "done",
    "i'm done": "done",
    "exit": "exit",
    "menu": "menu",
    "keep settings": "keep",
    "keep these settings": "keep",
}
COMMANDS = tuple(dict.fromkeys(PHRASES.values()))

# Whisper's other spellings of a phrase (after normalize). Only forms
# nobody says on their own as anything but the command.
_SPELLINGS = {
    "i am done": "i'm done",
    "say it again": "say again",
}
_BEFORE = ("please", "okay")  # "okay stop", "please repeat"
_AFTER = ("please",)  # "repeat please"

# --- decoding defaults (measured: scripts/bench_commands.py) --------------------
BEAM_SIZE = 5  # and as many hypotheses: a command among them may be taken
SCORE_MARGIN = 1.0  # ... when its mean token log-probability is this close to the best
WINDOW_S = 10.0  # the encoder's input, audio plus zero padding (Whisper's own: 30)
MAX_NEW_TOKENS = 8  # "Okay, I need help please." is 7; longer is not a command
PROMPT: str | None = None  # the vocabulary as a prompt made sentences fire
VOCABULARY_PROMPT = "Stop. Pause. Go on. Repeat. Skip. Back. Help."
NO_SPEECH_MAX = 0.6  # Whisper's rule: no speech above this, when also unsure
UNSURE_LOGPROB = -1.0

# --- the gate before decoding ------------------------------------------------
MIN_SPEECH_S = 0.15  # voiced audio less than this is a click or a breath
MAX_SPEECH_S = 2.0  # a span of sound longer than this is talk, not a command
MIN_LEVEL_DBFS = -50.0  # quieter frames are silence whatever else is there
BELOW_PEAK_DB = 25.0  # frames this far below the loudest are not the utterance
FRAME_S = 0.02
PAD_S = 0.2  # kept around the voiced span: soft onsets and endings
RATE = whisper_stt.RATE

_decoding = threading.Lock()  # held while a command is decoded, even if abandoned




def normalize(text: str) -> str:
    """Lowercase words without punctuation: "I'm done!" -> "im done", "OK." ->
    "okay" (transcription.normalize_text's rules, without importing engines)."""
    text = re.sub(r"(?<=\w)['’](?=\w)", "", text.lower())
    words = re.sub(r"[^\w]+|_", " ", text).split()
    return " ".join("okay" if w == "ok" else w for w in words)


_LOOKUP = {normalize(p): c for p, c in PHRASES.items()}
_LOOKUP.update({normalize(s): PHRASES[p] for s, p in _SPELLINGS.items()})


def match(text: str) -> str | None:
    """The command that ``text`` is, when the whole of it is one phrase.

    Case and punctuation do not matter; a leading "please" or "okay", a
    trailing "please", and the same phrase said again ("stop, stop!") are
    allowed. Anything else, such as a sentence around a command word, is None.
    """
    words = normalize(text).split()
    while words and words[0] in _BEFORE:
        words = words[1:]
    while words and words[-1] in _AFTER:
        words = words[:-1]
    if not words:
        return None
    phrase = " ".join(words)
    found = _LOOKUP.get(phrase)
    if found is not None:
        return found
    for size in range(1, len(words) // 2 + 1):  # "stop stop", "go back go back"
        if len(words) % size:
            continue
        first = words[:size]
        if all(words[i : i + size] == first for i in range(0, len(words), size)):
            return _LOOKUP.get(" ".join(first))
    return None


@dataclass(frozen=True)
class Hearing:
    """What the recognizer made of one clip, and why."""

    command: str | None
    text: str  # the hypothesis taken, else Whisper's best; "" when not asked
    reason: str  # "command", "not a command", "no speech", "too short",
    #              "too long", "timeout"
    seconds: float  # wall time of the decision


@dataclass(frozen=True)
class _Decoded:
    hypotheses: list[tuple[str, float, bool]]  # text, mean log-prob, finished
    no_speech: float


class CommandRecognizer:
    """Recognizes one spoken command per clip, with Whisper and :func:`match`.

    Whisper's n best hypotheses are read in order; the first that is a whole
    command phrase is taken when it scores within ``margin`` of the best. A
    hypothesis cut off by ``max_new_tokens`` is never taken: it is longer than
    any command.
    """

    name = "whisper-base-commands"

    def __init__(
        self,
        model_dir: Path,
        timeout_s: float = 3.0,
        *,
        threads: int = 0,
        beam_size: int = BEAM_SIZE,
        margin: float = SCORE_MARGIN,
        prompt: str | None = PROMPT,
        window_s: float = WINDOW_S,
        max_new_tokens: int = MAX_NEW_TOKENS,
        load_timeout_s: float = 120.0,
    ) -> None:
        # Same model folder and threads as the transcriber: same cached model.
        self._whisper = whisper_stt.WhisperTranscriber(
            model_dir, threads, timeout_s=load_timeout_s
        )
        self.model_dir = self._whisper.model_dir
        self.timeout_s = timeout_s
        self.beam_size = beam_size
        self.margin = margin
        self.prompt = prompt
        self.window_s = window_s
        self.max_new_tokens = max_new_tokens
        self._lock = threading.Lock()
        self._parts: tuple[Any, ...] | None = None

    def load(self) -> None:
        """Load the shared model now, so that the first command is not slow."""
        self._whisper.load()
        self._decoder_parts()

    def recognize(self, clip: AudioClip) -> str | None:
        """The command said in ``clip`` (one utterance, already cut), or None."""
        return self.hear(clip).command

    def hear(self, clip: AudioClip) -> Hearing:
        """Like :meth:`recognize`, with the text heard and the reason.

        A model that cannot be loaded raises BackendUnavailable (set-up is
        broken); a decode slower than ``timeout_s`` is logged and heard as
        nothing (reason "timeout").
        """
        start = time.perf_counter()
        samples = clip.resampled(RATE).samples()
        span, reason = speech_span(samples, RATE)
        if span is None:
            return Hearing(None, "", reason, time.perf_counter() - start)
        a, b = span
        pad = round(PAD_S * RATE)
        utterance = samples[max(0, a - pad) : b + pad]
        if self._parts is None:
            self.load()  # outside the timeout: loading takes seconds, once
        deadline = time.perf_counter() + self.timeout_s

        def work() -> _Decoded | None:
            # One command decode at a time: a decode abandoned at its timeout
            # still runs (CTranslate2 cannot be interrupted), and clips queued
            # behind it would time out in turn. A late clip is dropped instead.
            if not _decoding.acquire(timeout=max(0.0, deadline - time.perf_counter())):
                return None
            try:
                if time.perf_counter() >= deadline:
                    return None
                return self._decode(utterance)
            finally:
                _decoding.release()

        try:
            decoded = bounded.run_bounded(
                work, self.timeout_s, "Whisper hearing a command",
                "Use the keys meanwhile.",
            )
        except VoiceGuideError as e:  # the timeout; errors of the decode pass by
            decoded = None
            log.warning("%s", e.message)
        seconds = time.perf_counter() - start
        if decoded is None:
            return Hearing(None, "", "timeout", seconds)
        command, text, reason = self._decide(decoded)
        log.debug("commands: heard %r -> %s (%s) in %.2f s",
                  text, command, reason, seconds)
        return Hearing(command, text, reason, seconds)

    def _decide(self, decoded: _Decoded) -> tuple[str | None, str, str]:
        """(command, text, reason) from the hypotheses, best first."""
        best_text, best, _ = decoded.hypotheses[0]
        for text, score, finished in decoded.hypotheses:
            if best - score > self.margin:
                break
            command = match(text) if finished else None
            if command is None:
                continue
            if decoded.no_speech > NO_SPEECH_MAX and score < UNSURE_LOGPROB:
                return None, text, "no speech"
            return command, text, "command"
        return None, best_text, "not a command"

    def _decoder_parts(self) -> tuple[Any, ...]:
        """(model, tokenizer, prompt tokens, suppressed tokens), made once."""
        with self._lock:
            if self._parts is None:
                from faster_whisper.tokenizer import Tokenizer
                from faster_whisper.transcribe import get_suppressed_tokens

                model = self._whisper.model()  # the process-wide cached model
                tokenizer = Tokenizer(
                    model.hf_tokenizer,
                    model.model.is_multilingual,
                    task="transcribe",
                    language="en",
                )
                tokens: list[int] = []
                if self.prompt:
                    tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + self.prompt)]
                tokens += [*tokenizer.sot_sequence, tokenizer.no_timestamps]
                suppress = get_suppressed_tokens(tokenizer, [-1])
                self._parts = (model, tokenizer, tokens, list(suppress))
            return self._parts

    def _decode(self, samples: Any) -> _Decoded:
        """Beam search at temperature 0 with no fallback, on a short window."""
        import numpy as np
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.transcribe import get_ctranslate2_storage

        model, tokenizer, prompt, suppress = self._decoder_parts()
        frames = round(self.window_s * 100)  # 10 ms hop
        features = pad_or_trim(model.feature_extractor(samples), frames)
        encoded = model.model.encode(
            get_ctranslate2_storage(np.ascontiguousarray(features[None])),
            to_cpu=False,
        )
        result = model.model.generate(
            encoded,
            [prompt],
            beam_size=self.beam_size,
            num_hypotheses=self.beam_size,
            max_length=len(prompt) + self.max_new_tokens,
            return_scores=True,  # mean log-probability per token
            suppress_blank=True,
            suppress_tokens=suppress,
            return_no_speech_prob=True,
        )[0]
        hypotheses = []
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            finished = len(ids) < self.max_new_tokens  # else it was cut off
            text = tokenizer.decode([t for t in ids if t < tokenizer.eot]).strip()
            hypotheses.append((text, float(score), finished))
        return _Decoded(hypotheses, float(result.no_speech_prob))


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
