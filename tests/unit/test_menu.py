"""The spoken main menu: its two levels, spoken choices, and its loop with
scripted keys and replies."""

from __future__ import annotations

from collections import deque

import pytest

from voiceguide.catalog import ProgramInfo, catalog
from voiceguide.menu import SAYINGS, Menu, by_number, choose, of_kind, top

PROGRAMS = [
    ProgramInfo("five-senses", "Five senses", "grounding", 5.0, ""),
    ProgramInfo("feet", "Feet on the floor", "grounding", 4.5, ""),
    ProgramInfo("box-breathing", "Box breathing", "breathing", 3.5, ""),
    ProgramInfo("trust-self", "Trusting yourself again", "journal", 4.5, ""),
]


def test_top_level_lists_kinds_that_have_programs_with_counts() -> None:
    level = top(PROGRAMS)
    assert level.choices == ("grounding", "breathing", "journal")
    assert level.lines == ("1: grounding, 2 programs.", "2: breathing, 1 program.",
                           "3: journaling, 1 program.")


def test_every_builtin_list_fits_single_number_keys() -> None:
    programs = catalog()
    level = top(programs)
    assert 1 <= len(level.choices) <= 9
    for kind in level.choices:
        assert 1 <= len(of_kind(programs, kind).choices) <= 9


@pytest.mark.parametrize(("heard", "want"), [
    ("Two.", "breathing"), ("2", "breathing"), ("number two", "breathing"),
    ("Breathing.", "breathing"), ("journaling", "journal"),
    ("Repeat.", "repeat"),
    ("Go back.", "back"), ("Stop!", "stop"), ("zero", "back"), ("Nine.", None),
    ("I'd like something for breathing", None), ("", None),
    ("Thanks for watching.", None),
])
def test_spoken_choices_at_the_top(heard: str, want: str | None) -> None:
    assert choose(top(PROGRAMS), heard) == want


def test_a_program_is_chosen_by_its_whole_name_or_number() -> None:
    level = of_kind(PROGRAMS, "grounding")
    assert choose(level, "Feet on the floor.") == "feet"
    assert choose(level, "one") == "five-senses"
    assert choose(level, "the floor") is None  # part of a name is not a choice
    assert by_number(level, 3) is None and by_number(level, 0) == "back"


class Script:
    """speak/wait/hear for Menu from a queue of events: each is what comes
    while a line is said ("during"), after the list ("after") or heard."""

    def __init__(self, during: dict[str, str], after: list[str | None],
                 heard: list[str] | None = None) -> None:
        self.during, self.after = during, deque(after)
        self.heard = deque(heard) if heard is not None else None
        self.said: list[str] = []

    def speak(self, text: str) -> str | None:
        self.said.append(text)
        for start, key in list(self.during.items()):
            if text.startswith(start):
                del self.during[start]
                return key
        return None

    def wait(self, seconds: float) -> str | None:
        assert seconds > 0
        return self.after.popleft() if self.after else None

    def hear(self) -> str | None:
        assert self.heard is not None
        return self.heard.popleft() if self.heard else ""

    def menu(self) -> Menu:
        return Menu(PROGRAMS, self.speak, self.wait,
                    self.hear if self.heard is not None else None)


def test_number_keys_choose_a_kind_then_a_program() -> None:
    s = Script({}, ["digit-1", "digit-2"])
    assert s.menu().run() == "feet"
    assert "1: Five senses, about 5 minutes." in s.said


def test_a_key_while_the_list_is_said_chooses_at_once() -> None:
    s = Script({"2: breathing": "digit-2", "Breathing.": "digit-1"}, [])
    assert s.menu().run() == "box-breathing"
    assert "3: journaling, 1 program." not in s.said  # cut short by the key


def test_back_repeat_wrong_number_and_stop() -> None:
    s = Script({}, ["digit-3", "back", "repeat", "digit-9", "stop"])
    assert s.menu().run() is None
    assert s.said.count("What would you like to do?") == 4
    assert any(x.startswith("That is not one of the numbers") for x in s.said)


def test_spoken_choices_and_keys_mix() -> None:
    s = Script({}, ["digit-2"], heard=["Grounding.", ""])  # then a key
    assert s.menu().run() == "feet"
    s = Script({}, [], heard=["Journaling.", "Trusting yourself again"])
    assert s.menu().run() == "trust-self"


def test_no_answer_ends_the_menu_kindly() -> None:
    s = Script({}, [None] * SAYINGS)
    assert s.menu().run() is None
    assert s.said[-1].startswith("No choice was made")
    assert s.said.count("What would you like to do?") == SAYINGS


def test_a_lost_microphone_leaves_the_keys() -> None:
    s = Script({}, ["digit-4", "stop"], heard=[])
    s.heard = deque([None])  # type: ignore[list-item]
    menu = s.menu()
    assert menu.run() is None
    assert menu.hear is None  # asked once, then keys only
    assert any(x.startswith("That is not one of the numbers") for x in s.said)
