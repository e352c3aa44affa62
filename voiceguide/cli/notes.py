"""voiceguide notes ...: the person's notes from the command line.

Listing, finding and counting go through the index (``library.py``); showing,
reading aloud and tagging read the note's own file. The handlers of the
journal-library commands (search, tag, export, import, stats, reindex) are in
``cli/library.py``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from voiceguide.cli.output import out
from voiceguide.cli.running import run_program
from voiceguide.vocab import ENGINES

if TYPE_CHECKING:
    from voiceguide.config import Paths, Settings
    from voiceguide.library import Row
    from voiceguide.query import Filters

SUBCOMMANDS = ("list", "show", "read", "search", "tag", "untag", "export", "import",
               "stats", "reindex", "retranscribe")
DATE_HELP = ("YYYY-MM-DD, YYYY-MM, YYYY, today, yesterday, or a span back from "
             "today such as '30 days' or '6 months'")


def add_notes_dir(sp: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's parser must not reset a value given before it.
    sp.add_argument("--notes-dir", metavar="DIR", default=argparse.SUPPRESS,
                    help="where notes are kept")


def add_filters(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--since", metavar="DATE",
                    help=f"notes started on or after this day: {DATE_HELP}")
    sp.add_argument("--until", metavar="DATE",
                    help="notes started on or before this day (same forms)")
    sp.add_argument("--program", metavar="ID", help="only this program's notes")
    sp.add_argument("--tag", action="append", default=[], metavar="TAG",
                    help="only notes with this tag (repeat: notes with every one)")


def filters(args: argparse.Namespace) -> Filters:
    from voiceguide.errors import BadInput
    from voiceguide.query import Filters, parse_day

    since = parse_day(args.since) if args.since else None
    until = parse_day(args.until, end=True) if args.until else None
    if since and until and since > until:
        raise BadInput(f"--since {args.since} comes after --until {args.until}",
                       "Give the earlier day to --since and the later to --until.")
    return Filters(since, until, args.program, tuple(args.tag))


def row_line(r: Row) -> str:
    """One note in a list: its number (for 'notes read N'), when, what, where."""
    if r.problem or r.started is None:
        return f"{r.number:>3}. {r.path.name}: unreadable: {r.problem}"
    state = "" if r.finished else ", unfinished"
    tags = f"  tags: {', '.join(r.tags)}" if r.tags else ""
    return (f"{r.number:>3}. {r.started:%Y-%m-%d %H:%M}  {r.title}  "
            f"({r.answers} answer{'s' if r.answers != 1 else ''}{state}){tags}  "
            f"{r.path}")


def cmd_notes(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide.library import Library
    from voiceguide.notes import NoteBook

    book = NoteBook(settings.notes_dir or paths.default_notes_dir)
    cmd = args.notes_cmd
    if cmd == "retranscribe":
        from voiceguide import transcription
        from voiceguide.transcribing import retranscribe

        engine = transcription.choose(paths.data_dir, args.engine or settings.engine)
        done, failed = retranscribe(book, engine, out)
        out(f"Written out: {done}. Still pending: {failed}." if done or failed
            else "No answers are waiting to be written out.")
        return 1 if failed else 0
    if cmd not in ("list", "show", "read"):
        from voiceguide.cli import library

        return library.run(cmd, args, book, settings, paths)
    with Library(book) as lib:
        if cmd in ("show", "read"):
            path = lib.resolve(args.note)
        else:
            chosen = filters(args)
            rows = lib.notes(chosen)
            hidden = lib.problems() if chosen.any else 0
    if cmd == "read":
        from voiceguide.reading import note_as_program

        note = book.read(path)
        return run_program(note_as_program(note), settings, paths, keep_note=False)
    if cmd == "show":
        book.read(path)  # a clear message if it is not a note
        out(book.read_text(path).rstrip("\n"))
        return 0
    if not rows:
        out("No notes match." if chosen.any else f"No notes yet in {book.root}.")
    for r in rows:
        out(row_line(r))
    if hidden:
        out(f"Not shown: {hidden} file{'s' if hidden != 1 else ''} that could not be "
            "read as notes. 'voiceguide notes list' shows them.")
    return 0


def _note_arg(sp: argparse.ArgumentParser, required: bool = False) -> None:
    sp.add_argument("note", nargs=None if required else "?",
                    help="number from 'notes list' or 'notes search', name, or path"
                    + ("" if required else " (default: the newest)"))


def add_notes(sp: argparse.ArgumentParser) -> None:
    nsub = sp.add_subparsers(dest="notes_cmd", metavar="|".join(SUBCOMMANDS))
    add_notes_dir(sp)
    ns = nsub.add_parser("list", help="notes, newest first, with their numbers")
    add_filters(ns)
    add_notes_dir(ns)
    ns = nsub.add_parser("show", help="print a note")
    _note_arg(ns)
    add_notes_dir(ns)
    ns = nsub.add_parser("read", help="read a note aloud (n next, b back, s stop)")
    _note_arg(ns)
    ns.add_argument("--silent", action="store_true", default=None,
                    help="print it line by line instead")
    add_notes_dir(ns)
    ns = nsub.add_parser("search", help="find notes by their words, best first")
    ns.add_argument("words", nargs="*", metavar="WORD",
                    help="words to find; \"two words\" in quotes is a phrase; "
                    "word* matches the start of a word")
    ns.add_argument("--spoken", action="store_true",
                    help="say what to find instead of typing it (then the results "
                    "are read aloud)")
    add_filters(ns)
    ns.add_argument("--limit", type=int, default=None, metavar="N",
                    help="show at most N notes (default 20; 10 with --read)")
    ns.add_argument("--read", action="store_true",
                    help="read the results aloud")
    ns.add_argument("--silent", action="store_true", default=None,
                    help="with --read: print what would be said, without sound")
    add_notes_dir(ns)
    ns = nsub.add_parser("tag", help="add tags to a note: notes tag 12 sister work")
    _note_arg(ns, required=True)
    ns.add_argument("tags", nargs="*", metavar="TAG")
    add_notes_dir(ns)
    ns = nsub.add_parser("untag", help="remove tags from a note: notes untag 12 work")
    _note_arg(ns, required=True)
    ns.add_argument("tags", nargs="+", metavar="TAG")
    add_notes_dir(ns)
    ns = nsub.add_parser("export", help="write notes to one Markdown, JSON or jrnl "
                         "file")
    ns.add_argument("--format", choices=("md", "json", "jrnl"),
                    help="default: from the file's ending (.md, .json, .txt), or md")
    ns.add_argument("-o", "--output", metavar="FILE",
                    help="the file to write (default: print it)")
    add_filters(ns)
    add_notes_dir(ns)
    ns = nsub.add_parser("import", help="add the entries of a jrnl journal as notes")
    ns.add_argument("file", metavar="JOURNAL.txt",
                    help="a jrnl plain-text journal (jrnl --export txt)")
    add_notes_dir(ns)
    ns = nsub.add_parser("stats", help="sessions and answers by month and program")
    add_filters(ns)
    ns.add_argument("--silent", action="store_true", default=None,
                    help="print only; do not speak")
    add_notes_dir(ns)
    ns = nsub.add_parser("reindex", help="build the search index again from the "
                         "files")
    add_notes_dir(ns)
    ns = nsub.add_parser("retranscribe",
                         help="write out spoken answers still marked pending")
    ns.add_argument("--engine", choices=ENGINES)
    add_notes_dir(ns)
    sp.set_defaults(func=cmd_notes, notes_cmd="list", since=None, until=None,
                    program=None, tag=[])
