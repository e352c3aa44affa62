"""Waiting on engines that cannot be interrupted, with a bound."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from voiceguide.errors import VoiceGuideError

T = TypeVar("T")

# Threads given up on. An engine still running in one when Python exits can
# crash the interpreter's teardown, so the program's exit waits for them a
# little, then leaves without teardown (see cli.entry).
ABANDONED: list[threading.Thread] = []


def wait_for_abandoned(timeout_s: float) -> bool:
    """Give abandoned engine threads up to ``timeout_s`` to end; True if all did."""
    import time

    deadline = time.monotonic() + timeout_s
    for thread in ABANDONED:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in ABANDONED)


def run_bounded(fn: Callable[[], T], timeout_s: float, what: str, hint: str) -> T:
    """Run ``fn`` in a daemon thread and wait at most ``timeout_s``.

    The engines (CTranslate2, PocketSphinx, pyttsx3) cannot be interrupted, so
    on timeout the thread is abandoned: it finishes, or not, in the background
    and its result is dropped. ``what`` names the work for the message.
    """
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as e:  # handed to the caller's thread below
            error.append(e)

    worker = threading.Thread(target=target, name=what, daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        ABANDONED.append(worker)
        raise VoiceGuideError(f"{what} took more than {timeout_s:g} s; gave up", hint)
    if error:
        raise error[0]
    return result[0]
