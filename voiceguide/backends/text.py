"""Typed input: answers and the Enter key, read line by line from a terminal or pipe."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TextIO

_EOF = object()


class LineReader:
    """Reads lines in a background thread, so a wait for one can be bounded."""

    def __init__(self, stream: TextIO) -> None:
        self._lines: queue.Queue[object] = queue.Queue()
        self.eof = False
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True,
                                        name="stdin")
        self._thread.start()

    def _read(self, stream: TextIO) -> None:
        try:
            for line in iter(stream.readline, ""):
                self._lines.put(line.rstrip("\r\n"))
        except (OSError, ValueError):  # stdin closed under us
            pass
        except BaseException as e:  # handed to the reader's caller, in its thread
            self._lines.put(e)
            return
        self._lines.put(_EOF)

    def get(self, timeout: float | None = None) -> str | None:
        """The next line; None at end of input. Raises queue.Empty on timeout."""
        if self.eof:
            return None
        item = self._lines.get(timeout=timeout)
        if item is _EOF:
            self.eof = True
            return None
        if isinstance(item, BaseException):
            self.eof = True
            raise item
        assert isinstance(item, str)
        return item


class TypedAnswers:
    """One line is one answer; an empty line skips; end of input ends the run."""

    mode = "typed"

    def __init__(self, lines: LineReader) -> None:
        self.lines = lines

    def ask(self, prompt: str, poll: Callable[[], None] | None = None) -> str | None:
        """Wait for a line; ``poll`` runs every 0.2 s and may raise to give up."""
        while True:
            try:
                line = self.lines.get(timeout=0.2 if poll else None)
            except queue.Empty:
                if poll:
                    poll()
                continue
            return None if line is None else line.strip()
