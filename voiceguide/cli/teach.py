"""voiceguide commands [list|teach|forget]: the spoken commands, and teaching
them in the person's own voice."""

from __future__ import annotations

import argparse
import contextlib
from typing import TYPE_CHECKING, Any

from voiceguide.cli.output import out
from voiceguide.errors import BadInput

if TYPE_CHECKING:
    from voiceguide.config import Paths, Settings

SILENCE_S = 0.8  # quiet that ends a take
MAX_S = 4.0  # the longest take
NO_SPEECH_S = 8.0  # nothing said for this long: asked again

INTRO = ("Let's teach voiceguide your voice for the spoken commands. For each "
         "one, I'll say the words. After the rising tone, say them back, the way "
         "you would in a session. Twice each. Press s to stop; whatever is taught "
         "by then is kept.")


def cmd_commands(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide import taught

    path = taught.path_in(paths.data_dir)
    if args.commands_cmd == "forget":
        try:
            path.unlink(missing_ok=True)
        except OSError as e:
            raise BadInput(f"{path} cannot be removed ({e.strerror or e})",
                           "Check that folder's permissions.") from None
        out("Forgotten: voiceguide listens for the commands with its usual "
            "model only.")
        return 0
    if args.commands_cmd == "teach":
        return _teach(args.what, settings, paths)
    return _list(path, settings)


def _list(path: Any, settings: Settings) -> int:
    from voiceguide import taught
    from voiceguide.commandwords import first_phrases

    takes = taught.load(path, taught.MODEL)  # a broken file: the problem, the fix
    counts: dict[str, dict[str, int]] = {}
    for t in takes:
        mine = counts.setdefault(t.command, {})
        mine[t.phrase] = mine.get(t.phrase, 0) + 1
    state = "on" if settings.voice_commands else (
        "off (turn them on: voiceguide settings set voice_commands true)")
    out(f"Spoken commands are {state}. Say one on its own:")
    for command, phrase in first_phrases().items():
        mark = "taught in your voice: " + ", ".join(
            f"{p} ({n} takes)" for p, n in counts[command].items()) \
            if command in counts else "not taught"
        out(f"  {phrase:<16} {mark}")
    if takes:
        out(f"(Kept in {path}; 'voiceguide commands forget' removes them.)")
    else:
        out("Teach them in your own voice: voiceguide commands teach")
    return 0


def _teach(what: list[str], settings: Settings, paths: Paths) -> int:
    from voiceguide import models, taught
    from voiceguide.backends.recorder import SoundDeviceRecorder, input_problem
    from voiceguide.cli.menu import speaking
    from voiceguide.teaching import Teaching, chosen

    commands = chosen(what)  # a wrong name fails before anything is said
    model = models.model_path(taught.MODEL, paths.data_dir)
    if model is None:
        raise BadInput("teaching the commands needs the Whisper model",
                       f"Install it: voiceguide models install {taught.MODEL}")
    problem = input_problem(settings.input_device)
    if problem:
        raise BadInput(f"no microphone: {problem}",
                       "Connect a microphone or headset, and check "
                       "'voiceguide devices'.")
    path = taught.path_in(paths.data_dir)
    try:
        kept = taught.load(path, taught.MODEL)
    except BadInput as e:
        out(f"The commands taught before cannot be used ({e.message}); "
            "they will be replaced.")
        kept = []
    from voiceguide.voicecommands import CommandRecognizer

    recognizer = CommandRecognizer(model)
    recognizer.load()
    recorder = SoundDeviceRecorder(settings.input_device, silence_s=SILENCE_S,
                                   max_s=MAX_S, no_speech_s=NO_SPEECH_S)
    with speaking(settings) as (controls, _keys, say, player):
        teaching = Teaching(say, _recorder(recorder, controls, player),
                            recognizer.take_of, path, kept)
        say(INTRO)
        finished = teaching.run(commands)
        done = len(teaching.taught_now)
        words = f"{done} command{'s' if done != 1 else ''}"  # phrases, to a person
        say(f"Taught {words} in your voice." if finished else
            f"Stopped. Taught {words} in your voice; the rest are as they were.")
        if done and not settings.voice_commands:
            say("Spoken commands are off. To use them: voiceguide settings set "
                "voice_commands true.")
        return 0


def _recorder(recorder: Any, controls: Any, player: Any) -> Any:
    """One take: the your-turn sound, then record until a short quiet; a key
    ends it ("stop" and "exit" end the teaching)."""
    import threading

    from voiceguide import cues
    from voiceguide.audio import read_wav, scratch_wav

    def record() -> Any:
        if player is not None:
            tone = cues.load("your-turn")
            player.play(tone)
            threading.Event().wait(tone.duration)
        path, stop = scratch_wav(), threading.Event()
        pressed: list[str] = []

        def key(name: str) -> None:
            pressed.append(name)
            stop.set()

        controls.add_hook(key)
        try:
            take = recorder.record(path, stop)
            if pressed and pressed[0] in ("stop", "exit"):
                return pressed[0]
            if take.reason in ("no-speech", "stopped"):
                return "no speech"
            return read_wav(path)
        finally:
            controls.remove_hook(key)
            with contextlib.suppress(OSError):
                path.unlink()

    return record


def add_commands(sp: argparse.ArgumentParser) -> None:
    csub = sp.add_subparsers(dest="commands_cmd", metavar="list|teach|forget")
    csub.add_parser("list", help="the spoken commands, and which are taught "
                    "in your voice (the default)")
    ct = csub.add_parser("teach", help="say each command twice, so voiceguide "
                         "knows it in your voice")
    ct.add_argument("what", nargs="*", metavar="COMMAND",
                    help='only these, e.g. stop "go on" (default: all)')
    ct.add_argument("--silent", action="store_true", default=None,
                    help="print what to say instead of saying it")
    csub.add_parser("forget", help="remove the commands taught in your voice")
    sp.set_defaults(func=cmd_commands, commands_cmd="list")
