"""Settings: defaults < config.toml < environment < flags, resolved once in cli.py."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

from voiceguide.errors import BadInput
from voiceguide.vocab import ANSWER_MODES, ENGINES


@dataclass(frozen=True)
class Paths:
    """Where voiceguide keeps the person's files."""

    config_file: Path
    data_dir: Path

    @property
    def default_notes_dir(self) -> Path:
        return self.data_dir / "notes"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"


@dataclass(frozen=True)
class Settings:
    voice: str | None = None  # engine voice id; None = the engine's default
    rate: int = 150  # words per minute: calm, unhurried
    volume: float = 0.9  # 0.0 .. 1.0
    pace: float = 1.0  # multiplies every pause and breath
    cues: bool = True
    answers: str = "typed"
    notes_dir: Path | None = None  # None = <data dir>/notes
    output_device: str | None = None
    input_device: str | None = None
    engine: str = "auto"
    silent: bool = False
    answer_silence: float = 5.0  # seconds of quiet that end a spoken answer
    answer_max: float = 300.0  # the longest one spoken answer may be
    voice_commands: bool = False  # listen for spoken commands (experimental)
    headset: bool = False  # no echo: voice commands work while the guide speaks
    checkins: bool = True  # ask "how distressed, 0-10" before and after grounding


def paths_from_env(env: Mapping[str, str]) -> Paths:
    """Resolve the config file and data dir; VOICEGUIDE_HOME relocates both."""
    home = env.get("VOICEGUIDE_HOME")
    if home:
        root = Path(home).expanduser()
        return Paths(root / "config.toml", root)
    user_home = Path(env.get("HOME") or Path.home())
    if sys.platform == "win32":
        base = Path(env.get("APPDATA") or user_home / "AppData" / "Roaming")
        return Paths(base / "voiceguide" / "config.toml", base / "voiceguide")
    if sys.platform == "darwin":
        base = user_home / "Library" / "Application Support" / "voiceguide"
        return Paths(base / "config.toml", base)
    config = Path(env.get("XDG_CONFIG_HOME") or user_home / ".config")
    data = Path(env.get("XDG_DATA_HOME") or user_home / ".local" / "share")
    return Paths(config / "voiceguide" / "config.toml", data / "voiceguide")


def _check(key: str, value: Any, where: str) -> Any:
    """Validate one setting's value; return it in its proper type."""

    def bad(expected: str) -> BadInput:
        return BadInput(
            f"{where}: {key} = {value!r} is not valid",
            f"Use {expected}, for example: {key} = {EXAMPLES[key]}",
        )

    if key in ("voice", "output_device", "input_device"):
        if value is None or (isinstance(value, str) and value):
            return value
        raise bad("a non-empty text")
    if key == "notes_dir":
        if isinstance(value, str | Path) and str(value):
            return Path(value).expanduser()
        raise bad("a folder path")
    if key == "rate":
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and 60 <= value <= 400
        ):
            return value
        raise bad("a whole number of words per minute from 60 to 400")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if key == "volume":
        if number and 0.0 <= value <= 1.0:
            return float(value)
        raise bad("a number from 0.0 to 1.0")
    if key == "pace":
        if number and 0.0 <= value <= 10.0:
            return float(value)
        raise bad("a number from 0 (no waiting) to 10")
    if key == "answer_silence":
        if number and 1.0 <= value <= 60.0:
            return float(value)
        raise bad("a number of seconds from 1 to 60")
    if key == "answer_max":
        if number and 5.0 <= value <= 3600.0:
            return float(value)
        raise bad("a number of seconds from 5 to 3600")
    if key in ("cues", "silent", "voice_commands", "headset", "checkins"):
        if isinstance(value, bool):
            return value
        raise bad("true or false")
    if key == "answers":
        if value in ANSWER_MODES:
            return value
        raise bad(" or ".join(ANSWER_MODES))
    if key == "engine":
        if value in ENGINES:
            return value
        raise bad(" or ".join(ENGINES))
    raise BadInput(  # pragma: no cover - callers filter unknown keys
        f"{where}: unknown setting {key!r}", f"Known settings: {', '.join(EXAMPLES)}"
    )


EXAMPLES = {
    "voice": '"en-us"',
    "rate": "150",
    "volume": "0.9",
    "pace": "1.0",
    "cues": "true",
    "answers": '"typed"',
    "notes_dir": '"~/Documents/journal"',
    "output_device": '"pulse"',
    "input_device": '"pulse"',
    "engine": '"auto"',
    "silent": "false",
    "answer_silence": "5",
    "answer_max": "300",
    "voice_commands": "true",
    "headset": "false",
    "checkins": "true",
}


def load_file(path: Path) -> dict[str, Any]:
    """Read config.toml; a missing file is simply no settings."""
    if not path.exists():
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(
            f"{path}: cannot read the settings file ({e})",
            "Fix its permissions, or delete it to use the defaults.",
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise BadInput(
            f"{path}: not valid TOML ({e})",
            "Fix the line named, or delete the file to use the defaults.",
        ) from None
    unknown = sorted(set(data) - set(EXAMPLES))
    if unknown:
        raise BadInput(
            f"{path}: unknown setting {unknown[0]!r}",
            f"Remove it. Known settings: {', '.join(EXAMPLES)}",
        )
    return {k: _check(k, v, str(path)) for k, v in data.items()}


def resolve(env: Mapping[str, str], flags: Mapping[str, Any]) -> tuple[Settings, Paths]:
    """Build Settings once: defaults < config.toml < environment < flags."""
    paths = paths_from_env(env)
    values: dict[str, Any] = load_file(paths.config_file)
    if env.get("VOICEGUIDE_NOTES_DIR"):
        values["notes_dir"] = Path(env["VOICEGUIDE_NOTES_DIR"]).expanduser()
    if env.get("ACCESSIBLE"):  # screen-reader users: plain text, no self-voicing
        values["silent"] = True
    known = {f.name for f in fields(Settings)}
    for key, value in flags.items():
        if key in known and value is not None:
            values[key] = _check(key, value, "command line")
    settings = replace(Settings(), **values)
    if settings.notes_dir is None:
        settings = replace(settings, notes_dir=paths.default_notes_dir)
    return settings, paths


def describe(settings: Settings) -> list[tuple[str, str]]:
    """Pairs of (name, value) for showing the resolved settings."""
    out = []
    for f in fields(Settings):
        v = getattr(settings, f.name)
        out.append(
            (
                f.name,
                "default"
                if v is None
                else str(v).lower()
                if isinstance(v, bool)
                else str(v),
            )
        )
    return out


def _from_text(key: str, text: str) -> Any:
    """A value typed on the command line, in the type its setting needs."""
    if key in ("rate",):
        try:
            return int(text)
        except ValueError:
            return text
    if key in ("volume", "pace", "answer_silence", "answer_max"):
        try:
            return float(text)
        except ValueError:
            return text
    if key in ("cues", "silent", "voice_commands", "headset", "checkins"):
        return {
            "true": True,
            "yes": True,
            "on": True,
            "false": False,
            "no": False,
            "off": False,
        }.get(text.lower(), text)
    return text


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    import json

    return json.dumps(str(value), ensure_ascii=False)  # a valid TOML basic string


def save_setting(path: Path, key: str, text: str) -> None:
    """Check one setting and write it into config.toml.

    The person's other lines and comments are kept; only the line for ``key``
    is replaced (or added). The value is written as typed (``~`` stays ``~``).
    """
    import re

    if key not in EXAMPLES:
        raise BadInput(
            f"unknown setting {key!r}", f"Known settings: {', '.join(EXAMPLES)}"
        )
    value = _from_text(key, text)
    _check(key, value, "settings set")
    load_file(path)  # refuse to edit a file that is already broken
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = ["# voiceguide settings; see 'voiceguide settings'"]
    new = f"{key} = {_toml_value(value)}"
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
    at = next((i for i, ln in enumerate(lines) if pattern.match(ln)), None)
    if at is None:
        lines.append(new)
    else:
        lines[at] = new
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        raise BadInput(
            f"cannot write {path} ({e.strerror or e})",
            "Fix the folder's permissions, or set VOICEGUIDE_HOME.",
        ) from None
