"""The notes index: an SQLite full-text cache of the notes folder.

The Markdown files are the truth; the index only makes finding and listing
fast. It lives beside the notes, in ``<notes>/.voiceguide/index.sqlite3``
(folder 0700, file 0600; hidden, so it is never taken for a note), and is
never used to write a note.

Every command that reads it first brings it up to date (``sync``): one walk
of the folder with ``stat``, comparing each ``*.md`` file's (relative path,
mtime_ns, size) with what was indexed, and parsing only files that are new or
changed; rows of files that are gone are dropped. Hidden files and folders
(``.voiceguide``, ``.obsidian``, ``.trash``, temp files being written) are
skipped. A file that cannot be parsed is indexed too, by its raw text, with
its problem, so it is both reported and still found by search.

An index that is missing, unreadable, corrupt or of another schema version is
deleted and built again from the files: nothing is lost, it only takes the
time of a full read. Concurrency: WAL mode (readers never wait for a writer)
and a busy timeout (two commands syncing at once take turns). When the index
cannot be written at all (a read-only folder, something in the way), an
in-memory index is built for the one command instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import TYPE_CHECKING

from voiceguide.notes import DIR_MODE, FILE_MODE, Note, NoteBook, parse

if TYPE_CHECKING:
    from voiceguide.sealed import Vault

log = logging.getLogger(__name__)

SCHEMA = 1  # PRAGMA user_version; any other value means: build it again
FOLDER = ".voiceguide"
FILE = "index.sqlite3"
BUSY_TIMEOUT_MS = 15_000
BATCH = 500  # files read, then written, per transaction
_STAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T\d{2}-\d{2}-\d{2}")
_TWIN = re.compile(r"-(\d{1,4})$")
SEALED = ".md.enc"  # an encrypted note (see sealed.py)

_SCHEMA_SQL = f"""
CREATE TABLE notes(
  id INTEGER PRIMARY KEY,
  relpath TEXT NOT NULL UNIQUE,   -- '/'-separated, from the notes folder
  mtime_ns INTEGER NOT NULL,
  size INTEGER NOT NULL,
  name19 TEXT NOT NULL,           -- the file name's first 19 characters (its time)
  twin INTEGER NOT NULL,          -- 2 for a '-2' twin within one second, else 1
  problem TEXT NOT NULL DEFAULT '',  -- why it could not be read, or ''
  program TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  started TEXT,                   -- as written in the note (its own clock)
  day TEXT,                       -- YYYY-MM-DD on that clock
  finished INTEGER NOT NULL DEFAULT 0,
  answers INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '[]', -- JSON list, as written
  pos INTEGER                     -- place in the list, oldest first (1 = oldest)
);
CREATE INDEX notes_order ON notes(name19, twin, mtime_ns, relpath);
CREATE INDEX notes_day ON notes(day);
CREATE INDEX notes_pos ON notes(pos);
CREATE INDEX notes_stat ON notes(relpath, mtime_ns, size);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE note_tags(
  tag TEXT NOT NULL,              -- casefolded
  note_id INTEGER NOT NULL,
  PRIMARY KEY(tag, note_id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(
  title, prompts, body, tags,
  tokenize = 'unicode61 remove_diacritics 2'
);
PRAGMA user_version = {SCHEMA};
"""


class IndexBusy(Exception):
    """Another command holds the index longer than the busy timeout."""


def is_busy(e: sqlite3.Error) -> bool:
    text = str(e).lower()
    return isinstance(e, sqlite3.OperationalError) and (
        "locked" in text or "busy" in text)


def is_unwritable(e: sqlite3.Error) -> bool:
    text = str(e).lower()
    return isinstance(e, sqlite3.OperationalError) and (
        "readonly" in text or "read-only" in text or "unable to open" in text
        or "disk i/o" in text)


def index_path(book: NoteBook) -> Path:
    return book.root / FOLDER / FILE


def open_database(path: Path | None, vault: Vault | None = None
                  ) -> sqlite3.Connection:
    """Open the index, creating its folder (0700) and file (0600) when missing;
    ``None`` gives an empty in-memory index. The one place the index database
    is opened. With a vault (encrypted notes) the index is sealed on disk and
    held in memory while it is used; ``save`` seals it again.

    Raises OSError when the folder or file cannot be made, sqlite3.Error when
    the database cannot be used, DamagedFile when a sealed index fails to
    open; the caller decides what to do.
    """
    if path is not None and vault is not None:
        from voiceguide.sealed import load_database

        _make_folder(path.parent)
        conn = load_database(path, vault)
        conn.isolation_level = None
        path = None  # from here on, as an in-memory index
    elif path is None:
        conn = sqlite3.connect(":memory:", isolation_level=None)
    else:
        _make_folder(path.parent)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000,
                               isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if path is not None:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # a cache: speed over fsync
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            conn.execute("BEGIN IMMEDIATE")
            # Asked again under the lock: another command may have just made it.
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                for statement in _SCHEMA_SQL.split(";\n"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute("COMMIT")
        elif version != SCHEMA:
            raise sqlite3.DatabaseError(f"index schema {version}, expected {SCHEMA}")
    except BaseException:
        conn.close()
        raise
    return conn


def _make_folder(folder: Path) -> None:
    if not folder.is_dir():
        folder.mkdir(mode=DIR_MODE)
        os.chmod(folder, DIR_MODE)


def save(conn: sqlite3.Connection, path: Path, vault: Vault) -> None:
    """Seal an in-memory index back to disk (encrypted notes only)."""
    from voiceguide.sealed import save_database

    save_database(conn, path, vault)


def discard(path: Path) -> None:
    """Delete an index that cannot be used (it is only a cache)."""
    for p in (path, path.with_name(path.name + "-wal"),
              path.with_name(path.name + "-shm"), path.with_name(path.name + ".enc")):
        try:
            p.unlink(missing_ok=True)
        except OSError as e:
            log.warning("could not delete %s: %s", p, e)


# ---------------------------------------------------------------- sync


def walk(root: Path) -> dict[str, tuple[int, int]]:
    """Every visible ``*.md`` file under root: relative path -> (mtime_ns, size).

    The hot loop of every command (one pass per file), so kept lean.
    """
    found: dict[str, tuple[int, int]] = {}
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        folder, rel = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue  # vanished or unreadable: its notes are reported as gone
        names: set[str] | None = None
        for e in listed:
            name = e.name
            if name[0] == ".":
                continue
            try:
                sealed = name.endswith(SEALED)
                if sealed or name.endswith(".md"):
                    st = e.stat()
                    if S_ISREG(st.st_mode):  # x.md.enc is listed as x.md
                        found[rel + (name[:-4] if sealed else name)] = (
                            st.st_mtime_ns, st.st_size)
                        continue
                    if not S_ISDIR(st.st_mode) or e.is_symlink():
                        continue
                elif not e.is_dir(follow_symlinks=False):
                    continue
                # A note's recordings folder (named as the note) holds no
                # notes; not listing thousands of them halves the walk.
                if _STAMP.match(name):
                    names = names or {x.name for x in listed}
                    if f"{name}.md" in names:
                        continue
                stack.append((e.path, f"{rel}{name}/"))
            except OSError:
                continue
    return found


def fingerprint(disk: dict[str, tuple[int, int]]) -> str:
    """One value for the whole folder's (path, mtime, size): when it is what
    the index last saw, nothing changed and no row need be compared."""
    # marshal (format 2: no back-references) is the fastest exact dump. In walk
    # order, unsorted: a folder listed in another order, or a new Python's
    # format, only costs one full comparison, never a missed change.
    return hashlib.blake2b(marshal.dumps(disk, 2), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Parsed:
    """What the index keeps of one file."""

    note: Note | None
    problem: str = ""
    raw: str = ""  # the text of a file that is not a readable note


def read_one(book: NoteBook, path: Path) -> Parsed:
    from voiceguide.sealed import VaultError

    try:
        text = book.read_text(path)
    except (OSError, UnicodeDecodeError) as e:
        return Parsed(None, f"cannot be read ({e})")
    except VaultError as e:  # one damaged encrypted note: reported, not fatal
        return Parsed(None, e.message)
    try:
        return Parsed(parse(text, path))
    except ValueError as e:
        return Parsed(None, f"not a voiceguide note: {e}", text)


def _order_key(relpath: str) -> tuple[str, int]:
    name = relpath.rsplit("/", 1)[-1]
    stem = name[:-3] if name.endswith(".md") else name
    twin = _TWIN.search(stem) if _STAMP.match(stem) else None
    return name[:19], int(twin.group(1)) if twin else 1


def _row(relpath: str, stat: tuple[int, int], p: Parsed) -> tuple[object, ...]:
    name19, twin = _order_key(relpath)
    n = p.note
    if n is None:
        stamp = _STAMP.match(name19)
        day = "-".join(stamp.groups()) if stamp else None
        return (relpath, *stat, name19, twin, p.problem, "", "", None, day, 0, 0, "[]")
    return (relpath, *stat, name19, twin, "", n.program, n.title,
            n.started.isoformat(), n.started.date().isoformat(),
            int(n.finished is not None), len(n.answers),
            json.dumps(list(n.tags), ensure_ascii=False))


def _fts(relpath: str, p: Parsed) -> tuple[str, str, str, str]:
    n = p.note
    if n is None:
        return relpath.rsplit("/", 1)[-1], "", p.raw, ""
    return (n.title, "\n".join(a.prompt for a in n.answers),
            "\n\n".join(a.text for a in n.answers if a.text), " ".join(n.tags))


_COLUMNS = ("relpath, mtime_ns, size, name19, twin, problem, program, title, "
            "started, day, finished, answers, tags")


def sync(conn: sqlite3.Connection, book: NoteBook) -> tuple[int, int]:
    """Bring the index up to date with the folder: (files read, rows dropped)."""
    disk = walk(book.root) if book.root.is_dir() else {}
    seen = fingerprint(disk)
    last = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    if last and last[0] == seen:
        return 0, 0
    known = {rel: (id_, (mt, size)) for id_, rel, mt, size in
             conn.execute("SELECT id, relpath, mtime_ns, size FROM notes")}
    changed = [rel for rel, st in disk.items()
               if rel not in known or known[rel][1] != st]
    gone = [known[rel][0] for rel in known.keys() - disk.keys()]
    batches = [changed[i:i + BATCH] for i in range(0, len(changed), BATCH)] or [[]]
    for i, batch in enumerate(batches):
        # Files are read before the write lock is taken, and written in
        # batches, so a full rebuild neither holds every note in memory nor
        # keeps other commands waiting for long. The fingerprint is saved
        # with the last batch: an interrupted sync is finished next time.
        parsed = [(rel, read_one(book, book.root / rel)) for rel in batch]
        last_batch = i == len(batches) - 1
        _write(conn, disk, parsed, gone if i == 0 else [],
               seen if last_batch else None)
    return len(changed), len(gone)


def _write(conn: sqlite3.Connection, disk: dict[str, tuple[int, int]],
           parsed: list[tuple[str, Parsed]], gone: list[int],
           seen: str | None) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for id_ in gone:
            _drop(conn, id_)
        for rel, p in parsed:
            # Looked up again inside the lock: another command may have
            # indexed this file since our walk.
            for (old,) in conn.execute("SELECT id FROM notes WHERE relpath = ?",
                                       (rel,)).fetchall():
                _drop(conn, old)
            cur = conn.execute(
                f"INSERT INTO notes({_COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _row(rel, disk[rel], p))
            new = cur.lastrowid
            conn.execute("INSERT INTO fts(rowid, title, prompts, body, tags) "
                         "VALUES (?, ?, ?, ?, ?)", (new, *_fts(rel, p)))
            if p.note is not None and p.note.tags:
                conn.executemany(
                    "INSERT OR IGNORE INTO note_tags(tag, note_id) VALUES (?, ?)",
                    [(t.casefold(), new) for t in p.note.tags])
        if seen is not None:
            _number(conn)
            conn.execute("INSERT OR REPLACE INTO meta(key, value) "
                         "VALUES ('fingerprint', ?)", (seen,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _number(conn: sqlite3.Connection) -> None:
    """Give every row its place in the list, oldest first. New notes are
    usually the newest, so few rows change and few are written."""
    conn.execute(
        "UPDATE notes SET pos = r.num FROM (SELECT id, ROW_NUMBER() OVER "
        "(ORDER BY name19, twin, mtime_ns, relpath) AS num FROM notes) AS r "
        "WHERE notes.id = r.id AND notes.pos IS NOT r.num")


def _drop(conn: sqlite3.Connection, id_: int) -> None:
    conn.execute("DELETE FROM notes WHERE id = ?", (id_,))
    conn.execute("DELETE FROM fts WHERE rowid = ?", (id_,))
    conn.execute("DELETE FROM note_tags WHERE note_id = ?", (id_,))


def started_at(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None
