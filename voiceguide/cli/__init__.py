"""The command line: the only package that reads argv, prints, or exits.

Handlers are thin: they resolve settings once, build backends, call the core
and print what it returns. Engines are imported inside the handlers that use
them, so 'voiceguide list' and '--help' stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from voiceguide import __version__
from voiceguide.cli.care import add_progress, add_support
from voiceguide.cli.notes import add_notes, add_notes_dir
from voiceguide.cli.output import err, out
from voiceguide.cli.running import run_program
from voiceguide.cli.teach import add_commands
from voiceguide.cli.vault import add_decrypt, add_encrypt, add_passphrase
from voiceguide.errors import VoiceGuideError
from voiceguide.vocab import ANSWER_MODES, ENGINES, KINDS

if TYPE_CHECKING:  # at run time these load only with the commands that use them
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from voiceguide.config import Paths, Settings



# ---------------------------------------------------------------- handlers


def cmd_list(args: argparse.Namespace, settings: Settings | None,
             paths: Paths | None) -> int:
    """Needs no settings (see main): kept light, it is the most run command."""
    from voiceguide.catalog import catalog

    programs = [p for p in catalog() if not args.kind or p.kind == args.kind]
    width = max((len(p.id) for p in programs), default=0)
    for p in programs:
        out(f"{p.id:<{width}}  {p.kind:<10} {p.minutes:>3g} min  {p.title}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from pathlib import Path

    from voiceguide.program import load_file

    for f in args.files:
        p = load_file(Path(f))
        out(
            f"{f}: ok: {p.title!r}, {p.kind}, {len(p.steps)} steps, "
            f"{len(p.prompts)} prompts, about {p.minutes:g} min"
        )
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide.program import find

    return run_program(find(args.program), settings, paths, args.render)


def cmd_voices(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide.backends.voices import list_voices

    voices = list_voices()
    lang = (args.lang or "").lower()
    shown = [
        v
        for v in voices
        if not lang
        or any(x.lower().startswith(lang) for x in v.languages)
        or v.id.endswith(f"/{lang}")
    ]
    for v in shown:
        langs = ", ".join(v.languages)
        out(f"{v.id:<24} {v.name}" + (f"  ({langs})" if langs else ""))
    out(
        f'{len(shown)} voices. Choose one with --voice ID, or voice = "ID" in '
        f"{paths.config_file}"
    )
    return 0


def cmd_devices(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide.backends.sounddevice_io import devices

    found = devices()
    if not found:
        out("No audio devices found. voiceguide will carry on as text.")
        out(
            "Fix: start a sound server (PulseAudio or PipeWire), or connect a "
            "speaker or headset."
        )
        return 1
    for d in found:
        marks = [
            m
            for m, on in (
                ("default output", d.default_out),
                ("default input", d.default_in),
            )
            if on
        ]
        out(
            f"{d.index:>3}  {d.name}  in {d.inputs}, out {d.outputs}"
            + (f"  ({', '.join(marks)})" if marks else "")
        )
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide.doctor import checks

    worst = 0
    for c in checks(settings, paths):
        out(f"{'ok' if c.ok else 'missing' if c.essential else 'note'}: {c.what}")
        if not c.ok and c.fix:
            out(f"    fix: {c.fix}")
        if not c.ok and c.essential:
            worst = 1
    return worst


def cmd_settings(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide.config import describe, save_setting

    if args.settings_cmd == "set":
        save_setting(paths.config_file, args.key, args.value)
        out(f"Saved {args.key} = {args.value} in {paths.config_file}")
        if _speaks(settings):  # heard as it now is: the new speed, the new voice
            from voiceguide.config import resolve
            from voiceguide.settings_spoken import changed

            now, _ = resolve(os.environ, {})
            return run_program(changed(args.key, now), now, paths, keep_note=False)
        return 0
    out(f"Settings file: {paths.config_file}")
    out(f"Your files: {paths.data_dir}")
    for name, value in describe(settings):
        out(f"{name} = {value}")
    if _speaks(settings):
        from voiceguide.settings_spoken import summary

        return run_program(summary(settings), settings, paths, keep_note=False)
    return 0


def _speaks(settings: Settings) -> bool:
    """Said aloud too, for someone at a terminal who has not asked for text."""
    return not settings.silent and sys.stdin.isatty() and sys.stdout.isatty()


def cmd_models(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from pathlib import Path

    from voiceguide import models

    if args.models_cmd == "install":
        source = Path(args.source).expanduser() if args.source else None
        path = models.install(args.name, paths.data_dir, source)
        out(f"Installed {args.name} in {path}")
        return 0
    found = models.installed(paths.data_dir)
    if not found:
        out(
            "No speech models installed. Install Whisper with: "
            "voiceguide models install whisper-base"
        )
        return 0
    for m in found:
        out(f"{m.name}  {m.size_bytes / 1e6:.0f} MB  {m.path}")
    return 0


def cmd_transcribe(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from pathlib import Path

    from voiceguide import transcription
    from voiceguide.audio import read_wav

    clip = read_wav(Path(args.file).expanduser())
    engine = transcription.choose(paths.data_dir, args.engine or settings.engine)
    out(engine.transcribe(clip))
    return 0


# ---------------------------------------------------------------- parser


def _add_list(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--kind", choices=KINDS)
    sp.set_defaults(func=cmd_list, light=True)


def _add_run(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("program", help="a program id from 'voiceguide list', or a .toml "
                    "file")
    sp.add_argument("--answers", choices=ANSWER_MODES, help="how answers are taken")
    sp.add_argument("--silent", action="store_true", default=None,
                    help="no sound at all: plain text lines (for screen readers)")
    sp.add_argument("--pace", type=float, metavar="FACTOR",
                    help="multiply every pause and breath (0 = no waiting)")
    sp.add_argument("--rate", type=int, metavar="WPM", help="speaking rate")
    sp.add_argument("--volume", type=float, metavar="0-1", help="loudness")
    sp.add_argument("--voice", metavar="ID", help="a voice from 'voiceguide voices'")
    sp.add_argument("--no-cues", dest="cues", action="store_false", default=None,
                    help="no cue sounds")
    sp.add_argument("--output-device", metavar="NAME")
    sp.add_argument("--render", metavar="FILE.wav",
                    help="write the whole spoken session to a WAV file instead")
    add_notes_dir(sp)
    sp.set_defaults(func=cmd_run)


def _add_check(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("files", nargs="+", metavar="FILE.toml")
    sp.set_defaults(func=cmd_check)


def _add_voices(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--lang", metavar="CODE",
                    help="only voices for a language, e.g. en")
    sp.set_defaults(func=cmd_voices)


def _add_settings(sp: argparse.ArgumentParser) -> None:
    ssub = sp.add_subparsers(dest="settings_cmd", metavar="show|set")
    setter = ssub.add_parser("set", help="set one: voiceguide settings set rate 140")
    for ss in (sp, ssub.add_parser("show"), setter):
        ss.add_argument("--silent", action="store_true", default=None,
                        help="print only; do not say them aloud")
    ss.add_argument("key")
    ss.add_argument("value")
    sp.set_defaults(func=cmd_settings, settings_cmd="show")


def _add_models(sp: argparse.ArgumentParser) -> None:
    msub = sp.add_subparsers(dest="models_cmd", metavar="list|install")
    msub.add_parser("list")
    mi = msub.add_parser("install", help="install a model, e.g. whisper-base")
    mi.add_argument("name")
    mi.add_argument("--from", dest="source", metavar="DIR",
                    help="a local folder holding the model files")
    sp.set_defaults(func=cmd_models, models_cmd="list")


def _add_transcribe(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("file", metavar="FILE.wav")
    sp.add_argument("--engine", choices=ENGINES)
    sp.set_defaults(func=cmd_transcribe)


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "list": ("show the programs", _add_list),
    "run": ("run a guided program", _add_run),
    "check": ("validate program files", _add_check),
    "notes": ("your notes: list, search, read, tag, export, import, stats", add_notes),
    "voices": ("the voices on this machine", _add_voices),
    "devices": ("audio devices", lambda sp: sp.set_defaults(func=cmd_devices)),
    "doctor": ("check what works and what is missing",
               lambda sp: sp.set_defaults(func=cmd_doctor)),
    "settings": ("show or change lasting settings", _add_settings),
    "models": ("speech models: list, install", _add_models),
    "transcribe": ("print the words in a WAV recording", _add_transcribe),
    "support": ("your own support contacts: hear them, add, remove", add_support),
    "progress": ("your check-in ratings over time: spoken, and as a chart",
                 add_progress),
    "encrypt": ("lock your notes with a passphrase", add_encrypt),
    "decrypt": ("unlock your notes for good: plain files again", add_decrypt),
    "passphrase": ("change, remember or forget the notes' passphrase",
                   add_passphrase),
    "commands": ("spoken commands: list them, teach them in your voice, forget",
                 add_commands),
}


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser; for a known command only that command's part is built, since
    building all of argparse's subparsers is a third of start-up."""
    p = argparse.ArgumentParser(
        prog="voiceguide",
        description="An offline, voice-first companion for grounding and reflective "
        "journaling. It is a self-help tool, not therapy.",
        epilog="Run 'voiceguide list' to see programs, then 'voiceguide run ID'.",
    )
    p.add_argument("--version", action="version", version=f"voiceguide {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    first = next((a for a in argv if not a.startswith("-")), None)
    wanted = [first] if first in COMMANDS else list(COMMANDS)
    for name in wanted:
        help_text, add = COMMANDS[name]
        add(sub.add_parser(name, help=help_text))
    return p


# ---------------------------------------------------------------- entry


def main(argv: Sequence[str] | None = None) -> int:
    """The one error boundary: messages and exit codes, never a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or bad usage (2)
        return int(e.code or 0)
    flags = {
        k: getattr(args, k, None)
        for k in (
            "answers",
            "silent",
            "pace",
            "rate",
            "volume",
            "voice",
            "cues",
            "output_device",
            "notes_dir",
        )
    }
    paths = None
    try:
        func: Any = getattr(args, "func", None)
        if func is None:  # no command: the main menu
            from voiceguide.cli.menu import cmd_menu

            func = cmd_menu
        if getattr(args, "light", False):
            return int(func(args, None, None))
        from voiceguide.config import resolve

        settings, paths = resolve(os.environ, flags)
        from voiceguide.cli.passphrase import install

        install()  # encrypted notes: the passphrase is asked once in this run
        if os.environ.get("VOICEGUIDE_LOG"):
            import logging

            logging.basicConfig(level=os.environ["VOICEGUIDE_LOG"].upper())
        return int(func(args, settings, paths))
    except VoiceGuideError as e:
        err(f"voiceguide: {e.message}")
        if e.hint:
            err(f"  fix: {e.hint}")
        return e.exit_code
    except KeyboardInterrupt:
        err("Stopped.")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: say so plainly, keep the details in a file
        log = _crash_log(paths)
        err(
            f"voiceguide: something went wrong inside voiceguide ({type(e).__name__}: "
            f"{e})."
        )
        err(
            f"  fix: please report it; details are in {log}"
            if log
            else "  fix: please report it, with the command you ran."
        )
        return 1


def _crash_log(paths: Paths | None) -> Path | None:
    if paths is None:
        return None
    import traceback

    try:
        paths.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        log = paths.state_dir / "crash.log"
        with open(log, "a", encoding="utf-8") as f:
            f.write(traceback.format_exc() + "\n")
        return log
    except OSError:
        return None


def entry() -> int:
    """The installed command: main(), then a safe exit even if an engine thread
    that was given up on is still running (its teardown could crash Python)."""
    code = main()
    from voiceguide import bounded

    if bounded.ABANDONED and not bounded.wait_for_abandoned(5.0):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(entry())
