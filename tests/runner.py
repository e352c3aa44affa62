"""Running a real `voiceguide run` in a subprocess, acting when a line shows."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path


def run_until(home: Path, argv: list[str], trigger: str,
              act: Callable[[], None], timeout: float = 180
              ) -> tuple[int, str, str]:
    """Run ``voiceguide ARGV``; call ``act()`` once a printed line starts with
    ``trigger``; return (exit code, stdout, stderr)."""
    env = {**os.environ, "VOICEGUIDE_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "voiceguide", *argv], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    out: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while not lines.get(timeout=60).startswith(trigger):
            pass
        act()
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    reader.join(10)
    assert proc.stderr is not None
    return proc.returncode, "".join(out), proc.stderr.read()
