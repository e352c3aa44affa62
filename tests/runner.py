"""Running a real `voiceguide` in a subprocess, acting when lines show."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

Step = tuple[str, Callable[[subprocess.Popen[str]], None]]


def run_steps(cmd: Sequence[str], env: dict[str, str], steps: Sequence[Step], *,
              stdin: str = "", close_stdin: bool = False, timeout: float = 180,
              line_wait: float = 90, cwd: Path | None = None
              ) -> tuple[int, str, str]:
    """Run ``cmd``; ``stdin`` is written first; for each (line prefix, action)
    in order, act when such a line is printed; then (``close_stdin``) end the
    input and wait. Returns (exit code, stdout, stderr); every wait is bounded."""
    proc = subprocess.Popen(list(cmd), env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=cwd)
    assert proc.stdin is not None
    if stdin:
        proc.stdin.write(stdin)
        proc.stdin.flush()
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for prefix, act in steps:
            while True:
                try:
                    line = lines.get(timeout=line_wait)
                except queue.Empty:
                    raise AssertionError(f"no line starting {prefix!r}; got:\n"
                                         + "".join(seen)) from None
                if line.startswith(prefix):
                    break
            act(proc)
        if close_stdin:
            proc.stdin.close()
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    reader.join(10)
    assert proc.stderr is not None
    return proc.returncode, "".join(seen), proc.stderr.read()


def voiceguide(home: Path, **extra: str) -> tuple[list[str], dict[str, str]]:
    """The command and environment of `voiceguide` with its data in ``home``."""
    return ([sys.executable, "-m", "voiceguide"],
            {**os.environ, "VOICEGUIDE_HOME": str(home), **extra})


def run_until(home: Path, argv: list[str], trigger: str,
              act: Callable[[], None], timeout: float = 180
              ) -> tuple[int, str, str]:
    """Run ``voiceguide ARGV``; call ``act()`` once a printed line starts with
    ``trigger``; return (exit code, stdout, stderr)."""
    cmd, env = voiceguide(home)
    return run_steps([*cmd, *argv], env, [(trigger, lambda proc: act())],
                     timeout=timeout, line_wait=60)
