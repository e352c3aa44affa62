"""Spoken commands: a short utterance to a command name, or None.

Whisper hears the utterance; :func:`match` accepts its text only when the whole
of it is one phrase of a small closed vocabulary. That strictness is the
rejection path: "stop" is a command, "I want to stop feeling this way" is not.

Two passes over one encoding of the utterance (the model that
:class:`~voiceguide.backends.whisper_stt.WhisperTranscriber` loaded, one copy per
process):

1. Free decoding: a small beam at temperature 0 with no fallback, no
   timestamps, no prompt and a few tokens. Its n best hypotheses are read: a
   command among them, close to the best, is taken ("Stop!" second to
   "STOP!"). Its best is also the text heard, for callers that parse numbers.
2. When none is a command (and the best was not cut off: longer than any
   command), the closed vocabulary: a beam search allowed only the tokens of
   command phrases proposes the likeliest spellings of commands, and the best
   two are scored in full (teacher forcing, end of text included) against the
   free text scored the same way. A command within ``min_llr`` of the free
   text is taken (when Whisper doubts there is speech at all, only one at
   least as likely): espeak's "exit" freely heard as "Egg lit." is likelier
   still as " exit", while "Go back to sleep." is far likelier itself than
   " go back,". The text heard stays pass 1's.

Taught commands (:mod:`voiceguide.taught`): when the person has recorded
their own takes of the commands, the same encoding is also matched against
them, before pass 2; a close, clear match is taken.

The encoder sees the utterance padded to ``window_s`` seconds instead of
Whisper's 30: it is most of the cost, and the 10 s window was the more
accurate one (``scripts/bench_commands.py``). Before any decoding, an energy
gate (:mod:`voiceguide.commandgate`) drops what cannot be a command: silence,
a click, or more than 2 s of sound. The whole decision has a wall-clock
timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiceguide import bounded, taught
from voiceguide.audio import AudioClip
from voiceguide.backends import whisper_stt
from voiceguide.commandgate import speech_span, utterance
from voiceguide.commandwords import (
    COMMANDS,
    PHRASES,
    POLITE_AFTER,
    POLITE_BEFORE,
    SPELLINGS,
    match,
    normalize,
)
from voiceguide.errors import VoiceGuideError

log = logging.getLogger(__name__)

__all__ = ["COMMANDS", "PHRASES", "CommandRecognizer", "Hearing", "match",
           "normalize", "speech_span"]

# --- decoding defaults (measured: scripts/bench_commands.py) --------------------
BEAM_SIZE = 5  # and as many hypotheses: a command among them may be taken
SCORE_MARGIN = 1.0  # ... when its mean token log-probability is this close to the best
WINDOW_S = 10.0  # the encoder's input, audio plus zero padding (Whisper's own: 30)
MAX_NEW_TOKENS = 8  # "Okay, I need help please." is 7; longer is not a command
PROMPT: str | None = None  # the vocabulary as a prompt made sentences fire
VOCABULARY_PROMPT = "Stop. Pause. Go on. Repeat. Skip. Back. Help."
NO_SPEECH_MAX = 0.6  # Whisper's rule: no speech above this, when also unsure
UNSURE_LOGPROB = -1.0
# The closed vocabulary (pass 2), run only when pass 1 found no command.
CLOSED = True
MIN_LLR = -3.0  # a command may be this much less likely (natural log) than
#                 the free text; the benchmark's non-command speech: <= -3.7
MAX_FORMS = 2  # spellings of commands from the constrained search, scored in full
SPEECH_DOUBT = 0.4  # Whisper's no-speech probability above which a command of
#                     pass 2 must be at least as likely as the free text
_CASES = (str.lower, str.capitalize, str.upper, str.title)
_MARKS = ("", ".", "!", ",", "?", "...")

RATE = whisper_stt.RATE

_decoding = threading.Lock()  # held while a command is decoded, even if abandoned


@dataclass(frozen=True)
class Hearing:
    """What the recognizer made of one clip, and why."""

    command: str | None
    text: str  # free decoding's hypothesis taken, else its best; "" when not
    #            decoded. Never the closed vocabulary's: callers parse it.
    reason: str  # "command", "not a command", "no speech", "too short",
    #              "too long", "timeout"
    seconds: float  # wall time of the decision


@dataclass(frozen=True)
class _Closed:
    """The closed vocabulary's best command for an utterance (pass 2)."""

    command: str
    spelling: str  # as Whisper would write it: " Exit."
    llr: float  # its log-probability minus the free text's (both in full)
    mean: float  # its mean log-probability per token, the end of text included


@dataclass(frozen=True)
class _Decoded:
    hypotheses: list[tuple[str, float, bool]]  # text, mean log-prob, finished
    no_speech: float
    closed: _Closed | None = None  # pass 2, when it ran and proposed a command
    taught: taught.Match | None = None  # the nearest taught command, when any


class CommandRecognizer:
    """Recognizes one spoken command per clip, with Whisper and :func:`match`.

    Pass 1: Whisper's n best hypotheses are read in order; the first that is a
    whole command phrase is taken when it scores within ``margin`` of the best.
    A hypothesis cut off by ``max_new_tokens`` is longer than any command: it
    is taken only when all of it is one phrase said again and again (Whisper
    loops on a short word: "STOP STOP STOP ..."), and pass 2 is not tried.
    Pass 2 (``closed``): the closed vocabulary, see the module's docstring;
    ``min_llr`` is its rejection threshold.
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
        closed: bool = CLOSED,
        min_llr: float = MIN_LLR,
        load_timeout_s: float = 120.0,
        takes: list[taught.Take] | None = None,
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
        self.closed = closed
        self.min_llr = min_llr
        self.takes = takes or []  # the person's own takes of the commands
        self._lock = threading.Lock()
        self._parts: _Parts | None = None

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
        cut, reason = utterance(clip)
        if cut is None:
            return Hearing(None, "", reason, time.perf_counter() - start)
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
                return self._decode(cut, deadline)
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
        log.debug("commands: heard %r -> %s (%s%s) in %.2f s", text, command, reason,
                  f", closed {decoded.closed}" if decoded.closed else "", seconds)
        return Hearing(command, text, reason, seconds)

    def _first_command(self, decoded: _Decoded) -> tuple[str, str, float] | None:
        """(command, text, mean log-prob) of the first hypothesis of pass 1 that
        is a command and close enough to the best, or None."""
        best = decoded.hypotheses[0][1]
        for text, score, _finished in decoded.hypotheses:
            if best - score > self.margin:
                break
            command = match(text)  # a cut-off text matches only as a loop
            if command is not None:
                return command, text, score
        return None

    def _decide(self, decoded: _Decoded) -> tuple[str | None, str, str]:
        """(command, text, reason); the text is always pass 1's best."""
        best_text = decoded.hypotheses[0][0]
        found = self._first_command(decoded)
        if found is not None:
            command, text, score = found
        elif decoded.taught is not None and decoded.taught.taken:
            return decoded.taught.command, best_text, "command"
        elif decoded.closed is not None and decoded.closed.llr >= (
            self.min_llr if decoded.no_speech <= SPEECH_DOUBT else 0.0
        ):
            command, text, score = (decoded.closed.command, best_text,
                                    decoded.closed.mean)
        else:
            return None, best_text, "not a command"
        near = decoded.taught
        sure = near is not None and near.taken and near.command == command
        if decoded.no_speech > NO_SPEECH_MAX and score < UNSURE_LOGPROB and not sure:
            return None, text, "no speech"  # unless the person's own take agrees
        return command, text, "command"

    def _decoder_parts(self) -> _Parts:
        """The model, tokenizer and token lists, made once."""
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
                allowed = {tokenizer.eot}
                for text in _spellings():
                    allowed.update(tokenizer.encode(text))
                size = model.hf_tokenizer.get_vocab_size()
                self._parts = _Parts(
                    model, tokenizer, tokens, list(suppress),
                    [t for t in range(size) if t not in allowed],
                )
            return self._parts

    def _decode(self, samples: Any, deadline: float = float("inf")) -> _Decoded:
        """Pass 1 on a short window, then pass 2 when it found no command and
        there is time left; the taught commands between the two."""
        import numpy as np

        parts = self._decoder_parts()
        model, tokenizer = parts.model, parts.tokenizer
        encoded = self._encode(samples)
        options: dict[str, Any] = {
            "beam_size": self.beam_size,
            "num_hypotheses": self.beam_size,
            # CTranslate2 decodes at most half of max_length, less the prompt.
            "max_length": max(2 * self.max_new_tokens,
                              len(parts.prompt) - 1 + self.max_new_tokens),
            "return_scores": True,  # mean log-probability per token
            "suppress_blank": True,
        }
        result = model.model.generate(
            encoded, [parts.prompt], suppress_tokens=parts.suppress,
            return_no_speech_prob=True, **options,
        )[0]
        hypotheses = []
        free: list[list[int]] = []
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            finished = len(ids) < self.max_new_tokens  # else it was cut off
            text_ids = [t for t in ids if t < tokenizer.eot]
            free.append(text_ids)
            hypotheses.append((tokenizer.decode(text_ids).strip(), float(score),
                               finished))
        decoded = _Decoded(hypotheses, float(result.no_speech_prob))
        first = self._first_command(decoded)
        if not hypotheses[0][2] or (first is not None
                                    and decoded.no_speech <= NO_SPEECH_MAX):
            return decoded
        if self.takes:  # also to confirm a command Whisper doubts is speech
            near = taught.closest(self.takes, taught.frames_of(
                np.array(encoded)[0], len(samples) / RATE))
            decoded = _Decoded(hypotheses, decoded.no_speech, taught=near)
            if first is not None or (near is not None and near.taken):
                return decoded
        if first is not None:
            return decoded
        if not self.closed or time.perf_counter() >= deadline:
            return decoded
        # Pass 2: spellings of commands, from a search allowed only their tokens.
        spelled = model.model.generate(
            encoded, [parts.prompt], suppress_tokens=parts.blocked, **options
        )[0]
        forms: list[tuple[str, list[int]]] = []
        for ids in spelled.sequences_ids:
            text_ids = [t for t in ids if t < tokenizer.eot]
            command = match(tokenizer.decode(text_ids))
            if command is not None and all(f[1] != text_ids for f in forms):
                forms.append((command, text_ids))
        forms = forms[:MAX_FORMS]
        if not forms or time.perf_counter() >= deadline:
            return decoded
        texts = [free[0], *(f[1] for f in forms)]
        totals = self._score(parts, np.array(encoded), texts)
        best = max(range(len(forms)), key=lambda i: totals[i + 1])
        command, ids = forms[best]
        closed = _Closed(command, tokenizer.decode(ids), totals[best + 1] - totals[0],
                         totals[best + 1] / (len(ids) + 1))
        return _Decoded(hypotheses, decoded.no_speech, closed, decoded.taught)

    def _encode(self, samples: Any) -> Any:
        """Whisper's encoding of ``samples`` padded to ``window_s``, on the CPU."""
        import numpy as np
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.transcribe import get_ctranslate2_storage

        model = self._decoder_parts().model
        frames = round(self.window_s * 100)  # 10 ms hop
        features = pad_or_trim(model.feature_extractor(samples), frames)
        return model.model.encode(
            get_ctranslate2_storage(np.ascontiguousarray(features[None])),
            to_cpu=True,  # tiled on the CPU for pass 2
        )

    def take_of(self, clip: AudioClip) -> taught.Take | str:
        """A take of a command for teaching: the encoder frames of the voiced
        part of ``clip``, or why there is none ("too short", "too long")."""
        import numpy as np

        cut, reason = utterance(clip)
        if cut is None:
            return reason
        with _decoding:
            encoded = self._encode(cut)
        return taught.Take("", taught.frames_of(np.array(encoded)[0],
                                                len(cut) / RATE))

    def _score(self, parts: _Parts, encoded: Any, texts: list[list[int]]
               ) -> list[float]:
        """The log-probability of each token sequence followed by the end of
        text, given the encoded audio (teacher forcing, one batch)."""
        import ctranslate2
        import numpy as np

        model, tokenizer = parts.model, parts.tokenizer
        tiled = np.ascontiguousarray(np.repeat(encoded, len(texts), axis=0))
        longest = max(len(t) for t in texts)
        # The text is forced as a prefix after the usual start; the search
        # steps once past its end, where the end of text's probability is
        # read. (CTranslate2 takes at most half of max_length as steps.)
        results = model.model.generate(
            ctranslate2.StorageView.from_array(tiled),
            [[*parts.prompt, *t] for t in texts],
            beam_size=1,
            max_length=max(2 * longest + 2, len(parts.prompt) + longest + 1),
            return_logits_vocab=True,
            suppress_blank=False,
            suppress_tokens=[],
        )
        totals = []
        for text, result in zip(texts, results, strict=True):
            steps = result.logits[0]
            total = 0.0
            for k, token in enumerate([*text, tokenizer.eot]):
                logits = np.asarray(steps[k], dtype=np.float64)
                top = logits.max()
                total += logits[token] - top - np.log(np.exp(logits - top).sum())
            totals.append(float(total))
        return totals


@dataclass(frozen=True)
class _Parts:
    """What decoding needs, made once per recognizer."""

    model: Any  # faster_whisper.WhisperModel
    tokenizer: Any  # faster_whisper.tokenizer.Tokenizer
    prompt: list[int]  # the start of every decoding
    suppress: list[int]  # Whisper's usual suppressed tokens (pass 1)
    blocked: list[int]  # every token that no command phrase uses (pass 2)


def _spellings() -> list[str]:
    """How Whisper may write the command phrases, and the polite words around
    them: " Stop.", " STOP!", " go back", " Please", ..."""
    words = {*PHRASES, *SPELLINGS, *POLITE_BEFORE, *POLITE_AFTER, "ok"}
    return [f" {case(w)}{mark}" for w in sorted(words) for case in _CASES
            for mark in _MARKS]
