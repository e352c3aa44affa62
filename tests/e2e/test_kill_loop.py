"""Nothing lost, proven: real sessions SIGKILLed at random moments.

After every kill each note in the folder parses, is whole, and holds every
answer the session had confirmed ("Saved.") before it died, word for word.
``VG_KILL_LOOPS`` (default 100) sets the typed loop's kills,
``VG_KILL_VOICE_LOOPS`` (default 12) the spoken one's; ``VG_KILL_SEED`` replays
a failure's choices. See tests/killing.py.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import wave
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from killing import (
    LINE_WAIT_S,
    Moment,
    NotesLedger,
    Outcome,
    Proc,
    kill_loop,
    loops_from_env,
    seed_from_env,
)

from voiceguide.notes import parse
from voiceguide.program import find

TYPED_LOOPS = loops_from_env("VG_KILL_LOOPS", 100)
VOICE_LOOPS = loops_from_env("VG_KILL_VOICE_LOOPS", 12)
PROGRAM = "rebuilding-trust"
SAVED = "Saved."
SKIPPED = "Skipped."
# Answers a person might type, with the lines a note's format must escape.
ANSWERS = (
    "I kept my promise to rest.",
    "# not a heading",
    "---",
    "answered: not a field",
    "## also not a heading",
    "\\a backslash first",
    "(transcript pending)",
    "ünïcode, emoji ✓ and 日本語",
    "a colon: and · a middle dot",
    "Quotes \"double\" and 'single'",
    "x" * 3000,
)


def voiceguide(*args: str) -> list[str]:
    return [sys.executable, "-m", "voiceguide", *args]


class TypedSession:
    """`voiceguide run rebuilding-trust --answers typed`, answers from a pipe:
    all at once (as fast as they can come) or one after each prompt."""

    name = "typed session"

    def __init__(self, home: Path, notes: Path) -> None:
        self.home, self.notes = home, notes
        self.ledger = NotesLedger(notes)
        program = find(PROGRAM)
        self.prompts = [" ".join(p.text.split()) for p in program.prompts if p.answer]
        self.lines: list[str] = []
        self.burst = True
        self.seen: Counter[str] = Counter()  # where the kills landed

    def command(self, rng: random.Random) -> tuple[list[str], dict[str, str]]:
        n = rng.randint(1, len(self.prompts) + 1)
        self.lines = ["" if rng.random() < 0.15 else rng.choice(ANSWERS)
                      for _ in range(n)]
        self.burst = rng.random() < 0.5
        argv = voiceguide("run", PROGRAM, "--answers", "typed", "--pace", "0",
                          "--silent", "--notes-dir", str(self.notes))
        return argv, {**os.environ, "VOICEGUIDE_HOME": str(self.home)}

    def moment(self, rng: random.Random, horizon: float) -> Moment:
        saves = max(1, sum(1 for ln in self.lines if ln))
        roll = rng.random()
        if roll < 0.4:  # anywhere, start-up and the final save included
            return Moment(rng.uniform(0, horizon * 1.2), kind="from start")
        if roll < 0.65:  # while a save is (or the next one will be) written
            return Moment(rng.uniform(0, 0.004), SAVED, rng.randint(1, saves),
                          kind="after a save")
        if roll < 0.85:  # while answers are arriving
            return Moment(rng.uniform(0, 0.05), "Type your answer",
                          kind="answers arriving")
        return Moment(rng.uniform(0, 0.06), SAVED, saves, kind="at the end")

    def drive(self, proc: Proc, rng: random.Random) -> None:
        for i, line in enumerate(self.lines):
            # One at a time: each once the one before it was taken.
            if not self.burst and i and proc.wait_for((SAVED, SKIPPED), i) is None:
                return
            if not proc.send(line):
                return
        proc.close_input()  # the end of input ends the session cleanly

    def check(self, outcome: Outcome) -> None:
        assert "Traceback" not in outcome.stderr, outcome.stderr
        scan = self.ledger.scan()
        assert not scan.changed, f"a note of an earlier run changed: {scan.changed}"
        assert len(scan.new) <= 1, f"one run, several notes: {list(scan.new)}"
        typed = [ln for ln in outcome.sent if ln]
        taken = outcome.sent[: outcome.count(SAVED) + outcome.count(SKIPPED)]
        confirmed = [ln for ln in taken if ln]
        if not outcome.killed:
            assert outcome.returncode == 0, outcome.stderr
        if not scan.new:
            assert outcome.killed and not confirmed, "answers confirmed, no note"
            self.seen["before the note existed"] += 1
            return
        (path, note), = scan.new.items()
        if outcome.killed:
            self.seen["with the note on disk"] += 1
            self.seen["between a save and its 'Saved.'"] += \
                len(note.answers) > len(confirmed)
            self.seen["after the last save"] += note.finished is not None
        assert note.program == PROGRAM
        texts = [a.text for a in note.answers]
        assert texts == typed[: len(texts)], "the note holds what was not typed"
        assert len(texts) >= len(confirmed), (
            f"confirmed answers lost: {confirmed[len(texts):]!r}")
        answered = [p for p, ln in zip(self.prompts, outcome.sent, strict=False)
                    if ln]
        assert [a.prompt for a in note.answers] == answered[: len(texts)]
        assert all(a.mode == "typed" and not a.pending for a in note.answers)
        if not outcome.killed:
            n = len(texts)
            assert note.finished is not None
            assert f"Note saved ({n} answer{'s' if n != 1 else ''}): {path}" \
                in outcome.stdout


def _listed(notes: Path, home: Path) -> str:
    """`voiceguide notes list` as the person would run it."""
    done = subprocess.run(voiceguide("notes", "list", "--notes-dir", str(notes)),
                          env={**os.environ, "VOICEGUIDE_HOME": str(home)},
                          capture_output=True, text=True, timeout=LINE_WAIT_S)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.timeout(120 + 3 * TYPED_LOOPS)  # a nightly run has more kills
def test_typed_sessions_killed_at_random_moments_lose_nothing(
        tmp_path: Path) -> None:
    home, notes = tmp_path / "home", tmp_path / "notes"
    target = TypedSession(home, notes)
    seed = seed_from_env()
    print(f"typed kill loop: VG_KILL_SEED={seed}")
    report = kill_loop(target, TYPED_LOOPS, seed)
    print(f"typed kill loop: {report}; killed {dict(target.seen)}; "
          f"{len(target.ledger.temps)} temp files left")
    assert report.killed >= report.runs // 3, f"too few kills landed: {report}"
    listed = _listed(notes, home)
    assert "unreadable" not in listed
    assert len(listed.splitlines()) == len(target.ledger.known) > 0


# ---------------------------------------------------------------- spoken answers

VOICE_PROGRAM = """\
title = "Two spoken answers"
kind = "journal"
minutes = 1
summary = "Two questions, answered aloud."
[[step]]
prompt = "What did you hear today?"
[[step]]
prompt = "And what else?"
[[step]]
say = "Thank you."
"""
CLIPS = ("alif_mlek_librispeech/i_tell_you.wav",  # 3.7 s of real speech
         "alif_mlek_librispeech/another_engineer.wav")  # 4.4 s
LISTENING = "Listening"
WRITING = "Writing out your answers"


class VoiceSession:
    """`voiceguide run --answers voice` through the virtual microphone: each
    answer is a real recording played into the mic, ended by Enter."""

    name = "spoken session"

    def __init__(self, home: Path, notes: Path, program: Path, speech: Path,
                 feed: Callable[..., threading.Thread]) -> None:
        self.home, self.notes, self.program = home, notes, program
        self.speech, self.feed = speech, feed
        self.ledger = NotesLedger(notes)
        self.confirmed: list[tuple[Path, int]] = []  # (note, answer index)

    def command(self, rng: random.Random) -> tuple[list[str], dict[str, str]]:
        argv = voiceguide("run", str(self.program), "--answers", "voice",
                          "--pace", "0", "--silent", "--notes-dir", str(self.notes))
        return argv, {**os.environ, "VOICEGUIDE_HOME": str(self.home)}

    def moment(self, rng: random.Random, horizon: float) -> Moment:
        roll = rng.random()
        if roll < 0.3:
            return Moment(rng.uniform(0, horizon), kind="from start")
        if roll < 0.45:  # the note names the recording; the microphone opens
            return Moment(rng.uniform(0, 0.15), LISTENING, rng.randint(1, 2),
                          kind="listening starts")
        if roll < 0.65:
            return Moment(rng.uniform(0.15, 5.0), LISTENING, rng.randint(1, 2),
                          kind="while recording")
        if roll < 0.85:  # written out in the background, the next one begins
            return Moment(rng.uniform(0, 3.0), SAVED, rng.randint(1, 2),
                          kind="after a save")
        return Moment(rng.uniform(0, 2.0), WRITING, kind="at the end")

    def drive(self, proc: Proc, rng: random.Random) -> None:
        for k, clip in enumerate(CLIPS, 1):
            if proc.wait_for(LISTENING, k) is None:
                return
            # Played to its end even after a kill: it must not leak into the
            # next run's microphone.
            self.feed(self.speech / clip, 0.3).join(timeout=LINE_WAIT_S)
            if not proc.send(""):  # Enter ends the answer
                return
        proc.close_input()

    def check(self, outcome: Outcome) -> None:
        assert "Traceback" not in outcome.stderr, outcome.stderr
        scan = self.ledger.scan()
        assert not scan.changed, f"a note of an earlier run changed: {scan.changed}"
        assert len(scan.new) <= 1, f"one run, several notes: {list(scan.new)}"
        saved = outcome.count(SAVED)
        if not outcome.killed:
            assert outcome.returncode == 0, outcome.stderr
        if not scan.new:
            assert outcome.killed and not saved, "answers confirmed, no note"
            return
        (path, note), = scan.new.items()
        assert len(note.answers) >= saved, "a confirmed spoken answer is lost"
        for i, answer in enumerate(note.answers):
            assert answer.mode == "spoken" and answer.audio, answer
            audio = path.parent / answer.audio
            assert audio.is_file(), f"answer {i + 1}: no recording at {audio}"
            with wave.open(str(audio)) as w:  # readable as it is, unrepaired
                assert (w.getframerate(), w.getnchannels()) == (16000, 1)
                frames = w.getnframes()
            if i < saved:
                assert frames > 16000, f"answer {i + 1}: {frames} frames"
                self.confirmed.append((path, i))
        if not outcome.killed:
            assert note.finished is not None
            assert all(a.text and not a.pending for a in note.answers), note


@pytest.mark.audio
@pytest.mark.engine
@pytest.mark.timeout(600 + 40 * VOICE_LOOPS)
def test_spoken_sessions_killed_at_random_moments_lose_nothing(
        voice_home: Path, tmp_path: Path, shared_dir: Path,
        mic_feed: Callable[..., threading.Thread]) -> None:
    (voice_home / "config.toml").write_text("answer_silence = 2.0\n")
    program = tmp_path / "two-spoken.toml"
    program.write_text(VOICE_PROGRAM)
    notes = tmp_path / "notes"
    target = VoiceSession(voice_home, notes, program, shared_dir / "speech",
                          mic_feed)
    seed = seed_from_env()
    print(f"spoken kill loop: VG_KILL_SEED={seed}")
    report = kill_loop(target, VOICE_LOOPS, seed, timeout=180.0)
    pending = sum(a.pending for text in target.ledger.known.values()
                  for a in parse(text).answers)
    print(f"spoken kill loop: {report}; {pending} answers pending")
    # The kills leave answers pending: one retranscribe writes them all out.
    done = subprocess.run(voiceguide("notes", "retranscribe", "--notes-dir",
                                     str(notes)),
                          env={**os.environ, "VOICEGUIDE_HOME": str(voice_home)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Written out: {pending}. Still pending: 0." in done.stdout or (
        pending == 0 and "No answers are waiting" in done.stdout), done.stdout
    assert not target.ledger.scan().new  # rewritten in place, whole
    notes_now = {p: parse(t) for p, t in target.ledger.known.items()}
    assert not any(a.pending for n in notes_now.values() for a in n.answers)
    for path, i in target.confirmed:  # real speech: real words
        assert notes_now[path].answers[i].text, (path, i)
