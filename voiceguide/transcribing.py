"""Transcription in the background, so the session goes on while words are written.

One worker thread takes answers in order; each result (text, or the reason it
failed) goes to a callback, which updates the note.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path

from voiceguide.audio import read_wav
from voiceguide.backends.base import Transcriber
from voiceguide.errors import VoiceGuideError
from voiceguide.keeping import NoteKeeper
from voiceguide.notes import NoteBook
from voiceguide.sealed import sealed_twin
from voiceguide.tagging import merge, split_tags
from voiceguide.wavfile import repair

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    index: int  # the answer's place in the note
    audio: Path
    context: str  # the prompt, given to the engine as context
    part: int = 0  # long answers are written out piece by piece
    start_s: float = 0.0
    end_s: float | None = None  # None: to the end of the recording
    last: bool = True  # the answer's final piece


Done = Callable[[Job, str | None, str, str], None]  # job, text|None, engine, problem


class BackgroundTranscriber:
    def __init__(self, make: Callable[[], Transcriber], on_done: Done) -> None:
        self._make = make
        self._engine: Transcriber | None = None
        self._on_done = on_done
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="transcribe")
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()

    def _transcriber(self) -> Transcriber:
        if self._engine is None:
            self._engine = self._make()
            load = getattr(self._engine, "load", None)
            if load:
                load()
        return self._engine

    def preload(self) -> None:
        """Load the engine now, in the background, ready for the first answer."""
        self._add(self._pool.submit(self._preload))

    def _preload(self) -> None:
        try:
            self._transcriber()
        except VoiceGuideError as e:
            log.warning("transcriber not loaded: %s", e.message)

    def submit(self, job: Job) -> None:
        self._add(self._pool.submit(self._run, job))

    def _add(self, future: Future[None]) -> None:
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()] + [future]

    def _run(self, job: Job) -> None:
        engine_name = ""
        try:
            engine = self._transcriber()
            engine_name = engine.name
            clip = read_wav(job.audio)
            if job.start_s or job.end_s is not None:
                clip = clip.sliced(job.start_s, job.end_s)
            text = engine.transcribe(clip, context=job.context)
        except VoiceGuideError as e:
            self._on_done(job, None, engine_name, e.message)
            return
        except Exception as e:  # an engine bug must not lose the answer
            log.exception("transcription failed")
            self._on_done(job, None, engine_name, f"{type(e).__name__}: {e}")
            return
        self._on_done(job, text, engine_name, "")

    def pending(self) -> int:
        with self._lock:
            return sum(1 for f in self._futures if not f.done())

    def drain(self, timeout: float) -> bool:
        """Wait (bounded) for every answer so far; True when all are written."""
        with self._lock:
            futures = list(self._futures)
        _, not_done = wait(futures, timeout=timeout)
        return not not_done

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


DONE_SAYINGS = ("done", "i'm done", "i am done", "im done", "done now", "finished")


def strip_done(text: str) -> tuple[str, bool]:
    """Remove a last sentence that only says "done"; and whether there was one."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    last = re.sub(r"[^a-z' ]", "", sentences[-1].lower()).strip()
    if last in DONE_SAYINGS:
        return " ".join(sentences[:-1]).strip(), True
    return text, False


class AnswerWriter:
    """Puts the written-out pieces of each spoken answer together into the note.

    Its ``written`` is the BackgroundTranscriber's callback (its thread). A
    piece whose last sentence is just "done" ends the answer being recorded.
    """

    def __init__(self, keeper: NoteKeeper, show: Callable[[str], None]) -> None:
        self.keeper = keeper
        self.show = show
        self._pieces: dict[int, dict[int, str | None]] = {}
        self._last: dict[int, int] = {}
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        self._recording = -1

    def recording(self, index: int, stop: threading.Event | None) -> None:
        """Which answer the microphone is taking now, and how to end it."""
        with self._lock:
            self._recording, self._stop = index, stop

    def written(self, job: Job, text: str | None, engine: str, problem: str) -> None:
        if text is None:
            self.show(f"Answer {job.index + 1} could not be written out yet "
                      f"({problem}); its recording is kept. Later, run: "
                      "voiceguide notes retranscribe")
        else:
            text, said_done = strip_done(text)
            with self._lock:
                if said_done and self._stop is not None \
                        and self._recording == job.index:
                    self._stop.set()
        pieces = self._pieces.setdefault(job.index, {})
        pieces[job.part] = text
        if job.last:
            self._last[job.index] = job.part
        last = self._last.get(job.index)
        # Pieces are written out in order, so the last one comes last.
        if last is None or len(pieces) < last + 1:
            return
        texts = [pieces.get(i) for i in range(last + 1)]
        if any(t is None for t in texts):
            return  # a piece failed: the answer stays pending, its audio kept
        whole, tags = split_tags(" ".join(t for t in texts if t))
        if tags:  # "... Tag sister and work." at the end of the answer
            self.keeper.add_tags(tags)
            self.show(f"Tagged: {', '.join(tags)}.")
        self.keeper.update(job.index, text=whole, engine=engine, pending=False)


def retranscribe(book: NoteBook, engine: Transcriber,
                 show: Callable[[str], None]) -> tuple[int, int]:
    """Write out every pending spoken answer in the notebook: (done, failed).

    Each note is saved after each answer, so an interruption loses nothing.
    """
    done = failed = 0
    book.vault()  # encrypted notes: the passphrase first, its own clear message
    for path in book.all_paths():
        try:
            note = book.read(path)
        except VoiceGuideError:
            continue  # 'notes list' reports unreadable files
        for i, answer in enumerate(note.answers):
            if not answer.pending:
                continue
            audio = path.parent / answer.audio
            where = f"{path.name}, answer {i + 1}"
            sealed = sealed_twin(audio).is_file()  # encrypted notes
            if not answer.audio or not (audio.is_file() or sealed):
                show(f"{where}: its recording {audio} is missing")
                failed += 1
                continue
            try:
                if not sealed:  # a sealed one is read up to its last flush
                    repair(audio)  # a recording cut off by a crash
                text = engine.transcribe(read_wav(audio), context=answer.prompt)
            except VoiceGuideError as e:
                show(f"{where}: {e.message}")
                failed += 1
                continue
            text, tags = split_tags(text)
            answers = list(note.answers)
            answers[i] = replace(answer, text=text, engine=engine.name, pending=False)
            note = replace(note, answers=tuple(answers), tags=merge(note.tags, tags))
            book.save(note)
            show(f"{where}: written out")
            done += 1
    return done, failed
