"""voiceguide notes search|tag|untag|export|import|stats|reindex: the journal
library from the command line. Thin handlers: the work is in library.py,
tagging.py, export.py, importing.py and stats.py."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.cli.notes import filters, row_line
from voiceguide.cli.output import err, out
from voiceguide.cli.running import run_program
from voiceguide.errors import BadInput, NotesError
from voiceguide.library import Library
from voiceguide.notes import FILE_MODE, Note, NoteBook
from voiceguide.program import Program, Say
from voiceguide.query import HIT_END, HIT_START

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from voiceguide.config import Paths, Settings
    from voiceguide.export import Write
    from voiceguide.library import Found, Row

SEARCH_LIMIT = 20
SPOKEN_LIMIT = 10


def run(cmd: str, args: argparse.Namespace, book: NoteBook, settings: Settings,
        paths: Paths) -> int:
    handler = {"search": search, "tag": tag, "untag": tag, "export": export,
               "import": import_, "stats": stats, "reindex": reindex}[cmd]
    return handler(args, book, settings, paths)


def _spoken(title: str, lines: list[str], settings: Settings, paths: Paths) -> int:
    """Say these lines (and show them) the way 'notes read' reads a note."""
    steps = tuple(Say(line, pause=0.6) for line in lines)
    words = sum(len(line.split()) for line in lines)
    program = Program("notes-" + title.lower().replace(" ", "-"), title, "journal",
                      words / 150, title + ".", steps, "notes")
    return run_program(program, settings, paths, keep_note=False)


# ---------------------------------------------------------------- search


def _marked(snippet: str) -> str:
    """Matched words in bold on a terminal (screen readers ignore it), plain
    text in a pipe or with NO_COLOR."""
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return snippet.replace(HIT_START, "\033[1m").replace(HIT_END, "\033[22m")
    return snippet.replace(HIT_START, "").replace(HIT_END, "")


def _heard(snippet: str) -> str:
    text = snippet.replace(HIT_START, "").replace(HIT_END, "").replace("...", " ")
    return " ".join(text.split())


def _said_when(r: Row) -> str:
    if r.started is None:
        return "a file that could not be read as a note"
    s = r.started
    return f"from {s:%A} {s.day} {s:%B %Y}"


def search(args: argparse.Namespace, book: NoteBook, settings: Settings,
           paths: Paths) -> int:
    if args.spoken:
        args.words, args.read = _spoken_query(settings, paths), True
    elif not args.words:
        raise BadInput("no words to find",
                       "Give a word or two: voiceguide notes search sister. Or say "
                       "them: voiceguide notes search --spoken")
    limit = args.limit or (SPOKEN_LIMIT if args.read else SEARCH_LIMIT)
    if limit < 1:
        raise BadInput(f"--limit {limit} is too small", "Give --limit 1 or more.")
    with Library(book) as lib:
        found = lib.search(args.words, filters(args), limit)
    words = " ".join(args.words)
    if args.read:  # spoken, or with --silent printed line by line as it would be
        return _spoken("Search results", _search_spoken(found, words), settings,
                       paths)
    for line in _search_printed(found, words):
        out(line)
    return 0


ASK_QUERY = "What would you like to find? After the tone, say a few words."
QUERY_SILENCE_S = 1.5  # a short pause ends the words to find
QUERY_MAX_S = 15.0


def _spoken_query(settings: Settings, paths: Paths) -> list[str]:
    """Ask aloud, record a few words from the microphone, and write them out
    on this machine: the words to search for."""
    from voiceguide import cues, transcription
    from voiceguide.audio import read_wav, scratch_wav
    from voiceguide.backends.recorder import SoundDeviceRecorder, input_problem

    problem = input_problem(settings.input_device)
    if problem:
        raise BadInput(f"no microphone to hear what to find ({problem})",
                       "Type the words instead: voiceguide notes search WORDS")
    engine = transcription.choose(paths.data_dir, settings.engine)
    if not settings.silent:
        _spoken("Search", [ASK_QUERY], settings, paths)
        _play_cue(cues.load("your-turn"), settings)
    else:
        out(ASK_QUERY)
    recorder = SoundDeviceRecorder(settings.input_device, silence_s=QUERY_SILENCE_S,
                                   max_s=QUERY_MAX_S, no_speech_s=8.0)
    audio = scratch_wav()  # memory-backed: the words never reach the disk
    try:
        out("Listening...")
        rec = recorder.record(audio, threading.Event())
        heard = "" if rec.reason == "no-speech" else engine.transcribe(read_wav(audio))
    finally:
        audio.unlink(missing_ok=True)
    words = [w.strip(".,!?;:\"'") for w in heard.split()]
    words = [w for w in words if w]
    if not words:
        raise BadInput("nothing was heard to search for",
                       "Try again a little closer to the microphone, or type the "
                       "words: voiceguide notes search WORDS")
    out(f"Searching for: {' '.join(words)}")
    return words


def _play_cue(clip: object, settings: Settings) -> None:
    """The "your turn" tone, so the person knows when to speak."""
    from voiceguide.assemble import open_player

    player = open_player(settings, out)
    if player is None:
        return
    try:
        player.play(clip)
        player.wait_idle(3.0)
    finally:
        player.close()


def _found_line(found: Found) -> str:
    n = found.total
    line = f"{n} note{'s' if n != 1 else ''} found"
    if n > len(found.rows):
        line += f", the best {len(found.rows)} shown (more with --limit)"
    return line + ". To hear one: voiceguide notes read NUMBER"


def _search_printed(found: Found, words: str) -> list[str]:
    if not found.rows:
        return [f"No notes found for: {words}."]
    lines = []
    if found.match == "any":
        lines.append("No note has all of those words. These have some of them.")
    elif found.match == "text":
        lines.append("No note has those as whole words. These contain the text.")
    for r in found.rows:
        lines.append(row_line(r))
        lines.append(f"     {_marked(r.snippet)}")
    lines.append(_found_line(found))
    return lines


def _search_spoken(found: Found, words: str) -> list[str]:
    if not found.rows:
        return [f"I found no notes with: {words}."]
    n = found.total
    lines = [f"I found {n} note{'s' if n != 1 else ''} with: {words}."]
    if found.match != "all":
        lines.append("None has all of those words, so here are the closest.")
    if n > len(found.rows):
        lines.append(f"Here are the best {len(found.rows)}.")
    for r in found.rows:
        lines.append(f"Number {r.number}, {_said_when(r)}. {r.title or r.path.stem}.")
        lines.append(_heard(r.snippet))
    lines.append("To hear a whole note, run voiceguide notes read, with its number.")
    return lines


# ---------------------------------------------------------------- tags


def tag(args: argparse.Namespace, book: NoteBook, settings: Settings,
        paths: Paths) -> int:
    from voiceguide.tagging import normalize, retag

    with Library(book) as lib:
        path = lib.resolve(args.note)
    note = book.read(path)  # a clear message if it is not a note
    given = tuple(t for t in (normalize(x) for x in args.tags) if t)
    if args.tags and not given:
        raise BadInput("those tags are empty", "Give tags as words, e.g.: sister")
    if not given:
        out(f"Tags on {path.name}: {', '.join(note.tags) or 'none'}.")
        return 0
    add, remove = (given, ()) if args.notes_cmd == "tag" else ((), given)
    try:
        text, tags = retag(book.read_text(path), add, remove)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise NotesError(f"{path}: cannot be changed ({e})",
                         "Open it in a text editor; it is left as it is.") from None
    if tags != note.tags:
        book.write_text(path, text)
    out(f"Tags on {path.name}: {', '.join(tags) or 'none'}.")
    return 0


# ---------------------------------------------------------------- export, import


def _read_all(book: NoteBook, paths_: Iterator[Path],
              skipped: list[str]) -> Iterator[Note]:
    for path in paths_:
        try:
            yield book.read(path)
        except NotesError as e:
            skipped.append(e.message)


def export(args: argparse.Namespace, book: NoteBook, settings: Settings,
           paths: Paths) -> int:
    from voiceguide.export import SUFFIXES, write_notes

    target = Path(args.output).expanduser() if args.output not in (None, "-") else None
    fmt = args.format or (SUFFIXES.get(target.suffix.lower(), "md") if target else "md")
    if target is not None:
        _check_target(target, book)
    chosen = filters(args)
    skipped: list[str] = []
    with Library(book) as lib:
        ordered = list(lib.oldest_first(chosen))
        skipped += [f"{r.path}: {r.problem}" for r in lib.notes() if r.problem]
    notes = _read_all(book, iter(ordered), skipped)
    if target is None:
        n = write_notes(fmt, notes, book.root, sys.stdout.write)
        sys.stdout.flush()
    else:
        n = _write_file(target, lambda write: write_notes(fmt, notes, book.root, write))
        out(f"Exported {n} note{'s' if n != 1 else ''} to {target} ({fmt}).")
    for problem in skipped:  # files that are not notes, named so none is missed
        err(f"Not exported, not readable as a note: {problem}")
    return 0


def _check_target(target: Path, book: NoteBook) -> None:
    if not target.parent.is_dir():
        raise BadInput(f"{target.parent}: no such folder",
                       "Give --output a file in a folder that exists.")
    if target.suffix.lower() == ".md":
        try:
            target.resolve().relative_to(book.root.resolve())
        except ValueError:
            return
        raise BadInput(f"{target} is inside the notes folder, where it would be "
                       "taken for a note",
                       "Write the export somewhere else, e.g. your home folder.")


def _write_file(target: Path, fill: Callable[[Write], int]) -> int:
    """Write to a private temp file beside the target, then rename it: a
    failed export never leaves half a file, nor replaces a good one."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            n = fill(f.write)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise NotesError(f"could not write {target} ({e.strerror or e})",
                         "Choose another file, or free some disk space.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n


def import_(args: argparse.Namespace, book: NoteBook, settings: Settings,
            paths: Paths) -> int:
    from voiceguide.importing import import_jrnl

    source = Path(args.file).expanduser()
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{source}: no such file",
                       "Give the path of a jrnl journal file.") from None
    except UnicodeDecodeError:
        raise BadInput(f"{source}: not a text file in UTF-8",
                       "Give a jrnl plain-text journal (jrnl --export txt).") from None
    except OSError as e:
        raise BadInput(f"{source}: cannot be read ({e.strerror or e})",
                       "Check the file's permissions.") from None
    book.check_writable()
    with Library(book) as lib:
        done = import_jrnl(text, str(source), book, lib)
    n = done.added
    line = f"Imported {n} entr{'ies' if n != 1 else 'y'} as notes in {book.root}."
    if done.already:
        line += (f" {done.already} {'were' if done.already != 1 else 'was'} "
                 "there already.")
    out(line)
    return 0


# ---------------------------------------------------------------- stats, index


def stats(args: argparse.Namespace, book: NoteBook, settings: Settings,
          paths: Paths) -> int:
    from voiceguide import stats as tally

    chosen = filters(args)
    with Library(book) as lib:
        summary = tally.summarize(lib.counts(chosen))
        titles = lib.titles()
    for line in tally.printed(summary, titles):
        out(line)
    if settings.silent:
        return 0
    out()
    return _spoken("Your notes", tally.spoken(summary, titles, chosen.any),
                   settings, paths)


def reindex(args: argparse.Namespace, book: NoteBook, settings: Settings,
            paths: Paths) -> int:
    start = time.perf_counter()
    with Library(book, rebuild=True) as lib:
        n, memory = lib.read, lib.in_memory
    seconds = time.perf_counter() - start
    out(f"Index built from {n} file{'s' if n != 1 else ''} in {seconds:.1f} s.")
    if memory:
        out(f"It could not be saved in {book.root}, so it is kept in memory for "
            "each command. Fix the folder's permissions to make commands faster.")
    return 0
