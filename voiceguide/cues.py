"""The cue sounds (inhale, hold, exhale, rest, bell, your turn, saved)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from voiceguide.audio import AudioClip, read_wav
from voiceguide.errors import VoiceGuideError
from voiceguide.vocab import CUES


def cue_dir() -> Path:
    """Installed wheels carry voiceguide/cues; a source checkout has audio/cues."""
    packaged = Path(str(resources.files("voiceguide"))) / "cues"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "audio" / "cues"


@cache
def load(name: str) -> AudioClip:
    if name not in CUES:
        raise ValueError(f"unknown cue {name!r}")
    path = cue_dir() / f"{name}.wav"
    if not path.is_file():
        raise VoiceGuideError(
            f"the cue sound {path} is missing",
            "Reinstall voiceguide, or run: python scripts/make_cues",
        )
    return read_wav(path)
