"""Tags: said or typed at the end of an answer, or set afterwards on a note.

A person can end an answer with "Tag sister and work." (typed, or spoken:
transcripts come with capitals and full stops). ``split_tags`` takes such a
last sentence off the answer and returns its tags. It is deliberately
conservative, because a wrong guess would eat a sentence of someone's journal:

* only the answer's last line, and in it only the last sentence, is looked at;
* it must start with "tag", "tags" or "hashtag", then a space, comma or colon;
* what follows must be one to six plain words, separated by spaces, commas or
  "and"; a small word such as "my", "the" or "with" means it is an ordinary
  sentence ("Tag along with me.") and nothing is taken.

``retag`` changes the tags of a note's text, rewriting its front matter only.
"""

from __future__ import annotations

import re
from dataclasses import replace

from voiceguide.notes import parse, render

TAG_WORDS = ("tag", "tags", "hashtag")
MAX_TAGS = 6
_LEAD = re.compile(r"^(?:tag|tags|hashtag)(?:[\s,:;]+|[-–—]\s*)(?P<rest>.+)$",
                   re.IGNORECASE | re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_WORD = re.compile(r"^[\w][\w'’-]*$")
# Words that show "tag ..." is a sentence, not a list of tags.
_SMALL_WORDS = """
a an the my your his her our their its this that these those some any
i me you he she we they it him us them myself
with to of in on at for from by about into over under after before as than
is was are were be been am do did does have has had will would can could
not no yes so but or if then when while because very just too
"""
_SMALL = frozenset(_SMALL_WORDS.split())


def normalize(tag: str) -> str:
    """One tag as it is stored: no '#' or '@' in front, inner spaces as '-',
    lower case."""
    tag = tag.strip().lstrip("#@").strip()
    return re.sub(r"\s+", "-", tag).lower()


def _tag_list(rest: str) -> tuple[str, ...] | None:
    """The tags in what follows "tag", or None if it is not a plain list."""
    rest = rest.strip().rstrip(".!?…").strip()
    words = [w.strip(" .,;:!?\"'“”") for w in re.split(r"[\s,;]+", rest)]
    words = [w for w in words if w and w.lower() not in ("and", "&")]
    if not 1 <= len(words) <= MAX_TAGS:
        return None
    tags: list[str] = []
    for word in words:
        tag = normalize(word)
        if not _WORD.match(tag) or tag in _SMALL:
            return None
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def split_tags(text: str) -> tuple[str, tuple[str, ...]]:
    """(the answer without its closing "tag ..." sentence, the tags).

    When there is no such sentence the text comes back unchanged with no tags.
    """
    stripped = text.rstrip()
    head, newline, last_line = stripped.rpartition("\n")
    sentences = _SENTENCE_END.split(last_line.strip())
    match = _LEAD.match(sentences[-1])
    if not match:
        return text, ()
    tags = _tag_list(match.group("rest"))
    if tags is None:
        return text, ()
    kept_line = " ".join(sentences[:-1]).strip()
    kept = (head + newline + kept_line) if kept_line else head
    return kept.rstrip(), tags


def merge(old: tuple[str, ...], add: tuple[str, ...] = (),
          remove: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Tags after adding and removing some; compared without regard to case,
    and kept in the order they were first given."""
    gone = {normalize(t) for t in remove}
    out: list[str] = []
    seen: set[str] = set()
    for tag in (*old, *add):
        key = normalize(tag)
        if key and key not in gone and key not in seen:
            seen.add(key)
            out.append(tag.strip().lstrip("#@").strip())
    return tuple(out)


def retag(text: str, add: tuple[str, ...] = (),
          remove: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
    """A note's text with its tags changed: (new text, the tags now).

    Only the front matter is written anew; everything after its closing
    '---' stays byte for byte, including text voiceguide does not read (a
    paragraph added by hand above the first question, for example).
    Raises ValueError, like ``parse``, when the front matter is unusable.
    """
    note = parse(text)
    tags = merge(note.tags, tuple(normalize(t) for t in add), remove)
    front = render(replace(note, answers=(), tags=tags))
    lines = text.splitlines(keepends=True)
    end = next(i for i, ln in enumerate(lines[1:], 1) if ln.rstrip("\r\n") == "---")
    return front + "".join(lines[end + 1:]), tags
