"""How much has been written: sessions and answers by month and by program.

Counts come from the index (``Library.counts``); this module only adds them up
and words them: a full table to print, and a short summary to be heard (the
totals, the three latest months, the three programs used most), since sixty
months read aloud would help nobody.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from voiceguide.library import Count

SPOKEN_MONTHS = 3
SPOKEN_PROGRAMS = 3


@dataclass(frozen=True)
class Tally:
    key: str  # a month (YYYY-MM) or a program id
    sessions: int
    answers: int


@dataclass(frozen=True)
class Summary:
    sessions: int
    answers: int
    months: tuple[Tally, ...]  # newest first
    programs: tuple[Tally, ...]  # most sessions first


def summarize(counts: list[Count]) -> Summary:
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    programs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in counts:
        for table, key in ((months, c.month or "unknown"), (programs, c.program)):
            table[key][0] += c.sessions
            table[key][1] += c.answers or 0
    by_month = sorted((Tally(k, *v) for k, v in months.items()),
                      key=lambda t: t.key, reverse=True)
    by_program = sorted((Tally(k, *v) for k, v in programs.items()),
                        key=lambda t: (-t.sessions, t.key))
    return Summary(sum(t.sessions for t in by_month), sum(t.answers for t in by_month),
                   tuple(by_month), tuple(by_program))


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def month_name(month: str) -> str:
    """'2026-03' -> 'March 2026'."""
    try:
        return date.fromisoformat(month + "-01").strftime("%B %Y")
    except ValueError:
        return month


def _span(s: Summary) -> str:
    first, last = s.months[-1].key, s.months[0].key
    if first == last:
        return f"all in {month_name(first)}"
    return f"from {month_name(first)} to {month_name(last)}"


def printed(s: Summary, titles: dict[str, str]) -> list[str]:
    """The full table, one plain line per row."""
    if not s.sessions:
        return ["No sessions saved yet."]
    lines = [f"{_n(s.sessions, 'session')} with {_n(s.answers, 'answer')}, "
             f"{_span(s)}.", "", "By month, newest first:"]
    for t in s.months:
        lines.append(f"  {t.key}  {_n(t.sessions, 'session'):>13}  "
                     f"{_n(t.answers, 'answer'):>13}")
    lines += ["", "By program, most used first:"]
    width = max(len(t.key) for t in s.programs)
    for t in s.programs:
        title = titles.get(t.key, "")
        lines.append(f"  {t.key:<{width}}  {_n(t.sessions, 'session'):>13}  "
                     f"{_n(t.answers, 'answer'):>13}" + (f"  {title}" if title else ""))
    return lines


def spoken(s: Summary, titles: dict[str, str], chosen: bool = False) -> list[str]:
    """A few short sentences to be heard. ``chosen``: only some notes counted."""
    if not s.sessions:
        return ["No sessions match what you asked for." if chosen
                else "There are no saved sessions yet."]
    which = "In the notes you chose, there" if chosen else "There"
    lines = [f"{which} {'is' if s.sessions == 1 else 'are'} "
             f"{_n(s.sessions, 'session')}, with {_n(s.answers, 'answer')}, "
             f"{_span(s)}."]
    recent = [t for t in s.months if t.key != "unknown"][:SPOKEN_MONTHS]
    if len(s.months) > 1 and recent:
        lines.append("Most recently: " + " ".join(
            f"{month_name(t.key)}, {_n(t.sessions, 'session')}." for t in recent))
    if len(s.programs) > 1:
        top = s.programs[:SPOKEN_PROGRAMS]
        lines.append("Used most: " + " ".join(
            f"{titles.get(t.key) or t.key}, {_n(t.sessions, 'session')}."
            for t in top))
    elif s.programs:
        t = s.programs[0]
        lines.append(f"All of them are {titles.get(t.key) or t.key}.")
    return lines
