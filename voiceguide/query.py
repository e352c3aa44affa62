"""What a person asks the library for: filters (days, program, tags) and
search words, turned into what the index understands.

Days are the note's own calendar day (as its clock showed when it started).
Search words are each quoted for SQLite FTS5, so nothing typed or said is taken
as query syntax; an argument holding spaces is a phrase, and "word*" matches
the start of a word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from voiceguide.errors import BadInput

HIT_START, HIT_END = "\x02", "\x03"  # around matched words in snippets
SNIPPET_WORDS = 14


@dataclass(frozen=True)
class Filters:
    since: date | None = None  # inclusive, by the day the note was started
    until: date | None = None  # inclusive
    program: str | None = None
    tags: tuple[str, ...] = ()  # a note must have every one

    @property
    def any(self) -> bool:
        return bool(self.since or self.until or self.program or self.tags)


_RELATIVE = re.compile(r"^(\d+)\s*(d|days?|w|weeks?|m|months?|y|years?)(\s+ago)?$")


def parse_day(text: str, end: bool = False, today: date | None = None) -> date:
    """A day for --since/--until: YYYY-MM-DD, YYYY-MM or YYYY (the first day of
    that month or year, or its last with ``end``), today, yesterday, or a span
    back from today such as "30 days", "2 weeks", "6 months", "1 year"."""
    today = today or date.today()
    t = text.strip().lower()
    if t == "today":
        return today
    if t == "yesterday":
        return today - timedelta(days=1)
    m = _RELATIVE.match(t)
    if m:
        n, unit = int(m.group(1)), m.group(2)[0]
        if unit in "dw":
            return today - timedelta(days=n * (7 if unit == "w" else 1))
        months = n * (12 if unit == "y" else 1)
        year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
        return _clamped(year, month + 1, today.day)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
            return date.fromisoformat(t)
        if re.fullmatch(r"\d{4}-\d{2}", t):
            y, mo = map(int, t.split("-"))
            return _clamped(y, mo, 31) if end else date(y, mo, 1)
        if re.fullmatch(r"\d{4}", t):
            return date(int(t), 12, 31) if end else date(int(t), 1, 1)
    except ValueError:
        pass
    raise BadInput(
        f"{text!r} is not a date I can use",
        "Give a day as YYYY-MM-DD (for example 2026-03-01), a month as YYYY-MM, "
        "a year, today, yesterday, or a span such as '30 days' or '6 months'.")


def _clamped(year: int, month: int, day: int) -> date:
    for d in (day, 30, 29, 28):
        try:
            return date(year, month, min(day, d))
        except ValueError:
            continue
    raise ValueError(f"no such month: {year}-{month}")


# ---------------------------------------------------------------- search words


def fts_query(words: Sequence[str], joiner: str = "AND") -> str:
    """An FTS5 query from what the person typed or said: every word quoted (so
    nothing in it is taken as query syntax), a trailing * kept as a prefix
    search; an argument holding spaces (quoted on the command line) is a
    phrase."""
    terms = []
    for word in words:
        parts = word.split()
        if len(parts) > 1:
            phrase = " ".join(p for p in parts if re.search(r"\w", p))
            if phrase:
                terms.append('"' + phrase.replace('"', '""') + '"')
            continue
        for part in parts:
            prefix = part.endswith("*")
            core = part.rstrip("*")
            if not re.search(r"\w", core):
                continue
            terms.append('"' + core.replace('"', '""') + '"' + ("*" if prefix else ""))
    return f" {joiner} ".join(terms)


def plain(words: Sequence[str]) -> str:
    return " ".join(" ".join(words).replace("*", " ").split())


def snippet_around(text: str, needle: str) -> str:
    at = text.lower().find(needle.lower())
    if at < 0:
        return " ".join(text.split()[:SNIPPET_WORDS])
    start = max(0, at - 60)
    end = min(len(text), at + len(needle) + 60)
    out = text[start:at] + HIT_START + text[at:at + len(needle)] + HIT_END
    out += text[at + len(needle):end]
    return ("..." if start else "") + " ".join(out.split()) + (
        "..." if end < len(text) else "")
