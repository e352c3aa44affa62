"""Choosing the speech engine for this platform."""

from __future__ import annotations

import sys

from voiceguide.backends.base import Voice, VoiceInfo


def open_voice(voice: str | None, rate_wpm: int) -> Voice:
    """espeak-ng's program on Linux (see espeak_voice.py for why); pyttsx3 elsewhere."""
    from voiceguide.backends import espeak_voice

    if sys.platform.startswith("linux") and espeak_voice.binary():
        return espeak_voice.EspeakVoice(voice, rate_wpm)
    from voiceguide.backends.pyttsx3_voice import Pyttsx3Voice

    return Pyttsx3Voice(voice, rate_wpm)


def list_voices() -> list[VoiceInfo]:
    from voiceguide.backends import espeak_voice

    if sys.platform.startswith("linux") and espeak_voice.binary():
        return espeak_voice.list_voices()
    from voiceguide.backends.pyttsx3_voice import list_voices as pyttsx3_voices

    return pyttsx3_voices()


def choices(voice: Voice) -> list[tuple[str, str]]:
    """(id, spoken name) of the voices ``voice`` can switch to during a
    session, its own first: those of its language (English: every English
    voice), and with espeak-ng each also as a female variant. Some listed
    voices cannot speak here (espeak-ng lists MBROLA voices that are not
    installed); the caller tries them."""
    listed: list[VoiceInfo] = list(getattr(voice, "voices", list)())
    current = voice.name.partition("+")[0].lower()
    own = next((v for v in listed if v.id.lower() == current), None)
    language = own.languages[0].split("-")[0].lower() if own and own.languages else ""
    same = [v for v in listed
            if not language
            or any(lang.lower().split("-")[0] == language for lang in v.languages)]
    if own is not None and own in same:  # the current voice first
        same.remove(own)
        same.insert(0, own)
    variants: tuple[tuple[str, str], ...] = getattr(voice, "VARIANTS", (("", ""),))
    out = []
    for v in same:
        name = spoken_name(v.name)
        for variant, kind in variants:
            out.append((v.id + variant, f"{name}{kind}"))
    return out


def spoken_name(name: str) -> str:
    """ "English (Great Britain)" -> "English, Great Britain"."""
    return name.replace(" (", ", ").replace("(", "").replace(")", "").strip()
