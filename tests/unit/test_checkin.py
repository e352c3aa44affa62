"""Check-ins, pure parts: reading ratings from keys, lines and recognised words;
the program file's opt-in; number keys on the terminal only during a check-in."""

from __future__ import annotations

import pytest

from voiceguide import checkin
from voiceguide.checkin import DigitEntry, Reply, parse_spoken, parse_typed
from voiceguide.errors import ProgramError
from voiceguide.program import parse
from voiceguide.terminal import KeyDecoder


@pytest.mark.parametrize("text, value", [
    ("6", 6), (" 6 ", 6), ("0", 0), ("10", 10), ("six", 6), ("Ten", 10),
    ("zero", 0), ("6/10", 6), ("6 out of 10", 6), ("about 7", 7), ("7.", 7),
])
def test_typed_numbers(text: str, value: int) -> None:
    assert parse_typed(text) == Reply("number", value)


@pytest.mark.parametrize("text", ["", "   ", "skip", "Skip", "pass"])
def test_typed_skips(text: str) -> None:
    assert parse_typed(text).kind == "skip"


@pytest.mark.parametrize("text", ["11", "-1", "seven-ish", "6.5", "66", "I feel bad",
                                  "1 2", "a lot"])
def test_typed_nonsense_is_unknown(text: str) -> None:
    assert parse_typed(text) == checkin.UNKNOWN


@pytest.mark.parametrize("text, value", [
    ("Six.", 6), ("6.", 6), ("6", 6), ("Ten!", 10), ("Zero.", 0), ("Um, six.", 6),
    ("I'd say six.", 6), ("Six out of ten.", 6), ("Maybe a four", 4),
    ("Six, six.", 6), ("No, seven.", 7), ("Two.", 2), ("To.", 2), ("For.", 4),
    ("Sex.", 6), ("None.", 0), ("It's a 3", 3),
])
def test_spoken_numbers(text: str, value: int) -> None:
    assert parse_spoken(text) == Reply("number", value)


@pytest.mark.parametrize("text, kind", [
    ("Yes.", "yes"), ("Yes!", "yes"), ("Yeah", "yes"), ("That's right.", "yes"),
    ("Correct", "yes"), ("No.", "no"), ("Nope", "no"), ("That's wrong.", "no"),
    ("Skip.", "skip"), ("Skip it, please", "skip"), ("Pass", "skip"),
    ("No thanks.", "skip"), ("I don't know", "skip"),
])
def test_spoken_yes_no_skip(text: str, kind: str) -> None:
    assert parse_spoken(text).kind == kind


@pytest.mark.parametrize("text", [
    "", "Thanks for watching.", "I feel about six or seven", "Six or seven",
    "Eleven", "Five point eight", "5.8.", "I want to stop feeling this way",
    "Yes, but", "Seven eight",
])
def test_spoken_sentences_are_not_ratings(text: str) -> None:
    assert parse_spoken(text).kind == "unknown"


def test_a_digit_other_than_one_is_the_rating_at_once() -> None:
    entry = DigitEntry(ten_s=1.0)
    assert entry.press(6, 0.0) == 6
    assert entry.press(0, 5.0) == 0
    assert entry.pending is None


def test_one_then_zero_within_the_moment_is_ten() -> None:
    entry = DigitEntry(ten_s=1.0)
    assert entry.press(1, 0.0) is None
    assert entry.due(0.5) is None
    assert entry.press(0, 0.6) == 10


def test_one_alone_is_one_after_the_moment_or_at_enter() -> None:
    entry = DigitEntry(ten_s=1.0)
    assert entry.press(1, 0.0) is None
    assert entry.due(0.99) is None
    assert entry.due(1.0) == 1
    assert entry.due(5.0) is None  # given once
    entry.press(1, 10.0)
    assert entry.enter() == 1
    assert entry.enter() is None  # Enter with nothing typed: skip


def test_another_digit_after_one_replaces_it() -> None:
    entry = DigitEntry(ten_s=1.0)
    entry.press(1, 0.0)
    assert entry.press(4, 0.2) == 4


@pytest.mark.parametrize("kind, in_file, setting, asked", [
    ("grounding", None, True, True), ("breathing", None, True, True),
    ("journal", None, True, False), ("check-in", None, True, False),
    ("journal", True, True, True), ("grounding", False, True, False),
    ("grounding", None, False, False), ("journal", True, False, False),
])
def test_who_checks_in(kind: str, in_file: bool | None, setting: bool,
                       asked: bool) -> None:
    assert checkin.wanted(kind, in_file, setting) is asked


PROGRAM = """title = "Mine"
kind = "journal"
minutes = 2
summary = "Mine."
{line}
[[step]]
say = "Hello."
"""


def test_a_program_file_can_opt_in_or_out() -> None:
    assert parse(PROGRAM.format(line="checkins = true"), "m", "m.toml").checkins
    assert parse(PROGRAM.format(line="checkins = false"), "m", "m.toml"
                 ).checkins is False
    assert parse(PROGRAM.format(line=""), "m", "m.toml").checkins is None


def test_a_bad_checkins_value_names_the_line_and_the_fix() -> None:
    with pytest.raises(ProgramError) as e:
        parse(PROGRAM.format(line='checkins = "yes"'), "m", "m.toml")
    assert e.value.line == 5 and "true or false" in e.value.message
    assert "checkins = true" in e.value.hint


def test_number_keys_are_commands_only_during_a_check_in() -> None:
    decoder = KeyDecoder()
    assert decoder.feed(b"6", 0.0) == []
    decoder.digits = True
    assert decoder.feed(b"6", 1.0) == [("command", "digit-6")]
    assert decoder.feed(b"\r", 1.1) == [("command", "enter")]
    decoder.wanted = True  # someone types a line: digits are text then
    assert ("command", "digit-7") not in decoder.feed(b"7", 2.0)


def test_exclamation_mark_is_i_need_help() -> None:
    assert KeyDecoder().feed(b"!", 0.0) == [("command", "need-help")]
