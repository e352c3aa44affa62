"""voiceguide notes ...: the person's notes from the command line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from voiceguide.cli.output import out
from voiceguide.cli.running import run_program
from voiceguide.vocab import ENGINES

if TYPE_CHECKING:
    from voiceguide.config import Paths, Settings


def add_notes_dir(sp: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's parser must not reset a value given before it.
    sp.add_argument("--notes-dir", metavar="DIR", default=argparse.SUPPRESS,
                    help="where notes are kept")


def cmd_notes(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide.notes import NoteBook

    book = NoteBook(settings.notes_dir or paths.default_notes_dir)
    if args.notes_cmd == "retranscribe":
        from voiceguide import transcription
        from voiceguide.transcribing import retranscribe

        engine = transcription.choose(paths.data_dir, args.engine or settings.engine)
        done, failed = retranscribe(book, engine, out)
        out(f"Written out: {done}. Still pending: {failed}." if done or failed
            else "No answers are waiting to be written out.")
        return 1 if failed else 0
    if args.notes_cmd == "read":
        from voiceguide.reading import note_as_program

        note = book.read(book.resolve(args.note))
        return run_program(note_as_program(note), settings, paths, keep_note=False)
    if args.notes_cmd == "show":
        path = book.resolve(args.note)
        book.read(path)  # a clear message if it is not a note
        out(path.read_text(encoding="utf-8").rstrip("\n"))
        return 0
    infos = book.infos()
    if not infos:
        out(f"No notes yet in {book.root}.")
        return 0
    for i, info in enumerate(infos, 1):
        if info.note is None:
            out(f"{i:>3}. {info.path.name}: unreadable: {info.problem}")
            continue
        n = info.note
        count = len(n.answers)
        state = "" if n.finished else ", unfinished"
        out(
            f"{i:>3}. {n.started:%Y-%m-%d %H:%M}  {n.title}  "
            f"({count} answer{'s' if count != 1 else ''}{state})  {info.path}"
        )
    return 0


def add_notes(sp: argparse.ArgumentParser) -> None:
    nsub = sp.add_subparsers(dest="notes_cmd",
                             metavar="list|show|read|retranscribe")
    add_notes_dir(sp)
    add_notes_dir(nsub.add_parser("list", help="all notes, newest first"))
    ns = nsub.add_parser("read", help="read a note aloud (n next, b back, s stop)")
    ns.add_argument("note", nargs="?", help="number from 'notes list', name, or path "
                    "(default: the newest)")
    ns.add_argument("--silent", action="store_true", default=None,
                    help="print it line by line instead")
    add_notes_dir(ns)
    ns = nsub.add_parser("show", help="print a note")
    ns.add_argument("note", nargs="?", help="number from 'notes list', name, or path "
                    "(default: the newest)")
    add_notes_dir(ns)
    ns = nsub.add_parser("retranscribe",
                         help="write out spoken answers still marked pending")
    ns.add_argument("--engine", choices=ENGINES)
    add_notes_dir(ns)
    sp.set_defaults(func=cmd_notes, notes_cmd="list")
