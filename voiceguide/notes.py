"""NoteBook: one Markdown note per run, written atomically, read back for listing.

A note is the person's own plain file: front matter, then one section per
answered prompt. It is rewritten whole (temp file, fsync, rename) after every
answer, so a crash loses at most the answer being typed.
"""

from __future__ import annotations

import errno
import json
import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.durable import write_bytes_atomic
from voiceguide.errors import NotesError
from voiceguide.sealed import SEALED_SUFFIX, VaultError, plain_name, sealed_twin

if TYPE_CHECKING:
    from voiceguide.sealed import Vault

LEFTOVER_S = 600.0  # a temp file this old belongs to no write in progress
DIR_MODE = 0o700
FILE_MODE = 0o600
# Real bytes, since a full disk still makes empty files: room for a long note
# and its temp copy.
PROBE_BYTES = 16 * 1024
_SAFE_ID = re.compile(r"[^a-z0-9-]+")
_OWN_KEYS = ("program", "title", "started", "finished", "tags")
PENDING = "(transcript pending)"  # the body of an answer not written out yet


@dataclass(frozen=True)
class Answer:
    prompt: str
    answered: datetime
    text: str
    mode: str = "typed"  # typed | spoken
    engine: str = ""  # transcriber name, for spoken answers
    audio: str = ""  # path relative to the note's folder
    pending: bool = False  # transcript not made yet


@dataclass(frozen=True)
class Note:
    program: str
    title: str
    started: datetime
    finished: datetime | None = None
    answers: tuple[Answer, ...] = ()
    path: Path | None = field(default=None, compare=False)
    tags: tuple[str, ...] = ()
    # Check-in ratings, 0-10, keyed by when: {"before": 6, "after": 4}.
    distress: dict[str, int] = field(default_factory=dict)
    # Front-matter lines voiceguide does not own (added by hand or another
    # tool), kept as they were whenever the note is rewritten.
    extra: tuple[str, ...] = ()

    def with_answer(self, answer: Answer) -> Note:
        return replace(self, answers=(*self.answers, answer))


def now() -> datetime:
    """Local time, with its offset, to the second."""
    return datetime.now().astimezone().replace(microsecond=0)


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H-%M-%S")


def _value(s: str) -> str:
    """A front-matter value; quoted (JSON, which YAML reads) when it needs it."""
    if s and re.fullmatch(r"[\w ,.()'!?-]+", s) and s[0] not in "'-?":
        return s
    return json.dumps(s, ensure_ascii=False)


def _unvalue(s: str) -> str:
    s = s.strip()
    if s.startswith('"'):
        try:
            return str(json.loads(s))
        except json.JSONDecodeError:
            return s.strip('"')
    return s


def _escape_body(text: str) -> str:
    """Keep an answer's own lines from being read as a heading or front matter."""
    out = []
    for ln in text.splitlines() or [""]:
        # An answer that is just the pending marker must not read as pending.
        if ln.startswith(("#", "\\", "answered:", "---")) or ln == PENDING:
            ln = "\\" + ln
        out.append(ln)
    return "\n".join(out)


def _unescape_body(lines: list[str]) -> str:
    return "\n".join(ln[1:] if ln.startswith("\\") else ln for ln in lines).strip()


def render(note: Note) -> str:
    fm = [
        "---",
        f"program: {_value(note.program)}",
        f"title: {_value(note.title)}",
        f"started: {note.started.isoformat()}",
    ]
    if note.finished:
        fm.append(f"finished: {note.finished.isoformat()}")
    if note.tags:
        fm.append(f"tags: {json.dumps(list(note.tags), ensure_ascii=False)}")
    for when, rating in note.distress.items():
        fm.append(f"distress_{when}: {rating}")
    fm.extend(note.extra)
    fm.append("---")
    parts = ["\n".join(fm), ""]
    for a in note.answers:
        meta = [a.answered.isoformat(), a.mode]
        if a.engine:
            meta.append(a.engine)
        if a.audio:
            meta.append(f"audio: {a.audio}")
        parts.append(f"## {' '.join(a.prompt.split())}")
        parts.append("answered: " + " · ".join(meta))
        parts.append("")
        parts.append(PENDING if a.pending else _escape_body(a.text))
        parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


def parse(text: str, path: Path | None = None) -> Note:
    """Read a note back. Raises ValueError when its front matter is unusable."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValueError("it does not start with front matter ('---')")
    try:
        end = lines.index("---", 1)
    except ValueError:
        raise ValueError("its front matter has no closing '---'") from None
    meta: dict[str, str] = {}
    distress: dict[str, int] = {}
    extra: list[str] = []
    block_tags = False  # inside a YAML block list under "tags:"
    for ln in lines[1:end]:
        key, sep, val = ln.partition(":")
        key = key.strip()
        if block_tags and ln.lstrip().startswith("- "):
            meta["tags"] += "," + ln.lstrip()[2:]
            continue
        block_tags = key == "tags" and not val.strip() and not ln[:1].isspace()
        if sep and key in _OWN_KEYS and not ln[:1].isspace():
            meta[key] = _unvalue(val) if key != "tags" else val.strip()
        elif sep and key.startswith("distress_") and val.strip().isdigit():
            distress[key[len("distress_"):]] = int(val.strip())
        else:
            extra.append(ln)
    try:
        started = datetime.fromisoformat(meta["started"])
        finished = (
            datetime.fromisoformat(meta["finished"]) if meta.get("finished") else None
        )
    except (KeyError, ValueError):
        raise ValueError("its 'started' time is missing or unreadable") from None
    answers: list[Answer] = []
    i = end + 1
    while i < len(lines):
        if (
            lines[i].startswith("## ")
            and i + 1 < len(lines)
            and lines[i + 1].startswith("answered: ")
        ):
            prompt = lines[i][3:].strip()
            fields_ = lines[i + 1][len("answered: ") :].split(" · ")
            j = i + 2
            while j < len(lines) and not (
                lines[j].startswith("## ")
                and j + 1 < len(lines)
                and lines[j + 1].startswith("answered: ")
            ):
                j += 1
            body = _unescape_body(lines[i + 2 : j])
            pending = "\n".join(lines[i + 2 : j]).strip() == PENDING
            audio = next(
                (f[len("audio: ") :] for f in fields_ if f.startswith("audio: ")), ""
            )
            rest = [f for f in fields_[1:] if not f.startswith("audio: ")]
            try:
                answered = datetime.fromisoformat(fields_[0])
            except ValueError:
                answered = started
            answers.append(
                Answer(
                    prompt=prompt,
                    answered=answered,
                    text="" if pending else body,
                    mode=rest[0] if rest else "typed",
                    engine=rest[1] if len(rest) > 1 else "",
                    audio=audio,
                    pending=pending,
                )
            )
            i = j
        else:
            i += 1
    return Note(
        meta.get("program", ""),
        meta.get("title", ""),
        started,
        finished,
        tuple(answers),
        path,
        tags=parse_tags(meta.get("tags", "")),
        distress=distress,
        extra=tuple(extra),
    )


def parse_tags(value: str) -> tuple[str, ...]:
    """Tags as written by voiceguide (a JSON list), by hand in YAML's flow
    style ([a, b]) or as a plain comma-separated line."""
    value = value.strip()
    if not value:
        return ()
    items: list[object]
    try:
        loaded = json.loads(value)
        items = loaded if isinstance(loaded, list) else [loaded]
    except json.JSONDecodeError:
        items = list(value.strip("[]").split(","))
    tags = []
    for item in items:
        tag = str(item).strip().strip("'\"").lstrip("#").strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


def write_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


@dataclass(frozen=True)
class NoteInfo:
    path: Path
    note: Note | None  # None when the file could not be read
    problem: str = ""


class NoteBook:
    """The notes folder: where notes go, and reading them back."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def _mkdir(path: Path) -> None:
        """Create missing folders, private to the person (0700)."""
        missing = []
        while not path.is_dir():
            missing.append(path)
            path = path.parent
        for folder in reversed(missing):
            folder.mkdir(mode=DIR_MODE, exist_ok=True)
            os.chmod(folder, DIR_MODE)

    def check_writable(self) -> None:
        """Fail early, before a session starts, if notes cannot be saved."""
        probe = self.root / f".write-test-{os.getpid()}"
        try:
            self._mkdir(self.root)
            self.tidy()
            try:
                probe.write_bytes(bytes(PROBE_BYTES))
            finally:
                probe.unlink(missing_ok=True)
        except OSError as e:
            full = e.errno in (errno.ENOSPC, errno.EDQUOT)
            raise NotesError(
                f"cannot write notes in {self.root} ({e.strerror or e})",
                "Free some disk space, or choose another folder with --notes-dir "
                "DIR." if full else
                "Choose another folder with --notes-dir DIR (or notes_dir in "
                "config.toml), or fix that folder's permissions.",
            ) from None

    def tidy(self, now_s: float | None = None) -> list[Path]:
        """Remove what a killed run left behind: half-written temp files of
        notes (``.NAME.md.tmp``; the note itself is whole, since a temp file
        only replaces it once complete) and write probes. Only files older
        than LEFTOVER_S, so another run's write in progress is never touched;
        only the notes folder and this month's and last month's folders,
        where runs write, so it stays cheap with years of notes."""
        import time
        from datetime import timedelta

        today = datetime.now()
        last_month = today.replace(day=1) - timedelta(days=1)
        folders = [self.root, *(self.root / f"{d:%Y}" / f"{d:%m}"
                                for d in (today, last_month))]
        cutoff = (time.time() if now_s is None else now_s) - LEFTOVER_S
        removed = []
        for folder in folders:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for e in entries:
                name = e.name
                if not (name.startswith(".write-test-") or (
                        name.startswith(".") and name.endswith((".md.tmp",
                                                                ".md.enc.tmp")))):
                    continue
                try:
                    if e.is_file(follow_symlinks=False) and \
                            e.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(e.path)
                        removed.append(Path(e.path))
                except OSError:
                    continue  # gone already, or not ours to remove
        return removed

    def new_path(self, program_id: str, started: datetime) -> Path:
        folder = self.root / f"{started:%Y}" / f"{started:%m}"
        try:
            self._mkdir(folder)
        except OSError as e:
            raise NotesError(
                f"cannot make the notes folder {folder} ({e.strerror or e})",
                "Choose another folder with --notes-dir DIR, or move "
                "aside what is in the way.",
            ) from None
        safe = _SAFE_ID.sub("-", program_id.lower()).strip("-") or "note"
        base = f"{_stamp(started)}_{safe}"
        path, n = folder / f"{base}.md", 2
        while path.exists() or sealed_twin(path).exists():
            path, n = folder / f"{base}-{n}.md", n + 1
        return path

    def save(self, note: Note) -> None:
        assert note.path is not None
        self.write_text(note.path, render(note))

    def vault(self) -> Vault | None:
        """The open vault when the notes are encrypted (the passphrase is asked
        once per run), else None. Raises WrongPassphrase or VaultLocked."""
        from voiceguide.vault import for_folder

        return for_folder(self.root)

    def write_text(self, path: Path, text: str) -> None:
        """Write a note file atomically; every note file is written here
        (sealed, as ``<path>.enc``, when the notes are encrypted)."""
        vault = self.vault()
        try:
            self._mkdir(path.parent)
            if vault is None:
                write_atomic(path, text)
            else:
                from voiceguide.sealed import store

                store(path, text.encode("utf-8"), vault)
        except OSError as e:
            raise NotesError(
                f"could not save {path} ({e.strerror or e})",
                "Free some disk space or fix the folder's permissions; "
                "your answers are still shown on screen.",
            ) from None

    def all_paths(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        paths = {p for p in self.root.rglob("*.md") if not p.name.startswith(".")}
        # Encrypted notes are listed by the name they stand for.
        paths.update(plain_name(p) for p in self.root.rglob("*.md" + SEALED_SUFFIX)
                     if not p.name.startswith("."))

        def newest_first(p: Path) -> tuple[str, int]:
            # The name starts with the time to the second; within one second
            # (a "-2" twin), the file written last is the newer.
            for f in (p, sealed_twin(p)):
                try:
                    return p.name[:19], f.stat().st_mtime_ns
                except OSError:
                    continue
            return p.name[:19], 0

        return sorted(paths, key=newest_first, reverse=True)

    def read(self, path: Path) -> Note:
        return self._read(plain_name(path), self.vault())

    def _read(self, path: Path, vault: Vault | None) -> Note:
        try:
            return parse(self._text(path, vault), path)
        except FileNotFoundError:
            raise NotesError(
                f"{path}: no such note",
                "Run 'voiceguide notes list' to see your notes.",
            ) from None
        except (OSError, UnicodeDecodeError) as e:
            raise NotesError(
                f"{path}: cannot be read ({e})", "Check the file's permissions."
            ) from None
        except ValueError as e:
            raise NotesError(
                f"{path}: not a voiceguide note: {e}",
                "Open it in a text editor; it is left as it is.",
            ) from None
        except VaultError as e:  # this file failed to open: its own problem
            raise NotesError(e.message, e.hint) from None

    def read_text(self, path: Path) -> str:
        """A note file's text; every note file is read here (in memory, when
        encrypted). Raises OSError, UnicodeDecodeError or VaultError."""
        return self._text(plain_name(path), self.vault())

    @staticmethod
    def _text(path: Path, vault: Vault | None) -> str:
        from voiceguide.sealed import load

        return load(path, vault).decode("utf-8")

    def infos(self) -> list[NoteInfo]:
        out = []
        vault = self.vault()  # once: a wrong passphrase stops the listing
        for p in self.all_paths():
            try:
                out.append(NoteInfo(p, self._read(p, vault)))
            except NotesError as e:
                out.append(NoteInfo(p, None, e.message))
        return out

    def resolve(self, ref: str | None) -> Path:
        """A note by number in the list (1 = newest), file name, stem or path."""
        paths = self.all_paths()
        if ref is None or ref in ("last", "latest"):
            if not paths:
                raise NotesError(
                    f"no notes yet in {self.root}",
                    "Run a program with answers to write one.",
                )
            return paths[0]
        if ref.isdigit() and len(ref) < 6:  # a number from 'notes list'
            if 1 <= int(ref) <= len(paths):
                return paths[int(ref) - 1]
            raise NotesError(
                f"there is no note number {ref}: there are {len(paths)}",
                "Run 'voiceguide notes list' to see the numbers.",
            )
        direct = plain_name(Path(ref).expanduser())
        if direct.is_file() or sealed_twin(direct).is_file():
            return direct
        hits = [p for p in paths if p.name == ref or p.stem == ref or ref in p.stem]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise NotesError(
                f"{len(hits)} notes match {ref!r}",
                "Give more of the name, or the number from 'voiceguide notes list'.",
            )
        raise NotesError(
            f"no note matches {ref!r}",
            "Run 'voiceguide notes list' and use a number or name from it.",
        )
