"""The real program, playing through the virtual speaker: what a listener hears."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import pytest
from timing import breathing_schedule, cue_timing
from virtual_audio import active_spans, read_wav_float

from voiceguide import cues

pytestmark = pytest.mark.audio

Capture = Callable[[], AbstractContextManager[Path]]

SHORT = """\
title = "Short test"
kind = "grounding"
minutes = 1
summary = "A short program for tests."
[[step]]
say = "Let us notice one sound nearby."
[[step]]
pause = 1
[[step]]
breathe = { inhale = 2, hold = 1, exhale = 2, rest = 1, cycles = 2 }
[[step]]
say = "Thank you."
"""


def run_vg(
    args: list[str], home: Path, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**(env or os.environ), "VOICEGUIDE_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "voiceguide", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def short_program(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SHORT)
    return path


def _cue_refs(rate: int) -> dict[str, np.ndarray]:
    return {
        n: cues.load(n).resampled(rate).samples()
        for n in ("inhale", "hold", "exhale", "rest", "bell")
    }


def test_session_is_heard_in_full_with_cues_on_schedule(
    speaker_capture: Capture, short_program: Path, tmp_path: Path
) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "welcomed").touch()  # the same words in both runs
    render = tmp_path / "expected.wav"
    r = run_vg(["run", str(short_program), "--render", str(render)], tmp_path)
    assert r.returncode == 0, r.stderr
    expected, rate = read_wav_float(render)

    with speaker_capture() as wav:
        r = run_vg(["run", str(short_program), "--answers", "off"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "Let us notice one sound nearby." in r.stdout
    heard, hrate = read_wav_float(wav)
    spans = active_spans(heard, hrate)
    assert spans, "nothing was heard"
    heard_len = spans[-1][1] - spans[0][0]
    exp_spans = active_spans(expected, rate)
    exp_len = exp_spans[-1][1] - exp_spans[0][0]
    # The live session lasts as long as its rendered twin (speech is not cut
    # off, pauses are not skipped), within a small margin for device latency.
    assert abs(heard_len - exp_len) < 0.5, (heard_len, exp_len)

    refs = _cue_refs(hrate)
    sched = breathing_schedule(2, 1, 2, 1, 2, refs)
    timing = cue_timing(heard, hrate, sched)
    assert min(timing.scores) > 0.8, timing.scores
    # Loose bounds for a shared, noisy machine; scripts/bench measures the real figure.
    assert timing.max_abs_ms < 60, timing.errors_ms


def test_silent_plays_nothing(
    speaker_capture: Capture, short_program: Path, tmp_path: Path
) -> None:
    with speaker_capture() as wav:
        r = run_vg(["run", str(short_program), "--silent", "--pace", "0.2"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Thank you." in r.stdout
    heard, rate = read_wav_float(wav)
    assert not active_spans(heard, rate), "--silent must not make a sound"


def test_no_sound_server_carries_on_as_text(
    no_audio: None, short_program: Path, tmp_path: Path
) -> None:
    r = run_vg(["run", str(short_program), "--pace", "0", "--answers", "off"], tmp_path)
    assert r.returncode == 0, r.stderr
    no_sound = [ln for ln in r.stdout.splitlines() if ln.startswith("No sound")]
    assert len(no_sound) == 1, r.stdout  # said once, in one line
    assert "Fix:" in no_sound[0]
    assert "Thank you." in r.stdout


def test_silent_opens_no_device_even_without_a_server(
    no_audio: None, short_program: Path, tmp_path: Path
) -> None:
    r = run_vg(["run", str(short_program), "--silent", "--pace", "0"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "No sound" not in r.stdout  # it never tried


def test_typed_answers_are_saved_while_speaking(
    tmp_path: Path, virtual_audio: dict[str, str]
) -> None:
    prog = tmp_path / "two-questions.toml"
    prog.write_text(
        'title = "Two questions"\nkind = "journal"\nminutes = 1\n'
        'summary = "Two short questions."\n'
        '[[step]]\nprompt = "What is one small promise you could keep today?"\n'
        '[[step]]\nprompt = "Who has been kind to you lately?"\n'
    )
    env = {**os.environ, "VOICEGUIDE_HOME": str(tmp_path)}
    p = subprocess.run(
        [sys.executable, "-m", "voiceguide", "run", str(prog), "--answers", "typed"],
        input="I could drink a glass of water\nMy neighbour\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    notes = list((tmp_path / "notes").rglob("*.md"))
    assert len(notes) == 1
    text = notes[0].read_text()
    assert "## What is one small promise you could keep today?" in text
    assert "I could drink a glass of water" in text
    assert "My neighbour" in text
    assert "finished:" in text
