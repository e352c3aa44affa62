"""Settings: defaults < config.toml < environment < flags; saving one setting."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from voiceguide import config
from voiceguide.config import Settings, resolve, save_setting
from voiceguide.errors import BadInput


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"VOICEGUIDE_HOME": str(home), **extra}


def test_defaults(tmp_path: Path) -> None:
    settings, _paths = resolve(_env(tmp_path), {})
    assert settings.rate == 150
    assert settings.volume == 0.9
    assert settings.pace == 1.0
    assert settings.cues is True
    assert settings.answers == "typed"
    assert settings.silent is False
    assert settings.engine == "auto"
    assert settings.voice is None
    assert settings.notes_dir == tmp_path / "notes"
    assert settings == Settings(notes_dir=tmp_path / "notes")


def test_voiceguide_home_relocates_config_and_data(tmp_path: Path) -> None:
    _, paths = resolve(_env(tmp_path / "vg"), {})
    assert paths.config_file == tmp_path / "vg" / "config.toml"
    assert paths.data_dir == tmp_path / "vg"
    assert paths.default_notes_dir == tmp_path / "vg" / "notes"
    assert paths.models_dir == tmp_path / "vg" / "models"
    assert paths.state_dir == tmp_path / "vg" / "state"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux")
def test_without_home_uses_xdg_dirs(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    paths = config.paths_from_env(env)
    assert paths.config_file == tmp_path / "cfg" / "voiceguide" / "config.toml"
    assert paths.data_dir == tmp_path / "data" / "voiceguide"


def test_config_file_overrides_defaults(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'rate = 120\ncues = false\nanswers = "off"\npace = 0.5\n'
        'notes_dir = "' + str(tmp_path / "journal") + '"\nvoice = "en-gb"\n'
    )
    settings, _ = resolve(_env(tmp_path), {})
    assert settings.rate == 120
    assert settings.cues is False
    assert settings.answers == "off"
    assert settings.pace == 0.5
    assert settings.voice == "en-gb"
    assert settings.notes_dir == tmp_path / "journal"
    assert settings.volume == 0.9  # untouched keys keep defaults


def test_flags_override_config(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("rate = 120\ncues = false\npace = 2\n")
    flags = {"rate": 200, "cues": True, "pace": None, "notes_dir": tmp_path / "x"}
    settings, _ = resolve(_env(tmp_path), flags)
    assert settings.rate == 200
    assert settings.cues is True
    assert settings.pace == 2.0  # None flags leave the config value
    assert settings.notes_dir == tmp_path / "x"


def test_environment_sits_between_config_and_flags(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(f'notes_dir = "{tmp_path / "cfg"}"\n')
    env = _env(tmp_path, VOICEGUIDE_NOTES_DIR=str(tmp_path / "env"))
    assert resolve(env, {})[0].notes_dir == tmp_path / "env"
    assert (
        resolve(env, {"notes_dir": tmp_path / "flag"})[0].notes_dir == tmp_path / "flag"
    )


def test_accessible_env_makes_silent(tmp_path: Path) -> None:
    assert resolve(_env(tmp_path), {})[0].silent is False
    assert resolve(_env(tmp_path, ACCESSIBLE="1"), {})[0].silent is True


def test_bad_flag_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as info:
        resolve(_env(tmp_path), {"pace": -1.0})
    assert "pace" in info.value.message and info.value.hint
    with pytest.raises(BadInput):
        resolve(_env(tmp_path), {"rate": 5})


def test_unknown_key_in_config_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("rate = 150\nspeed = 3\n")
    with pytest.raises(BadInput) as info:
        resolve(_env(tmp_path), {})
    assert str(cfg) in info.value.message
    assert "speed" in info.value.message
    assert info.value.exit_code == 2
    assert info.value.hint


@pytest.mark.parametrize(
    "line",
    [
        'rate = "fast"',
        "rate = 10",
        "rate = 150.5",
        "rate = true",
        "volume = 2",
        'volume = "loud"',
        "pace = -1",
        "pace = 11",
        'cues = "yes"',
        'answers = "loud"',
        'engine = "google"',
        'voice = ""',
        "notes_dir = 3",
        "silent = 1",
    ],
)
def test_bad_values_in_config_name_the_file(tmp_path: Path, line: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(line + "\n")
    with pytest.raises(BadInput) as info:
        resolve(_env(tmp_path), {})
    key = line.split("=")[0].strip()
    assert info.value.message.startswith(str(cfg))
    assert key in info.value.message
    assert key in info.value.hint  # an example of a good value


def test_invalid_toml_config_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("rate = \n")
    with pytest.raises(BadInput) as info:
        resolve(_env(tmp_path), {})
    assert str(cfg) in info.value.message and info.value.hint


# ---------------------------------------------------------------- save_setting


def test_save_setting_round_trip(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    save_setting(cfg, "rate", "140")
    save_setting(cfg, "cues", "off")
    save_setting(cfg, "voice", 'en "gb"')
    save_setting(cfg, "volume", "0.5")
    save_setting(cfg, "notes_dir", str(tmp_path / "my notes"))
    save_setting(cfg, "rate", "160")  # replaces, keeps the others
    settings, _ = resolve(_env(tmp_path), {})
    assert settings.rate == 160
    assert settings.cues is False
    assert settings.voice == 'en "gb"'
    assert settings.volume == 0.5
    assert settings.notes_dir == tmp_path / "my notes"
    assert cfg.read_text().count("rate =") == 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_save_setting_creates_folder(tmp_path: Path) -> None:
    cfg = tmp_path / "new" / "config.toml"
    save_setting(cfg, "answers", "off")
    assert config.load_file(cfg) == {"answers": "off"}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("rate", "fast"),
        ("rate", "1000"),
        ("volume", "2"),
        ("pace", "nan"),
        ("cues", "maybe"),
        ("answers", "telepathy"),
        ("engine", "cloud"),
        ("colour", "blue"),
    ],
)
def test_save_setting_rejects_bad_value_and_leaves_file(
    tmp_path: Path, key: str, value: str
) -> None:
    cfg = tmp_path / "config.toml"
    save_setting(cfg, "rate", "140")
    before = cfg.read_bytes()
    with pytest.raises(BadInput) as info:
        save_setting(cfg, key, value)
    assert key in info.value.message and info.value.hint
    assert cfg.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_describe_lists_every_setting(tmp_path: Path) -> None:
    settings, _ = resolve(_env(tmp_path), {"rate": 170, "cues": False})
    pairs = dict(config.describe(settings))
    assert pairs["rate"] == "170"
    assert pairs["cues"] == "false"
    assert pairs["voice"] == "default"
    assert set(pairs) == set(config.EXAMPLES)
