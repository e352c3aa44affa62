"""A pseudo-terminal for tests: a child process whose controlling terminal is
the pty's slave side, typed into and read from through the master side."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 15.0


def _controlling_terminal() -> None:
    """In the child, after setsid: the pty on fd 0 becomes its terminal, so
    Ctrl-C on it sends SIGINT to the child."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None
                 ) -> None:
        self.master, self.slave = os.openpty()
        self.before = termios.tcgetattr(self.slave)
        full_env = {**(env or os.environ), "PYTHONPATH": str(ROOT),
                    "PYTHONIOENCODING": "utf-8"}
        self.proc = subprocess.Popen(
            list(argv), stdin=self.slave, stdout=self.slave, stderr=self.slave,
            cwd=ROOT, env=full_env, start_new_session=True,
            preexec_fn=_controlling_terminal)
        self.pending = b""
        self.seen = b""

    def send(self, data: bytes | str) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def _read(self, wait: float) -> None:
        if select.select([self.master], [], [], wait)[0]:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the child has gone and closed the terminal
                chunk = b""
            self.pending += chunk
            self.seen += chunk

    def expect(self, text: str, timeout: float = TIMEOUT_S) -> str:
        """Everything the terminal shows up to and including ``text``."""
        want = text.encode()
        deadline = time.monotonic() + timeout
        while want not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {text!r} on the terminal; got "
                                     f"{self.pending!r}")
            self._read(min(left, 0.2))
        end = self.pending.index(want) + len(want)
        shown, self.pending = self.pending[:end], self.pending[end:]
        return shown.decode("utf-8", "replace")

    def wait(self, timeout: float = TIMEOUT_S) -> int:
        """The child's exit code, reading what it shows meanwhile."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError("the program did not end")
            self._read(0.05)
        self._read(0.05)
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT_S)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
