"""Programs: the Program/Step model, and loading and validating program TOML files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiceguide.catalog import builtin_ids
from voiceguide.errors import BadInput, ProgramError
from voiceguide.vocab import CUES, KINDS

DEFAULT_PROMPT_QUIET = 8.0
MAX_PAUSE = 600.0


@dataclass(frozen=True)
class Say:
    text: str
    pause: float = 0.0


@dataclass(frozen=True)
class Prompt:
    text: str
    answer: bool = True
    pause: float = DEFAULT_PROMPT_QUIET  # quiet left when no answer is taken


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Breathe:
    inhale: float
    exhale: float
    hold: float = 0.0
    rest: float = 0.0
    cycles: int = 4

    def phases(self) -> list[tuple[str, float]]:
        """(phase, seconds) of one cycle, skipping empty phases."""
        all_ = [
            ("inhale", self.inhale),
            ("hold", self.hold),
            ("exhale", self.exhale),
            ("rest", self.rest),
        ]
        return [(name, s) for name, s in all_ if s > 0]

    @property
    def cycle_seconds(self) -> float:
        return self.inhale + self.hold + self.exhale + self.rest


@dataclass(frozen=True)
class Cue:
    name: str


Step = Say | Prompt | Pause | Breathe | Cue


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    kind: str
    minutes: float
    summary: str
    steps: tuple[Step, ...]
    source: str  # file path, or "built-in"
    # Ask "how distressed, zero to ten" at the start and end; None: by kind
    # (grounding and breathing do).
    checkins: bool | None = None

    @property
    def prompts(self) -> list[Prompt]:
        return [s for s in self.steps if isinstance(s, Prompt)]


# ---------------------------------------------------------------- locating lines


class _Lines:
    """Finds the line of a key, so errors can point at it (tomllib gives none)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.step_starts = [
            i
            for i, ln in enumerate(self.lines)
            if re.match(r"\s*\[\[\s*step\s*\]\]", ln)
        ]

    def _find(self, key: str, lo: int, hi: int) -> int | None:
        pat = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=")
        for i in range(lo, hi):
            if pat.match(self.lines[i]):
                return i + 1
        return None

    def top(self, key: str | None = None) -> int | None:
        end = self.step_starts[0] if self.step_starts else len(self.lines)
        return self._find(key, 0, end) if key else None

    def step(self, index: int, key: str | None = None) -> int | None:
        if index >= len(self.step_starts):
            return None
        lo = self.step_starts[index]
        hi = (
            self.step_starts[index + 1]
            if index + 1 < len(self.step_starts)
            else len(self.lines)
        )
        return (self._find(key, lo, hi) if key else None) or lo + 1


# ---------------------------------------------------------------- validation

STEP_KEYS = {
    "say": {"say", "pause"},
    "prompt": {"prompt", "answer", "pause"},
    "pause": {"pause"},
    "breathe": {"breathe"},
    "cue": {"cue"},
}
MAIN_KEYS = ("say", "prompt", "breathe", "cue", "pause")  # "pause" alone last
EXAMPLE_STEP = {
    "say": 'say = "Let\'s slow down together."',
    "prompt": 'prompt = "What do you need today?"',
    "pause": "pause = 3",
    "breathe": "breathe = { inhale = 4, hold = 4, exhale = 4, rest = 4, cycles = 4 }",
    "cue": f'cue = "bell"   (one of: {", ".join(CUES)})',
}


class _Validator:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.where = _Lines(text)

    def fail(self, line: int | None, message: str, hint: str) -> ProgramError:
        return ProgramError(self.path, line, message, hint)

    def text(self, value: Any, key: str, line: int | None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                line,
                f"{key} must be non-empty text",
                f'Write it in quotes, for example: {key} = "..."',
            )
        return value.strip()

    def seconds(
        self,
        value: Any,
        key: str,
        line: int | None,
        *,
        zero: bool,
        most: float = MAX_PAUSE,
    ) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not (0 <= value <= most) or (value == 0 and not zero):
            low = "0" if zero else "more than 0"
            raise self.fail(
                line,
                f"{key} = {value!r} is not a usable number of seconds",
                f"Use a number from {low} to {most:g}, for example: {key} = 4",
            )
        return float(value)

    def program(self, data: dict[str, Any], program_id: str, source: str) -> Program:
        required = ("title", "kind", "minutes", "summary")
        for key in data:
            if key not in (*required, "checkins", "step"):
                raise self.fail(
                    self.where.top(key),
                    f"unknown key {key!r}",
                    f"Remove it. Top-level keys are: {', '.join(required)},"
                    " checkins, and [[step]] tables.",
                )
        checkins = data.get("checkins")
        if checkins is not None and not isinstance(checkins, bool):
            raise self.fail(
                self.where.top("checkins"),
                f"checkins = {checkins!r} must be true or false",
                "Write: checkins = true (ask how you feel at the start and end), "
                "or checkins = false",
            )
        for key in required:
            if key not in data:
                raise self.fail(
                    None,
                    f"missing {key!r}",
                    f"Add a line near the top, for example: {_TOP_EXAMPLE[key]}",
                )
        title = self.text(data["title"], "title", self.where.top("title"))
        summary = self.text(data["summary"], "summary", self.where.top("summary"))
        kind = data["kind"]
        if kind not in KINDS:
            raise self.fail(
                self.where.top("kind"),
                f"kind = {kind!r} is not known",
                f"Use one of: {', '.join(KINDS)}",
            )
        minutes = data["minutes"]
        if (
            not isinstance(minutes, int | float)
            or isinstance(minutes, bool)
            or not 0 < minutes <= 240
        ):
            raise self.fail(
                self.where.top("minutes"),
                f"minutes = {minutes!r} is not a usable estimate",
                "Use a number of minutes above 0, for example: minutes = 5",
            )
        raw_steps = data.get("step")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise self.fail(
                None,
                "the program has no steps",
                "Add at least one [[step]] table, for example:\n"
                '[[step]]\nsay = "Hello."',
            )
        steps = tuple(self.step(i, s) for i, s in enumerate(raw_steps))
        return Program(program_id, title, kind, float(minutes), summary, steps, source,
                       checkins)

    def step(self, i: int, raw: Any) -> Step:
        n = i + 1
        if not isinstance(raw, dict):
            raise self.fail(
                self.where.step(i),
                f"step {n} is not a table",
                "Write each step under its own [[step]] line.",
            )
        main = next((k for k in MAIN_KEYS if k in raw), None)
        if main is None:
            raise self.fail(
                self.where.step(i),
                f"step {n} says nothing to do",
                "Give it one of: " + "; ".join(EXAMPLE_STEP.values()),
            )
        for key in raw:
            if key not in STEP_KEYS[main]:
                if key in MAIN_KEYS:
                    msg = f"step {n} has both {main!r} and {key!r}"
                    hint = "Give each step one action; split this into two [[step]]s."
                else:
                    msg = f"step {n}: unknown key {key!r}"
                    hint = f"A {main} step takes: {', '.join(sorted(STEP_KEYS[main]))}"
                raise self.fail(self.where.step(i, key), msg, hint)
        line = self.where.step(i, main)
        quiet_line = self.where.step(i, "pause")
        if main == "say":
            return Say(
                self.text(raw["say"], "say", line),
                self.seconds(raw.get("pause", 0), "pause", quiet_line, zero=True),
            )
        if main == "prompt":
            answer = raw.get("answer", True)
            if not isinstance(answer, bool):
                raise self.fail(
                    self.where.step(i, "answer"),
                    f"answer = {answer!r} must be true or false",
                    "Write: answer = true",
                )
            quiet = raw.get("pause", DEFAULT_PROMPT_QUIET)
            return Prompt(
                self.text(raw["prompt"], "prompt", line),
                answer,
                self.seconds(quiet, "pause", quiet_line, zero=True),
            )
        if main == "pause":
            return Pause(self.seconds(raw["pause"], "pause", line, zero=False))
        if main == "cue":
            name = raw["cue"]
            if name not in CUES:
                raise self.fail(
                    line,
                    f"cue = {name!r} is not a known sound",
                    f"Use one of: {', '.join(CUES)}",
                )
            return Cue(name)
        return self.breathe(raw["breathe"], line)

    def breathe(self, raw: Any, line: int | None) -> Breathe:
        example = EXAMPLE_STEP["breathe"]
        if not isinstance(raw, dict):
            raise self.fail(
                line, "breathe must be a table of phase lengths", f"Write: {example}"
            )
        allowed = ("inhale", "hold", "exhale", "rest", "cycles")
        for key in raw:
            if key not in allowed:
                raise self.fail(
                    line,
                    f"breathe: unknown key {key!r}",
                    f"breathe takes: {', '.join(allowed)}",
                )
        for key in ("inhale", "exhale"):
            if key not in raw:
                raise self.fail(line, f"breathe needs {key!r}", f"Write: {example}")
        cycles = raw.get("cycles", 4)
        if (
            not isinstance(cycles, int)
            or isinstance(cycles, bool)
            or not 1 <= cycles <= 30
        ):
            raise self.fail(
                line,
                f"breathe: cycles = {cycles!r} is not usable",
                "Use a whole number from 1 to 30, for example: cycles = 4",
            )
        return Breathe(
            inhale=self.seconds(raw["inhale"], "inhale", line, zero=False, most=20),
            exhale=self.seconds(raw["exhale"], "exhale", line, zero=False, most=20),
            hold=self.seconds(raw.get("hold", 0), "hold", line, zero=True, most=20),
            rest=self.seconds(raw.get("rest", 0), "rest", line, zero=True, most=20),
            cycles=cycles,
        )


_TOP_EXAMPLE = {
    "title": 'title = "Five senses"',
    "kind": 'kind = "grounding"',
    "minutes": "minutes = 4",
    "summary": 'summary = "Notice what is around you, one sense at a time."',
}


# ---------------------------------------------------------------- loading


def parse(text: str, program_id: str, source: str) -> Program:
    """Parse and validate program TOML text."""
    try:
        import tomllib  # here, not at the top: 'voiceguide list' never needs it

        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column \d+\)", str(e))
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        raise ProgramError(
            source,
            line,
            f"not valid TOML: {msg}",
            "Check quotes, brackets and '=' on that line; text goes "
            'in double quotes, like: say = "Hello."',
        ) from None
    return _Validator(source, text).program(data, program_id, source)


def load_file(path: Path) -> Program:
    """Load a person's program file; its id is the file's stem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(
            f"{path}: no such file",
            "Check the path, or run 'voiceguide list' for built-in ids.",
        ) from None
    except IsADirectoryError:
        raise BadInput(
            f"{path}: is a folder, not a program file", "Give the path of a .toml file."
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(
            f"{path}: cannot be read ({e})",
            "Check the file's permissions and that it is UTF-8 text.",
        ) from None
    return parse(text, path.stem, str(path))


BUILTIN_DIR = Path(__file__).with_name("programs")


def load_builtin(program_id: str) -> Program:
    path = BUILTIN_DIR / f"{program_id}.toml"
    return parse(path.read_text(encoding="utf-8"), program_id, "built-in")


def builtins() -> list[Program]:
    return [load_builtin(i) for i in builtin_ids()]


def find(ref: str) -> Program:
    """A built-in id, or a path to a .toml file."""
    if ref.endswith(".toml") or "/" in ref or "\\" in ref:
        return load_file(Path(ref).expanduser())
    ids = builtin_ids()
    if ref in ids:
        return load_builtin(ref)
    close = [i for i in ids if ref.lower() in i or i.startswith(ref.lower()[:4])]
    suggestion = f" Did you mean: {', '.join(close[:3])}?" if close else ""
    raise BadInput(
        f"no program called {ref!r}.{suggestion}",
        "Run 'voiceguide list' to see the programs, or give a path to a .toml file.",
    )
