"""Printing for the command line: one write per line, so lines printed from
other threads (keys, transcripts) never interleave inside a line."""

from __future__ import annotations

import sys


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
