"""The settings a person hears: the speech settings said in plain words, so
'voiceguide settings' can be used without a screen."""

from __future__ import annotations

from voiceguide.config import Settings
from voiceguide.program import Program, Say

SPOKEN_KEYS = ("rate", "volume", "voice", "pace", "answers", "voice_commands",
               "headset", "checkins")


def line(key: str, s: Settings) -> str:
    """One setting as a sentence; '' for settings not worth saying aloud."""
    if key == "rate":
        return f"Speed: {s.rate} words a minute."
    if key == "volume":
        return f"Loudness: {round(s.volume * 100)} percent."
    if key == "voice":
        return f"Voice: {s.voice}." if s.voice else "Voice: the usual voice."
    if key == "pace":
        return ("Pauses: as written." if s.pace == 1 else
                f"Pauses: {s.pace:g} times as long as written.")
    if key == "answers":
        return {"voice": "Answers: spoken.", "typed": "Answers: typed.",
                "off": "Answers: none asked."}.get(s.answers, "")
    if key in ("voice_commands", "headset", "checkins"):
        name = {"voice_commands": "Voice commands", "headset": "Headset",
                "checkins": "Check-ins"}[key]
        return f"{name}: {'on' if getattr(s, key) else 'off'}."
    return ""


def summary(s: Settings) -> Program:
    lines = [line(k, s) for k in SPOKEN_KEYS]
    steps = (Say("Your settings."), *(Say(x) for x in lines if x),
             Say("To change one, use voiceguide settings set, a name, and a value."))
    return _program(steps)


def changed(key: str, s: Settings) -> Program:
    said = line(key, s) or f"{key.replace('_', ' ').capitalize()} is set."
    return _program((Say(f"Saved. {said}"),))


def _program(steps: tuple[Say, ...]) -> Program:
    words = sum(len(x.text.split()) for x in steps)
    return Program("settings", "Settings", "check-in", words / 150,
                   "Your settings, said aloud.", steps, "settings")
