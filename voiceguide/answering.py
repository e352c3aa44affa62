"""A spoken answer inside a Session: record it to disk, keep the note pointing
at it, hand it to the background transcriber, piece by piece."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from voiceguide.controls import ENDS_ANSWER
from voiceguide.errors import BackendUnavailable, VoiceGuideError
from voiceguide.notes import Answer, now
from voiceguide.transcribing import Job
from voiceguide.vaultstream import open_recording

if TYPE_CHECKING:
    from voiceguide.program import Prompt
    from voiceguide.session import Session

SPOKEN_HOW = (
    "After the tone, say your answer. Take your time; pauses are fine. "
    "A longer quiet, or the Enter key, ends it."
)
# After an answer while the disk refuses the note: never "Saved." then.
NOT_SAVED = "Kept, but not saved yet."


def spoken(s: Session, step: Prompt) -> bool:
    """Record an answer to disk, then hand it to the background transcriber.

    False when the microphone could not be opened (the caller types instead).
    """
    assert s.listening is not None and s.keeper is not None
    note = s.keeper.note
    if note.path is None:
        raise VoiceGuideError(
            "spoken answers need a notes folder",
            "Use --answers typed, or give --notes-dir DIR.",
        )
    if not s._told_spoken:
        s._told_spoken = True
        s.speak(SPOKEN_HOW)
    folder = note.path.parent / note.path.stem
    s._recordings += 1
    audio = folder / f"{s._recordings:02d}.wav"
    relative = f"{note.path.stem}/{audio.name}"
    # The note points at the recording before a word is said: a kill
    # mid-answer leaves both, and 'notes retranscribe' finishes the job.
    # A valid (empty) recording exists before the note names it.
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        open_recording(audio).close()  # sealed when the notes are
    except OSError as e:
        raise VoiceGuideError(
            f"cannot write the recording {audio} ({e.strerror or e})",
            "Free some disk space, or check the notes folder's permissions.",
        ) from None
    index = s.keeper.add(
        Answer(step.text, now(), "", mode="spoken", audio=relative, pending=True)
    )
    s.timeline.hold(s._cue("your-turn"))
    s.show("Listening...")
    stop, done = threading.Event(), threading.Event()
    s.listening.enter(stop, done)

    def end_answer(name: str) -> None:
        if name in ENDS_ANSWER:
            stop.set()

    if s.controls:
        s.controls.add_hook(end_answer)
    assert s.writer is not None
    s.writer.recording(index, stop)
    parts = [0.0]  # where each piece of the answer starts

    def piece(cut: float) -> None:
        """Write out what was said up to a pause, while the person goes on."""
        if s.transcriber:
            s.transcriber.submit(
                Job(index, audio, step.text, len(parts) - 1, parts[-1], cut, last=False)
            )
        parts.append(cut)

    s.answering = True
    try:
        rec = s.listening.recorder.record(audio, stop, on_pause=piece)
    except BackendUnavailable as e:
        s.keeper.remove(index)
        audio.unlink(missing_ok=True)
        s._lost_microphone(e.message)
        return False
    finally:
        s.answering = False
        done.set()
        s.writer.recording(-1, None)
        if s.controls:
            s.controls.remove_hook(end_answer)
    s.timeline.resync()
    if rec.reason == "no-speech":
        s.keeper.remove(index)
        audio.unlink(missing_ok=True)
        s.speak("I didn't hear anything, so let's go on.")
        return True
    s.keeper.update(index, answered=now())
    if s.keeper.save_failed:  # the recording is on disk; the note is not
        s.speak(NOT_SAVED)
    elif rec.reason == "max":
        s.timeline.hold(s._cue("saved"))
        s.speak("That is as long as one answer can be. What you said is saved.")
    else:
        s.timeline.hold(s._cue("saved"))
        s.show("Saved.")
    if s.transcriber:
        s.transcriber.submit(
            Job(index, audio, step.text, len(parts) - 1, parts[-1], None, last=True)
        )
    if rec.reason == "device-lost":
        s._lost_microphone("the microphone stopped sending sound")
    s._poll()  # a command that ended the answer acts now it is saved
    return True
