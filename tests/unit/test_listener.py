"""The command listener's cutting and its yielding to the person's voice, fed
blocks directly (the microphone stream itself is tested end to end)."""

from __future__ import annotations

import threading
import time

import numpy as np

from voiceguide.audio import AudioClip
from voiceguide.listener import BLOCK_S, RATE, CommandListener

TIMEOUT_S = 10.0


def _noise(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0, 20, round(seconds * RATE)).astype(np.int16)


def _words(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * RATE)) / RATE
    swell = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
    voiced = 6000 * np.sin(2 * np.pi * 180 * t) * swell
    return (voiced + rng.normal(0, 200, len(t))).astype(np.int16)


class Run:
    """A listener whose blocks come from the test, with a scripted recognizer."""

    def __init__(self, answer: str | None) -> None:
        self.events: list[tuple[str, object]] = []
        self.decided = threading.Event()

        def recognize(clip: AudioClip) -> str | None:
            self.events.append(("clip", round(clip.duration, 2)))
            self.decided.set()
            return answer

        self.listener = CommandListener(
            recognize, lambda c: self.events.append(("send", c)), lambda: True,
            on_speech=lambda on: self.events.append(("yield", on)))
        self.threads = [
            threading.Thread(target=self.listener._cut, daemon=True),
            threading.Thread(target=self.listener._decode, daemon=True),
        ]
        for t in self.threads:
            t.start()

    def feed(self, samples: np.ndarray) -> None:
        step = round(BLOCK_S * RATE)
        for i in range(0, len(samples), step):
            self.listener._blocks.put(samples[i:i + step])

    def settle(self) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not self.listener._blocks.empty():
            assert time.monotonic() < deadline, "the listener did not keep up"
            time.sleep(0.01)
        time.sleep(0.2)

    def close(self) -> None:
        self.listener.close()
        for t in self.threads:
            t.join(TIMEOUT_S)


def test_a_short_command_quiets_the_guide_then_gives_it_back() -> None:
    run = Run("stop")
    try:
        run.feed(_noise(1.0, 1))
        run.feed(_words(0.15, 2))  # the word has just begun
        run.settle()
        assert run.events == [("yield", True)]  # quiet before the word is over
        run.feed(_words(0.35, 3))
        run.feed(_noise(0.8, 4))
        assert run.decided.wait(TIMEOUT_S)
        run.settle()
    finally:
        run.close()
    kinds = [e[0] for e in run.events]
    assert kinds == ["yield", "clip", "send", "yield"], run.events
    assert run.events[2] == ("send", "stop") and run.events[-1] == ("yield", False)


def test_long_talk_is_never_decoded_and_the_guide_comes_back_while_it_goes_on(
) -> None:
    run = Run("stop")
    try:
        run.feed(_noise(1.0, 5))
        run.feed(_words(3.0, 6))
        run.settle()
        assert run.events == [("yield", True), ("yield", False)]  # still talking
        run.feed(_noise(0.8, 7))
        run.settle()
    finally:
        run.close()
    assert not run.decided.is_set()
    assert run.events == [("yield", True), ("yield", False)]


def test_a_word_that_is_no_command_gives_the_guide_back() -> None:
    run = Run(None)
    try:
        run.feed(_noise(1.0, 8))
        run.feed(_words(0.5, 9))
        run.feed(_noise(0.8, 10))
        assert run.decided.wait(TIMEOUT_S)
        run.settle()
    finally:
        run.close()
    assert run.events[0] == ("yield", True) and run.events[-1] == ("yield", False)
    assert ("send", None) not in run.events and len(run.events) == 3
