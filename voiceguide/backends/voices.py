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
