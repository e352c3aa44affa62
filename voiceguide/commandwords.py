"""The words of spoken commands, and when a text is one.

A small closed vocabulary: each phrase maps to a command name. :func:`match`
accepts a text only when the whole of it is one phrase (give or take "please",
"okay", and the phrase said twice); that strictness is what keeps ordinary
talk from commanding anything. Pure text, no engines: the menu and the
check-in use it too.
"""

from __future__ import annotations

import re

# Spoken phrase -> command name. Few, short and unlike each other.
PHRASES: dict[str, str] = {
    "stop": "stop",
    "pause": "pause",
    "resume": "resume",
    "go on": "resume",
    "continue": "resume",
    "repeat": "repeat",
    "say again": "repeat",
    "repeat slower": "repeat-slower",
    "skip": "skip",
    "next": "skip",
    "back": "back",
    "go back": "back",
    "slower": "slower",
    "faster": "faster",
    "louder": "louder",
    "quieter": "quieter",
    "softer": "quieter",
    "help": "help",
    "i need help": "need-help",
    "done": "done",
    "i'm done": "done",
    "exit": "exit",
    "menu": "menu",
    "change voice": "voice",
    "keep settings": "keep",
    "keep these settings": "keep",
}
COMMANDS = tuple(dict.fromkeys(PHRASES.values()))

# Whisper's other spellings of a phrase (after normalize). Only forms
# nobody says on their own as anything but the command.
SPELLINGS = {
    "i am done": "i'm done",
    "say it again": "say again",
    "quiet": "quieter",  # Whisper's usual spelling of a soft "quieter"
    "keep the settings": "keep settings",
    "keep my settings": "keep settings",
}
POLITE_BEFORE = ("please", "okay")  # "okay stop", "please repeat"
POLITE_AFTER = ("please",)  # "repeat please"


def normalize(text: str) -> str:
    """Lowercase words without punctuation: "I'm done!" -> "im done", "OK." ->
    "okay" (transcription.normalize_text's rules, without importing engines)."""
    text = re.sub(r"(?<=\w)['’](?=\w)", "", text.lower())
    words = re.sub(r"[^\w]+|_", " ", text).split()
    return " ".join("okay" if w == "ok" else w for w in words)


def as_said(phrase: str) -> str:
    """A phrase as it is shown and said: "i need help" -> "I need help"."""
    return re.sub(r"\bi\b", "I", phrase)


def first_phrases() -> dict[str, str]:
    """Each command's first phrase, the one offered for it: {"need-help":
    "I need help", ...}, in the vocabulary's order."""
    said: dict[str, str] = {}
    for phrase, command in PHRASES.items():
        said.setdefault(command, as_said(phrase))
    return said


_LOOKUP = {normalize(p): c for p, c in PHRASES.items()}
_LOOKUP.update({normalize(s): PHRASES[p] for s, p in SPELLINGS.items()})


def match(text: str) -> str | None:
    """The command that ``text`` is, when the whole of it is one phrase.

    Case and punctuation do not matter; a leading "please" or "okay", a
    trailing "please", and the same phrase said again ("stop, stop!") are
    allowed. Anything else, such as a sentence around a command word, is None.
    """
    words = normalize(text).split()
    while words and words[0] in POLITE_BEFORE:
        words = words[1:]
    while words and words[-1] in POLITE_AFTER:
        words = words[:-1]
    if not words:
        return None
    phrase = " ".join(words)
    found = _LOOKUP.get(phrase)
    if found is not None:
        return found
    for size in range(1, len(words) // 2 + 1):  # "stop stop", "go back go back"
        if len(words) % size:
            continue
        first = words[:size]
        if all(words[i : i + size] == first for i in range(0, len(words), size)):
            return _LOOKUP.get(" ".join(first))
    return None
