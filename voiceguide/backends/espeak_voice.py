"""Speech out through the espeak-ng program, on Linux.

pyttsx3 2.99's espeak driver was measured unreliable here: in 16 fresh runs
asking for 110 wpm, 15 came out at another rate, and some utterances came back
empty (its espeak runs asynchronously and its command queue races it). The
espeak-ng program, given the voice and rate on each call, gave the requested
rate every time. pyttsx3 stays the engine on Windows and macOS.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave

from voiceguide.audio import AudioClip
from voiceguide.backends.base import VoiceInfo, match_voice
from voiceguide.backends.pyttsx3_voice import SYNTH_TIMEOUT_S
from voiceguide.errors import APT_AUDIO, BackendUnavailable, VoiceGuideError

DEFAULT_VOICE = "gmw/en"


def binary() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


def list_voices() -> list[VoiceInfo]:
    exe = binary()
    if exe is None:
        raise BackendUnavailable(
            "espeak-ng is not installed", f"Install it: {APT_AUDIO}"
        )
    out = subprocess.run(
        [exe, "--voices"], capture_output=True, text=True, timeout=SYNTH_TIMEOUT_S
    ).stdout
    voices = []
    for line in out.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 5:  # Pty Language Age/Gender VoiceName File ...
            gender = {"M": "male", "F": "female"}.get(cols[2][-1:], "")
            voices.append(
                VoiceInfo(
                    cols[4].lower(), cols[3].replace("_", " "), (cols[1],), gender
                )
            )
    return voices


class EspeakVoice:
    """One espeak-ng process per utterance (about 30 ms), rate and voice each time."""

    # What a voice becomes with each of espeak-ng's variants that the
    # session's "voice" command offers: as it is, and a female variant.
    VARIANTS = (("", ""), ("+f2", ", female"))

    def __init__(self, voice: str | None = None, rate_wpm: int = 150) -> None:
        exe = binary()
        if exe is None:
            raise BackendUnavailable(
                "espeak-ng is not installed", f"Install it: {APT_AUDIO}"
            )
        self.exe = exe
        self.rate_wpm = rate_wpm
        self.name = DEFAULT_VOICE
        if voice:
            self.set_voice(voice)

    def set_voice(self, voice: str) -> None:
        self.name = match_voice(list_voices(), voice)

    def voices(self) -> list[VoiceInfo]:
        return list_voices()

    def synthesize(self, text: str) -> AudioClip:
        # The audio comes back through a pipe, never a file: what is said (a
        # note read aloud, perhaps an encrypted one) does not touch the disk.
        try:
            p = subprocess.run(
                [self.exe, "-v", self.name, "-s", str(self.rate_wpm), "--stdout"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=SYNTH_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            raise VoiceGuideError(
                f"speech synthesis took over {SYNTH_TIMEOUT_S:.0f} s",
                "Run 'voiceguide doctor' to check the speech engine.",
            ) from None
        try:
            if p.returncode != 0:
                raise wave.Error(p.stderr.decode(errors="replace").strip())
            # espeak-ng streams: its header's sizes are placeholders, so the
            # frames are all that follow the header, whatever it says.
            with wave.open(io.BytesIO(p.stdout), "rb") as w:
                rate, width = w.getframerate(), w.getsampwidth()
                pcm = w.readframes(w.getnframes())
            if width != 2 or not pcm:
                raise wave.Error("no 16-bit audio came back")
        except (wave.Error, EOFError) as e:
            raise VoiceGuideError(
                f"espeak-ng failed: {e}",
                "Run 'voiceguide doctor' to check the speech engine.",
            ) from None
        return AudioClip(pcm[: len(pcm) // 2 * 2], rate)

    def close(self) -> None:
        pass  # nothing held between utterances
