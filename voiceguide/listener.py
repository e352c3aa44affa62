"""Listening for spoken commands between answers.

The microphone stays open; short stretches of speech, alone between two quiets,
are cut out and given to a recognizer, and a recognised command is sent on.
Longer talk is not a command and is never decoded. While the guide is speaking
the listener does not listen (its own voice must not command it), unless the
person uses a headset.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from voiceguide.audio import AudioClip
from voiceguide.errors import BackendUnavailable

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

RATE = 16000
BLOCK_S = 0.05
END_QUIET_S = 0.35  # quiet after the words: the utterance is over
LONGEST_S = 2.0  # anything longer is talk, not a command
SHORTEST_S = 0.12
PRE_ROLL_S = 0.15  # kept before the first voiced frame (soft word starts)
KEEP_S = 4.0
YIELD_MAX_S = 4.0  # the guide is never kept quiet longer than this


class CommandListener:
    def __init__(self, recognize: Callable[[AudioClip], str | None],
                 send: Callable[[str], None], may_listen: Callable[[], bool],
                 device: str | None = None,
                 on_speech: Callable[[bool], None] | None = None) -> None:
        """``on_speech(True)`` is called as soon as words begin (the guide may
        go quiet), ``on_speech(False)`` once they are known not to be a command
        or the command has been sent."""
        self.recognize = recognize
        self.send = send
        self.may_listen = may_listen
        self.device = device
        self.on_speech = on_speech
        self._yielding = False  # on_speech(True) was called and not undone
        self._yield_since = 0.0
        self._yield_lock = threading.Lock()
        self._stop = threading.Event()
        self._blocks: queue.Queue[np.ndarray] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._work: queue.Queue[AudioClip | None] = queue.Queue(maxsize=2)
        self._stream: Any = None
        self.heard: list[str] = []  # for the record: commands recognised

    def start(self) -> CommandListener:
        from voiceguide.backends.sounddevice_io import import_sounddevice

        sd = import_sounddevice()

        def callback(indata: np.ndarray, frames: int, t: Any, status: Any) -> None:
            self._blocks.put(indata[:, 0].copy())

        try:
            self._stream = sd.InputStream(samplerate=RATE, channels=1, dtype="int16",
                                          blocksize=round(RATE * BLOCK_S),
                                          device=self.device, callback=callback)
            self._stream.start()
        except Exception as e:  # PortAudioError or ValueError for a bad device
            raise BackendUnavailable(f"the microphone cannot be opened ({e})",
                                     "Connect a microphone, or use the keys.") from None
        self._thread = threading.Thread(target=self._cut, name="commands-cut",
                                        daemon=True)
        self._thread.start()
        threading.Thread(target=self._decode, name="commands-decode",
                         daemon=True).start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception as e:  # the sound server may be gone already
                log.debug("closing the command microphone: %s", e)
        with contextlib.suppress(queue.Full):
            self._work.put_nowait(None)
        if self._thread is not None:
            self._thread.join(2.0)

    def _cut(self) -> None:
        """Find words said alone, and queue them for the recognizer."""
        import numpy as np

        from voiceguide.endpoint import Endpointer

        endpointer = Endpointer(RATE, silence_s=1e9, max_s=1e9, no_speech_s=1e9)
        ring = np.zeros(0, dtype=np.int16)
        total = 0  # samples seen
        reported = 0.0  # the quiet after the last utterance handled
        listening_since = 0.0
        while not self._stop.is_set():
            try:
                block = self._blocks.get(timeout=0.1)
            except queue.Empty:
                continue
            total += len(block)
            ring = np.concatenate((ring, block))[-round(KEEP_S * RATE):]
            endpointer.feed(block)
            now = total / RATE
            if not self.may_listen():
                listening_since = now  # words begun while deaf are not commands
                self._yield(False)
                continue
            if endpointer.speaking:  # quiet for words; back on once it is talk
                self._yield(endpointer.last_words_seconds() <= LONGEST_S)
            elif self._yielding and time.monotonic() - self._yield_since > YIELD_MAX_S:
                self._yield(False)  # a decision that never came
            quiet = endpointer.quiet_since()
            if quiet is None or quiet <= reported or now - quiet < END_QUIET_S:
                continue
            reported = quiet
            length = endpointer.last_words_seconds()
            start = quiet - length
            if not SHORTEST_S <= length <= LONGEST_S or start < listening_since:
                log.debug("commands: %.2f s of sound at %.2f s, not a command's shape",
                          length, start)
                self._yield(False)
                continue
            first = round((start - PRE_ROLL_S) * RATE) - (total - len(ring))
            last = round((quiet + 0.05) * RATE) - (total - len(ring))
            clip = AudioClip(ring[max(0, first):max(0, last)].astype("<i2").tobytes(),
                             RATE)
            try:
                self._work.put_nowait(clip)
            except queue.Full:
                log.info("commands: still deciding the last one; this one dropped")
                self._yield(False)

    def _decode(self) -> None:
        while not self._stop.is_set():
            clip = self._work.get()
            if clip is None:
                return
            try:
                command = self.recognize(clip)
            except Exception as e:  # a recognizer failure must not end listening
                log.warning("commands: %s", e)
                command = None
            log.debug("commands: %.2f s clip -> %s", clip.duration, command)
            if command:
                self.heard.append(command)
                self.send(command)  # "stop" silences the player before this
            self._yield(False)

    def _yield(self, on: bool) -> None:
        if self.on_speech is None:
            return
        with self._yield_lock:  # called from the cutting and decoding threads
            if on == self._yielding:
                return
            self._yielding = on
            self._yield_since = time.monotonic()
            try:
                self.on_speech(on)
            except Exception as e:  # the speaker may be closing
                log.debug("commands: on_speech: %s", e)

