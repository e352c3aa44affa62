"""Typed answers, read line by line from a terminal or a pipe."""

from __future__ import annotations

from typing import TextIO


class TypedAnswers:
    """One line is one answer; an empty line skips; end of input ends the run."""

    mode = "typed"

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def ask(self, prompt: str) -> str | None:
        line = self.stream.readline()
        if line == "":
            return None
        return line.rstrip("\r\n").strip()
