"""Check-ins: "How distressed do you feel right now, from zero to ten?"

When: at the start and end of grounding and breathing programs. The setting
``checkins = false`` turns them off everywhere; a program file's
``checkins = true/false`` opts in or out (the setting wins). Not asked when
nothing could answer: --render, a note read aloud, or standard input from
/dev/null (a script or service). ``--answers off`` still asks (keys and typed
lines answer; the microphone only listens with ``--answers voice``), and
``--pace 0`` does not shorten the wait: it is the person's time, not a pause.

How: on a terminal, number keys act at once ("1" waits a moment for a "0",
which makes ten; Enter takes the "1" at once); from a pipe, one typed line
("6", "six", "6/10"); with ``--answers voice``, a spoken word, and number keys
too. Enter alone, an empty line, "skip", or WAIT_S of silence skips, without
fuss. Spoken numbers are misheard often enough (about one in four, see
DESIGN.md) that a spoken rating is read back and kept only once the person
says yes (or presses Enter); staying quiet then keeps nothing. Other commands
(stop, pause, skip, help, "I need help") act as anywhere else.

The rating is saved to the note's front matter at once (``distress_before``,
``distress_after``) and acknowledged without judgement ("Thank you. Noted:
six."). Everything here is pure: the words, the parsing, and the plain data
a session is given; asking.py runs one check-in inside a Session.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

# Kinds of program that check in unless their file says otherwise.
DEFAULT_KINDS = ("grounding", "breathing")
WAIT_S = 8.0  # this long with no answer skips the check-in
TEN_S = 1.0  # after "1", this long for a "0" that makes it ten
MAX_TRIES = 3  # spoken or typed replies that were not understood, then skip
REPLY_SILENCE_S = 1.0  # quiet that ends a spoken number
REPLY_MAX_S = 6.0  # the longest spoken reply

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
         "nine", "ten")

QUESTION = {
    "before": ("Before we begin: how distressed do you feel right now, from zero "
               "to ten? Zero is calm. Ten is the most distressed you can imagine."),
    "after": "Before we finish: how distressed do you feel right now, from zero "
             "to ten?",
}
HOW_KEYS = ("Press a number key. For ten, press 1, then 0. To skip, press Enter, "
            "or just wait.")
HOW_TYPED = "Type a number from zero to ten and press Enter. An empty line skips."
HOW_SPOKEN = ("Say a number from zero to ten. To skip, say skip, or stay quiet "
              "for a moment.")
HOW_SPOKEN_KEYS = ("Say a number from zero to ten, or press a number key. To skip, "
                   "say skip, or stay quiet for a moment.")
SKIPPED = "No rating this time. That's fine."
AGAIN_TYPED = "Please type a number from zero to ten, or an empty line to skip."
NOT_CAUGHT = "I didn't catch a number. You could say it once more."
TRY_AGAIN = "Let's try once more. Please say the number."


def noted(rating: int) -> str:
    return f"Thank you. Noted: {WORDS[rating]}."


def read_back(rating: int, keys: bool) -> str:
    enter = ", or press Enter" if keys else ""
    return (f"I heard {WORDS[rating]}. If that's right, say yes{enter}. "
            "If not, say the number again.")


def wanted(kind: str, program_setting: bool | None, setting: bool) -> bool:
    """Whether a program checks in: the person's setting wins, then the file."""
    if not setting:
        return False
    return kind in DEFAULT_KINDS if program_setting is None else program_setting


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Reply:
    """What a reply means: "number" (with ``value``), "yes", "no", "skip",
    or "unknown"."""

    kind: str
    value: int | None = None


UNKNOWN = Reply("unknown")
SKIP = Reply("skip")

_NUMBERS: dict[str, int] = {w: i for i, w in enumerate(WORDS)}
_NUMBERS.update({str(i): i for i in range(11)})
# Whole-word mishearings of a number said on its own; the read-back catches
# the rest. "to", "for" and "sex" are what recognizers make of a lone "two",
# "four" and "six".
_NUMBERS.update({"none": 0, "nil": 0, "nought": 0, "naught": 0, "won": 1,
                 "to": 2, "too": 2, "tree": 3, "for": 4, "fore": 4, "sex": 6,
                 "ate": 8})
_YES = {"yes", "yeah", "yep", "yup", "yes please", "right", "correct", "thats right",
        "that is right", "yes thats right", "yes that is right", "yes correct",
        "sure", "okay", "exactly", "it is", "yes it is"}
_NO = {"no", "nope", "wrong", "not right", "thats wrong", "that is wrong",
       "no thats wrong", "incorrect", "thats not right", "no thats not right"}
_SKIP = {"skip", "skip it", "skip this", "pass", "next", "no thanks",
         "no thank you", "not now", "rather not", "id rather not", "i dont know",
         "dont know", "not sure", "im not sure", "done"}
_FILLERS = ("um", "uhm", "uh", "er", "erm", "hmm", "mm", "well", "so", "like",
            "maybe", "about", "around", "roughly", "probably", "perhaps", "its",
            "it is", "im", "i am", "i think", "i guess", "i feel", "i would say",
            "id say", "i say", "a", "at", "an", "please", "okay")
_AFTER = ("out of ten", "out of 10", "of ten", "please", "i think", "i guess")


def normalize(text: str) -> str:
    """Lowercase words, no punctuation: "I'd say 6/10." -> "id say 6 10"."""
    text = re.sub(r"(?<=\w)['’](?=\w)", "", text.lower())
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


def _strip(words: str, parts: tuple[str, ...], front: bool) -> str:
    changed = True
    while changed and words:
        changed = False
        for part in parts:
            if front and (words == part or words.startswith(part + " ")):
                words, changed = words[len(part):].strip(), True
            elif not front and (words == part or words.endswith(" " + part)):
                words, changed = words[: len(words) - len(part)].strip(), True
    return words


def _number(words: str) -> int | None:
    """A number said alone, possibly twice ("six, six") or as "6 10"."""
    tokens = words.split()
    if tokens and all(t == tokens[0] for t in tokens):
        return _NUMBERS.get(tokens[0])
    if len(tokens) == 2 and tokens[1] in ("10", "ten"):  # "6/10"
        return _NUMBERS.get(tokens[0])
    return None


def parse_typed(text: str) -> Reply:
    """A typed line: a number 0-10 as digits or a word; empty or "skip" skips."""
    words = normalize(text)
    if not words or words in _SKIP:
        return SKIP
    if re.search(r"-\s*\d|\d[.,]\d", text):  # "-1", "6.5": not 0-10 whole numbers
        return UNKNOWN
    value = _number(_strip(_strip(words, _AFTER, False), _FILLERS, True))
    return UNKNOWN if value is None else Reply("number", value)


def parse_spoken(text: str) -> Reply:
    """What a recognizer heard: a number, yes, no, skip, or unknown.

    Strict: the whole reply must be one of a small closed set, give or take a
    filler ("um", "I'd say") and a trailing "out of ten". "No, seven" is the
    number seven (a correction).
    """
    words = normalize(text)
    if not words:
        return UNKNOWN
    core = _strip(_strip(words, _AFTER, False), _FILLERS, True)
    if core in _SKIP or words in _SKIP:
        return SKIP
    if core in _YES or words in _YES:
        return Reply("yes")
    if core in _NO or words in _NO:
        return Reply("no")
    value = _number(core)
    if value is None and core.startswith("no "):
        value = _number(_strip(core[3:], _FILLERS, True))
    return UNKNOWN if value is None else Reply("number", value)


class DigitEntry:
    """Number keys to a rating: "6" is six at once; "1" waits ``ten_s`` for a
    "0" (ten), and Enter or the wait makes it one."""

    def __init__(self, ten_s: float = TEN_S) -> None:
        self.ten_s = ten_s
        self.pending: int | None = None
        self._at = 0.0

    def press(self, digit: int, now: float) -> int | None:
        """The rating, once it is complete."""
        if self.pending == 1 and digit == 0:
            self.pending = None
            return 10
        if digit == 1:
            self.pending, self._at = 1, now
            return None
        self.pending = None  # another digit after "1" replaces it
        return digit

    def enter(self) -> int | None:
        """Enter: the digit waiting, if any (else None: skip)."""
        value, self.pending = self.pending, None
        return value

    def due(self, now: float) -> int | None:
        """A lone "1" whose moment for a "0" has passed."""
        if self.pending is not None and now - self._at >= self.ten_s:
            return self.enter()
        return None


# ---------------------------------------------------------------- in a session


class LineSource(Protocol):
    def get(self, timeout: float | None = None) -> str | None:
        """The next line; None at end of input; queue.Empty on timeout."""


@dataclass
class Replies:
    """Where a session's ratings can come from (built by assemble).

    ``keys``: number keys arrive as commands ("digit-6", "enter") once
    ``digits(True)`` has been called. ``lines``: typed lines (a pipe), used
    when there are no keys. Spoken ratings use the session's Listening.
    """

    keys: bool = False
    lines: LineSource | None = None
    digits: Callable[[bool], None] | None = None
    wait_s: float = WAIT_S
    ten_s: float = TEN_S
    told_how: bool = False
    # The words of a short spoken reply: Whisper's quick, bounded decoding
    # when its model is installed; else None, and the answer transcriber.
    recognize: Callable[[Any], str] | None = None
    engine: Any = None  # that transcriber, made once
    voice_broken: bool = False  # spoken replies failed: keys or lines only
    heard: list[str] = field(default_factory=list)  # what was recognised


@dataclass(frozen=True)
class Ask:
    """The check-in as a step of a session: "before" or "after"."""

    when: str
