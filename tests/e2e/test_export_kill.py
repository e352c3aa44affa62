"""SIGKILL `voiceguide notes export` at random moments (tests/killing.py): the
export file is either the last whole export or absent, never half a file; the
notes are untouched; and the index the export brought up to date still works.

VG_EXPORT_KILLS sets the number of kills; VG_KILL_SEED replays a failure.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from killing import (
    Moment,
    NotesLedger,
    Outcome,
    Proc,
    kill_loop,
    loops_from_env,
    seed_from_env,
)
from vaulting import make_notes, secret

REPO = Path(__file__).resolve().parents[2]
NOTES = 300

pytestmark = pytest.mark.timeout(900)


class ExportTarget:
    name = "notes export"

    def __init__(self, home: Path) -> None:
        self.root = home / "notes"
        make_notes(self.root, NOTES)
        self.out = home / "journal.json"
        self.ledger = NotesLedger(self.root)
        self.ledger.scan()
        self.env = {**os.environ, "VOICEGUIDE_HOME": str(home),
                    "PYTHONPATH": str(REPO)}
        self.whole = 0  # runs that found a whole export afterwards

    def command(self, rng: random.Random) -> tuple[list[str], dict[str, str]]:
        if rng.random() < 0.3:  # sometimes the index must be built again too
            for p in (self.root / ".voiceguide").glob("index.sqlite3*"):
                p.unlink()
        return [sys.executable, "-m", "voiceguide", "notes", "export", "--format",
                "json", "--output", str(self.out)], self.env

    def moment(self, rng: random.Random, horizon: float) -> Moment:
        return Moment(rng.uniform(0.0, horizon * 1.1), kind="anywhere")

    def drive(self, proc: Proc, rng: random.Random) -> None:
        proc.close_input()

    def check(self, outcome: Outcome) -> None:
        where = f"{outcome.moment}"
        if not outcome.killed:
            assert outcome.returncode == 0, outcome.stderr
        if self.out.exists():  # only ever a whole export, from this or a run before
            notes = json.loads(self.out.read_text(encoding="utf-8"))
            assert len(notes) == NOTES, where
            texts = sorted(a["text"] for n in notes for a in n["answers"])
            assert texts == sorted(secret(i) for i in range(NOTES)), where
            self.whole += 1
        else:
            assert outcome.killed, f"a finished export left no file: {where}"
        scan = self.ledger.scan()  # the notes themselves: untouched
        assert not scan.new and not scan.changed, where


def test_killed_exports_leave_a_whole_file_or_none(tmp_path: Path) -> None:
    loops = loops_from_env("VG_EXPORT_KILLS", 40)
    target = ExportTarget(tmp_path / "home")
    report = kill_loop(target, loops, seed_from_env(), timeout=120)
    print(report)
    assert report.killed >= loops // 3  # cut off while running, not all at the end
    assert target.whole == loops + 1  # the first whole export is never lost
    listed = subprocess.run([sys.executable, "-m", "voiceguide", "notes", "list"],
                            env=target.env, capture_output=True, text=True,
                            timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("Trust yourself") == NOTES
    assert "unreadable" not in listed.stdout
