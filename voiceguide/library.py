"""The journal library: list, filter, search and find notes through the index.

``Library(book)`` is used as a context manager: entering it opens the index
(``index.py``) and brings it up to date with the folder; its methods answer
from the index, never by reading thousands of files. A query that finds the
index corrupt rebuilds it and asks again, once.

Numbers: every note has one number, its place in the whole list, newest first
(by the time in its file name, then a "-2" twin after its first, then the
file's modification time). Filtered lists and search results show those same
numbers, so "notes read 17" means the same note whichever list it was seen in.

Search (SQLite FTS5, unicode61 tokenizer with diacritics folded, so "cafe"
finds "café"): every word must appear, in the title, a question, an answer or
a tag; words in quotes are a phrase; "word*" matches the start of a word.
Results are ranked by bm25 with the title and tags weighing more than
answers, and questions (the same in every run of a program) weighing least.
When no note has all the words, notes with any of them are given instead; when
none has any as a whole word (a part of a word, or text in a script written
without spaces, such as Japanese), notes containing the text are given.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from voiceguide import index
from voiceguide.errors import BadInput, NotesError, VoiceGuideError
from voiceguide.notes import NoteBook
from voiceguide.query import (
    HIT_END,
    HIT_START,
    SNIPPET_WORDS,
    Filters,
    fts_query,
    plain,
    snippet_around,
)

log = logging.getLogger(__name__)

WEIGHTS = (5.0, 0.5, 1.0, 8.0)  # bm25 weights: title, prompts, body, tags
EVERYTHING = Filters()
_FIELDS = ("n.id, n.relpath, n.problem, n.program, n.title, n.started, n.finished, "
           "n.answers, n.tags, n.pos")


@dataclass(frozen=True)
class Row:
    """One note as the index knows it."""

    number: int  # its place in the whole list, newest first
    path: Path
    program: str
    title: str
    started: datetime | None
    finished: bool
    answers: int
    tags: tuple[str, ...]
    problem: str = ""  # why the file could not be read as a note
    snippet: str = ""  # search only: text around the words found


@dataclass(frozen=True)
class Found:
    rows: list[Row]
    total: int  # all matches, beyond the limit
    match: str  # "all" words, "any" of them, or "text" (a substring)


@dataclass(frozen=True)
class Count:
    month: str  # YYYY-MM
    program: str
    sessions: int
    answers: int


# ---------------------------------------------------------------- the library


class Library:
    """The notes folder through its index. Use ``with Library(book) as lib``."""

    def __init__(self, book: NoteBook, rebuild: bool = False) -> None:
        """``rebuild``: throw the index away and read every file again."""
        self.book = book
        self.conn: sqlite3.Connection | None = None
        self.in_memory = False
        self.read = 0  # files read when it was opened
        self._rebuild = rebuild

    # ---- opening, with recovery

    def __enter__(self) -> Library:
        self._open(self._rebuild)
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _open(self, rebuild: bool = False) -> None:
        from voiceguide.sealed import DamagedFile

        self.close()
        path = index.index_path(self.book)
        if rebuild:
            index.discard(path)
        # Asked once, first: a wrong passphrase stops the command with its own
        # message, instead of marking every note unreadable.
        vault = self.book.vault() if self.book.root.is_dir() else None
        if self.book.root.is_dir():
            for _attempt in (1, 2):
                conn = None
                try:
                    conn = index.open_database(path, vault)
                    read, gone = index.sync(conn, self.book)
                    if vault is not None and (read or gone):
                        index.save(conn, path, vault)
                    self.read, self.conn = read, conn
                    return
                except DamagedFile as e:  # a sealed index that fails to open
                    log.warning("index %s unusable (%s); building it again", path,
                                e.message)
                    index.discard(path)
                    continue
                except OSError as e:
                    log.warning("index %s cannot be made (%s); using memory", path, e)
                    break
                except sqlite3.Error as e:
                    if conn is not None:
                        conn.close()
                    self._check_busy(e)
                    if index.is_unwritable(e):
                        log.warning("index %s cannot be written (%s); using memory",
                                    path, e)
                        break
                    log.warning("index %s unusable (%s); building it again", path, e)
                    index.discard(path)
        conn = index.open_database(None)
        self.read = index.sync(conn, self.book)[0]
        self.conn, self.in_memory = conn, True

    @staticmethod
    def _check_busy(e: sqlite3.Error) -> None:
        if index.is_busy(e):
            raise VoiceGuideError(
                "the notes index is busy: another voiceguide command is updating it",
                "Try again in a moment.") from None

    def _all(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        """Run a query; a corrupt index is rebuilt and the query asked again."""
        for attempt in (1, 2):
            assert self.conn is not None
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as e:
                self._check_busy(e)
                if attempt == 2 or self.in_memory or isinstance(
                        e, sqlite3.ProgrammingError):
                    raise
                log.warning("index query failed (%s); building it again", e)
                self._open(rebuild=True)
        raise AssertionError("unreachable")

    # ---- rows

    def _rows(self, found: list[Any], snippet: str = "") -> list[Row]:
        """Rows from (fields..., [snippet]); numbers from their stored place."""
        total = self.count()
        out = []
        for r in found:
            out.append(Row(
                number=total - r[9] + 1, path=self.book.root / r[1], program=r[3],
                title=r[4], started=index.started_at(r[5]), finished=bool(r[6]),
                answers=r[7], tags=tuple(json.loads(r[8])), problem=r[2],
                snippet=" ".join(r[10].split()) if len(r) > 10 else snippet))
        return out

    @staticmethod
    def _where(f: Filters, readable_only: bool) -> tuple[str, list[object]]:
        clauses: list[str] = ["1"]
        params: list[object] = []
        if readable_only:
            clauses.append("n.problem = ''")
        if f.since:
            clauses.append("n.day >= ?")
            params.append(f.since.isoformat())
        if f.until:
            clauses.append("n.day <= ?")
            params.append(f.until.isoformat())
        if f.program:
            clauses.append("n.program = ? COLLATE NOCASE")
            params.append(f.program)
        for tag in f.tags:
            clauses.append("n.id IN (SELECT note_id FROM note_tags WHERE tag = ?)")
            params.append(tag.strip().lstrip("#@").casefold())
        return " AND ".join(clauses), params

    def notes(self, f: Filters = EVERYTHING) -> list[Row]:
        """Notes newest first; with filters, only readable notes that match
        (unreadable files have no date or program to match)."""
        where, params = self._where(f, readable_only=f.any)
        return self._rows(self._all(
            f"SELECT {_FIELDS} FROM notes AS n WHERE {where} ORDER BY n.pos DESC",
            params))

    def oldest_first(self, f: Filters = EVERYTHING) -> Iterator[Path]:
        """Paths of the readable notes that match, oldest first."""
        where, params = self._where(f, readable_only=True)
        for (rel,) in self._all(
                f"SELECT n.relpath FROM notes AS n WHERE {where} ORDER BY n.pos",
                params):
            yield self.book.root / rel

    def problems(self) -> int:
        """How many files could not be read as notes."""
        return int(self._all("SELECT COUNT(*) FROM notes WHERE problem != ''")[0][0])

    def count(self) -> int:
        return int(self._all("SELECT COUNT(*) FROM notes")[0][0])

    # ---- search

    def search(self, words: Sequence[str], f: Filters = EVERYTHING,
               limit: int = 20) -> Found:
        query = fts_query(words)
        if not query:
            raise BadInput("there is nothing to search for",
                           "Give one or more words, for example: "
                           "voiceguide notes search sister")
        where, params = self._where(f, readable_only=False)
        for joiner, match in (("AND", "all"), ("OR", "any")):
            q = fts_query(words, joiner)
            if match == "any" and q == query:
                break  # one word: "any" is the same search
            total = self._all(
                "SELECT COUNT(*) FROM fts WHERE fts MATCH ?", [q])[0][0] if not f.any \
                else self._all("SELECT COUNT(*) FROM fts JOIN notes AS n ON n.id = "
                               f"fts.rowid WHERE fts MATCH ? AND {where}",
                               [q, *params])[0][0]
            if total:
                found = self._all(
                    f"SELECT {_FIELDS}, snippet(fts, -1, '{HIT_START}', '{HIT_END}', "
                    f"'...', {SNIPPET_WORDS}) FROM fts JOIN notes AS n "
                    f"ON n.id = fts.rowid WHERE fts MATCH ? AND {where} "
                    f"ORDER BY bm25(fts, {', '.join(map(str, WEIGHTS))}), "
                    f"n.pos DESC LIMIT ?", [q, *params, limit])
                return Found(self._rows(found), total, match)
        return self._substring(plain(words), where, params, limit)

    def _substring(self, text: str, where: str, params: list[object],
                   limit: int) -> Found:
        if not text:
            return Found([], 0, "text")
        hits = self._all(
            f"SELECT {_FIELDS}, fts.title || char(10) || fts.body FROM fts "
            "JOIN notes AS n ON n.id = fts.rowid WHERE instr(lower(fts.title || "
            f"char(10) || fts.body), lower(?)) AND {where} ORDER BY n.pos DESC",
            [text, *params])
        shown = [(*h[:10], snippet_around(h[10], text)) for h in hits[:limit]]
        return Found(self._rows(shown), len(hits), "text")

    # ---- finding one note

    def resolve(self, ref: str | None) -> Path:
        """A note by number (1 = newest), 'last', file name, stem, part of its
        name, or a path."""
        if ref is None or ref in ("last", "latest"):
            ref = "1"
        if ref.isdigit() and len(ref) < 6:
            total = self.count()
            found = self._all("SELECT relpath FROM notes WHERE pos = ?",
                              (total - int(ref) + 1,)) if int(ref) else []
            if found:
                return self.book.root / found[0][0]
            if not total:
                raise NotesError(f"no notes yet in {self.book.root}",
                                 "Run a program with answers to write one.")
            raise NotesError(f"there is no note number {ref}: there are {total}",
                             "Run 'voiceguide notes list' to see the numbers.")
        direct = Path(ref).expanduser()
        if direct.is_file():
            return direct
        rels = [r for (r,) in self._all("SELECT relpath FROM notes ORDER BY pos DESC")]
        exact = [r for r in rels if r.rsplit("/", 1)[-1] in (ref, f"{ref}.md")]
        hits = exact or [r for r in rels if ref in r.rsplit("/", 1)[-1][:-3]]
        if len(hits) == 1:
            return self.book.root / hits[0]
        if hits:
            raise NotesError(
                f"{len(hits)} notes match {ref!r}",
                "Give more of the name, or the number from 'voiceguide notes list'.")
        raise NotesError(f"no note matches {ref!r}",
                         "Run 'voiceguide notes list' and use a number or name "
                         "from it.")

    def same_minute(self, minute: str) -> list[Path]:
        """Readable notes whose start, as written, is in this minute
        (YYYY-MM-DDTHH:MM)."""
        return [self.book.root / r for (r,) in self._all(
            "SELECT relpath FROM notes WHERE problem = '' AND substr(started, 1, 16) "
            "= ?", (minute,))]

    # ---- counting

    def counts(self, f: Filters = EVERYTHING) -> list[Count]:
        """Sessions and answers per month and program, oldest month first."""
        where, params = self._where(f, readable_only=True)
        return [Count(*r) for r in self._all(
            "SELECT substr(n.day, 1, 7) AS month, n.program, COUNT(*), "
            f"SUM(n.answers) FROM notes AS n WHERE {where} GROUP BY month, "
            "n.program ORDER BY month, n.program", params)]

    def titles(self) -> dict[str, str]:
        """Each program's title, as its newest note has it."""
        return {p: t for p, t, _ in self._all(
            "SELECT program, title, MAX(name19) FROM notes WHERE problem = '' "
            "GROUP BY program")}
