#!/usr/bin/env python3
"""Benchmark: how fast "stop" silences the guide, by key and by voice.

A real `voiceguide run` speaks a long line through the virtual speaker while
this script listens to the speaker's monitor (and, for the spoken stop, to the
virtual microphone) in 5 ms blocks stamped with time.monotonic().
- Key: "s" is typed into the session's terminal (a pty) mid-sentence; the
  figure is the time from the key press to the end of the last audible block.
- Voice: with voice_commands and headset on, a real person's "stop" (the last
  word of speech/alif_mlek_speech_commands/yes_no_go_stop.wav) is played into
  the virtual microphone mid-sentence; the figures are the time from the end
  (and from the start) of the word as it reached the microphone to the end of
  the last audible block on the speaker (negative: quiet before the word ended).
Reports medians (and all runs) of seconds. Targets: key < 0.1 s, voice < 0.4 s.
Needs the virtual sound server (scripts/bench starts it) and, for the voice
part, the Whisper model.
  python scripts/bench_stop.py [--repeat N] [--only key|voice] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from ptyterm import Terminal  # noqa: E402
from virtual_audio import feed_mic  # noqa: E402

from voiceguide.audio import read_wav, write_wav  # noqa: E402
from voiceguide.config import paths_from_env  # noqa: E402

LOUD = 0.003  # RMS of a block that counts as sound (speech peaks near 0.1)
QUIET_S = 0.6  # this long without sound after the stop = silence reached
BLOCK = 80  # frames per block at 16 kHz: 5 ms
LINE = ("This long line is spoken slowly and steadily, so that there is time "
        "to stop it in the middle, and to hear that the voice has gone quiet. "
        "It goes on a little longer still, to leave room for the measurement.")
PROGRAM = f"""\
title = "Stop"
kind = "grounding"
checkins = false
minutes = 1
summary = "One long line to stop."
[[step]]
say = "{LINE}"
[[step]]
say = "This line must never be heard."
"""


class Loudness:
    """Per-block (time, rms) of one input device, stamped as blocks arrive."""

    def __init__(self, device: str) -> None:
        import numpy as np
        import sounddevice as sd

        self.blocks: list[tuple[float, float]] = []
        self._lock = threading.Lock()

        def callback(indata: Any, frames: int, t: Any, status: Any) -> None:
            rms = float(np.sqrt(np.mean(indata.astype(np.float64) ** 2)))
            with self._lock:
                self.blocks.append((time.monotonic(), rms))

        self.stream = sd.InputStream(device=device, channels=1, samplerate=16000,
                                     blocksize=BLOCK, latency="low",
                                     callback=callback)

    def __enter__(self) -> Loudness:
        self.stream.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.stop()
        self.stream.close()

    def wait_loud(self, after: float, timeout: float) -> float:
        """The time of the first loud block after ``after``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                hit = next((t for t, r in self.blocks if t > after and r > LOUD), None)
            if hit is not None:
                return hit
            time.sleep(0.01)
        raise TimeoutError("no sound within the timeout")

    def wait_sounding(self, timeout: float) -> None:
        """Until the newest block is loud: the stop lands on sound, not in a
        pause between words (which would flatter the figure)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.blocks and self.blocks[-1][1] > LOUD:
                    return
            time.sleep(0.002)
        raise TimeoutError("no sound to stop")

    def wait_silent(self, after: float, timeout: float,
                    quiet_s: float = QUIET_S) -> float:
        """The end of the last loud block after ``after``, once QUIET_S has
        passed with no sound (or ``quiet_s``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                loud = [t for t, r in self.blocks if t > after and r > LOUD]
                latest = self.blocks[-1][0] if self.blocks else 0.0
            last = loud[-1] if loud else after
            if latest - last >= quiet_s:
                return last
            time.sleep(0.02)
        raise TimeoutError("the sound did not stop within the timeout")


def _home(tmp: Path, voice: bool) -> dict[str, str]:
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    config = "voice_commands = true\nheadset = true\n" if voice else ""
    (home / "config.toml").write_text(config)
    (home / "state").mkdir(exist_ok=True)
    (home / "state" / "welcomed").touch()  # no first-run welcome before the line
    models = paths_from_env({k: v for k, v in os.environ.items()
                             if k != "VOICEGUIDE_HOME"}).models_dir
    if not (home / "models").exists() and models.is_dir():
        (home / "models").symlink_to(models)  # the installed Whisper model
    (tmp / "stop.toml").write_text(PROGRAM)
    return {**os.environ, "VOICEGUIDE_HOME": str(home)}


def _session(tmp: Path, env: dict[str, str]) -> Terminal:
    vg = str(Path(sys.executable).with_name("voiceguide"))
    return Terminal([vg, "run", str(tmp / "stop.toml"), "--answers", "off"], env)


def key_stop(repeat: int, tmp: Path) -> list[float]:
    env = _home(tmp, voice=False)
    results = []
    with Loudness("vg_speaker_monitor") as speaker:
        for _ in range(repeat):
            term = _session(tmp, env)
            try:
                term.expect("This long line", timeout=30)
                started = speaker.wait_loud(time.monotonic(), 30)
                time.sleep(max(0.0, started + 2.0 - time.monotonic()))
                speaker.wait_sounding(5)
                pressed = time.monotonic()
                term.send("s")
                silent = speaker.wait_silent(pressed, 10)
                term.wait(30)
            finally:
                term.close()
            results.append(silent - pressed)
    return results


def voice_stop(repeat: int, tmp: Path) -> list[tuple[float, float]]:
    """(silence - end of the word, silence - start of the word) per run; the
    first is negative when the guide went quiet before the word was over."""
    shared = Path(os.environ.get("VOICEGUIDE_SHARED", ROOT.parent / "shared"))
    clip = read_wav(shared / "speech/alif_mlek_speech_commands/yes_no_go_stop.wav")
    word = tmp / "stop-word.wav"
    write_wav(word, clip.resampled(16000).sliced(3.0, 4.0))
    env = _home(tmp, voice=True)
    results = []
    with Loudness("vg_speaker_monitor") as speaker, Loudness("vg_mic") as mic:
        for _ in range(repeat):
            term = _session(tmp, env)
            try:
                term.expect("This long line", timeout=60)
                started = speaker.wait_loud(time.monotonic(), 30)
                time.sleep(max(0.0, started + 2.5 - time.monotonic()))
                speaker.wait_sounding(5)
                fed = time.monotonic()
                feed_mic(word, os.environ, 0.0).join(timeout=15)
                began = mic.wait_loud(fed, 10)
                said = mic.wait_silent(fed, 10)
                # Long enough that a guide given back after a wrong decision
                # would be heard again, and counted.
                silent = speaker.wait_silent(fed, 15, quiet_s=2.5)
                term.wait(60)
            finally:
                term.close()
            if b"Stopped" not in term.seen:
                raise RuntimeError("the spoken stop was not recognised")
            results.append((silent - said, silent - began))
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", choices=("key", "voice"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="vg-bench-stop-") as t:
        tmp = Path(t)
        if args.only in (None, "key"):
            runs = key_stop(args.repeat, tmp)
            report["key_to_silence_s"] = {"median": statistics.median(runs),
                                          "runs": runs}
        if args.only in (None, "voice"):
            pairs = voice_stop(args.repeat, tmp)
            for i, name in enumerate(("spoken_stop_end_to_silence_s",
                                      "spoken_stop_start_to_silence_s")):
                runs = [p[i] for p in pairs]
                report[name] = {"median": statistics.median(runs), "runs": runs}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for name, r in report.items():
        runs = ", ".join(f"{x:.3f}" for x in r["runs"])
        print(f"{name:<28} median {r['median']:.3f} s   runs: {runs}")


if __name__ == "__main__":
    main()
