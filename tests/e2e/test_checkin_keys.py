"""Number keys and the help key on a real terminal, in a real `voiceguide run`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from ptyterm import Terminal

from voiceguide import checkin, support
from voiceguide.notes import NoteBook

pytestmark = pytest.mark.timeout(120)

PROGRAM = """\
title = "Feet"
kind = "grounding"
minutes = 1
summary = "Two lines."
[[step]]
say = "First line."
[[step]]
say = "Last line."
"""


def _run(tmp_path: Path) -> tuple[Terminal, Path]:
    program = tmp_path / "feet.toml"
    program.write_text(PROGRAM)
    home = tmp_path / "home"
    env = {**os.environ, "VOICEGUIDE_HOME": str(home)}
    term = Terminal([sys.executable, "-m", "voiceguide", "run", str(program),
                     "--silent", "--pace", "0"], env)
    return term, home


def test_ratings_by_number_keys(tmp_path: Path) -> None:
    term, home = _run(tmp_path)
    try:
        term.expect(checkin.HOW_KEYS)
        term.send("6")
        term.expect(checkin.noted(6))
        term.expect(checkin.QUESTION["after"])
        term.send("1")
        term.send("0")  # within the moment: ten, not one
        term.expect(checkin.noted(10))
        assert term.wait() == 0
        book = NoteBook(home / "notes")
        note = book.read(book.all_paths()[0])
        assert note.distress == {"before": 6, "after": 10}
        shown = term.seen.decode("utf-8", "replace")
        assert "First line." in shown and "Last line." in shown
    finally:
        term.close()


def test_exclamation_mark_reads_the_contacts_then_waits(tmp_path: Path) -> None:
    home = tmp_path / "home"
    support.add(home / "support.toml", "Sam", "07700 900123")
    term, _ = _run(tmp_path)
    try:
        term.expect(checkin.HOW_KEYS)
        term.send("!")
        term.expect(support.REMINDER)
        term.expect("Sam: 0 7 7 0 0, 9 0 0 1 2 3.")
        term.expect(support.GO_ON)
        with pytest.raises(AssertionError):  # nothing goes on by itself
            term.expect(checkin.QUESTION["before"], timeout=1.5)
        term.send(" ")
        term.expect(checkin.QUESTION["before"])  # asked again
        term.send("\r")  # Enter: skip
        term.expect(checkin.SKIPPED)
        term.expect(checkin.QUESTION["after"])
        term.send("s")  # stop works in a check-in too
        assert term.wait() == 0
        book = NoteBook(home / "notes")
        assert book.read(book.all_paths()[0]).distress == {}
    finally:
        term.close()
