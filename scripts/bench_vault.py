#!/usr/bin/env python3
"""Benchmark of encrypted notes (voiceguide.vault, sealed, encryption).

Builds a synthetic journal of N notes (default 10,000; fixed seed; 1-4
answers of 20-300 words each, Zipf-like word choice, dates over ~5 years) in
a temp folder, then reports medians of --repeat runs:

  unlock             the passphrase -> key (Argon2id at the default costs)
  list plain/sealed  NoteBook.infos(): find, read and parse every note
  search plain/sealed  a search through an index: open an SQLite FTS5 index
                     of all notes and run a query; plain opens the file,
                     sealed loads it into memory (vault.load_database)
  encrypt / decrypt  `voiceguide encrypt` / `decrypt` of the whole folder, as a
                     process (start-up and the key derivation included)
  notes search / notes list --since, plain/sealed
                     the commands themselves, in-process (cli.main): the
                     sealed ones unlock first (as every run does), each checks
                     the folder for changes, then answers from its index (the
                     sealed index is loaded into memory first)

Plain and sealed are two copies of one journal, timed in turn.

Target: listing and search encrypted at most 2x the plain time.
  python scripts/bench_vault.py [--notes N] [--repeat R] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from voiceguide import vault  # noqa: E402
from voiceguide.notes import Answer, Note, NoteBook, render  # noqa: E402

PASSPHRASE = "a quiet morning by the river"
_TEXT = ("I the and to a of my it was that felt me today in with not but so trust "
         "myself sister work rest walk promise boundary tired kind voice listen "
         "safe fear morning garden water friend slow breath body room quiet asked "
         "said because again small step honest gentle")
WORDS = _TEXT.split()


def build(root: Path, count: int, seed: int = 7) -> None:
    """``count`` notes written straight to disk (no fsync: building is not
    what is measured)."""
    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(WORDS))]
    t0 = datetime(2021, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    for i in range(count):
        started = t0 + timedelta(minutes=263 * i)
        answers = tuple(
            Answer(f"Question {k + 1}: what helped today?", started,
                   " ".join(rng.choices(WORDS, weights, k=rng.randint(20, 300))))
            for k in range(rng.randint(1, 4)))
        folder = root / f"{started:%Y}" / f"{started:%m}"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{started:%Y-%m-%dT%H-%M-%S}_trust-self.md"
        note = Note("trust-self", "Trust yourself", started, started, answers, path)
        path.write_text(render(note), encoding="utf-8")


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def index_of(book: NoteBook) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body)")
    for info in book.infos():
        assert info.note is not None
        conn.execute("INSERT INTO fts VALUES (?, ?)",
                     (info.note.title, " ".join(a.text for a in info.note.answers)))
    conn.commit()
    return conn


def search(conn: sqlite3.Connection) -> int:
    return len(conn.execute("SELECT rowid, snippet(fts, 1, '[', ']', '...', 8) "
                            "FROM fts WHERE fts MATCH 'sister AND garden' "
                            "ORDER BY bm25(fts) LIMIT 20").fetchall())


def cli(home: Path, command: str) -> float:
    env = {**os.environ, "VOICEGUIDE_HOME": str(home)}
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "voiceguide", command], env=env,
                          input=f"{PASSPHRASE}\n{PASSPHRASE}\n", text=True,
                          capture_output=True, timeout=3600)
    took = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"voiceguide {command} failed: {done.stderr}")
    return took


def in_process(home: Path, argv: list[str]) -> None:
    """``voiceguide ARGV`` through cli.main, its output thrown away."""
    import contextlib

    from voiceguide import cli as vg_cli

    os.environ["VOICEGUIDE_HOME"] = str(home)
    stdin = sys.stdin
    sys.stdin = io.StringIO(f"{PASSPHRASE}\n")  # asked by the sealed runs only
    try:
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null), \
                contextlib.redirect_stderr(null):
            code = vg_cli.main(argv)
    finally:
        sys.stdin = stdin
    if code != 0:
        raise SystemExit(f"voiceguide {' '.join(argv)} failed ({code})")


def alternate(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Medians, the candidates timed in turn, so a busy moment of a shared
    machine does not fall on one of them only."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="vg-bench-vault-"))
    encrypts: list[float] = []
    decrypts: list[float] = []
    try:
        plain_root = tmp / "plain" / "notes"
        build(plain_root, args.notes)
        home = tmp / "sealed"
        root = home / "notes"
        shutil.copytree(plain_root, root)
        for _ in range(max(1, min(args.repeat, 3)) - 1):
            encrypts.append(cli(home, "encrypt"))
            decrypts.append(cli(home, "decrypt"))
        encrypts.append(cli(home, "encrypt"))
        r: dict[str, float] = {"encrypt": statistics.median(encrypts),
                               "decrypt": statistics.median(decrypts or [0.0])}

        vault.set_unlocker(None)
        r["unlock"] = alternate({"unlock": lambda: vault.unlock(root, PASSPHRASE)},
                                args.repeat)["unlock"]
        opened = vault.unlock(root, PASSPHRASE)
        plain_book, sealed_book = NoteBook(plain_root), NoteBook(root)
        assert all(i.note is not None for i in sealed_book.infos())
        conn = index_of(plain_book)
        plain_index = plain_root / ".voiceguide" / "index.sqlite3"
        plain_index.parent.mkdir(mode=0o700)
        conn.execute("VACUUM INTO ?", (str(plain_index),))
        sealed_index = root / ".voiceguide" / "index.sqlite3"
        sealed_index.parent.mkdir(mode=0o700, exist_ok=True)
        vault.save_database(conn, sealed_index, opened)

        def search_plain() -> None:
            c = sqlite3.connect(plain_index)
            search(c)
            c.close()

        def search_sealed() -> None:
            c = vault.load_database(sealed_index, opened)
            search(c)
            c.close()

        r.update(alternate({"list_plain": plain_book.infos,
                            "list_sealed": sealed_book.infos,
                            "search_plain": search_plain,
                            "search_sealed": search_sealed}, args.repeat))
        r["index_mb"] = plain_index.stat().st_size / 1e6
        # The commands a person runs, in-process: the sealed ones are given
        # the passphrase and unlock (Argon2id) each time, as every run does;
        # each syncs its index with the folder first, then answers from it.
        # The index is built once before.
        for p in (plain_index, sealed_index):
            p.unlink(missing_ok=True)
            p.with_name(p.name + ".enc").unlink(missing_ok=True)
        commands = {}
        for kind, home_ in (("plain", tmp / "plain"), ("sealed", home)):
            for name, argv in (("search", ["notes", "search", "sister"]),
                               ("since", ["notes", "list", "--since", "30 days"])):
                commands[f"cmd_{name}_{kind}"] = (
                    lambda h=home_, a=argv: in_process(h, a))
        for fn in commands.values():
            fn()  # builds the index (plain), or the sealed one in memory
        r.update(alternate(commands, args.repeat))
    finally:
        vault.set_unlocker(None)
        shutil.rmtree(tmp, ignore_errors=True)

    if args.json:
        print(json.dumps({"notes": args.notes, **r}))
        return
    n = args.notes
    print(f"{n} notes, medians of {args.repeat} runs (encrypt/decrypt: "
          f"{len(encrypts)}/{len(decrypts)} runs, as a process)")
    print(f"  unlock (Argon2id, default costs)  {r['unlock'] * 1000:8.0f} ms")
    ratio = r["list_sealed"] / r["list_plain"]
    print(f"  list   plain {r['list_plain'] * 1000:8.0f} ms   sealed "
          f"{r['list_sealed'] * 1000:8.0f} ms   x{ratio:.2f}  (target <= x2)")
    print(f"  search plain {r['search_plain'] * 1000:8.1f} ms   sealed "
          f"{r['search_sealed'] * 1000:8.1f} ms   "
          f"x{r['search_sealed'] / r['search_plain']:.1f}  (index "
          f"{r['index_mb']:.1f} MB held in memory; target <= x2)")
    for name, what in (("search", "notes search (a word)"),
                       ("since", "notes list --since '30 days'")):
        plain, sealed = r[f"cmd_{name}_plain"], r[f"cmd_{name}_sealed"]
        print(f"  {what:<30} plain {plain * 1000:7.0f} ms   sealed "
              f"{sealed * 1000:7.0f} ms   x{sealed / plain:.2f}  (target <= x2)")
    print(f"  encrypt all {r['encrypt']:.1f} s   decrypt all {r['decrypt']:.1f} s")


if __name__ == "__main__":
    main()
