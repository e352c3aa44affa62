#!/usr/bin/env python3
"""Benchmark of the journal library on a synthetic journal of 10,000 notes.

Builds the journal in a temp folder (fixed seed): notes spread over five years,
one to six answers each of 20-300 words drawn from a Zipf-like word list (the
seed article's and programs' words first, then made-up words for the long
tail), about a third spoken with a recording folder beside the note. Then, each
figure a median, in-process (voiceguide.cli.main) and as a process
(.venv/bin/voiceguide, so start-up is included):

  search for a rare word (in 5 notes) and a common one (in nearly all),
  notes list --since one month, the first command after 100 notes changed on
  disk, and a full rebuild (notes reindex).

  python scripts/bench_library.py [--notes 10000] [--repeat 7]
                                  [--rebuild-repeat 3] [--json] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide import cli, index  # noqa: E402
from voiceguide.library import Library  # noqa: E402
from voiceguide.notes import Answer, Note, NoteBook, render  # noqa: E402
from voiceguide.query import Filters  # noqa: E402

SEED = 20261127
RARE = "lighthouse"  # planted in RARE_NOTES notes
RARE_NOTES = 5
PROGRAMS = ["rebuilding-trust", "trust-self", "trust-expectations", "daily-check-in",
            "trust-past-betrayals", "trust-small-steps", "trust-who-is-safe",
            "five-senses", "body-check"]
PROGRAM_WEIGHTS = [3, 2, 1, 8, 1, 1, 1, 1, 1]
TZ = timezone(timedelta(hours=1))


def vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    """Real words first (most common first), then made-up ones."""
    text = (ROOT.parent / "shared" / "seed" / "rebuilding-trust.txt")
    sources = [text] if text.is_file() else []
    sources += sorted((ROOT / "voiceguide" / "programs").glob("*.toml"))
    counts: dict[str, int] = {}
    for src in sources:
        for w in re.findall(r"[a-z']+", src.read_text(encoding="utf-8").lower()):
            counts[w] = counts.get(w, 0) + 1
    words = sorted(counts, key=lambda w: -counts[w])
    syllables = ["ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "in", "ga", "pe",
                 "lu", "shi", "mar", "no", "ta", "bri", "el", "fo", "den"]
    seen = set(words) | {RARE}
    while len(words) < size:
        w = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def build(root: Path, n: int) -> dict[str, object]:
    """Write n notes under root; what was made."""
    rng = random.Random(SEED)
    words = vocabulary(rng)
    cum = list(itertools.accumulate(1.0 / (r + 1) for r in range(len(words))))
    prompts = [f"Question {i}: " + " ".join(words[i * 7:i * 7 + 9]) + "?"
               for i in range(40)]
    start = datetime(2021, 11, 27, 7, 0, tzinfo=TZ)
    span = timedelta(days=5 * 365).total_seconds()
    times = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(n))
    rare = set(rng.sample(range(n), RARE_NOTES))
    answers_total = 0
    for i, t in enumerate(times):
        t = t.replace(microsecond=0)
        program = rng.choices(PROGRAMS, PROGRAM_WEIGHTS)[0]
        answers = []
        spoken = rng.random() < 0.33
        for k in range(rng.randint(1, 6)):
            text = rng.choices(words, cum_weights=cum, k=rng.randint(20, 300))
            if i in rare and k == 0:
                text.insert(rng.randrange(len(text)), RARE)
            sentence = " ".join(text)
            answers.append(Answer(rng.choice(prompts), t + timedelta(minutes=k + 1),
                                  sentence[0].upper() + sentence[1:] + ".",
                                  mode="spoken" if spoken else "typed",
                                  engine="whisper-base" if spoken else "",
                                  audio=f"{t:%Y-%m-%dT%H-%M-%S}_{program}/"
                                  f"{k + 1:02d}.wav" if spoken else ""))
        answers_total += len(answers)
        tags = tuple(rng.sample(["sister", "work", "sleep", "walk", "family"],
                                rng.choice([0, 0, 0, 1, 2])))
        folder = root / f"{t:%Y}" / f"{t:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{t:%Y-%m-%dT%H-%M-%S}_{program}.md"
        while path.exists():
            path = path.with_name(path.stem + "-2.md")
        note = Note(program, program.replace("-", " ").capitalize(), t,
                    t + timedelta(minutes=len(answers) + 2), tuple(answers), path,
                    tags=tags)
        path.write_text(render(note), encoding="utf-8")
        if spoken:
            audio = folder / path.stem
            audio.mkdir(exist_ok=True)
            for k in range(len(answers)):
                (audio / f"{k + 1:02d}.wav").write_bytes(b"RIFF")
    size = sum(p.stat().st_size for p in root.rglob("*.md"))
    return {"notes": n, "answers": answers_total, "md_bytes": size,
            "newest": times[-1].date().isoformat(), "common": words[0]}


def in_process(argv: list[str]) -> float:
    sink = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(sink):
        code = cli.main(argv)
    elapsed = time.perf_counter() - t
    if code != 0:
        raise SystemExit(f"{argv} failed ({code}): {sink.getvalue()[-500:]}")
    return elapsed


def as_process(argv: list[str], env: dict[str, str]) -> float:
    exe = str(Path(sys.executable).with_name("voiceguide"))
    t = time.perf_counter()
    subprocess.run([exe, *argv], stdout=subprocess.DEVNULL, env=env, check=True,
                   timeout=600)
    return time.perf_counter() - t


def median_ms(fn: Callable[[], float], repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat)) * 1000


def touch_100(root: Path, rng: random.Random) -> None:
    """Change 100 notes the way a hand edit does: more text, a new mtime."""
    notes = sorted(root.rglob("*.md"))
    for path in rng.sample(notes, 100):
        with path.open("a", encoding="utf-8") as f:
            f.write("An edit made by hand, later.\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notes", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--rebuild-repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temp journal")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vg-library-"))
    home, root = tmp / "home", tmp / "notes"
    os.environ["VOICEGUIDE_HOME"] = str(home)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    rng = random.Random(SEED + 1)
    res: dict[str, object] = {}
    try:
        t = time.perf_counter()
        res["journal"] = build(root, a.notes)
        res["build_s"] = time.perf_counter() - t
        base = ["notes", "--notes-dir", str(root)]
        newest = datetime.fromisoformat(str(res["journal"]["newest"]))  # type: ignore[index]
        since = (newest - timedelta(days=30)).date().isoformat()
        commands = {
            "search_rare": [*base, "search", RARE],
            "search_common": [*base, "search", str(res["journal"]["common"])],  # type: ignore[index]
            "list_since_month": [*base, "list", "--since", since],
        }
        t = time.perf_counter()
        in_process([*base, "reindex"])
        res["first_index_s"] = time.perf_counter() - t
        figures: dict[str, dict[str, float]] = {}
        for name, argv in commands.items():
            figures[name] = {
                "in_process_ms": median_ms(lambda argv=argv: in_process(argv),
                                           a.repeat),
                "process_ms": median_ms(lambda argv=argv: as_process(argv, env),
                                        a.repeat),
            }

        def after_change(run: Callable[[list[str]], float]) -> float:
            touch_100(root, rng)
            return run(commands["search_rare"])

        figures["first_after_100_changed"] = {
            "in_process_ms": median_ms(lambda: after_change(in_process), a.repeat),
            "process_ms": median_ms(
                lambda: after_change(lambda argv: as_process(argv, env)), a.repeat),
        }
        figures["full_rebuild"] = {
            "in_process_ms": median_ms(lambda: in_process([*base, "reindex"]),
                                       a.rebuild_repeat),
            "process_ms": median_ms(lambda: as_process([*base, "reindex"], env),
                                    a.rebuild_repeat),
        }
        res["figures"] = figures
        res["parts_ms"] = parts(root, RARE, str(res["journal"]["common"]),  # type: ignore[index]
                                since, a.repeat)
        res["index_bytes"] = (root / ".voiceguide" / "index.sqlite3").stat().st_size
        res["python_pass_ms"] = median_ms(
            lambda: _timed([sys.executable, "-c", "pass"], env), a.repeat)
    finally:
        if a.keep:
            print(f"journal kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        print(json.dumps(res, indent=2))
        return
    j = res["journal"]
    print(f"journal: {j['notes']} notes, {j['answers']} answers, "  # type: ignore[index]
          f"{j['md_bytes'] / 1e6:.1f} MB of Markdown; index "  # type: ignore[index]
          f"{int(res['index_bytes']) / 1e6:.1f} MB; built in {res['build_s']:.1f} s, "  # type: ignore[call-overload]
          f"first index {res['first_index_s']:.1f} s")
    print(f"python -c pass: {res['python_pass_ms']:.0f} ms")
    targets = {"search_rare": "< 50 ms", "search_common": "< 50 ms",
               "list_since_month": "< 100 ms", "first_after_100_changed": "< 1 s",
               "full_rebuild": ""}
    print(f"{'median of runs':<26} {'in-process':>11} {'process':>10}  target")
    for name, f in figures.items():
        print(f"{name:<26} {f['in_process_ms']:>8.1f} ms {f['process_ms']:>7.1f} ms  "
              f"{targets[name]}")
    print("where the in-process time goes (medians):")
    for name, ms in res["parts_ms"].items():  # type: ignore[attr-defined]
        print(f"  {name:<32} {ms:>8.2f} ms")


def parts(root: Path, rare: str, common: str, since: str,
          repeat: int) -> dict[str, float]:
    """The freshness check (walk with a stat per file) apart from the queries."""
    book = NoteBook(root)
    out: dict[str, float] = {}

    def timed(fn: Callable[[], object]) -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    disk = index.walk(root)
    out["walk (stat every note)"] = median_ms(lambda: timed(lambda: index.walk(root)),
                                              repeat)
    out["fingerprint of the walk"] = median_ms(
        lambda: timed(lambda: index.fingerprint(disk)), repeat)
    out["open index + sync, no change"] = median_ms(
        lambda: timed(lambda: Library(book).__enter__().close()), repeat)
    with Library(book) as lib:
        out["query: search rare"] = median_ms(
            lambda: timed(lambda: lib.search([rare])), repeat)
        out["query: search common"] = median_ms(
            lambda: timed(lambda: lib.search([common])), repeat)
        month = Filters(since=datetime.fromisoformat(since).date())
        out["query: list since a month"] = median_ms(
            lambda: timed(lambda: lib.notes(month)), repeat)
    out["per note in the walk"] = out["walk (stat every note)"] / max(len(disk), 1)
    return out


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, timeout=60)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
