"""`voiceguide` with no command: the main menu, spoken on a terminal, printed
(choose by typing a number) for screen readers, pipes and --silent."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from voiceguide.cli.output import out
from voiceguide.cli.running import run_program
from voiceguide.errors import BadInput, VoiceGuideError

if TYPE_CHECKING:
    from voiceguide.catalog import ProgramInfo
    from voiceguide.config import Paths, Settings


def cmd_menu(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide.catalog import catalog
    from voiceguide.program import find

    programs = catalog()
    if settings.silent or not sys.stdin.isatty():
        choice = _printed(programs)
    else:
        choice = _spoken(programs, settings, paths)
    if choice is None:
        return 0
    return run_program(find(choice), settings, paths)


def _printed(programs: list[ProgramInfo]) -> str | None:
    out("voiceguide. Choose a program by its number and press Enter.")
    for i, p in enumerate(programs, 1):
        out(f"{i:>3}. {p.title} ({p.kind}, about {p.minutes:g} min)")
    if not sys.stdin.isatty():
        out("Or run one directly: voiceguide run PROGRAM-ID (see 'voiceguide list').")
        return None
    choice = sys.stdin.readline().strip()
    if not choice:
        return None
    if not (choice.isdigit() and 1 <= int(choice) <= len(programs)):
        raise BadInput(
            f"{choice!r} is not a number from the list",
            f"Type a number from 1 to {len(programs)}.",
        )
    return str(programs[int(choice) - 1].id)


def _spoken(programs: list[ProgramInfo], settings: Settings,
            paths: Paths) -> str | None:
    from voiceguide.menu import Menu

    with speaking(settings) as (controls, keys, say, _player):
        keys.rating_keys(True)  # number keys choose
        menu = Menu(programs, say, controls.wait,
                    _hearing(settings, paths, controls))
        return menu.run()


@contextlib.contextmanager
def speaking(settings: Settings) -> Iterator[tuple[Any, Any, Any, Any]]:
    """(controls, keys, say, player) for a spoken dialogue outside a session:
    single keys, and ``say(text)`` (see :func:`speaker`); printed only when
    silent. Everything is stopped and closed after."""
    from voiceguide import assemble
    from voiceguide.controls import Controls
    from voiceguide.speech import SpeechCache

    controls = Controls()
    keys = assemble.keyboard(controls)
    player = None if settings.silent else assemble.open_player(settings, out)
    speech = SpeechCache(assemble.voice_factory(settings)) if player else None
    try:
        yield controls, keys, speaker(player, speech, controls), player
    finally:
        if player is not None:
            player.stop()
            player.close()
        if speech is not None:
            speech.close()
        keys.close()


def speaker(player: Any, speech: Any, controls: Any) -> Any:
    def speak(text: str) -> str | None:
        out(text)
        if player is None or speech is None:
            return None
        try:
            clip = speech.get(text)
        except VoiceGuideError as e:
            out(f"Speech is not available: {e.message}. Fix: {e.hint}")
            return None
        player.play(clip)
        deadline = time.monotonic() + clip.duration + 0.3
        while (left := deadline - time.monotonic()) > 0:
            name = controls.wait(left)
            if name is not None:
                player.stop()  # the person has chosen: stop talking at once
                return str(name)
        return None

    return speak


def _hearing(settings: Settings, paths: Paths, controls: Any) -> Any:
    """Spoken choices when the person uses their voice and Whisper is there."""
    if settings.answers != "voice" and not settings.voice_commands:
        return None
    from voiceguide import assemble, checkin
    from voiceguide.backends.recorder import SoundDeviceRecorder, input_problem
    from voiceguide.menu import hear_with

    recognize = assemble.reply_recognizer(paths)
    if recognize is None or input_problem(settings.input_device):
        return None
    recorder = SoundDeviceRecorder(settings.input_device,
                                   silence_s=checkin.REPLY_SILENCE_S,
                                   max_s=checkin.REPLY_MAX_S,
                                   no_speech_s=checkin.WAIT_S)
    return hear_with(recorder, recognize, controls)
