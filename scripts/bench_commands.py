#!/usr/bin/env python3
"""Benchmark of spoken-command recognition (voiceguide.voicecommands).

Command set: every phrase of PHRASES synthesised by espeak-ng in 3 voices at
150 wpm, plus the real human "stop" of speech/alif_mlek_speech_commands.
Non-command set: every recording of speech/dev.tsv that is not a command (the
sentences, the FSDD digits, "yes", "no", "go", "right", "left", "up") cut into
pieces of at most 2 s at pauses, synthesised sentences that contain command
words, and the guide's own voice (lines of the built-in programs that contain
command words, espeak-ng gmw/en at 150 wpm) cut the same way.
Two more sets, reported apart and never used to tune anything: held-out
voices (every phrase in 3 other espeak-ng voices) and sounds that are not
speech (noise, tones, claps, typing, a breath; seeded). When flite and
festival are installed (apt-get install flite festival festvox-us-slt-hts
festvox-kallpc16k festvox-kdlpc16k), a third: every
phrase in their voices (flite slt, awb, rms, kal16; festival's HTS slt and two
diphone voices), synthesisers unlike espeak-ng's formant one.

The "taught" config adds the person's own takes (voiceguide.taught): each
espeak-ng voice teaches each command's first phrase (what 'voiceguide
commands teach' asks for; "taught-all": every phrase) twice, slower and lower
(125 wpm, pitch 40) and faster and higher (180 wpm, pitch 62) than the 150 wpm
it is tested at; flite's and festival's voices teach theirs at 1.2 and 0.85
times their usual length. Command clips are heard with their own voice's
takes, and every other clip (non-commands, sounds, the human "stop") with the
takes of every voice at once, the harshest case for false triggers.

Reports per decoder setting: command accuracy (right command / command clips;
target >= 95%), false triggers per 50 non-command clips (target <= 1), the
held-out accuracy, the sounds that fired, and the median and p90 wall time of
a decision with the model already loaded (all decoded clips; then commands
and others apart). Timeouts are generous here (accuracy, not the machine's
load, is measured); decisions slower than the recognizer's default timeout
are counted.
  python scripts/bench_commands.py [--repeat N] [--json] [--configs a,b]
      [--shared DIR] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from voiceguide import voicecommands as vc  # noqa: E402
from voiceguide.audio import AudioClip, read_wav  # noqa: E402

COMMAND_VOICES = ("en-us", "en", "en-us+f2")
HELDOUT_VOICES = ("en-gb-scotland", "en-029", "en-us+m3")
GUIDE_VOICE = "gmw/en"
SENTENCE_VOICE = "en-us"
WPM = 150
MAX_PIECE_S = 2.0
DEFAULT_TIMEOUT_S = 3.0  # CommandRecognizer's default; slower decisions counted
BENCH_TIMEOUT_S = 30.0

# Human Speech Commands clips (1 s each): file -> words in order.
HUMAN_WORDS = {
    "alif_mlek_speech_commands/yes_no_go_stop.wav": ("yes", "no", "go", "stop"),
    "alif_mlek_speech_commands/right_left_up.wav": ("right", "left", "up"),
    "alif_mlek_speech_commands/yes.wav": ("yes",),
}
SENTENCES = (
    "I want to stop feeling this way.",
    "Please don't go.",
    "Next week I will try again.",
    "Go back to sleep.",
    "I would like to go to the shop.",
    "Can you help me with this?",
    "That was a bit too fast for me.",
    "I am not done yet.",
    "Say that again later, maybe.",
    "My back hurts a little today.",
    "The music was louder than usual.",
    "Let me think about it for a while.",
)
GUIDE_LINES = 8  # program lines that contain a command word

P = vc.VOCABULARY_PROMPT
OPEN = {"closed": False}  # pass 1 only: the decoder before the closed vocabulary
CONFIGS: dict[str, dict[str, Any]] = {  # unset options take the module defaults
    "closed": {},
    "taught": {"taught": "first"},
    "taught-all": {"taught": "every"},
    "closed-w5": {"window_s": 5.0},
    "closed-llr2": {"min_llr": -2.0},
    "closed-llr4": {"min_llr": -4.0},
    "nbest5": {"beam_size": 5, "prompt": None, **OPEN},
    "nbest5-prompt": {"beam_size": 5, "prompt": P, **OPEN},
    "beam3": {"beam_size": 3, "prompt": None, **OPEN},
    "greedy": {"beam_size": 1, "prompt": None, **OPEN},
    "greedy-prompt": {"beam_size": 1, "prompt": P, **OPEN},
    "nbest5-w5": {"beam_size": 5, "prompt": None, "window_s": 5.0, **OPEN},
    "nbest5-w30": {"beam_size": 5, "prompt": None, "window_s": 30.0, **OPEN},
    "greedy-prompt-w30": {"beam_size": 1, "prompt": P, "window_s": 30.0, **OPEN},
}
DEFAULT_CONFIGS = "closed,taught,taught-all"


@dataclass(frozen=True)
class Item:
    label: str
    expected: str | None  # the command, or None for non-command speech
    clip: AudioClip
    human: bool
    kind: str = "main"  # "main", or a set reported apart: "held-out", "sound",
    #                     "other-synth"
    voice: str = ""  # the espeak-ng voice, for taught takes


# --- building the sets -----------------------------------------------------------


def synth(text: str, voice: str, tmp: Path, wpm: int = WPM, pitch: int = 50
          ) -> AudioClip:
    out = tmp / "say.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch),
                    "-w", str(out), text],
                   check=True, timeout=30, capture_output=True)
    return read_wav(out).resampled(16000)


FLITE_VOICES = ("slt", "awb", "rms", "kal16")
FESTIVAL_VOICES = ("voice_cmu_us_slt_arctic_hts", "voice_kal_diphone",
                   "voice_ked_diphone")
TAKES = ((125, 40), (180, 62))  # (wpm, pitch) of each taught take, espeak-ng
STRETCHES = (1.2, 0.85)  # flite's and festival's taught takes: slower, faster


def other_synth(text: str, tmp: Path, stretch: float = 1.0
                ) -> list[tuple[str, AudioClip]]:
    """``text`` in each flite and festival voice installed here; ``stretch``
    lengthens (> 1) or shortens every sound."""
    out = tmp / "other.wav"
    made = []
    if shutil.which("flite"):
        for voice in FLITE_VOICES:
            subprocess.run(["flite", "-voice", voice, "--setf",
                            f"duration_stretch={stretch}", "-t", text, "-o", str(out)],
                           check=True, timeout=30, capture_output=True)
            made.append((f"flite {voice}", read_wav(out).resampled(16000)))
    if shutil.which("text2wave"):
        for voice in FESTIVAL_VOICES:
            scheme = f"(begin ({voice}) (Parameter.set 'Duration_Stretch {stretch}))"
            p = subprocess.run(["text2wave", "-eval", scheme, "-o", str(out)],
                               input=text.encode(), timeout=60, capture_output=True)
            if p.returncode == 0:  # else that voice is not installed
                made.append((f"festival {voice[6:]}", read_wav(out).resampled(16000)))
    return made


def pieces(clip: AudioClip, max_s: float = MAX_PIECE_S) -> list[AudioClip]:
    """Cut ``clip`` at pauses into pieces of at most ``max_s`` (a hard cut when
    one stretch of speech is longer), each with a little of the quiet around."""
    import numpy as np

    x = clip.resampled(16000).samples()
    frame = 320  # 20 ms
    n = len(x) // frame
    level = 10 * np.log10(np.mean(x[: n * frame].reshape(n, frame) ** 2, 1) + 1e-12)
    voiced = level > max(-55.0, float(level.max()) - 40.0)
    runs: list[list[int]] = []  # [first, end) frames of speech, split at >= 0.1 s
    gap = 0
    for i, v in enumerate(voiced):
        if v:
            if runs and gap < 5:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1])
            gap = 0
        else:
            gap += 1
    limit = round(max_s / 0.02) - 10  # room for 0.1 s of quiet on each side
    spans: list[tuple[int, int]] = []
    for a, b in runs:
        if spans and b - spans[-1][0] <= limit:
            spans[-1] = (spans[-1][0], b)
            continue
        while b - a > limit:
            spans.append((a, a + limit))
            a += limit
        spans.append((a, b))
    return [
        AudioClip.from_samples(x[max(0, (a - 5) * frame): (b + 5) * frame], 16000)
        for a, b in spans
        if b - a >= 10  # at least 0.2 s of sound
    ]


def program_lines(count: int) -> list[str]:
    """The first ``count`` spoken lines of the built-in programs that contain a
    command word (the hardest of the guide's own voice)."""
    words = {w for p in vc.PHRASES for w in p.split() if len(w) > 2}
    lines = []
    for path in sorted((ROOT / "voiceguide" / "programs").glob("*.toml")):
        for step in tomllib.loads(path.read_text())["step"]:
            text = step.get("say") or step.get("prompt")
            if text and words & set(vc.normalize(text).split()):
                lines.append(text)
    return lines[:count]


def sounds() -> list[AudioClip]:
    """Sounds that are not speech, each 0.5-1.5 s between 0.3 s of quiet."""
    import numpy as np

    rate = 16000
    rng = np.random.default_rng(5)
    made = [rng.normal(0, level, rate) for level in (0.01, 0.03, 0.1, 0.3)]
    brown = np.cumsum(rng.normal(0, 1, round(1.2 * rate)))
    brown -= np.convolve(brown, np.ones(400) / 400, "same")
    made.append(0.2 * brown / np.abs(brown).max())
    t = np.arange(round(0.6 * rate)) / rate
    made.append(0.2 * np.sin(2 * np.pi * 440 * t))
    made.append(0.1 * sum(np.sin(2 * np.pi * f * t) for f in (262, 330, 392)))
    claps = np.zeros(rate)
    for k in range(4):  # four claps, 0.25 s apart
        n = round(0.05 * rate)
        a = round(k * 0.25 * rate)
        claps[a : a + n] += rng.normal(0, 0.5, n) * np.exp(-np.arange(n) / 300)
    made.append(claps)
    breath = np.convolve(rng.normal(0, 1, rate), np.hanning(40), "same")
    breath *= np.hanning(len(breath))
    made.append(0.05 * breath / np.abs(breath).max())
    typing = np.zeros(round(1.5 * rate))
    for a in rng.integers(0, len(typing) - 200, 12):
        typing[a : a + 160] += rng.normal(0, 0.3, 160) * np.exp(-np.arange(160) / 30)
    made.append(typing)
    quiet = np.zeros(round(0.3 * rate))
    return [AudioClip.from_samples(np.concatenate([quiet, x, quiet]), rate)
            for x in made]


def build_sets(shared: Path, tmp: Path) -> list[Item]:
    items: list[Item] = []
    for phrase, command in vc.PHRASES.items():
        for voice in COMMAND_VOICES:
            items.append(Item(f"{voice}: {phrase}", command,
                              synth(phrase, voice, tmp), False, voice=voice))
        for voice in HELDOUT_VOICES:
            items.append(Item(f"{voice}: {phrase}", command,
                              synth(phrase, voice, tmp), False, "held-out", voice))
        for voice, clip in other_synth(phrase, tmp):
            items.append(Item(f"{voice}: {phrase}", command, clip, False,
                              "other-synth", voice))
    names = ("white 0.01", "white 0.03", "white 0.1", "white 0.3", "brown noise",
             "tone", "chord", "claps", "breath", "typing")
    for name, clip in zip(names, sounds(), strict=True):
        items.append(Item(f"sound: {name}", None, clip, False, "sound"))
    speech = shared / "speech"
    human_files = set()
    for name, words in HUMAN_WORDS.items():
        human_files.add(name)
        clip = read_wav(speech / name)
        for i, word in enumerate(words):
            cmd = vc.match(word)
            items.append(Item(f"human: {word}", cmd, clip.sliced(i, i + 1), True))
    with open(speech / "dev.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        if row["path"] in human_files:
            continue
        if vc.match(row["reference_transcript"]) is not None:
            raise SystemExit(f"{row['path']} is a command; add it to HUMAN_WORDS")
        for k, piece in enumerate(pieces(read_wav(speech / row["path"]))):
            items.append(Item(f"dev: {row['path']}#{k}", None, piece, True))
    for text in SENTENCES:
        for k, piece in enumerate(pieces(synth(text, SENTENCE_VOICE, tmp))):
            items.append(Item(f"sentence: {text[:24]}#{k}", None, piece, False))
    for text in program_lines(GUIDE_LINES):
        for k, piece in enumerate(pieces(synth(text, GUIDE_VOICE, tmp))):
            items.append(Item(f"guide: {text[:24]}#{k}", None, piece, False))
    return items


# --- measuring --------------------------------------------------------------------


def taught_recognizers(model_dir: Path, tmp: Path, which: str
                       ) -> dict[str, vc.CommandRecognizer]:
    """Per espeak-ng voice, a recognizer with that voice's own two takes of
    each command's first phrase (``which`` "first", what 'voiceguide commands
    teach' asks for) or of every phrase ("every"); under "" one with every
    voice's takes."""
    from voiceguide.commandwords import first_phrases
    from voiceguide.taught import Take

    plain = vc.CommandRecognizer(model_dir, timeout_s=BENCH_TIMEOUT_S)
    plain.load()
    pairs = (list(first_phrases().items()) if which == "first" else
             [(c, p) for p, c in vc.PHRASES.items()])
    mine: dict[str, list[Any]] = {}

    def teach(voice: str, command: str, phrase: str, clip: AudioClip) -> None:
        take = plain.take_of(clip)
        if isinstance(take, str):  # as 'commands teach' refuses it: no take
            print(f"  ({voice}: a take of {phrase!r} is {take}; left out)",
                  file=sys.stderr)
            return
        mine.setdefault(voice, []).append(Take(command, take.frames, phrase))

    for command, phrase in pairs:
        for voice in (*COMMAND_VOICES, *HELDOUT_VOICES):
            for wpm, pitch in TAKES:
                teach(voice, command, phrase, synth(phrase, voice, tmp, wpm, pitch))
        for stretch in STRETCHES:
            for voice, clip in other_synth(phrase, tmp, stretch):
                teach(voice, command, phrase, clip)
    out = {v: vc.CommandRecognizer(model_dir, timeout_s=BENCH_TIMEOUT_S, takes=t)
           for v, t in mine.items()}
    out[""] = vc.CommandRecognizer(model_dir, timeout_s=BENCH_TIMEOUT_S,
                                   takes=[t for ts in mine.values() for t in ts])
    return out


def run_config(name: str, items: list[Item], model_dir: Path,
               repeat: int, tmp: Path) -> dict[str, Any]:
    options = dict(CONFIGS[name])
    recognizers: dict[str, vc.CommandRecognizer] = {}
    which = options.pop("taught", None)
    if which:
        recognizers = taught_recognizers(model_dir, tmp, which)
    rec = vc.CommandRecognizer(model_dir, timeout_s=BENCH_TIMEOUT_S, **options)
    rec.load()
    rec.hear(items[0].clip)  # warm-up
    times: list[list[float]] = [[] for _ in items]
    heard: list[vc.Hearing] = []
    for r in range(repeat):
        for i, item in enumerate(items):
            if recognizers:  # a command in a taught voice: that voice's takes
                key = item.voice if item.expected is not None else ""
                h = recognizers.get(key, recognizers[""]).hear(item.clip)
            else:
                h = rec.hear(item.clip)
            times[i].append(h.seconds)
            if r == 0:
                heard.append(h)
    per_item = [statistics.median(t) for t in times]

    def of(kind: str, command: bool) -> list[int]:
        return [i for i, it in enumerate(items)
                if it.kind == kind and (it.expected is not None) == command]

    cmd, non = of("main", True), of("main", False)
    held, noise = of("held-out", True), of("sound", False)
    other = of("other-synth", True)
    right = [i for i in cmd + held + other if heard[i].command == items[i].expected]
    fired = [i for i in non + noise if heard[i].command is not None]
    decoded = [i for i in range(len(items)) if heard[i].reason not in
               ("too short", "too long")]
    times_all = [per_item[i] for i in decoded]
    return {
        "config": name,
        "beam_size": rec.beam_size,
        "window_s": rec.window_s,
        "prompt": rec.prompt is not None,
        "closed": rec.closed,
        "min_llr": rec.min_llr,
        "commands": len(cmd),
        "right": len(set(right) & set(cmd)),
        "accuracy": len(set(right) & set(cmd)) / len(cmd),
        "human_commands_right": sum(items[i].human for i in right),
        "human_commands": sum(items[i].human for i in cmd),
        "held_out": len(held),
        "held_out_right": len(set(right) & set(held)),
        "other_synth": len(other),
        "other_synth_right": len(set(right) & set(other)),
        "non_commands": len(non),
        "false_triggers": len(set(fired) & set(non)),
        "false_per_50": 50 * len(set(fired) & set(non)) / len(non),
        "sounds": len(noise),
        "sounds_fired": len(set(fired) & set(noise)),
        "median_s": statistics.median(times_all),
        "median_commands_s": statistics.median(
            per_item[i] for i in decoded if items[i].expected is not None),
        "median_others_s": statistics.median(
            per_item[i] for i in decoded if items[i].expected is None),
        "p90_s": _p90(times_all),
        "max_s": max(times_all),
        "over_default_timeout": sum(t > DEFAULT_TIMEOUT_S for t in times_all),
        "gated": len(items) - len(decoded),
        "misses": [f"{items[i].label} -> {heard[i].text!r} ({heard[i].reason}"
                   f"{', heard ' + str(heard[i].command) if heard[i].command else ''})"
                   for i in cmd + held + other if i not in right],
        "false": [f"{items[i].label} -> {heard[i].text!r} = {heard[i].command}"
                  for i in fired],
    }


def _p90(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.9 * (len(xs) - 1)))]


HEAD = (f"{'config':<18} {'accuracy':>13} {'human':>5} {'false':>9} "
        f"{'per 50':>6} {'held-out':>13} {'other synth':>14} {'sounds':>6} "
        f"{'median':>7} "
        f"{'cmds':>6} {'others':>6} {'p90':>6} {'>3s':>4}")


def _row(r: dict[str, Any]) -> str:
    acc = f"{r['right']}/{r['commands']} {100 * r['accuracy']:4.1f}%"
    held = (f"{r['held_out_right']}/{r['held_out']} "
            f"{100 * r['held_out_right'] / r['held_out']:4.1f}%")
    other = (f"{r['other_synth_right']}/{r['other_synth']} "
             f"{100 * r['other_synth_right'] / max(1, r['other_synth']):4.1f}%")
    return (f"{r['config']:<18} {acc:>13} "
            f"{r['human_commands_right']}/{r['human_commands']:<3} "
            f"{r['false_triggers']:>3}/{r['non_commands']:<5} "
            f"{r['false_per_50']:>6.2f} {held:>13} {other:>14} "
            f"{r['sounds_fired']:>2}/{r['sounds']:<3} {r['median_s']:>6.2f}s "
            f"{r['median_commands_s']:>5.2f}s {r['median_others_s']:>5.2f}s "
            f"{r['p90_s']:>5.2f}s {r['over_default_timeout']:>4}")


def _print_details(results: list[dict[str, Any]]) -> None:
    for r in results:
        if r["misses"] or r["false"]:
            print(f"\n{r['config']}:")
            for line in r["misses"]:
                print(f"  missed  {line}")
            for line in r["false"]:
                print(f"  FIRED   {line}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1,
                    help="passes over every clip; times are per-clip medians")
    ap.add_argument("--configs", default=DEFAULT_CONFIGS,
                    help=f"comma-separated, or all: {', '.join(CONFIGS)}")
    ap.add_argument("--shared", type=Path,
                    default=Path(os.environ.get("VOICEGUIDE_SHARED")
                                 or ROOT.parent / "shared"))
    ap.add_argument("--model-dir", type=Path, help="an installed whisper-base "
                    "model folder (default: install one into a temp folder)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    names = [n.strip() for n in a.configs.split(",") if n.strip()]
    if names == ["all"]:
        names = list(CONFIGS)
    unknown = set(names) - set(CONFIGS)
    if unknown:
        ap.error(f"unknown configs {sorted(unknown)}; known: {', '.join(CONFIGS)}")
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is not installed: apt-get install espeak-ng")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vg-bench-") as t:
        tmp = Path(t)
        items = build_sets(a.shared, tmp)
        model_dir = a.model_dir
        if model_dir is None:
            from voiceguide import models

            model_dir = models.install("whisper-base", tmp / "data")
        if not a.json:
            main = [i for i in items if i.kind == "main"]
            print(f"{sum(i.expected is not None for i in main)} command clips "
                  f"({sum(i.human and i.expected is not None for i in main)} "
                  f"human), {sum(i.expected is None for i in main)} non-command "
                  f"clips; {sum(i.kind == 'held-out' for i in items)} held-out "
                  f"command clips, {sum(i.kind == 'other-synth' for i in items)} "
                  f"by other synthesisers, {sum(i.kind == 'sound' for i in items)} "
                  "sounds; "
                  f"{len(os.sched_getaffinity(0))} cores; repeat {a.repeat}")
            print(HEAD)
            print("-" * len(HEAD), flush=True)
        results = []
        for n in names:  # each row as soon as it is measured
            results.append(run_config(n, items, model_dir, max(1, a.repeat), tmp))
            if not a.json:
                print(_row(results[-1]), flush=True)
    if not a.json:
        print(f"load {os.getloadavg()[0]:.1f} at the end; "
              f"{time.perf_counter() - started:.0f} s in all")
        _print_details(results)
        return
    first = results[0]
    print(json.dumps({
        "machine": {"cores": len(os.sched_getaffinity(0)),
                    "python": platform.python_version(),
                    "load_1min": os.getloadavg()[0]},
        "repeat": a.repeat,
        "commands": first["commands"],
        "human_commands": first["human_commands"],
        "non_commands": first["non_commands"],
        "held_out": first["held_out"],
        "other_synth": first["other_synth"],
        "sounds": first["sounds"],
        "wall_s": time.perf_counter() - started,
        "configs": results,
    }, indent=2))


if __name__ == "__main__":
    main()
