"""Putting a session together from settings: speaker, voice, keyboard, microphone.

Each part that cannot be had is said once, in one line, and the session goes on
without it (text instead of sound, typing instead of speaking). Everything is
passed to the Session as plain objects; nothing here prints (``say`` does).
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceguide.config import Paths, Settings
from voiceguide.controls import Controls
from voiceguide.errors import BackendUnavailable, BadInput
from voiceguide.notes import NoteBook
from voiceguide.pacing import RealClock, Timeline, VirtualClock
from voiceguide.program import Program
from voiceguide.session import Listening, Session
from voiceguide.speech import SpeechCache

NOT_THERAPY = (
    "A word before we begin. voiceguide is a self-help companion. It is "
    "not therapy, and not a crisis service. If you are ever in danger, "
    "please contact your local emergency services."
)
KEYS_FIRST = ("You can use single keys: space pauses, s stops, r repeats, and the "
              "question mark tells you every key.")
VOICE_FIRST = ("You can also say: stop, pause, repeat, skip, back, or help, on its "
               "own, between my words.")


@dataclass
class Parts:
    """A session and what must be released after it."""

    session: Session
    player: Any = None
    render_to: Path | None = None
    welcomed: Path | None = None  # touched after a first run
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()


def voice_factory(settings: Settings) -> Callable[[], Any]:
    def make() -> Any:
        from voiceguide.backends.voices import open_voice

        return open_voice(settings.voice, settings.rate)

    return make


def open_player(settings: Settings, say: Callable[[str], None]) -> Any:
    """The speaker, or None after saying once why there is no sound."""
    from voiceguide.backends.sounddevice_io import SoundDevicePlayer

    try:
        return SoundDevicePlayer(settings.output_device, settings.volume)
    except BackendUnavailable as e:
        say(f"No sound: {e.message}. Carrying on as text. Fix: {e.hint}")
        return None


def keyboard(controls: Controls) -> Any:
    """Single keys and typed lines from a terminal; lines alone from a pipe."""
    from voiceguide.terminal import TerminalInput

    return TerminalInput(sys.stdin, on_command=controls.send).start()


def listening(settings: Settings, paths: Paths, lines: Any, keys: bool,
              say: Callable[[str], None]) -> Listening | None:
    """The microphone and transcriber for spoken answers, or None (and why)."""
    from voiceguide.backends.sounddevice_io import SoundDeviceRecorder, input_problem

    problem = input_problem(settings.input_device)
    if problem:
        say(f"No microphone: {problem}. Taking typed answers instead. Fix: connect "
            "a microphone or headset, and check 'voiceguide devices'.")
        return None
    recorder = SoundDeviceRecorder(settings.input_device,
                                   silence_s=settings.answer_silence,
                                   max_s=settings.answer_max)

    def make_transcriber() -> Any:
        from voiceguide import transcription

        return transcription.choose(paths.data_dir, settings.engine)

    def enter(stop: threading.Event, done: threading.Event) -> None:
        if keys:
            return  # a terminal sends Enter as a command, which ends the answer

        def watch() -> None:  # from a pipe: any line ends the answer
            while not done.is_set():
                try:
                    line = lines.get(timeout=0.1)
                except queue.Empty:
                    continue
                if line is not None:
                    stop.set()
                return

        threading.Thread(target=watch, daemon=True, name="enter").start()

    return Listening(recorder, make_transcriber, enter)


def build(program: Program, settings: Settings, paths: Paths,
          say: Callable[[str], None], render: str | None = None,
          keep_note: bool = True) -> Parts:
    """``keep_note=False``: nothing is written (reading a note aloud)."""
    make_voice = voice_factory(settings)
    if render:
        from voiceguide.backends.render import RenderPlayer

        render_to = Path(render).expanduser()
        if not render_to.parent.is_dir():
            raise BadInput(f"{render_to.parent}: no such folder",
                           "Give --render a path in an existing folder.")
        voice = make_voice()  # fail now, clearly, rather than render silence
        clock = VirtualClock()
        renderer = RenderPlayer(clock, settings.volume)
        session = Session(program, Timeline(clock, settings.pace), say,
                          SpeechCache(lambda: voice), renderer, use_cues=settings.cues)
        return Parts(session, renderer, render_to)

    notebook = None
    if keep_note:
        notebook = NoteBook(settings.notes_dir or paths.default_notes_dir)
        notebook.check_writable()
    welcomed = paths.state_dir / "welcomed"
    intro = [] if welcomed.exists() or not keep_note else [NOT_THERAPY]
    controls = Controls()
    parts_closers: list[Callable[[], None]] = []
    lines = keyboard(controls)
    keys = bool(getattr(lines, "keys", False))
    if hasattr(lines, "close"):
        parts_closers.append(lines.close)
    if keys and intro:
        intro.append(KEYS_FIRST)
    from voiceguide.backends.text import TypedAnswers

    taking = settings.answers if keep_note else "off"
    answers = None if taking == "off" else TypedAnswers(lines)
    heard = listening(settings, paths, lines, keys, say) if taking == "voice" else None
    player, speech = None, None
    if not settings.silent:
        player = open_player(settings, say)
        if player is not None:
            speech = SpeechCache(make_voice)
    session = Session(program, Timeline(RealClock(), settings.pace), say, speech,
                      player, answers, notebook, settings.cues, intro, heard,
                      controls)
    if settings.voice_commands:
        commands = command_listener(settings, paths, session, player, controls, say)
        if commands is not None:
            parts_closers.append(commands.close)
            if intro:
                intro.append(VOICE_FIRST)
    return Parts(session, player, None, welcomed, parts_closers)


def command_listener(settings: Settings, paths: Paths, session: Session,
                     player: Any, controls: Controls,
                     say: Callable[[str], None]) -> Any:
    """Spoken commands, when the microphone and the Whisper model are there."""
    from voiceguide import models
    from voiceguide.listener import CommandListener

    model = models.model_path("whisper-base", paths.data_dir)
    if model is None:
        say("Voice commands need the Whisper model; until it is installed, use the "
            "keys. Fix: voiceguide models install whisper-base")
        return None
    try:
        from voiceguide.voicecommands import CommandRecognizer
    except ImportError:  # an install without the command recognizer
        say("Voice commands are not available in this version; the keys work.")
        return None
    recognizer = CommandRecognizer(model)
    threading.Thread(target=recognizer.load, daemon=True, name="commands-load").start()

    def may_listen() -> bool:
        if session.answering:
            return False  # the answer's own words are not commands
        busy = getattr(player, "busy", None)
        return settings.headset or busy is None or not busy()

    try:
        return CommandListener(recognizer.recognize, controls.send, may_listen,
                               settings.input_device).start()
    except BackendUnavailable as e:
        say(f"Voice commands are off: {e.message}. The keys still work.")
        return None


def mark_welcomed(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        marker.touch()
    except OSError:
        pass  # the welcome is said again next time; nothing else depends on it
