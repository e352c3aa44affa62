"""Kill a real voiceguide process at a random moment, then check what it left.

``kill_loop(target, loops, seed)`` starts the target's command again and again
and SIGKILLs each run at a moment drawn from a seeded generator: so many
seconds after the start, or after the n-th output line of a kind (the third
"Saved.", say). After each run ``target.check`` looks at what is on disk.

Any command can be a target (a session, an export, turning encryption on): a
``Target`` says how to start it, how to feed it, when to kill it and what must
hold afterwards. ``NotesLedger`` is the invariant every target that writes
notes shares: every note parses and is whole, a temp file is never listed as a
note, and notes a run did not own stay exactly as they were.

A failure names the loop's seed: ``VG_KILL_SEED=<seed>`` replays the same
choices (answers, modes, moments; the machine's timing still varies).
``VG_KILL_LOOPS`` sets how many kills (CI: 100; a nightly run: 1000 or more).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from voiceguide.notes import Note, NoteBook, parse, render

LINE_WAIT_S = 60.0  # the longest any wait for a line or an exit may take


def loops_from_env(name: str, default: int) -> int:
    """How many kills: ``$name`` when set (a nightly run sets it higher)."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def seed_from_env() -> int:
    """``VG_KILL_SEED`` to replay a failure, else a fresh seed."""
    value = os.environ.get("VG_KILL_SEED", "").strip()
    return int(value) if value else random.SystemRandom().randrange(2**31)


# ---------------------------------------------------------------- one process


@dataclass(frozen=True)
class Moment:
    """When to kill: ``delay`` seconds after the ``count``-th output line that
    starts with ``after`` (after the start when ``after`` is empty)."""

    delay: float
    after: str = ""
    count: int = 1
    kind: str = "start"  # a name for the report: which sort of moment this is

    def __str__(self) -> str:
        where = f"line {self.count} starting {self.after!r}" if self.after else "start"
        return f"{self.kind}: {self.delay * 1000:.1f} ms after {where}"


NEVER = Moment(delay=-1.0, kind="never")  # let the run end by itself


class Proc:
    """A started command: its output is read line by line, in threads, with
    each line's arrival time, so waits on it are bounded and never guesses."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.started = time.monotonic()
        # Its own process group: a kill takes any child it started with it,
        # and nothing else.
        self._popen = subprocess.Popen(
            list(argv), env=dict(env), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", errors="replace", start_new_session=True)
        self.lines: list[tuple[float, str]] = []
        self.sent: list[str] = []
        self._err: list[str] = []
        self._ended = False
        self._cond = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read_out, daemon=True, name="kill-stdout"),
            threading.Thread(target=self._read_err, daemon=True, name="kill-stderr"),
        ]
        for reader in self._readers:
            reader.start()

    def _read_out(self) -> None:
        assert self._popen.stdout is not None
        for line in self._popen.stdout:
            with self._cond:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self._cond.notify_all()
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def _read_err(self) -> None:
        assert self._popen.stderr is not None
        self._err.extend(self._popen.stderr)

    def wait_for(self, prefix: str | tuple[str, ...], count: int = 1,
                 timeout: float = LINE_WAIT_S) -> float | None:
        """When the ``count``-th line starting with ``prefix`` arrived; None if
        the output ended first. Raises TimeoutError past ``timeout``."""

        def seen() -> float | None:
            hits = [t for t, ln in self.lines if ln.startswith(prefix)]
            return hits[count - 1] if len(hits) >= count else None

        with self._cond:
            if not self._cond.wait_for(lambda: seen() is not None or self._ended,
                                       timeout):
                raise TimeoutError(f"no line {count} starting {prefix!r} "
                                   f"within {timeout} s")
            return seen()

    def send(self, line: str) -> bool:
        """Write one line to its input; False once it has gone."""
        stdin = self._popen.stdin
        try:
            assert stdin is not None
            stdin.write(line + "\n")
            stdin.flush()
        except (OSError, ValueError):  # a broken pipe, or input already closed
            return False
        self.sent.append(line)
        return True

    def close_input(self) -> None:
        try:
            assert self._popen.stdin is not None
            self._popen.stdin.close()
        except (OSError, ValueError):
            pass

    def kill_at(self, moment: Moment, timeout: float = LINE_WAIT_S) -> None:
        """SIGKILL at ``moment``, unless it ends by itself before."""
        if moment is NEVER:
            return
        at = self.started
        if moment.after:
            seen = self.wait_for(moment.after, moment.count, timeout)
            if seen is None:
                return  # it ended before that line
            at = seen
        remaining = at + moment.delay - time.monotonic()
        try:  # waiting on its exit, so one that ends early is not waited for
            self._popen.wait(timeout=max(0.0, remaining))
            return
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def kill(self) -> None:
        if self._popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._popen.pid, signal.SIGKILL)

    def finish(self, timeout: float = LINE_WAIT_S) -> tuple[int, str, str]:
        """Wait for the end (killing it past ``timeout``); exit code, out, err.
        A kill leaves the lines it had printed in the pipe: all are read."""
        try:
            code = self._popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self._popen.wait(10)
            raise TimeoutError(f"still running after {timeout} s; killed") from None
        finally:
            self.close_input()
            for reader in self._readers:
                reader.join(10)
        return code, self.stdout, "".join(self._err)

    @property
    def stdout(self) -> str:
        with self._cond:
            return "".join(ln + "\n" for _, ln in self.lines)


# ---------------------------------------------------------------- a target


@dataclass(frozen=True)
class Outcome:
    """What one run did: how it ended, what it printed, what it was sent."""

    seed: int
    moment: Moment
    returncode: int
    stdout: str
    stderr: str
    sent: tuple[str, ...]
    elapsed: float

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL

    def count(self, line: str) -> int:
        """How many output lines are exactly ``line``."""
        return self.stdout.splitlines().count(line)


class Target(Protocol):
    """One command to kill, and the invariant it must keep."""

    name: str

    def command(self, rng: random.Random) -> tuple[list[str], dict[str, str]]:
        """argv and env for the next run (random choices come from ``rng``)."""

    def moment(self, rng: random.Random, horizon: float) -> Moment:
        """When to kill the next run; ``horizon``: how long a whole run took."""

    def drive(self, proc: Proc, rng: random.Random) -> None:
        """Feed the running command (in its own thread); return when done."""

    def check(self, outcome: Outcome) -> None:
        """Raise AssertionError if what the run left breaks the invariant."""


def run_once(target: Target, seed: int, horizon: float | None,
             timeout: float = LINE_WAIT_S) -> Outcome:
    """Start, drive and (at a random moment) kill one run."""
    rng = random.Random(seed)
    argv, env = target.command(rng)
    moment = NEVER if horizon is None else target.moment(rng, horizon)
    drive_rng = random.Random(rng.randrange(2**32))
    proc = Proc(argv, env)
    failure: list[BaseException] = []

    def drive() -> None:
        try:
            target.drive(proc, drive_rng)
        except BaseException as e:  # handed to the loop, in its thread
            failure.append(e)

    driver = threading.Thread(target=drive, daemon=True, name="kill-driver")
    driver.start()
    try:
        proc.kill_at(moment, timeout)
    except BaseException:
        proc.kill()  # a run that hangs is ended before the failure is told
        raise
    finally:
        code, out, err = proc.finish(timeout)
    driver.join(timeout)
    if driver.is_alive():
        raise TimeoutError(f"the driver still runs {timeout} s after the exit")
    if failure:
        raise failure[0]
    return Outcome(seed, moment, code, out, err, tuple(proc.sent),
                   time.monotonic() - proc.started)


@dataclass
class LoopReport:
    seed: int
    runs: int = 0
    killed: int = 0  # runs the kill caught still running
    horizon: float = 0.0  # seconds a whole, unkilled run took
    wall: float = 0.0
    moments: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.moments.items()))
        return (f"{self.runs} runs, {self.killed} killed while running, "
                f"a whole run {self.horizon:.2f} s, {self.wall:.1f} s in all; "
                f"seed {self.seed}; moments: {kinds}")


def kill_loop(target: Target, loops: int, seed: int,
              timeout: float = LINE_WAIT_S) -> LoopReport:
    """A whole run first (it measures how long one takes, and must pass the
    check too), then ``loops`` runs, each killed at a random moment."""
    master = random.Random(seed)
    report = LoopReport(seed)
    t0 = time.monotonic()
    for i in range(loops + 1):
        run_seed = master.randrange(2**32)
        outcome: Outcome | None = None
        try:
            outcome = run_once(target, run_seed, report.horizon if i else None,
                               timeout)
            target.check(outcome)
        except (AssertionError, TimeoutError) as e:
            raise AssertionError(_failure(target, i, loops, seed, outcome, e)) from e
        if i == 0:
            report.horizon = outcome.elapsed
        elif not outcome.killed:
            # It ended before its kill: a run takes this long now (the first,
            # cold one, or one on a busier moment, took longer). Kills drawn
            # from a horizon too long would mostly come after the end.
            report.horizon = min(report.horizon, outcome.elapsed)
        report.runs += 1
        report.killed += outcome.killed
        report.moments[outcome.moment.kind] += 1
    report.wall = time.monotonic() - t0
    return report


def _failure(target: Target, i: int, loops: int, seed: int,
             outcome: Outcome | None, e: BaseException) -> str:
    which = "the whole first run" if i == 0 else f"kill {i} of {loops}"
    lines = [f"{target.name}: {which} failed: {e}",
             f"  replay: VG_KILL_SEED={seed} (same choices; timing varies)"]
    if outcome is not None:
        lines += [f"  moment: {outcome.moment}; exit {outcome.returncode} after "
                  f"{outcome.elapsed:.3f} s; sent {list(outcome.sent)!r}",
                  "  last output: " + " | ".join(outcome.stdout.splitlines()[-6:]),
                  "  stderr: " + outcome.stderr.strip()[-2000:]]
    return "\n".join(lines)


# ---------------------------------------------------------------- the notes


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Scan:
    new: dict[Path, Note]  # notes that were not there at the last scan
    changed: dict[Path, Note]  # notes whose text changed since the last scan
    temps: frozenset[Path]  # leftover temp files (a write cut off by a kill)


class NotesLedger:
    """The notes folder across kills, and the rules it must keep.

    ``read`` turns a note file into its Markdown text (an encrypted notebook
    passes its decrypting reader).
    """

    def __init__(self, root: Path, read: Callable[[Path], str] = read_text) -> None:
        self.root = root
        self.read = read
        self.known: dict[Path, str] = {}
        self.temps: set[Path] = set()

    def scan(self) -> Scan:
        """Every note parses and is whole; no note vanished. AssertionError if not."""
        book = NoteBook(self.root)
        listed = book.all_paths()
        files = [p for p in self.root.rglob("*") if p.is_file()] \
            if self.root.is_dir() else []
        hidden = {p for p in files if p.name.startswith(".")}
        assert not hidden & set(listed), f"a temp file is listed as a note: {hidden}"
        plain_md = {p for p in files if p.suffix == ".md"} - hidden
        assert plain_md <= set(listed), f"notes not listed: {plain_md - set(listed)}"
        new: dict[Path, Note] = {}
        changed: dict[Path, Note] = {}
        texts: dict[Path, str] = {}
        for path in listed:
            try:
                text = self.read(path)
            except UnicodeDecodeError as e:
                raise AssertionError(f"{path} is not readable text: {e}") from None
            try:
                note = parse(text, path)
            except ValueError as e:
                raise AssertionError(f"{path} does not parse: {e}\n{text}") from None
            assert render(note) == text, f"{path} is not a whole note:\n{text!r}"
            texts[path] = text
            if path not in self.known:
                new[path] = note
            elif self.known[path] != text:
                changed[path] = note
        gone = set(self.known) - set(texts)
        assert not gone, f"notes disappeared: {sorted(gone)}"
        self.known = texts
        self.temps = {p for p in hidden if p.name.endswith(".tmp")}
        return Scan(new, changed, frozenset(self.temps))
