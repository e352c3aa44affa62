#!/usr/bin/env python3
"""Benchmarks of guided sessions: start-up, first sound, breathing cue timing.

Needs the virtual sound server for the audio parts (scripts/bench starts it).
  python scripts/bench_session.py [--repeat N] [--cycles N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

HEAVY = (
    "numpy",
    "sounddevice",
    "pyttsx3",
    "faster_whisper",
    "ctranslate2",
    "speech_recognition",
    "pocketsphinx",
    "onnxruntime",
)


def _timed(cmd: list[str], repeat: int) -> float:
    # As a person runs it: bytecode caching on (some shells here turn it off).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, stdout=subprocess.DEVNULL, env=env, check=True, timeout=60)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=env, check=True, timeout=60)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def startup(repeat: int) -> dict[str, float | list[str]]:
    py = sys.executable
    vg = str(Path(py).with_name("voiceguide"))
    base = _timed([py, "-c", "pass"], repeat)
    lst = _timed([vg, "list"], repeat)
    hlp = _timed([vg, "--help"], repeat)
    probe = subprocess.run(
        [
            py,
            "-X",
            "importtime",
            "-c",
            "from voiceguide.cli import main; main(['list']); main(['--help'])",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    imported = {
        ln.split("|")[-1].strip().split(".")[0]
        for ln in probe.stderr.splitlines()
        if "|" in ln
    }
    return {
        "python_pass_s": base,
        "list_s": lst,
        "help_s": hlp,
        "list_ratio": lst / base,
        "help_ratio": hlp / base,
        "heavy_imported": sorted(imported & set(HEAVY)),
    }


def first_sound(repeat: int, home: str) -> float:
    """Process start to the first sound on the (virtual) speaker, median seconds."""
    import numpy as np
    import sounddevice as sd

    vg = str(Path(sys.executable).with_name("voiceguide"))
    results = []
    for _ in range(repeat):
        heard = threading.Event()
        stamp: list[float] = []

        def callback(
            indata: np.ndarray,
            frames: int,
            t: object,
            status: object,
            heard: threading.Event = heard,
            stamp: list[float] = stamp,
        ) -> None:
            if not heard.is_set() and float(np.sqrt(np.mean(indata**2))) > 0.003:
                stamp.append(time.monotonic())
                heard.set()

        with sd.InputStream(
            device="vg_speaker_monitor",
            channels=1,
            samplerate=22050,
            blocksize=110,
            latency="low",
            callback=callback,
        ):
            time.sleep(0.3)
            start = time.monotonic()
            proc = subprocess.Popen(
                [vg, "run", "box-breathing", "--answers", "off"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "VOICEGUIDE_HOME": home},
            )
            ok = heard.wait(10)
            proc.kill()
            proc.wait(10)
        if not ok:
            raise RuntimeError("no sound was heard within 10 s")
        results.append(stamp[0] - start)
    return statistics.median(results)


def cue_onsets(repeat: int, cycles: int, home: str) -> dict[str, float]:
    """Capture box breathing live and compare every cue onset with its schedule."""
    from timing import breathing_schedule, cue_timing
    from virtual_audio import capture_speaker, read_wav_float

    from voiceguide import cues
    from voiceguide.program import Breathe, load_builtin

    block = next(
        s for s in load_builtin("box-breathing").steps if isinstance(s, Breathe)
    )
    vg = str(Path(sys.executable).with_name("voiceguide"))
    worst, drifts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        prog = Path(tmp) / "box-bench.toml"
        prog.write_text(
            'title = "Box bench"\nkind = "breathing"\ncheckins = false\nminutes = 2\n'
            'summary = "Box breathing cues only."\n[[step]]\nsay = "Ready."\n'
            f"[[step]]\nbreathe = {{ inhale = {block.inhale:g}, hold = {block.hold:g}, "
            f"exhale = {block.exhale:g}, rest = {block.rest:g}, cycles = {cycles} }}\n"
        )
        for i in range(repeat):
            wav = Path(tmp) / f"cap{i}.wav"
            with capture_speaker(wav, os.environ, rate=22050):
                subprocess.run(
                    [vg, "run", str(prog), "--answers", "off"],
                    check=True,
                    stdout=subprocess.DEVNULL,
                    timeout=600,
                    env={**os.environ, "VOICEGUIDE_HOME": home},
                )
            x, rate = read_wav_float(wav)
            ref = {
                n: cues.load(n).resampled(rate).samples()
                for n in ("inhale", "hold", "exhale", "rest")
            }
            sched = breathing_schedule(
                block.inhale, block.hold, block.exhale, block.rest, cycles, ref
            )
            t = cue_timing(x, rate, sched)
            worst.append(t.max_abs_ms)
            drifts.append(t.drift_ms)
    return {
        "cue_onset_max_abs_ms_median": statistics.median(worst),
        "cue_onset_max_abs_ms_worst": max(worst),
        "drift_first_to_last_ms_median": statistics.median(drifts),
        "runs": repeat,
        "cues_per_run": cycles * len(block.phases()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cycles", type=int, default=4)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", choices=("startup", "first-sound", "cues"))
    a = ap.parse_args()
    res: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as home:
        Path(home, "state").mkdir()
        Path(home, "state", "welcomed").touch()  # measure the usual run
        if a.only in (None, "startup"):
            res["startup"] = startup(max(a.repeat, 10) * 2)
        if a.only in (None, "first-sound"):
            res["first_sound_s_median"] = first_sound(a.repeat, home)
        if a.only in (None, "cues"):
            res["box_breathing_cues"] = cue_onsets(
                max(1, a.repeat // 2 + 1), a.cycles, home
            )
    if a.json:
        print(json.dumps(res, indent=2))
        return
    s = res.get("startup")
    if isinstance(s, dict):
        print(f"python -c pass          {s['python_pass_s'] * 1000:7.1f} ms")
        print(
            f"voiceguide list         {s['list_s'] * 1000:7.1f} ms  "
            f"({s['list_ratio']:.2f}x, target < 4x)"
        )
        print(
            f"voiceguide --help       {s['help_s'] * 1000:7.1f} ms  "
            f"({s['help_ratio']:.2f}x, target < 4x)"
        )
        print(f"engines imported by list/--help: {s['heavy_imported'] or 'none'}")
    if "first_sound_s_median" in res:
        print(
            f"start to first sound    {res['first_sound_s_median'] * 1000:7.1f} ms  "
            "(median, target < 500 ms)"
        )
    c = res.get("box_breathing_cues")
    if isinstance(c, dict):
        print(
            f"box breathing cue onset error: worst per run, median "
            f"{c['cue_onset_max_abs_ms_median']:.1f} ms, worst of all "
            f"{c['cue_onset_max_abs_ms_worst']:.1f} ms; drift first to last "
            f"{c['drift_first_to_last_ms_median']:+.1f} ms "
            f"({c['runs']} runs x {c['cues_per_run']} cues; target 20 ms)"
        )


if __name__ == "__main__":
    main()
