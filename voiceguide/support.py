"""The person's own support contacts, read aloud when they ask for help.

Kept in ``<data dir>/support.toml`` (0600, written atomically), one
``[[contact]]`` table per person with a ``name`` and a ``reach`` (a number or
a note such as "text her after 6pm"). voiceguide ships no helpline numbers:
they change, and apps get them wrong. What is said always starts with the
reminder to contact local emergency services when in danger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voiceguide.controls import NEED_HELP
from voiceguide.errors import BadInput

FILE_NAME = "support.toml"
MAX_NAME = 80
MAX_REACH = 300

REMINDER = NEED_HELP  # the session says the same words for "I need help"
GO_ON = ("Take all the time you need. When you want to go on, press space. To "
         "stop here, press s.")
NONE_YET = (
    "You have no support contacts saved yet. To add someone, run: voiceguide "
    "support add, then their name, then a number or a note."
)
UNREADABLE = (
    "Your support contacts could not be read just now. Later, run: voiceguide "
    "support, to see why."
)
HEADER = ("# Your support contacts, read aloud when you ask for help.\n"
          "# Change them with: voiceguide support add NAME NUMBER-OR-NOTE\n"
          "#                   voiceguide support remove NAME\n")


@dataclass(frozen=True)
class Contact:
    name: str
    reach: str  # a phone number, or a note on how to reach them


def path_in(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def _clean(text: str, what: str, most: int) -> str:
    text = " ".join(text.split())  # one line: no tabs, newlines or runs of spaces
    if not text:
        raise BadInput(f"the {what} is empty",
                       'Give it in quotes, for example: voiceguide support add '
                       '"Sam" "07700 900123"')
    if len(text) > most:
        raise BadInput(f"the {what} is longer than {most} characters",
                       f"Shorten the {what}.")
    if any(not ch.isprintable() for ch in text):
        raise BadInput(f"the {what} has control characters in it",
                       f"Type the {what} again, as plain text.")
    return text


def load(path: Path) -> list[Contact]:
    """The contacts in ``path``; none when it does not exist. A file that
    cannot be used raises BadInput naming it, and is left as it is."""
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: cannot be read ({e})",
                       "Check the file's permissions; it must be UTF-8 text.") from None
    fix = ("Fix it in a text editor, or move it aside and add your contacts "
           "again. Each one looks like:\n[[contact]]\nname = \"Sam\"\n"
           "reach = \"07700 900123\"")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BadInput(f"{path}: not valid TOML ({e})", fix) from None
    unknown = sorted(set(data) - {"contact"})
    if unknown:
        raise BadInput(f"{path}: unknown key {unknown[0]!r}", fix)
    raw = data.get("contact", [])
    if not isinstance(raw, list):
        raise BadInput(f"{path}: 'contact' must be [[contact]] tables", fix)
    contacts = []
    for n, item in enumerate(raw, 1):
        ok = (isinstance(item, dict) and set(item) == {"name", "reach"}
              and all(isinstance(v, str) and v.strip() for v in item.values()))
        if not ok:
            raise BadInput(f"{path}: contact {n} needs a name and a reach, as text "
                           "and nothing else", fix)
        contacts.append(Contact(" ".join(item["name"].split()),
                                " ".join(item["reach"].split())))
    return contacts


def render(contacts: Sequence[Contact]) -> str:
    parts = [HEADER]
    for c in contacts:
        # JSON strings are valid TOML basic strings.
        parts.append(f"\n[[contact]]\nname = {json.dumps(c.name, ensure_ascii=False)}"
                     f"\nreach = {json.dumps(c.reach, ensure_ascii=False)}\n")
    return "".join(parts)


def save(path: Path, contacts: Sequence[Contact]) -> None:
    from voiceguide.notes import write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, render(contacts))  # 0600, temp file then rename
    except OSError as e:
        raise BadInput(f"cannot write {path} ({e.strerror or e})",
                       "Fix the folder's permissions, or set VOICEGUIDE_HOME."
                       ) from None


def _find(contacts: Sequence[Contact], name: str) -> int | None:
    wanted = name.casefold()
    return next((i for i, c in enumerate(contacts) if c.name.casefold() == wanted),
                None)


def add(path: Path, name: str, reach: str) -> bool:
    """Add a contact, or change the one with that name; True if it was new."""
    contact = Contact(_clean(name, "name", MAX_NAME), _clean(reach, "number or note",
                                                             MAX_REACH))
    contacts = load(path)  # a broken file is reported, never overwritten
    at = _find(contacts, contact.name)
    if at is None:
        contacts.append(contact)
    else:
        contacts[at] = contact
    save(path, contacts)
    return at is None


def remove(path: Path, name: str) -> Contact:
    contacts = load(path)
    at = _find(contacts, " ".join(name.split()))
    if at is None:
        names = ", ".join(c.name for c in contacts) or "none yet"
        raise BadInput(f"no support contact called {name!r} (saved: {names})",
                       "Run 'voiceguide support' to hear or see the names.")
    gone = contacts.pop(at)
    save(path, contacts)
    return gone


# ---------------------------------------------------------------- spoken


_PHONE = re.compile(r"\+?\(?\d[\d ().-]*\d")


def speakable(reach: str) -> str:
    """Phone numbers digit by digit, so "07700 900123" is not read as "seven
    thousand..."; groups become short pauses. Other text is left alone."""

    def spell(m: re.Match[str]) -> str:
        number = m.group(0)
        if sum(ch.isdigit() for ch in number) < 5:
            return number  # "6pm", "room 12": words, not a phone number
        groups = [g for g in re.split(r"[ ().-]+", number.lstrip("+")) if g]
        spoken = ", ".join(" ".join(g) for g in groups)
        return ("plus " if number.startswith("+") else "") + spoken

    return _PHONE.sub(spell, reach)


def lines(contacts: Sequence[Contact] | None, aloud: bool = True) -> list[str]:
    """What is said (``aloud``) or printed after the reminder. ``None``: the
    contacts could not be read."""
    if contacts is None:
        return [UNREADABLE]
    if not contacts:
        return [NONE_YET]
    out = ["Your support contacts."]
    for c in contacts:
        reach = speakable(c.reach) if aloud else c.reach
        end = "" if reach.endswith((".", "!", "?")) else "."
        out.append(f"{c.name}: {reach}{end}")
    return out
