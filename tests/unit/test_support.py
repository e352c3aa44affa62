"""Support contacts: the file round trip, bad files, and what is said."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from voiceguide import support
from voiceguide.errors import BadInput
from voiceguide.support import Contact


def test_round_trip_keeps_every_character(tmp_path: Path) -> None:
    path = tmp_path / "data" / "support.toml"
    tricky = [
        Contact("Sam", "+44 7700 900123"),
        Contact('Jo "JJ" O\'Neil', "text first \\ then call"),
        Contact("Zoë", "Ça va? 電話 after 6pm, not before"),
        Contact("[[contact]]", "name = \"fake\""),
    ]
    for c in tricky:
        assert support.add(path, c.name, c.reach)
    assert support.load(path) == tricky
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not list(path.parent.glob(".*.tmp"))  # written by temp file + rename


def test_adding_a_name_again_changes_it(tmp_path: Path) -> None:
    path = tmp_path / "support.toml"
    assert support.add(path, "Sam", "0111")
    assert not support.add(path, "  sam ", "0222")
    assert support.load(path) == [Contact("sam", "0222")]


def test_remove_by_name_in_any_case(tmp_path: Path) -> None:
    path = tmp_path / "support.toml"
    support.add(path, "Sam", "0111")
    support.add(path, "Ali", "0333")
    assert support.remove(path, "SAM") == Contact("Sam", "0111")
    assert support.load(path) == [Contact("Ali", "0333")]
    with pytest.raises(BadInput) as e:
        support.remove(path, "Sam")
    assert "Ali" in e.value.message and e.value.exit_code == 2


def test_no_file_is_no_contacts(tmp_path: Path) -> None:
    assert support.load(tmp_path / "support.toml") == []


@pytest.mark.parametrize("text, problem", [
    ("[[contact]\nname = 1", "not valid TOML"),
    ('helpline = "123"\n', "unknown key 'helpline'"),
    ('[[contact]]\nname = "Sam"\n', "contact 1 needs a name and a reach"),
    ('[[contact]]\nname = "Sam"\nreach = 123\n', "contact 1 needs"),
    ('[[contact]]\nname = "Sam"\nreach = "1"\nextra = "x"\n', "contact 1 needs"),
    ('contact = "Sam"\n', "must be [[contact]] tables"),
])
def test_a_bad_file_is_reported_and_never_overwritten(tmp_path: Path, text: str,
                                                      problem: str) -> None:
    path = tmp_path / "support.toml"
    path.write_text(text)
    with pytest.raises(BadInput) as e:
        support.load(path)
    assert str(path) in e.value.message and problem in e.value.message
    assert "[[contact]]" in e.value.hint  # shows what a good entry looks like
    with pytest.raises(BadInput):
        support.add(path, "Ali", "0333")
    assert path.read_text() == text  # the person's file is left as it was


def test_a_file_that_is_not_text_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "support.toml"
    path.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(BadInput) as e:
        support.load(path)
    assert "cannot be read" in e.value.message


@pytest.mark.parametrize("name, reach, problem", [
    ("", "0111", "name is empty"), ("Sam", "   ", "number or note is empty"),
    ("x" * 81, "0111", "longer than 80"), ("Sam", "a\x07b", "control characters"),
])
def test_bad_contacts_are_refused(tmp_path: Path, name: str, reach: str,
                                  problem: str) -> None:
    with pytest.raises(BadInput) as e:
        support.add(tmp_path / "support.toml", name, reach)
    assert problem in e.value.message
    assert not (tmp_path / "support.toml").exists()


def test_newlines_and_tabs_become_spaces(tmp_path: Path) -> None:
    path = tmp_path / "support.toml"
    support.add(path, "Sam\tSmith", "call\nlater")
    assert support.load(path) == [Contact("Sam Smith", "call later")]


@pytest.mark.parametrize("reach, spoken", [
    ("07700 900123", "0 7 7 0 0, 9 0 0 1 2 3"),
    ("+44 20-7946-0958", "plus 4 4, 2 0, 7 9 4 6, 0 9 5 8"),
    ("(555) 010 9999", "5 5 5, 0 1 0, 9 9 9 9"),
    ("call after 6pm", "call after 6pm"),
    ("room 12, desk 3", "room 12, desk 3"),
    ("text 07700900123 first", "text 0 7 7 0 0 9 0 0 1 2 3 first"),
])
def test_phone_numbers_are_said_digit_by_digit(reach: str, spoken: str) -> None:
    assert support.speakable(reach) == spoken


def test_what_is_said() -> None:
    contacts = [Contact("Sam", "07700 900123"), Contact("Ali", "call the office.")]
    assert support.lines(contacts) == ["Your support contacts.",
                                       "Sam: 0 7 7 0 0, 9 0 0 1 2 3.",
                                       "Ali: call the office."]
    assert support.lines(contacts, aloud=False)[1] == "Sam: 07700 900123."
    assert support.lines([]) == [support.NONE_YET]
    assert "voiceguide support add" in support.NONE_YET
    assert support.lines(None) == [support.UNREADABLE]
