"""Asking the check-in question inside a Session (see checkin.py for the rules).

:func:`ask` speaks the question, waits for a number key, a typed line or a
spoken word, reads a spoken rating back for a yes, saves the rating to the
note at once and thanks the person. It uses the session's own voice, keys,
microphone and note keeper, and its command handling: stop, pause, skip and
the rest act here as anywhere else (they may raise Flow).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.audio import scratch_wav
from voiceguide.checkin import (
    AGAIN_TYPED,
    HOW_KEYS,
    HOW_SPOKEN,
    HOW_SPOKEN_KEYS,
    HOW_TYPED,
    MAX_TRIES,
    NOT_CAUGHT,
    QUESTION,
    SKIPPED,
    TRY_AGAIN,
    DigitEntry,
    Replies,
    noted,
    parse_spoken,
    parse_typed,
    read_back,
)
from voiceguide.controls import ENDS_ANSWER
from voiceguide.errors import BackendUnavailable, VoiceGuideError

if TYPE_CHECKING:
    from voiceguide.session import Session


class _Got(Exception):
    """A rating (or None, a skip) found while listening."""

    def __init__(self, value: int | None) -> None:
        super().__init__(value)
        self.value = value


def ask(s: Session, when: str) -> None:
    """Ask, wait for a rating, save it to the note and thank the person.

    Commands act as anywhere else (stop, pause, skip, help) and may raise Flow.
    """
    r = s.ratings
    assert r is not None and s.keeper is not None
    keys: queue.Queue[str] = queue.Queue()

    def on_command(name: str) -> None:  # the key reader's thread
        if name.startswith("digit-") or name == "enter":
            keys.put(name)

    voice = _can_listen(s, r)
    if s.controls:
        s.controls.add_hook(on_command)
    if r.digits:
        r.digits(True)
    try:
        s.speak(QUESTION[when])
        if not r.told_how:
            r.told_how = True
            s.speak(_how(r, voice))
        s.timeline.hold(s._cue("your-turn"))
        entry = DigitEntry(r.ten_s)
        rating = _by_voice(s, r, keys, entry) if voice else None
        if not voice or rating == -1:
            rating = _by_keys(s, r, keys, entry) if r.keys else _by_line(s, r)
    finally:
        if r.digits:
            r.digits(False)
        if s.controls:
            s.controls.remove_hook(on_command)
        s.timeline.resync()
    if rating is None or rating < 0:
        s.speak(SKIPPED)
        return
    s.keeper.rate(when, rating)
    s.timeline.hold(s._cue("saved"))
    s.speak(noted(rating))


def _how(r: Replies, voice: bool) -> str:
    if voice:
        return HOW_SPOKEN_KEYS if r.keys else HOW_SPOKEN
    return HOW_KEYS if r.keys else HOW_TYPED


def _can_listen(s: Session, r: Replies) -> bool:
    return bool(s.listening and s.listening.replies is not None
                and s.listening.make_transcriber is not None and not r.voice_broken)


def _take_key(name: str, entry: DigitEntry) -> tuple[bool, int | None]:
    """(finished, rating) after one key."""
    if name == "enter":
        return True, entry.enter()
    value = entry.press(int(name[len("digit-"):]), time.monotonic())
    return value is not None, value


def _by_keys(s: Session, r: Replies, keys: queue.Queue[str],
             entry: DigitEntry) -> int | None:
    """Number keys; None when skipped (Enter alone, or no key for wait_s)."""
    deadline = time.monotonic() + r.wait_s
    while True:
        s._poll()  # stop, skip, pause and the rest act as usual
        now = time.monotonic()
        late = entry.due(now)
        if late is not None:
            return late
        if now >= deadline and entry.pending is None:
            return None
        try:
            name = keys.get(timeout=0.05)
        except queue.Empty:
            continue
        finished, value = _take_key(name, entry)
        if finished:
            return value


def _by_line(s: Session, r: Replies) -> int | None:
    """Typed lines; None when skipped, at the end of input, or after wait_s."""
    if r.lines is None:
        return None
    tries = 0
    deadline = time.monotonic() + r.wait_s
    while time.monotonic() < deadline:
        s._poll()
        try:
            line = r.lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            return None
        reply = parse_typed(line)
        if reply.kind == "number":
            return reply.value
        if reply.kind == "skip":
            return None
        tries += 1
        if tries >= MAX_TRIES:
            return None
        s.speak(AGAIN_TYPED)
        deadline = time.monotonic() + r.wait_s
    return None


def _by_voice(s: Session, r: Replies, keys: queue.Queue[str],
              entry: DigitEntry) -> int | None:
    """A spoken rating, read back and confirmed. None: skipped; -1: the
    microphone or recognizer failed (the caller asks by key or line)."""
    candidate: int | None = None
    misses = 0
    for _ in range(2 * MAX_TRIES):  # each miss, and each read-back, is one turn
        try:
            said = _hear(s, r, keys, entry, candidate)
        except _Got as got:
            return got.value
        if said is None:  # the microphone or recognizer failed
            return -1
        reply = parse_spoken(said)
        if reply.kind == "skip":
            return None
        if reply.kind == "yes" and candidate is not None:
            return candidate
        if reply.kind == "number":
            candidate = reply.value
            assert candidate is not None
            s.speak(read_back(candidate, r.keys))
            continue
        misses += 1
        if misses >= MAX_TRIES:
            break
        if reply.kind == "no":
            candidate = None
            s.speak(TRY_AGAIN)
            continue
        _spoken_command(s, said)
        s.speak(NOT_CAUGHT)
    return None


def _spoken_command(s: Session, said: str) -> None:
    """A command said instead of a rating ("stop", "I need help") acts."""
    from voiceguide.commandwords import match

    name = match(said)
    if name and name not in ("done", "resume", "menu"):
        s._command(name)


def _hear(s: Session, r: Replies, keys: queue.Queue[str], entry: DigitEntry,
          candidate: int | None) -> str | None:
    """Record one short reply and return its words ('' for none).

    Raises _Got when a key settles it (a number key, or Enter: yes to the
    number read back, else skip), or when the person stayed quiet.
    """
    listening = s.listening
    assert listening is not None and listening.replies is not None
    audio = scratch_wav()  # memory-backed where it can be: never the notes
    stop, done = threading.Event(), threading.Event()

    def end(command: str) -> None:  # the key reader's thread
        if command in ENDS_ANSWER or command.startswith("digit-"):
            stop.set()

    try:
        if s.controls:
            s.controls.add_hook(end)
        if not keys.empty():  # a key pressed while the question was said
            stop.set()
        s.show("Listening...")
        listening.enter(stop, done)
        s.answering = True
        try:
            rec = listening.replies.record(audio, stop)
        except BackendUnavailable as e:
            s._lost_microphone(e.message)
            return None
        finally:
            s.answering = False
            done.set()
        s.timeline.resync()
        s._poll()  # a command that ended the recording acts now
        pressed = _keys_decide(s, r, keys, entry, candidate)
        if rec.reason == "no-speech" and not pressed:
            raise _Got(None)
        if rec.reason == "stopped" and not pressed:
            # Enter from a pipe (listening.enter): as Enter on a terminal.
            raise _Got(candidate)
        if rec.reason == "device-lost":
            s._lost_microphone("the microphone stopped sending sound")
            return None
        return _words(s, r, audio)
    finally:
        if s.controls:
            with contextlib.suppress(ValueError):  # never added
                s.controls.remove_hook(end)
        with contextlib.suppress(OSError):
            audio.unlink()


def _keys_decide(s: Session, r: Replies, keys: queue.Queue[str],
                 entry: DigitEntry, candidate: int | None) -> bool:
    """Keys pressed while listening settle the rating (raises _Got); whether
    any was pressed."""
    pressed = []
    while not keys.empty():
        pressed.append(keys.get_nowait())
    for name in pressed:
        if name == "enter":
            raise _Got(candidate if candidate is not None else entry.enter())
        if name.startswith("digit-"):
            finished, value = _take_key(name, entry)
            if finished:
                raise _Got(value)
    if entry.pending is not None:  # "1": wait a moment for a "0"
        raise _Got(_by_keys(s, r, keys, entry))
    return bool(pressed)


def _words(s: Session, r: Replies, audio: Path) -> str | None:
    """The words of a recorded reply; None when the recognizer cannot work."""
    from voiceguide.audio import read_wav

    listening = s.listening
    assert listening is not None and listening.make_transcriber is not None
    try:
        if r.recognize is not None:
            text = r.recognize(read_wav(audio))
            r.heard.append(text)
            return text
        if r.engine is None:
            r.engine = listening.make_transcriber()
            load = getattr(r.engine, "load", None)
            if load:
                load()
        text = str(r.engine.transcribe(read_wav(audio), context=QUESTION["after"]))
    except VoiceGuideError as e:
        r.voice_broken = True
        s.show(f"Spoken numbers cannot be understood now ({e.message}); "
               "please use the keys or type the number.")
        return None
    r.heard.append(text)
    return text
