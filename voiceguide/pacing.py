"""A monotonic timeline for pauses, speech and breathing.

Every event is scheduled at an absolute offset from the session's start (the
cursor), never at "now + duration", so lateness in one step is not carried into
the next and the error does not grow over a session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class VirtualClock:
    """A clock that only moves when slept on: for --render and tests."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep_until(self, t: float, interrupt: threading.Event | None = None) -> bool:
        if interrupt is not None and interrupt.is_set():
            return False  # a command came: it is handled before time moves on
        self.t = max(self.t, t)
        return True


class RealClock:
    """time.monotonic, with waits that an Event can cut short."""

    def now(self) -> float:
        return time.monotonic()

    def sleep_until(self, t: float, interrupt: threading.Event | None = None) -> bool:
        """Wait until monotonic time t; False if interrupted first."""
        event = interrupt or threading.Event()
        while True:
            left = t - time.monotonic()
            if left <= 0:
                return True
            # Event.wait wakes within about a millisecond on Linux; the loop
            # absorbs early wake-ups.
            if event.wait(left):
                return False


class Timeline:
    """The session's schedule. ``pace`` scales pauses and breaths, not speech."""

    def __init__(self, clock: RealClock | VirtualClock, pace: float = 1.0) -> None:
        self.clock = clock
        self.pace = pace
        self.start = clock.now()
        self.cursor = 0.0  # seconds after start at which the next event is due
        self.interrupt = threading.Event()
        # Called when a wait is interrupted; it may raise to abandon the wait,
        # or return to go on waiting.
        self.on_interrupt: Callable[[], None] | None = None

    def elapsed(self) -> float:
        return self.clock.now() - self.start

    def resync(self) -> None:
        """Re-anchor after an open-ended wait (a person answering)."""
        self.cursor = max(self.cursor, self.elapsed())

    def wait_cursor(self) -> bool:
        """Wait until the cursor; False if interrupted (with no handler set)."""
        while not self.clock.sleep_until(self.start + self.cursor, self.interrupt):
            if self.on_interrupt is None:
                return False
            self.interrupt.clear()
            self.on_interrupt()
        return True

    def hold(self, seconds: float) -> bool:
        """Move the cursor on by ``seconds`` of sound (not scaled) and wait."""
        self.cursor += max(0.0, seconds)
        return self.wait_cursor()

    def rest(self, seconds: float) -> bool:
        """Move the cursor on by a pause or breath, scaled by pace, and wait."""
        return self.hold(seconds * self.pace)
