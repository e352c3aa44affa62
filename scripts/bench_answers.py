#!/usr/bin/env python3
"""Benchmark: from the end of a spoken answer to its words being in the note.

A real `voiceguide run --answers voice` session listens through the virtual
microphone while a 10-second answer made of real recordings (speech/dev.tsv) is
played into it. Two ways to end the answer are measured:
  enter    the person presses Enter as they finish: pure write-out time
  silence  the person just stops: the trailing quiet (answer_silence) comes first
Needs the virtual sound server (scripts/bench starts it) and Whisper installed.
  python scripts/bench_answers.py [--repeat N] [--shared DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

PARTS = ["cheetah_librispeech/1272-128104-0000.wav",
         "alif_mlek_librispeech/another_engineer.wav"]
PROGRAM = ('title = "Bench"\nkind = "journal"\nminutes = 1\nsummary = "One answer."\n'
           '[[step]]\nprompt = "Tell me about your day."\n')


def make_answer(shared: Path, out: Path) -> tuple[float, str]:
    """Join the parts with 0.8 s of quiet (a breath): about 11 s."""
    from voiceguide.audio import AudioClip, concat, read_wav, silence, write_wav

    refs = {}
    for line in (shared / "speech" / "dev.tsv").read_text().splitlines()[1:]:
        cols = line.split("\t")
        refs[cols[0]] = cols[1]
    clips: list[AudioClip] = []
    for rel in PARTS:
        clips += [read_wav(shared / "speech" / rel).resampled(16000),
                  silence(0.8, 16000)]
    answer = concat(clips[:-1], 16000)
    write_wav(out, answer)
    return answer.duration, " ".join(refs[p] for p in PARTS)


def one_run(home: Path, program: Path, wav: Path, mode: str) -> dict[str, float]:
    from virtual_audio import feed_mic

    env = {**os.environ, "VOICEGUIDE_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "run", str(program), "--answers", "voice",
         "--no-cues"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put((time.monotonic(), line.strip()))

    threading.Thread(target=read, daemon=True).start()
    note_dir = home / "notes"
    try:
        while lines.get(timeout=60)[1] != "Listening...":
            pass
        feeder = feed_mic(wav, os.environ, delay=0.0)
        feeder.join(timeout=60)
        spoken_end = time.monotonic()
        if mode == "enter":
            assert proc.stdin is not None
            proc.stdin.write("\n")
            proc.stdin.flush()
        saved = None
        while saved is None:
            t, line = lines.get(timeout=60)
            if line == "Saved.":
                saved = t
        written = None
        deadline = time.monotonic() + 120
        while written is None and time.monotonic() < deadline:
            for note in note_dir.rglob("*.md"):
                if "(transcript pending)" not in note.read_text() and \
                        "answered:" in note.read_text():
                    written = time.monotonic()
            time.sleep(0.02)
        if written is None:
            raise RuntimeError("the answer was not written out within 120 s")
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return {"answer_ended_s": saved - spoken_end, "to_note_s": written - spoken_end,
            "after_answer_ended_s": written - saved}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    from voiceguide import models

    res: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        models.install("whisper-base", home)
        (home / "state").mkdir()
        (home / "state" / "welcomed").touch()
        (home / "config.toml").write_text("answer_silence = 3.0\n")
        program = Path(tmp) / "bench.toml"
        program.write_text(PROGRAM)
        wav = Path(tmp) / "answer.wav"
        seconds, _ = make_answer(a.shared, wav)
        res["answer_seconds"] = round(seconds, 2)
        for mode in ("enter", "silence"):
            runs = []
            for _ in range(a.repeat):
                for note in (home / "notes").rglob("*"):
                    if note.is_file():
                        note.unlink()
                runs.append(one_run(home, program, wav, mode))
            res[mode] = {k: round(statistics.median(r[k] for r in runs), 3)
                         for k in runs[0]}
    if a.json:
        print(json.dumps(res, indent=2))
        return
    print(f"answer of {res['answer_seconds']} s of real speech, medians of "
          f"{a.repeat} runs:")
    for mode in ("enter", "silence"):
        r = res[mode]
        assert isinstance(r, dict)
        print(f"  ended by {mode:<8} end of speech -> answer ended "
              f"{r['answer_ended_s']:.2f} s, -> words in the note "
              f"{r['to_note_s']:.2f} s (after the answer ended: "
              f"{r['after_answer_ended_s']:.2f} s)")


if __name__ == "__main__":
    main()
