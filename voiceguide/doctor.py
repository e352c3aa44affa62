"""What works on this machine and what is missing, each with its fix."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass

from voiceguide.config import Paths, Settings
from voiceguide.errors import APT_AUDIO, VoiceGuideError


@dataclass(frozen=True)
class Check:
    what: str
    ok: bool
    fix: str = ""
    essential: bool = True  # False: voiceguide works without it


def _speech() -> Check:
    if importlib.util.find_spec("pyttsx3") is None:
        return Check("speech output (pyttsx3)", False, "Run ./scripts/setup")
    try:
        from voiceguide.backends.voices import open_voice

        voice = open_voice(None, 150)
        clip = voice.synthesize("test")
        getattr(voice, "close", lambda: None)()
    except VoiceGuideError as e:
        return Check(f"speech output: {e.message}", False, e.hint)
    return Check(
        f"speech output: {type(voice).__name__} voice {voice.name}, {clip.rate} Hz",
        clip.frames > 0,
    )


def _sound_out(settings: Settings) -> Check:
    from voiceguide.backends.sounddevice_io import output_problem

    problem = output_problem(settings.output_device)
    if problem:
        return Check(
            f"sound output: {problem}",
            False,
            "Start a sound server or connect a speaker; until then "
            "voiceguide runs as text (--silent).",
            essential=False,
        )
    return Check("sound output: a playback device is there", True)


def _sound_in(settings: Settings) -> Check:
    from voiceguide.backends.sounddevice_io import import_sounddevice

    try:
        sd = import_sounddevice()
        sd.query_devices(settings.input_device, kind="input")
    except VoiceGuideError as e:
        return Check(f"microphone: {e.message}", False, e.hint, essential=False)
    except Exception as e:  # PortAudioError / ValueError
        return Check(
            f"microphone: none usable ({e})",
            False,
            "Connect a microphone or headset; typed answers work without.",
            essential=False,
        )
    return Check("microphone: an input device is there", True)


def _notes(settings: Settings, paths: Paths) -> Check:
    from voiceguide.notes import NoteBook

    folder = settings.notes_dir or paths.default_notes_dir
    try:
        NoteBook(folder).check_writable()
    except VoiceGuideError as e:
        return Check(f"notes folder: {e.message}", False, e.hint)
    return Check(f"notes folder: {folder} is writable", True)


def _cues() -> Check:
    from voiceguide.cues import cue_dir
    from voiceguide.vocab import CUES

    missing = [c for c in CUES if not (cue_dir() / f"{c}.wav").is_file()]
    return Check(
        f"cue sounds in {cue_dir()}"
        + (f": missing {', '.join(missing)}" if missing else ""),
        not missing,
        "Reinstall voiceguide, or run: python scripts/make_cues",
    )


def _transcription(paths: Paths) -> list[Check]:
    try:
        from voiceguide import transcription
    except ImportError:
        return [
            Check("transcription: not part of this version", False, essential=False)
        ]
    lines = transcription.describe(paths.data_dir)
    best = lines[0].startswith("Transcription: Whisper")
    return [
        Check(
            lines[0],
            best,
            "\n    ".join(lines[1:]) if not best else "",
            essential=False,
        ),
        *(Check(x, True) for x in lines[1:] if best),
    ]


def checks(settings: Settings, paths: Paths) -> list[Check]:
    out = [
        Check(
            f"Python {sys.version.split()[0]}",
            sys.version_info >= (3, 11),
            "Install Python 3.11 or newer",
        )
    ]
    espeak = shutil.which("espeak-ng") or shutil.which("espeak")
    if sys.platform.startswith("linux"):
        out.append(
            Check(
                f"espeak-ng: {espeak or 'not found'}",
                bool(espeak),
                f"Install it: {APT_AUDIO}",
            )
        )
    out += [
        _speech(),
        _sound_out(settings),
        _sound_in(settings),
        _cues(),
        _notes(settings, paths),
        *_transcription(paths),
        _commands(settings, paths),
    ]
    return out


def _commands(settings: Settings, paths: Paths) -> Check:
    """Spoken commands: on or off, and whether they are taught in the person's
    voice (a file that cannot be used is a note with the fix)."""
    from voiceguide import taught
    from voiceguide.errors import BadInput

    state = "on" if settings.voice_commands else "off"
    try:
        takes = taught.load(taught.path_in(paths.data_dir), taught.MODEL)
    except BadInput as e:
        return Check(f"spoken commands: {state}; {e.message}", False, e.hint,
                     essential=False)
    taught_here = len({t.phrase for t in takes})
    mine = (f"{taught_here} taught in your voice" if taught_here else
            "none taught in your voice ('voiceguide commands teach')")
    return Check(f"spoken commands: {state}; {mine}", True, essential=False)
