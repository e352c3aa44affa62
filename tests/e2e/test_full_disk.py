"""A full disk, for real: the notes folder on a small tmpfs that fills up.

Mounting needs root, which CI has: there these tests must run. Elsewhere,
without root, they skip with the reason.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from killing import Proc

from voiceguide.errors import NotesError
from voiceguide.notes import NoteBook, parse

PROGRAM = "daily-check-in"  # four prompts
ANSWERS = ["Tired but here.", "Tight shoulders.", "Quiet and food.",
           "A walk before dark."]
SAVED = "Saved."
WAIT_S = 60.0


def fill(disk: Path, name: str = "filler") -> Path:
    """Take every free byte of ``disk``; the file that holds them."""
    path = disk / name
    with open(path, "ab", buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    f.write(bytes(size))
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
    return path


def start(home: Path, notes: Path) -> Proc:
    argv = [sys.executable, "-m", "voiceguide", "run", PROGRAM, "--answers",
            "typed", "--pace", "0", "--silent", "--notes-dir", str(notes)]
    return Proc(argv, {**os.environ, "VOICEGUIDE_HOME": str(home)})


def first_answer_saved(proc: Proc, notes: Path) -> tuple[Path, str]:
    """Answer once, wait for "Saved."; the note and its text then."""
    assert proc.send(ANSWERS[0])
    assert proc.wait_for(SAVED, 1, WAIT_S) is not None, proc.stdout
    (path,) = NoteBook(notes).all_paths()
    text = path.read_text(encoding="utf-8")
    assert [a.text for a in parse(text).answers] == ANSWERS[:1]
    return path, text


def leftovers(folder: Path) -> list[Path]:
    """Temp copies of notes and write probes (a lock file is no leftover)."""
    return [p for p in folder.rglob(".*")
            if p.name.endswith(".tmp") or p.name.startswith(".write-test")]


def test_disk_full_mid_session_loses_nothing(small_disk: Path,
                                              tmp_path: Path) -> None:
    notes = small_disk / "notes"
    proc = start(tmp_path / "home", notes)
    try:
        path, good = first_answer_saved(proc, notes)
        fill(small_disk)
        for answer in ANSWERS[1:]:
            assert proc.send(answer)
        proc.close_input()
    finally:
        code, out, err = proc.finish(WAIT_S)
    assert "Traceback" not in err
    assert code == 1, out + err
    # One clear message, said once; no answer after it is called saved.
    assert out.count("Your note could not be saved.") == 1, out
    assert out.count("No space left on device") == 1, out
    assert out.splitlines().count(SAVED) == 1, out
    assert out.splitlines().count("Kept, but not saved yet.") == len(ANSWERS) - 1
    # Every answer printed in full at the end, as a whole note.
    head, _, printed = err.partition("Here it is in full, so nothing is lost:\n")
    assert "could not be saved" in head, err
    kept = parse(printed)
    assert [a.text for a in kept.answers] == ANSWERS
    assert kept.finished is not None
    # On disk: the last good version, whole; no temp file left behind.
    assert path.read_text(encoding="utf-8") == good
    assert leftovers(notes) == []


def test_disk_freed_mid_session_saves_everything(small_disk: Path,
                                                  tmp_path: Path) -> None:
    notes = small_disk / "notes"
    proc = start(tmp_path / "home", notes)
    try:
        path, _ = first_answer_saved(proc, notes)
        filler = fill(small_disk)
        assert proc.send(ANSWERS[1])
        assert proc.wait_for("Kept, but not saved yet.", 1, WAIT_S) is not None
        filler.unlink()  # space again: the next save writes every answer
        for answer in ANSWERS[2:]:
            assert proc.send(answer)
        proc.close_input()
    finally:
        code, out, err = proc.finish(WAIT_S)
    assert code == 0, out + err
    assert out.count("Your note could not be saved.") == 1, out
    note = parse(path.read_text(encoding="utf-8"))
    assert [a.text for a in note.answers] == ANSWERS
    assert note.finished is not None
    assert leftovers(notes) == []


def test_disk_full_at_the_start_refuses_before_speaking(small_disk: Path,
                                                        tmp_path: Path) -> None:
    notes = small_disk / "notes"
    notes.mkdir()
    fill(small_disk)
    proc = start(tmp_path / "home", notes)
    proc.close_input()
    code, out, err = proc.finish(WAIT_S)
    assert code == NotesError.exit_code, out + err
    assert out == ""  # nothing said, nothing shown: it never began
    assert err.splitlines() == [
        f"voiceguide: cannot write notes in {notes} (No space left on device)",
        "  fix: Free some disk space, or choose another folder with --notes-dir "
        "DIR.",
    ]
    assert leftovers(notes) == [] and list(notes.rglob("*.md")) == []
