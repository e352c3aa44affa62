"""User-facing errors. Each carries what failed and what to do about it.

Only ``cli.py`` turns these into printed lines and exit codes.
"""

from __future__ import annotations


class VoiceGuideError(Exception):
    """Something failed; ``hint`` says what the person can do about it."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class BadInput(VoiceGuideError):
    """Bad usage or a bad input file (exit code 2)."""

    exit_code = 2


class ProgramError(BadInput):
    """A program file that cannot be used, with the place of the problem."""

    def __init__(self, path: str, line: int | None, message: str, hint: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}", hint)
        self.path = path
        self.line = line


class BackendUnavailable(VoiceGuideError):
    """An engine or device cannot be used on this machine."""


class NotesError(VoiceGuideError):
    """The notes folder or a note cannot be read or written (a bad input path)."""

    exit_code = 2


APT_AUDIO = (
    "sudo apt-get install espeak-ng libportaudio2 alsa-utils pulseaudio "
    "libasound2-plugins"
)
