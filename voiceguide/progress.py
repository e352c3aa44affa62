"""Progress: sessions and check-in ratings over the last N days, in words.

Pure: notes in, plain data and sentences out. The sentences are written to be
heard first (the chart is only a picture of the same numbers), and they state
numbers without judging them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from voiceguide.notes import Note

# How each kind is named in "after grounding" (unknown programs: your own).
KIND_WORDS = {
    "grounding": "grounding",
    "breathing": "breathing exercises",
    "journal": "journaling",
    "check-in": "check-ins",
}
OWN = "other"
OWN_WORDS = "your own programs"
CLOSING = "These numbers go up and down, and that is part of it. Go at your own pace."


@dataclass(frozen=True)
class Rated:
    """One session with at least one rating."""

    started: datetime
    program: str
    title: str
    kind: str
    before: int | None
    after: int | None


@dataclass(frozen=True)
class KindChange:
    """Average ratings before and after, over sessions that have both."""

    kind: str
    sessions: int
    before: float
    after: float


@dataclass(frozen=True)
class Progress:
    days: int
    since: datetime
    until: datetime
    sessions: int  # every session started in the window, rated or not
    rated: tuple[Rated, ...]  # oldest first
    changes: tuple[KindChange, ...]


def gather(notes: Iterable[Note], days: int, now: datetime,
           kinds: Mapping[str, str]) -> Progress:
    """Sessions since ``now - days``; ``kinds`` maps program ids to kinds."""
    since = now - timedelta(days=days)
    sessions = 0
    rated: list[Rated] = []
    for note in notes:
        if not since <= _aware(note.started, now) <= now:
            continue
        sessions += 1
        before, after = note.distress.get("before"), note.distress.get("after")
        if not _ok(before) and not _ok(after):
            continue
        rated.append(Rated(note.started, note.program, note.title,
                           kinds.get(note.program, OWN),
                           before if _ok(before) else None,
                           after if _ok(after) else None))
    rated.sort(key=lambda r: _aware(r.started, now))
    changes = []
    for kind in dict.fromkeys(r.kind for r in rated):
        pairs = [r for r in rated
                 if r.kind == kind and r.before is not None and r.after is not None]
        if pairs:
            changes.append(KindChange(
                kind, len(pairs),
                sum(r.before for r in pairs if r.before is not None) / len(pairs),
                sum(r.after for r in pairs if r.after is not None) / len(pairs)))
    return Progress(days, since, now, sessions, tuple(rated), tuple(changes))


def _ok(value: int | None) -> bool:
    return value is not None and 0 <= value <= 10


def _aware(t: datetime, now: datetime) -> datetime:
    """Notes written by hand may lack an offset: read them as local time."""
    return t if t.tzinfo is not None else t.replace(tzinfo=now.tzinfo)


def number(x: float) -> str:
    """6.0 -> "6", 5.25 -> "5.3": whole numbers are said as such."""
    rounded = round(x, 1)
    return f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}"


def _period(days: int) -> str:
    return "Over the last day" if days == 1 else f"Over the last {days} days"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(p: Progress) -> list[str]:
    """The spoken (and printed) summary, a few short sentences."""
    if p.sessions == 0:
        return [f"{_period(p.days)} there are no sessions yet. That's okay. "
                "Whenever you're ready, a grounding or breathing session will "
                "ask how you feel, and your progress will show here."]
    lines = [f"{_period(p.days)} you did {_count(p.sessions, 'session')}."]
    if not p.rated:
        lines.append("None of them has a check-in rating yet. Grounding and "
                     "breathing sessions ask how you feel before and after; when "
                     "you answer, your progress will show here.")
        return lines
    for c in p.changes:
        words = KIND_WORDS.get(c.kind, OWN_WORDS)
        change = f"your distress went from {number(c.before)} to {number(c.after)}"
        if c.sessions == 1:
            lines.append(f"In one session of {words}, {change}.")
        else:
            lines.append(f"On average, {change} after {words}, across "
                         f"{c.sessions} sessions.")
    if not p.changes:
        lines.append(f"{_count(len(p.rated), 'session')} "
                     f"{'has' if len(p.rated) == 1 else 'have'} a rating, but none "
                     "yet has both a before and an after, so there is no change "
                     "to tell.")
    lines.append(CLOSING)
    return lines


def text_alternative(p: Progress, lines: list[str], chart_title: str) -> str:
    """The chart in words: the summary, then every rated session."""
    out = [chart_title, "", *lines, "", "Each rated session, oldest first:"]
    for r in p.rated:
        kind = KIND_WORDS.get(r.kind, OWN_WORDS)
        before = "no rating" if r.before is None else str(r.before)
        after = "no rating" if r.after is None else str(r.after)
        out.append(f"{r.started:%Y-%m-%d %H:%M}  {r.title} ({kind}): "
                   f"before {before}, after {after}")
    return "\n".join(out) + "\n"


def chart_title(days: int) -> str:
    return ("Distress before and after sessions, last day" if days == 1
            else f"Distress before and after sessions, last {days} days")
