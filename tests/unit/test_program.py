"""Program files: the built-in programs, and validation with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiceguide import catalog, program
from voiceguide.errors import BadInput, ProgramError
from voiceguide.program import KINDS, Breathe, Cue, Pause, Prompt, Say

CONTENT_IDS = (
    "five-senses",
    "five-senses-no-sight",
    "box-breathing",
    "longer-exhale",
    "feet-on-the-floor",
    "body-check",
    "rebuilding-trust",
    "trust-self",
    "trust-expectations",
    "trust-past-betrayals",
    "trust-small-steps",
    "trust-who-is-safe",
    "daily-check-in",
)

HEAD = 'title = "T"\nkind = "journal"\nminutes = 3\nsummary = "S"\n'


# ---------------------------------------------------------------- built-ins


@pytest.mark.parametrize("program_id", program.builtin_ids())
def test_builtin_loads_with_contract_fields(program_id: str) -> None:
    p = program.load_builtin(program_id)
    assert p.id == program_id
    assert p.kind in KINDS
    assert p.minutes > 0
    assert p.title.strip() and p.summary.strip()
    assert len(p.steps) >= 1
    assert all(isinstance(s, Say | Prompt | Pause | Breathe | Cue) for s in p.steps)


def test_content_ids_all_exist() -> None:
    ids = set(program.builtin_ids())
    missing = [i for i in CONTENT_IDS if i not in ids]
    assert not missing, f"built-in programs missing: {missing}"
    assert {p.id for p in program.builtins()} == ids


def _breaths(program_id: str) -> list[Breathe]:
    return [s for s in program.load_builtin(program_id).steps if isinstance(s, Breathe)]


def test_box_breathing_is_4_4_4_4() -> None:
    breaths = _breaths("box-breathing")
    assert breaths, "box-breathing has no breathe step"
    assert any((b.inhale, b.hold, b.exhale, b.rest) == (4, 4, 4, 4) for b in breaths)


def test_longer_exhale_breathes_out_longer_than_in() -> None:
    breaths = _breaths("longer-exhale")
    assert breaths, "longer-exhale has no breathe step"
    assert all(b.exhale > b.inhale for b in breaths)


@pytest.mark.parametrize(
    "program_id",
    [i for i in CONTENT_IDS if program.load_builtin(i).kind in ("journal", "check-in")],
)
def test_journal_programs_have_answerable_prompts(program_id: str) -> None:
    prompts = program.load_builtin(program_id).prompts
    answerable = [p for p in prompts if p.answer]
    assert answerable, f"{program_id} has no prompt that takes an answer"
    assert all(p.text.strip() for p in answerable)


def test_journal_kinds_include_the_trust_series() -> None:
    for pid in (
        "rebuilding-trust",
        "trust-self",
        "trust-expectations",
        "trust-past-betrayals",
        "trust-small-steps",
        "trust-who-is-safe",
    ):
        assert program.load_builtin(pid).kind == "journal", pid


# ---------------------------------------------------------------- a good file

GOOD = (
    HEAD
    + """
[[step]]
say = "Hello."
pause = 1.5

[[step]]
pause = 3

[[step]]
prompt = "What do you need?"
answer = true

[[step]]
prompt = "Just notice."
answer = false
pause = 12

[[step]]
breathe = { inhale = 4, hold = 2, exhale = 6, rest = 1, cycles = 3 }

[[step]]
cue = "bell"
"""
)


def test_parse_good_program_builds_each_step_kind() -> None:
    p = program.parse(GOOD, "mine", "/x/mine.toml")
    assert p.id == "mine" and p.source == "/x/mine.toml"
    assert p.title == "T" and p.kind == "journal" and p.minutes == 3.0
    assert p.steps == (
        Say("Hello.", 1.5),
        Pause(3.0),
        Prompt("What do you need?", True, program.DEFAULT_PROMPT_QUIET),
        Prompt("Just notice.", False, 12.0),
        Breathe(inhale=4, exhale=6, hold=2, rest=1, cycles=3),
        Cue("bell"),
    )
    assert [s.text for s in p.prompts] == ["What do you need?", "Just notice."]


def test_breathe_phases_skip_empty_and_cycle_seconds() -> None:
    b = Breathe(inhale=4, exhale=6, hold=0, rest=2, cycles=6)
    assert b.phases() == [("inhale", 4), ("exhale", 6), ("rest", 2)]
    assert b.cycle_seconds == 12


# ---------------------------------------------------------------- errors

# (name, text, line of the problem, a word the message must contain)
BAD = [
    (
        "unknown top-level key",
        'title = "T"\nkind = "journal"\ncolour = "red"\nminutes = 3\nsummary = "S"\n'
        '[[step]]\nsay = "hi"\n',
        3,
        "colour",
    ),
    (
        "unknown step key",
        HEAD + '\n[[step]]\nsay = "hi"\n\n[[step]]\nsay = "x"\nloud = true\n',
        11,
        "loud",
    ),
    (
        "two main keys",
        HEAD + '[[step]]\nsay = "hi"\n[[step]]\nprompt = "q"\nanswer = true\n'
        'cue = "bell"\n',
        10,
        "cue",
    ),
    (
        "kind = 3",
        'title = "T"\nkind = 3\nminutes = 3\nsummary = "S"\n[[step]]\nsay = "hi"\n',
        2,
        "kind",
    ),
    (
        "minutes = five",
        'title = "T"\nkind = "journal"\nsummary = "S"\nminutes = "five"\n'
        '[[step]]\nsay = "hi"\n',
        4,
        "minutes",
    ),
    (
        "pause step = -1",
        HEAD + '[[step]]\nsay = "hi"\n[[step]]\npause = -1\n',
        8,
        "pause",
    ),
    ("say pause = -1", HEAD + '[[step]]\nsay = "hi"\npause = -1\n', 7, "pause"),
    (
        "breathe cycles = 0",
        HEAD + '[[step]]\nsay = "hi"\n[[step]]\ncue = "bell"\n[[step]]\n'
        "breathe = { inhale = 4, exhale = 4, cycles = 0 }\n",
        10,
        "cycles",
    ),
    ("answer = yes", HEAD + '[[step]]\nprompt = "q?"\nanswer = "yes"\n', 7, "answer"),
    ("unknown cue", HEAD + '[[step]]\nsay = "a"\n[[step]]\ncue = "gong"\n', 8, "gong"),
    (
        "TOML syntax: unterminated string",
        HEAD + '[[step]]\nsay = "hi"\n[[step]]\nsay = "hi\n',
        8,
        "TOML",
    ),
    ("TOML syntax: missing value", HEAD + "[[step]]\nsay = \n", 6, "TOML"),
    (
        "breathe without exhale",
        HEAD + "[[step]]\nbreathe = { inhale = 4 }\n",
        6,
        "exhale",
    ),
    (
        "breathe inhale too long",
        HEAD + "[[step]]\nbreathe = { inhale = 40, exhale = 4 }\n",
        6,
        "inhale",
    ),
    ("empty say", HEAD + '[[step]]\nsay = "   "\n', 6, "say"),
]


@pytest.mark.parametrize(("name", "text", "line", "word"), BAD, ids=[b[0] for b in BAD])
def test_parse_errors_name_file_and_line(
    name: str, text: str, line: int, word: str
) -> None:
    with pytest.raises(ProgramError) as info:
        program.parse(text, "bad", "/somewhere/bad.toml")
    e = info.value
    assert isinstance(e, BadInput) and e.exit_code == 2
    assert e.line == line
    assert e.message.startswith(f"/somewhere/bad.toml:{line}: ")
    assert word in e.message
    assert e.hint.strip()


@pytest.mark.parametrize(("name", "text", "line", "word"), BAD, ids=[b[0] for b in BAD])
def test_load_file_errors_name_the_real_path(
    tmp_path: Path, name: str, text: str, line: int, word: str
) -> None:
    f = tmp_path / "my-program.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ProgramError) as info:
        program.load_file(f)
    assert info.value.path == str(f)
    assert info.value.message.startswith(f"{f}:{line}: ")
    assert info.value.hint.strip()


@pytest.mark.parametrize(
    ("text", "word"),
    [
        (
            'kind = "journal"\nminutes = 3\nsummary = "S"\n[[step]]\nsay = "a"\n',
            "title",
        ),
        (HEAD, "no steps"),
        (HEAD + "[[step]]\n", "nothing to do"),
    ],
)
def test_missing_parts_are_program_errors_with_hints(text: str, word: str) -> None:
    with pytest.raises(ProgramError) as info:
        program.parse(text, "x", "x.toml")
    assert word in info.value.message
    assert info.value.message.startswith("x.toml")
    assert info.value.hint.strip()


def test_load_file_missing_and_folder_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as info:
        program.load_file(tmp_path / "nope.toml")
    assert "nope.toml" in info.value.message and info.value.hint
    with pytest.raises(BadInput) as info:
        program.load_file(tmp_path)
    assert str(tmp_path) in info.value.message and info.value.hint


def test_load_file_not_utf8_is_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "latin.toml"
    f.write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(BadInput) as info:
        program.load_file(f)
    assert str(f) in info.value.message


# ---------------------------------------------------------------- find


def test_find_unknown_id_is_bad_input() -> None:
    with pytest.raises(BadInput) as info:
        program.find("no-such-id")
    assert info.value.exit_code == 2
    assert "no-such-id" in info.value.message
    assert info.value.hint


def test_find_suggests_close_ids() -> None:
    with pytest.raises(BadInput) as info:
        program.find("box")
    assert "box-breathing" in info.value.message


def test_find_builtin_id() -> None:
    p = program.find("trust-self")
    assert p.id == "trust-self" and p.source == "built-in"


def test_find_toml_path_uses_stem_as_id(tmp_path: Path) -> None:
    f = tmp_path / "evening-wind-down.toml"
    f.write_text(GOOD, encoding="utf-8")
    p = program.find(str(f))
    assert p.id == "evening-wind-down"
    assert p.source == str(f)
    assert len(p.steps) == 6


def test_find_relative_toml_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "short.toml").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert program.find("short.toml").id == "short"


def test_catalog_matches_the_full_programs() -> None:
    """'voiceguide list' reads only headers; they must agree with the programs."""
    headers = [(i.id, i.title, i.kind, i.minutes, i.summary) for i in catalog.catalog()]
    full = [(p.id, p.title, p.kind, p.minutes, p.summary) for p in program.builtins()]
    assert headers == full
