"""With encryption on, no plaintext byte of an answer reaches the disk, temp
files included: every write(2)-family call of a real `voiceguide run` (all its
threads and child processes) is traced with strace, and every byte written to
a file is scanned, as is every file left under its home and TMPDIR.

A plain session traced the same way is the control: the scan finds its answer.
The spoken session needs the virtual microphone and Whisper (marks: audio,
engine); it scans for the transcript's words and for the recorded audio.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from runner import run_steps
from vaulting import PASSPHRASE, containing

from voiceguide import vault
from voiceguide.audio import read_wav
from voiceguide.notes import NoteBook
from voiceguide.sealed import FILE_MAGIC

REPO = Path(__file__).resolve().parents[2]
ANSWERS = ("Xylophone lanterns: I kept the promise to rest, 7731.",
           "Nobody at the blue gate pressured me; ça va mieux, 4412.")
# strace -y -xx: the fd's path and the data, both as \xNN escapes
_CALL = re.compile(r"^\d+\s+(?:write|pwrite64|writev|pwritev2?)"
                   r"\(\d+<((?:\\x[0-9a-f]{2})*)>, (.*)$")
_STRING = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')

pytestmark = pytest.mark.timeout(600)


def _strace() -> str:
    found = shutil.which("strace")
    if not found:
        if os.environ.get("CI"):  # CI installs it (scripts/setup --dev)
            pytest.fail("strace is not installed: apt-get install -y strace")
        pytest.skip("strace is not installed: apt-get install -y strace")
    return found


def traced(home: Path, argv: list[str], trace: Path, stdin: str = "",
           when: tuple[str, Callable[[], None]] | None = None,
           timeout: float = 300) -> tuple[int, str, str]:
    """Run ``voiceguide ARGV`` under strace, writing its trace to ``trace``;
    ``when=(start, act)`` calls ``act()`` once a printed line starts so."""
    tmp = home.parent / "tmpdir"
    tmp.mkdir(exist_ok=True)
    env = {**os.environ, "VOICEGUIDE_HOME": str(home), "TMPDIR": str(tmp),
           "PYTHONPATH": str(REPO)}
    cmd = [_strace(), "-f", "-qq", "-y", "-xx", "-s", str(1 << 24), "-e",
           "trace=write,pwrite64,writev,pwritev,pwritev2", "-e", "signal=none",
           "-o", str(trace), sys.executable, "-m", "voiceguide", *argv]
    steps = [(when[0], lambda proc: when[1]())] if when is not None else []
    return run_steps(cmd, env, steps, stdin=stdin, close_stdin=True,
                     timeout=timeout, line_wait=120, cwd=home.parent)


def written(trace: Path) -> dict[str, bytes]:
    """Every byte written to each regular file, by path (pipes, sockets and
    devices left out)."""
    def unescape(hexes: str) -> bytes:
        return bytes.fromhex(hexes.replace("\\x", ""))

    by_path: dict[str, bytearray] = defaultdict(bytearray)
    for line in trace.read_text(errors="replace").splitlines():
        m = _CALL.match(line)
        if not m:
            continue
        path = unescape(m.group(1)).decode(errors="replace")
        if not path.startswith("/") or path.startswith(("/dev/", "/proc/")):
            continue
        for hexes in _STRING.findall(m.group(2)):
            by_path[path] += unescape(hexes)
    return {k: bytes(v) for k, v in by_path.items()}


def found_in(writes: dict[str, bytes], needle: bytes) -> list[str]:
    return [path for path, data in writes.items() if needle in data]


def encrypt(home: Path) -> None:
    env = {**os.environ, "VOICEGUIDE_HOME": str(home), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "voiceguide", "encrypt"], env=env,
                          input=f"{PASSPHRASE}\n{PASSPHRASE}\n", text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr


def answers_in(home: Path) -> list[str]:
    vault.set_unlocker(None)
    vault.unlock(home / "notes", PASSPHRASE)
    try:
        return [a.text for i in NoteBook(home / "notes").infos() if i.note
                for a in i.note.answers]
    finally:
        vault.set_unlocker(None)


def test_a_typed_session_writes_no_plaintext(tmp_path: Path) -> None:
    typed = "".join(f"{a}\n" for a in ANSWERS)
    argv = ["run", "trust-self", "--answers", "typed", "--pace", "0", "--silent"]
    # The control: without encryption, the scan does find the answers.
    plain_home = tmp_path / "plain" / "home"
    plain_home.mkdir(parents=True)
    code, _, err = traced(plain_home, argv, tmp_path / "plain.trace", typed)
    assert code == 0, err
    plain = written(tmp_path / "plain.trace")
    for answer in ANSWERS:
        assert any(p.endswith(".md.tmp") for p in found_in(plain, answer.encode()))

    home = tmp_path / "locked" / "home"
    home.mkdir(parents=True)
    encrypt(home)
    code, out, err = traced(home, argv, tmp_path / "locked.trace",
                            f"{PASSPHRASE}\n{typed}")
    assert code == 0, err
    assert "Note saved (2 answers)" in out
    writes = written(tmp_path / "locked.trace")
    [temp] = [p for p in writes if p.endswith(".md.enc.tmp")]
    assert writes[temp].count(FILE_MAGIC) >= 3  # saved after each answer, sealed
    for answer in ANSWERS:
        for needle in (answer, answer[:20], answer[-20:]):
            assert found_in(writes, needle.encode()) == []
        for root in (home, home.parent / "tmpdir"):
            assert containing(root, answer[:20].encode()) == []
    assert answers_in(home) == list(ANSWERS)  # and they were saved


PROGRAM = """\
title = "One question"
kind = "journal"
minutes = 1
summary = "One spoken answer."
[[step]]
prompt = "What did you hear today?"
[[step]]
say = "Thank you."
"""
SPEECH = "cheetah_librispeech/1272-128104-0000.wav"


@pytest.mark.audio
@pytest.mark.engine
def test_a_spoken_session_writes_no_plaintext(voice_home: Path, tmp_path: Path,
                                              shared_dir: Path,
                                              mic_feed: Callable[..., threading.Thread]
                                              ) -> None:
    home = voice_home
    (home / "config.toml").write_text("answer_silence = 2.0\n")
    program = tmp_path / "one-question.toml"
    program.write_text(PROGRAM)
    encrypt(home)

    def speak() -> None:
        mic_feed(shared_dir / "speech" / SPEECH, 0.3).join(timeout=60)

    trace = tmp_path / "spoken.trace"
    code, out, err = traced(home, ["run", str(program), "--answers", "voice",
                                   "--silent"], trace, f"{PASSPHRASE}\n",
                            when=("Listening", speak))
    assert code == 0, err + out

    vault.set_unlocker(None)
    vault.unlock(home / "notes", PASSPHRASE)
    book = NoteBook(home / "notes")
    [path] = book.all_paths()
    [answer] = book.read(path).answers
    assert answer.mode == "spoken" and not answer.pending
    words = answer.text.split()
    pcm = read_wav(path.parent / answer.audio).pcm
    assert len(words) >= 6, (answer.text, len(pcm), out.splitlines(), err)
    vault.set_unlocker(None)

    writes = written(trace)
    assert any(p.endswith(".wav.enc") for p in writes)
    needles = [answer.text] + [" ".join(words[i:i + 3])
                               for i in range(len(words) - 2)]
    for needle in needles:
        assert found_in(writes, needle.encode()) == [], needle
    # The recorded audio: 64-byte pieces where there is speech.
    samples = np.frombuffer(pcm, "<i2")
    loud = np.flatnonzero(np.abs(samples) > 2000)
    assert len(loud) > 1000
    probes = [pcm[2 * i:2 * i + 64] for i in loud[:: max(1, len(loud) // 24)][:24]]
    for probe in probes:
        assert found_in(writes, probe) == []
    for folder in (home / "notes", home.parent / "tmpdir"):
        assert containing(folder, answer.text.encode()) == []
        assert containing(folder, b"WAVEfmt ") == []
