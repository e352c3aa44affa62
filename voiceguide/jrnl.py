"""jrnl's plain-text journal format: notes written out as entries, and back.

A jrnl journal (https://jrnl.sh) is one text file; each entry starts on a line
``[YYYY-MM-DD HH:MM] Title`` (a trailing `` *`` stars it), the lines after it
are its body, and entries are separated by one blank line. Tags are words
starting with ``@`` anywhere in the entry. jrnl has no questions and answers,
so a note becomes an entry like this::

    [2026-11-27 14:03] Rebuilding trust
    ## What are three small ways I could keep a promise to myself today?
    I could rest when I am tired.

    ## Who has been kind to me lately?
    My neighbour.
    @sister @work

* the first line after the date is the title; the date is the note's start,
  as its own clock showed it, to the minute (jrnl keeps no seconds or zone);
* each answer is a ``## question`` line, then its text; text before the first
  such line is an answer to the question "Journal entry" (what plain jrnl
  entries become), written back without a heading;
* a last line made only of ``@tags`` holds the note's tags that its text does
  not already mention; tags are kept as written;
* lines of an answer that would be misread (starting with ``## `` or a
  bracketed date, or those behind backslashes) get one more ``\\`` in front,
  taken off again when read; other lines are written as they are.

Reading is jrnl's own rule (an entry runs to the next line starting with a
bracketed date that parses), except that a one-line entry is all title, as
jrnl writes it. What we write, read back and written again, is the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from voiceguide.notes import Answer, Note

ENTRY_PROMPT = "Journal entry"
PROGRAM = "jrnl"
TIME_FORMAT = "%Y-%m-%d %H:%M"
# jrnl's default, then formats other jrnl configurations commonly use.
READ_FORMATS = (TIME_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %I:%M %p",
                "%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d")
STARRED = "jrnl_starred: true"  # a front-matter line voiceguide keeps for jrnl
PENDING = "(transcript pending)"

_DATE_LINE = re.compile(r"(?:^|\n)\[([^\]\n]+)\] ")
_TAG = re.compile(r"(?<!\S)@([-+*#/\w]+)")
_BRACKET = re.compile(r"\[([^\]\n]+)\] ")


@dataclass(frozen=True)
class Entry:
    """One jrnl entry: its wall-clock time (no zone), title, body, star."""

    date: datetime
    title: str
    body: str = ""
    starred: bool = False


# ---------------------------------------------------------------- writing


def _tags_in(text: str) -> set[str]:
    return {t.casefold() for t in _TAG.findall(text)}


def _jrnl_tag(tag: str) -> str:
    return "@" + re.sub(r"\s+", "-", tag.strip().lstrip("@#"))


def _special(line: str) -> bool:
    """A line reading would take for structure: a question ('## '), an entry's
    date line, or either behind backslashes (so they can be told apart)."""
    rest = line.lstrip("\\")
    if rest.startswith("## "):
        return True
    m = _BRACKET.match(rest)
    return bool(m and _date(m.group(1)))


def _escape(text: str) -> str:
    return "\n".join("\\" + ln if _special(ln) else ln for ln in text.split("\n"))


def to_entry(note: Note) -> Entry:
    """The jrnl entry a note becomes."""
    blocks = []
    for i, a in enumerate(note.answers):
        text = PENDING if a.pending else _escape(a.text)
        if i == 0 and a.prompt == ENTRY_PROMPT:
            blocks.append(text)
        else:
            prompt = " ".join(a.prompt.split())
            blocks.append(f"## {prompt}\n{text}" if text else f"## {prompt}")
    body = "\n\n".join(blocks).strip("\n")
    title = " ".join(note.title.split()) or note.program or "Untitled"
    mentioned = _tags_in(title + "\n" + body)
    missing = [_jrnl_tag(t) for t in note.tags if t.casefold() not in mentioned]
    if missing:
        body = (body + "\n" if body else "") + " ".join(missing)
    return Entry(note.started.replace(tzinfo=None, second=0, microsecond=0), title,
                 body, STARRED in note.extra)


def entry_text(note: Note) -> str:
    """One entry as jrnl writes it: date line, body, a newline at the end."""
    e = to_entry(note)
    title = f"[{e.date.strftime(TIME_FORMAT)}] {e.title}" + (" *" if e.starred else "")
    return title + ("\n" + e.body if e.body else "") + "\n"


def write_journal(notes: Iterable[Note], write: Callable[[str], object]) -> int:
    """Write entries, oldest first as given, one blank line between; the count."""
    n = 0
    for note in notes:
        write(("\n" if n else "") + entry_text(note))
        n += 1
    return n


# ---------------------------------------------------------------- reading


def _date(blob: str) -> datetime | None:
    for fmt in READ_FORMATS:
        try:
            return datetime.strptime(blob.strip(), fmt)
        except ValueError:
            continue
    return None


def parse_journal(text: str) -> Iterator[Entry]:
    """The entries of a jrnl journal, in file order. Text before the first
    dated line is not an entry and is ignored (jrnl would date it "now")."""
    text = text.replace("\r\n", "\n")
    starts: list[tuple[datetime, int, int]] = []
    for m in _DATE_LINE.finditer(text):
        when = _date(m.group(1))
        if when is not None:
            starts.append((when, m.start(), m.end()))
    for i, (when, _, body_start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        raw = text[body_start:end]
        first, _, rest = raw.partition("\n")
        title = first.strip()
        starred = title.endswith(" *") or title == "*"
        if starred:
            title = title[:-1].rstrip()
        yield Entry(when, title, rest.strip("\n").rstrip(), starred)


def _tag_line(line: str, body_above: str) -> tuple[str, ...] | None:
    """The tags of a last line that is just what ``to_entry`` writes there:
    distinct tags, none mentioned above, one space apart."""
    words = line.split(" ")
    if not words or not all(_TAG.fullmatch(w) for w in words):
        return None
    tags = tuple(w[1:] for w in words)
    keys = [t.casefold() for t in tags]
    if len(set(keys)) != len(keys) or set(keys) & _tags_in(body_above):
        return None
    return tags


def _unescape(lines: list[str]) -> str:
    return "\n".join(ln[1:] if ln.startswith("\\") and _special(ln) else ln
                     for ln in lines).strip("\n")


def to_note(entry: Entry, started: datetime) -> Note:
    """A note from a jrnl entry; ``started`` is its date with the local zone."""
    body = entry.body
    head, _, last = body.rpartition("\n")
    line_tags = _tag_line(last, entry.title + "\n" + head) if last else None
    if line_tags is not None:
        body = head
    tags = list(line_tags or ())
    for t in _TAG.findall(entry.title + "\n" + body):
        if t.casefold() not in {x.casefold() for x in tags}:
            tags.append(t)
    answers: list[Answer] = []
    prompt = ENTRY_PROMPT  # for text before any '## ' line
    lines: list[str] = []

    def close() -> None:
        text = _unescape(lines)
        if prompt != ENTRY_PROMPT or text.strip():
            answers.append(Answer(prompt, started, "" if text == PENDING else text,
                                  pending=text == PENDING))

    for ln in body.split("\n") if body else []:
        if ln.startswith("## "):
            close()
            prompt, lines = ln[3:].strip(), []
        else:
            lines.append(ln)
    close()
    return Note(PROGRAM, entry.title, started, started, tuple(answers),
                tags=tuple(tags), extra=(STARRED,) if entry.starred else ())
