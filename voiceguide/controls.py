"""Commands a person gives during a session, by key (and later by voice).

Commands arrive from other threads (the key reader, the voice listener). They
queue here and wake the session's timeline; the session handles them between
two samples of waiting. "stop" always works and wins.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

# What a command does to the session's place in its program.
FLOW = ("stop", "exit", "skip", "back", "repeat", "pause")
# Commands that also end a spoken answer being recorded.
ENDS_ANSWER = (*FLOW, "enter", "done")

KEYS_HELP = (
    "Keys you can press at any time: space to pause, and space again to go on. "
    "r to repeat. n to skip. b to go back. s to stop. "
    "Plus and minus for louder and quieter. "
    "The greater-than and less-than keys for faster and slower, "
    "v for another voice, "
    "and k to keep the speed, loudness and voice for next time. "
    "Escape twice to leave at once. The exclamation mark if you need help now. "
    "The question mark says this again. "
    "voiceguide is a self-help companion, not therapy."
)

VOICE_HELP = (
    "You can also say, on its own: stop, pause, go on, repeat, repeat slower, "
    "skip, back, slower, faster, louder, quieter, change voice, keep settings, "
    "done, menu, exit, help, or I need help."
)

NEED_HELP = (
    "If you are in danger, or might act on thoughts of harming yourself, please "
    "call your local emergency number now. You deserve help, and it is there."
)


class Flow(Exception):
    """Raised out of a wait to change what the session does next."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Controls:
    def __init__(self) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        self._wake: list[threading.Event] = []
        self._hooks: list[Callable[[str], None]] = []
        self._lock = threading.Lock()

    def send(self, name: str) -> None:
        """Thread-safe: queue a command and wake whoever is waiting."""
        self._queue.put(name)
        with self._lock:
            wake, hooks = list(self._wake), list(self._hooks)
        for event in wake:
            event.set()
        for hook in hooks:
            hook(name)

    def wake_on_command(self, event: threading.Event) -> None:
        with self._lock:
            self._wake.append(event)

    def add_hook(self, hook: Callable[[str], None]) -> None:
        with self._lock:
            self._hooks.append(hook)

    def remove_hook(self, hook: Callable[[str], None]) -> None:
        with self._lock:
            self._hooks.remove(hook)

    def take(self) -> list[str]:
        """Every command queued so far, oldest first; "stop" and "exit" first."""
        out = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                break
        urgent = [c for c in out if c in ("exit", "stop")]
        return urgent[:1] or out

    def wait(self, timeout: float) -> str | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
