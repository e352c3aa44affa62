"""What a command does inside a Session: stop and the other flow commands,
volume, speed, help, "I need help", keeping settings, and pausing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voiceguide import support
from voiceguide.controls import FLOW, NEED_HELP, Flow
from voiceguide.errors import VoiceGuideError

if TYPE_CHECKING:
    from voiceguide.session import Session

PAUSED = "Paused. Press space when you want to go on."


def act(s: Session, name: str) -> None:
    assert s.controls is not None
    if name in FLOW:
        if s.player:
            s.player.stop()
        if name == "pause":
            pause(s)
        raise Flow(name)
    if name in ("louder", "quieter") and s.player is not None:
        step = 0.15 if name == "louder" else -0.15
        volume = getattr(s.player, "volume", 0.9)
        s.player.volume = min(1.0, max(0.05, volume + step))  # type: ignore[attr-defined]
        s._cue("saved")
        s.show(f"Volume {round(s.player.volume * 100)} percent.")  # type: ignore[attr-defined]
    elif name in ("faster", "slower"):
        factor = 1.2 if name == "slower" else 1 / 1.2
        s.timeline.pace = min(3.0, max(0.3, s.timeline.pace * factor))
        if s.speech:
            s.speech.change_rate(-20 if name == "slower" else 20)
        s.show(f"{name.capitalize()}: pauses times {s.timeline.pace:.2g}.")
    elif name == "voice":
        change_voice(s)
    elif name == "help":
        if s.player:
            s.player.stop()
        s.speak(s.help_text())
        raise Flow("repeat")
    elif name == "need-help":
        if s.player:
            s.player.stop()
        need_help(s)
        pause(s, support.GO_ON)
        raise Flow("repeat")
    elif name == "keep":
        keep_settings(s)
    elif name == "repeat-slower":
        act(s, "slower")
        if s.player:
            s.player.stop()
        raise Flow("repeat")


def change_voice(s: Session) -> None:
    """The next voice says its name, then the line it interrupted."""
    if s.speech is None:
        s.show("There is no voice to change: speech is off.")
        return
    if s.player:
        s.player.stop()
    spoken = s.speech.next_voice()
    if spoken is None:
        s.show("There is no other voice to change to here.")
        return
    s.speak(f"This voice is {spoken}.")
    raise Flow("repeat")


def keep_settings(s: Session) -> None:
    """Make this session's speed, loudness, pauses and voice the lasting ones."""
    if s.keep_settings is None:
        s.show("Settings cannot be kept from here.")
        return
    rate = s.speech.rate_change if s.speech else 0
    volume = getattr(s.player, "volume", None)
    voice = s.speech.voice_changed if s.speech else None
    try:
        said = s.keep_settings(rate, volume, s.timeline.pace, voice)
    except VoiceGuideError as e:
        s.show(f"The settings could not be kept: {e.message}. Fix: {e.hint}")
        return
    s._cue("saved")
    s.show(said)


def need_help(s: Session) -> None:
    """The emergency reminder, then the person's own contacts."""
    s.speak(NEED_HELP)
    for line in support.lines(s.contacts):
        s.speak(line)


def pause(s: Session, message: str = PAUSED) -> None:
    """Wait, silent, until the person goes on; nothing restarts by itself."""
    assert s.controls is not None
    s.speak(message)
    while True:
        name = s.controls.wait(0.25)
        if name in ("pause", "resume"):
            break
        if name in ("stop", "exit"):
            raise Flow(name)
        if name == "help":
            s.speak(s.help_text())
        if name == "need-help":
            need_help(s)
    s.timeline.interrupt.clear()
    s.timeline.resync()
