"""Putting a session together from settings: speaker, voice, keyboard, microphone.

Each part that cannot be had is said once, in one line, and the session goes on
without it (text instead of sound, typing instead of speaking). Everything is
passed to the Session as plain objects; nothing here prints (``say`` does).
"""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceguide import checkin, support
from voiceguide.config import Paths, Settings
from voiceguide.controls import Controls
from voiceguide.errors import BackendUnavailable, BadInput, VoiceGuideError
from voiceguide.notes import NoteBook
from voiceguide.pacing import RealClock, Timeline, VirtualClock
from voiceguide.program import Program
from voiceguide.session import Listening, Session
from voiceguide.speech import SpeechCache

NOT_THERAPY = (
    "A word before we begin. voiceguide is a self-help tool. It is "
    "not therapy, and not a crisis service. If you are ever in danger, "
    "please contact your local emergency services."
)
KEYS_FIRST = ("You can use single keys: space pauses, s stops, r repeats, the "
              "exclamation mark is there if you need help, and the question mark "
              "tells you every key.")
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
    from voiceguide.backends.recorder import SoundDeviceRecorder, input_problem

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

    replies = SoundDeviceRecorder(settings.input_device,
                                  silence_s=checkin.REPLY_SILENCE_S,
                                  max_s=checkin.REPLY_MAX_S,
                                  no_speech_s=checkin.WAIT_S)
    return Listening(recorder, make_transcriber, enter, replies)


def typing_possible() -> bool:
    """Whether typed lines could ever come: not from /dev/null (a service,
    a script), which can answer nothing, so nothing is asked of it."""
    try:
        fd = sys.stdin.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError, AttributeError):  # a test's StringIO, or none
        return sys.stdin is not None
    return not (stat.S_ISCHR(mode) and not os.isatty(fd))


def ratings(program: Program, settings: Settings, paths: Paths, lines: Any,
            keys: bool, voice: bool) -> checkin.Replies | None:
    """How check-in ratings can be answered, or None when none are asked."""
    if not checkin.wanted(program.kind, program.checkins, settings.checkins):
        return None
    recognize = reply_recognizer(paths) if voice else None
    if keys:
        return checkin.Replies(keys=True, digits=getattr(lines, "rating_keys", None),
                               recognize=recognize)
    if voice or typing_possible():
        return checkin.Replies(lines=lines, recognize=recognize)
    return None


def reply_recognizer(paths: Paths) -> Callable[[Any], str] | None:
    """Whisper's short, bounded decoding (the voice commands' own) for a one-word
    reply: about 0.75 s a word here, against 3.5 s for the answer transcriber.
    None without the Whisper model: the answer transcriber is used then."""
    from voiceguide import models
    from voiceguide.backends import whisper_stt

    model = models.model_path("whisper-base", paths.data_dir)
    if model is None or not whisper_stt.available():
        return None
    try:
        from voiceguide.voicecommands import CommandRecognizer
    except ImportError:  # an install without the command recognizer
        return None
    from voiceguide.commandwords import first_phrases, match

    recognizer = CommandRecognizer(model, takes=taught_takes(paths, None))
    said = first_phrases()

    def load() -> None:  # now, while the question is said
        with contextlib.suppress(VoiceGuideError):  # said at the first reply
            recognizer.load()

    def recognize(clip: Any) -> str:
        """The words heard; a command that only the closed vocabulary found
        ("exit" heard as "Egg lit") comes back as its phrase, so that stop,
        repeat and the rest work in replies as they do in a session."""
        heard = recognizer.hear(clip)
        if heard.command is not None and match(heard.text) is None:
            return said[heard.command]
        return heard.text

    threading.Thread(target=load, daemon=True, name="replies-load").start()
    return recognize


def settings_keeper(settings: Settings, paths: Paths
                    ) -> Callable[[int, float | None, float, str | None], str]:
    """The "keep" command: this session's speed, loudness, pauses and voice
    (when changed) become the lasting settings (config.toml, its comments
    kept)."""
    from voiceguide.config import save_setting

    def keep(rate_change: int, volume: float | None, pace: float,
             voice: str | None) -> str:
        rate = max(80, min(320, settings.rate + rate_change))
        try:
            save_setting(paths.config_file, "rate", str(rate))
            if volume is not None:
                save_setting(paths.config_file, "volume", f"{volume:.2f}")
            save_setting(paths.config_file, "pace", f"{pace:.2f}")
            if voice is not None:
                save_setting(paths.config_file, "voice", voice)
        except OSError as e:
            raise VoiceGuideError(f"{paths.config_file}: {e.strerror or e}",
                                  "Check that folder's permissions.") from None
        loud = f", loudness {round(volume * 100)} percent" if volume is not None else ""
        also = ", and this voice" if voice is not None else ""
        return (f"Kept for next time: speed {rate} words a minute{loud}, "
                f"pauses times {pace:.2g}{also}.")

    return keep


def contacts(paths: Paths, say: Callable[[str], None]
             ) -> tuple[support.Contact, ...] | None:
    """The person's support contacts; None (said once) when unreadable."""
    try:
        return tuple(support.load(support.path_in(paths.data_dir)))
    except BadInput as e:
        say(f"Your support contacts could not be read: {e.message}. Run "
            "'voiceguide support' to see how to fix it.")
        return None


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
    parts_closers: list[Callable[[], None]] = []
    if keep_note:
        notebook = NoteBook(settings.notes_dir or paths.default_notes_dir)
        notebook.check_writable()
        from voiceguide.folderlock import hold_shared

        # Encrypting or decrypting the notes waits until the session ends.
        parts_closers.append(hold_shared(notebook.root))
    welcomed = paths.state_dir / "welcomed"
    intro = [] if welcomed.exists() or not keep_note else [NOT_THERAPY]
    controls = Controls()
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
    asks = ratings(program, settings, paths, lines, keys, heard is not None) \
        if keep_note else None
    session = Session(program, Timeline(RealClock(), settings.pace), say, speech,
                      player, answers, notebook, settings.cues, intro, heard,
                      controls, ratings=asks, contacts=contacts(paths, say),
                      keep_settings=settings_keeper(settings, paths) if keep_note
                      else None)
    if settings.voice_commands:
        commands = command_listener(settings, paths, session, player, controls, say)
        if commands is not None:
            parts_closers.append(commands.close)
            session.voice_commands = True
            if intro:
                intro.append(VOICE_FIRST)
    # Only a session that could have said the welcome counts as its first run.
    return Parts(session, player, None, welcomed if keep_note else None,
                 parts_closers)


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
    recognizer = CommandRecognizer(model, takes=taught_takes(paths, say))
    threading.Thread(target=recognizer.load, daemon=True, name="commands-load").start()

    def may_listen() -> bool:
        if session.answering:
            return False  # the answer's own words are not commands
        busy = getattr(player, "busy", None)
        return settings.headset or busy is None or not busy()

    try:
        # With a headset the guide goes quiet as soon as the person speaks,
        # and comes back if it was not a command: "stop" is heard at once.
        duck = getattr(player, "duck", None) if settings.headset else None
        return CommandListener(recognizer.recognize, controls.send, may_listen,
                               settings.input_device, on_speech=duck).start()
    except BackendUnavailable as e:
        say(f"Voice commands are off: {e.message}. The keys still work.")
        return None


def taught_takes(paths: Paths, say: Callable[[str], None] | None) -> list[Any]:
    """The commands taught in the person's voice ('voiceguide commands
    teach'); [] when none, or (said, when ``say``) when they cannot be read."""
    from voiceguide import taught

    try:
        return taught.load(taught.path_in(paths.data_dir), taught.MODEL)
    except BadInput as e:
        if say is not None:
            say(f"Your taught commands are not used: {e.message}. Fix: {e.hint}")
        return []


def mark_welcomed(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        marker.touch()
    except OSError:
        pass  # the welcome is said again next time; nothing else depends on it
