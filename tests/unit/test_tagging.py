"""Tags: taken off the end of an answer (conservatively), and set on a note's text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from voiceguide.notes import Answer, Note, parse, render
from voiceguide.tagging import merge, normalize, retag, split_tags

T0 = datetime(2026, 3, 4, 21, 10, 5, tzinfo=timezone(timedelta(hours=1)))

TAKEN = [
    ("I called my sister today. Tag sister and work.",
     "I called my sister today.", ("sister", "work")),
    ("I called my sister today. Tags: sister, work", "I called my sister today.",
     ("sister", "work")),
    ("Long day. tag sleep", "Long day.", ("sleep",)),
    ("Tag sister.", "", ("sister",)),
    ("A walk by the sea!\nTag walk, Sea, walk", "A walk by the sea!", ("walk", "sea")),
    ("Slept badly. Hashtag self-care.", "Slept badly.", ("self-care",)),
    ("Whisper writes it so. Tag, sister, and family.", "Whisper writes it so.",
     ("sister", "family")),
    ("Привет. Tag семья.", "Привет.", ("семья",)),
]

KEPT = [
    "I called my sister today.",
    "Tag along with me to the shop, she said.",  # a sentence, not tags
    "Tag my sister.",  # 'my': an ordinary sentence; kept
    "Tag sister and work. Then I went to bed.",  # not the last sentence
    "We played tag in the garden.",
    "Tags are useful, and so is a b c d e f g.",
    "Tag one two three four five six seven.",  # too many to be a tag list
    "tag",
    "Tagging is something I do.",
    "",
]


@pytest.mark.parametrize(("text", "kept", "tags"), TAKEN)
def test_a_closing_tag_sentence_is_taken_off(text: str, kept: str,
                                             tags: tuple[str, ...]) -> None:
    assert split_tags(text) == (kept, tags)


@pytest.mark.parametrize("text", KEPT)
def test_anything_else_is_left_alone(text: str) -> None:
    assert split_tags(text) == (text, ())


def test_only_the_last_line_is_looked_at() -> None:
    text = "Tag sister.\nThen a second line about the day."
    assert split_tags(text) == (text, ())


def test_normalize_and_merge() -> None:
    assert normalize(" #Big Sister ") == "big-sister"
    assert normalize("@Work") == "work"
    assert merge(("Sister", "work"), ("sister", "sleep"), ("WORK",)) == (
        "Sister", "sleep")


def _note_text(extra_body: str = "", extra: tuple[str, ...] = ()) -> str:
    note = Note("trust-self", "Trusting yourself", T0, T0,
                (Answer("What helped?", T0, "Water. # not a heading"),),
                tags=("work",), extra=extra)
    text = render(note)
    if extra_body:
        head, sep, rest = text.partition("\n---\n")
        text = head + sep + extra_body + rest
    return text


def test_retag_rewrites_only_the_front_matter() -> None:
    original = _note_text("A paragraph added by hand, above the questions.\n",
                          extra=("mood: calm", "aliases: [evening]"))
    text, tags = retag(original, add=("Sister",), remove=("work",))
    assert tags == ("sister",)
    body = text.split("\n---\n", 1)[1]
    assert body == original.split("\n---\n", 1)[1]  # byte for byte
    assert "A paragraph added by hand" in body
    note = parse(text)
    assert note.tags == ("sister",)
    assert note.extra == ("mood: calm", "aliases: [evening]")
    assert note.answers[0].text == "Water. # not a heading"


def test_retag_broken_front_matter_raises() -> None:
    with pytest.raises(ValueError):
        retag("no front matter here\n", add=("x",))
