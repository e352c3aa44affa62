"""voiceguide support ... and voiceguide progress: the person's own support
contacts, and their check-in ratings over time.

Both speak what they print (unless --silent), through a session that keeps no
note, so the usual keys work; everything shown as a picture is also said and
written as text.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from voiceguide.cli.notes import add_notes_dir
from voiceguide.cli.output import out
from voiceguide.errors import BadInput

if TYPE_CHECKING:
    from pathlib import Path

    from voiceguide.config import Paths, Settings

MAX_DAYS = 3650


def _say_all(title: str, lines: list[str], settings: Settings, paths: Paths) -> int:
    """Print ``lines``, and unless silent read them aloud (keys work)."""
    if settings.silent:
        for line in lines:
            out(line)
        return 0
    from voiceguide.cli.running import run_program
    from voiceguide.program import Program, Say

    words = sum(len(line.split()) for line in lines)
    program = Program(title.lower().replace(" ", "-"), title, "journal",
                      words / 150, title, tuple(Say(line, 0.5) for line in lines),
                      "voiceguide")
    return run_program(program, settings, paths, keep_note=False)


# ---------------------------------------------------------------- support


def cmd_support(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide import support

    path = support.path_in(paths.data_dir)
    if args.support_cmd == "add":
        reach = " ".join(args.reach)
        new = support.add(path, args.name, reach)
        out(f"{'Added' if new else 'Changed'} {' '.join(args.name.split())}. "
            f"Your support contacts are kept in {path}")
        return 0
    if args.support_cmd == "remove":
        gone = support.remove(path, args.name)
        out(f"Removed {gone.name}. Your support contacts are kept in {path}")
        return 0
    contacts = support.load(path)  # a broken file: its problem and the fix
    lines = [support.REMINDER, *support.lines(contacts, aloud=not settings.silent)]
    code = _say_all("Your support contacts", lines, settings, paths)
    if contacts:
        out(f"(Kept in {path})")
    return code


def add_support(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--silent", action="store_true", default=None,
                    help="print them instead of reading them aloud")
    ssub = sp.add_subparsers(dest="support_cmd", metavar="list|add|remove")
    sl = ssub.add_parser("list", help="read your contacts aloud, after the "
                         "emergency reminder (the default)")
    sl.add_argument("--silent", action="store_true", default=argparse.SUPPRESS,
                    help="print them instead")
    sa = ssub.add_parser("add", help='add or change one: voiceguide support add '
                         '"Sam" "07700 900123"')
    sa.add_argument("name", help="their name, in quotes if it has spaces")
    sa.add_argument("reach", nargs="+", metavar="NUMBER-OR-NOTE",
                    help="a phone number, or a note on how to reach them")
    sr = ssub.add_parser("remove", help="remove one, by name")
    sr.add_argument("name")
    sp.set_defaults(func=cmd_support, support_cmd="list")


# ---------------------------------------------------------------- progress


def _chart_path(args: argparse.Namespace, paths: Paths) -> Path:
    from pathlib import Path

    if not args.chart:
        return paths.data_dir / "progress.png"
    png = Path(args.chart).expanduser()
    if png.suffix.lower() != ".png":
        raise BadInput(f"{png}: the chart is a PNG picture, so its name must end "
                       "in .png", "For example: --chart ~/progress.png")
    if not png.parent.is_dir():
        raise BadInput(f"{png.parent}: no such folder",
                       "Give --chart a path in an existing folder.")
    return png


ENCRYPTED_NO_CHART = ("Your notes are encrypted, so no chart is saved, since it "
                      "would show your ratings unencrypted. To save one anyway, "
                      "give --chart and a file name.")


def cmd_progress(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide import chart, progress
    from voiceguide.catalog import catalog
    from voiceguide.notes import NoteBook, now

    days = args.days
    if not 1 <= days <= MAX_DAYS:
        raise BadInput(f"--days {days} is not usable",
                       f"Give a number of days from 1 to {MAX_DAYS}, for example: "
                       "--days 30")
    png = _chart_path(args, paths)  # a bad --chart fails before anything is said
    txt = png.with_suffix(".txt")
    book = NoteBook(settings.notes_dir or paths.default_notes_dir)
    infos = book.infos()
    kinds = {p.id: p.kind for p in catalog()}
    found = progress.gather([i.note for i in infos if i.note], days, now(), kinds)
    lines = progress.summary(found)
    unreadable = sum(1 for i in infos if i.note is None)
    if not found.rated:
        code = _say_all("Your progress", lines, settings, paths)
        _unreadable(unreadable)
        return code
    if book.vault() is not None and not args.chart:
        # Encrypted notes: a chart or text file saved in the clear would show
        # the ratings; nothing is written unless the person asks for it.
        code = _say_all("Your progress", [*lines, ENCRYPTED_NO_CHART], settings,
                        paths)
        _unreadable(unreadable)
        return code
    title = progress.chart_title(days)
    # The words first: the text version is written, then said to be there.
    if not args.chart:
        png.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    chart.write_text(txt, progress.text_alternative(found, lines, title))
    where = (f"These numbers are saved as text in {txt.name}, with a chart "
             "beside it, in your voiceguide folder." if not args.chart else
             f"These numbers are saved as text in {txt.name}, with the chart "
             "beside it.")
    code = _say_all("Your progress", [*lines, where], settings, paths)
    chart.write(png, title, (found.since, found.until),
                [(r.started, r.before) for r in found.rated if r.before is not None],
                [(r.started, r.after) for r in found.rated if r.after is not None])
    out(f"Chart: {png}")
    out(f"The same numbers as text: {txt}")
    _unreadable(unreadable)
    return code


def _unreadable(n: int) -> None:
    if n:
        out(f"{n} note{' was' if n == 1 else 's were'} left out because "
            f"{'it' if n == 1 else 'they'} could not be read; 'voiceguide notes "
            "list' shows which.")


def add_progress(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--days", type=int, default=30, metavar="N",
                    help="how far back to look (default: 30 days)")
    sp.add_argument("--silent", action="store_true", default=None,
                    help="print the summary instead of reading it aloud")
    sp.add_argument("--chart", metavar="PATH.png",
                    help="where to save the chart (default: progress.png in your "
                    "voiceguide folder); a .txt with the same numbers goes beside it")
    add_notes_dir(sp)
    sp.set_defaults(func=cmd_progress)
