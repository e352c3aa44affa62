"""Audio out and device listing through sounddevice (recording: recorder.py).

One output stream stays open for the whole session; clips are mixed into it
by the stream's callback, so a clip starts within one block (about 12 ms) of
``play`` and everything can be silenced at once by ``stop``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voiceguide.audio import AudioClip
from voiceguide.errors import APT_AUDIO, BackendUnavailable

if TYPE_CHECKING:
    import numpy as np


log = logging.getLogger(__name__)

RATE = 22050  # espeak-ng's native rate; cues are made at it too
BLOCK = 256  # frames per callback: about 11.6 ms
OPEN_TIMEOUT_S = 10.0


def import_sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio into a clear error."""
    try:
        import sounddevice as sd
    except ImportError:
        raise BackendUnavailable(
            "the audio library sounddevice is not installed",
            "Run ./scripts/setup, or: pip install sounddevice",
        ) from None
    except OSError as e:  # raised when the PortAudio library itself is missing
        raise BackendUnavailable(
            f"PortAudio is missing ({e})", f"Install it: {APT_AUDIO}"
        ) from None
    return sd


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    inputs: int
    outputs: int
    default_in: bool
    default_out: bool


def devices() -> list[Device]:
    sd = import_sounddevice()
    try:
        raw = sd.query_devices()
        d_in, d_out = sd.default.device
    except sd.PortAudioError as e:
        raise BackendUnavailable(
            f"audio devices cannot be listed ({e})",
            "Check that a sound server (PulseAudio or PipeWire) is running.",
        ) from None
    return [
        Device(
            i,
            str(d["name"]),
            int(d["max_input_channels"]),
            int(d["max_output_channels"]),
            i == d_in,
            i == d_out,
        )
        for i, d in enumerate(raw)
    ]


def output_problem(device: str | None = None) -> str | None:
    """Why no sound can be played, or None when an output device is there."""
    try:
        sd = import_sounddevice()
        sd.query_devices(device if device is not None else None, kind="output")
    except BackendUnavailable as e:
        return e.message
    except (ValueError, Exception) as e:  # PortAudioError has no stable import path
        return f"no usable sound output ({e})"
    return None


class SoundDevicePlayer:
    """Mixes clips into one open output stream."""

    def __init__(self, device: str | None = None, volume: float = 0.9) -> None:
        self.volume = volume
        self._sd = import_sounddevice()
        import numpy as np

        self._np = np
        self._lock = threading.Lock()
        self._active: list[list[Any]] = []  # [samples, position]
        self._idle = threading.Event()
        self._idle.set()
        self.frames_played = 0
        self._gain = 1.0  # below 1 while ducked under the person's voice
        self._ducked = False
        try:
            self._stream = self._sd.OutputStream(
                samplerate=RATE,
                channels=1,
                dtype="float32",
                blocksize=BLOCK,
                latency="low",
                device=device,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as e:  # PortAudioError or ValueError for a bad device
            raise BackendUnavailable(
                f"no usable sound output ({e})",
                "Check 'voiceguide devices', or use --silent for text only.",
            ) from None

    def _callback(self, out: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status:
            log.debug("output status: %s", status)
        out.fill(0)
        with self._lock:
            keep = []
            for item in self._active:
                samples, pos = item
                n = min(frames, len(samples) - pos)
                out[:n, 0] += samples[pos : pos + n]
                item[1] = pos + n
                if item[1] < len(samples):
                    keep.append(item)
            self._active = keep
            if not keep:
                self._idle.set()
        target = 0.0 if self._ducked else 1.0
        if target != self._gain:  # one block's ramp: no click
            ramp = self._np.linspace(self._gain, target, frames, dtype="float32")
            out[:, 0] *= ramp
            self._gain = target
        elif target == 0.0:
            out.fill(0)
        if self.volume != 1.0:
            out *= self.volume
        self._np.clip(out, -1.0, 1.0, out=out)
        self.frames_played += frames

    def play(self, clip: AudioClip) -> None:
        samples = clip.resampled(RATE).samples()
        with self._lock:
            self._active.append([samples, 0])
            self._idle.clear()

    def stop(self) -> None:
        with self._lock:
            self._active = []
            self._idle.set()

    def duck(self, on: bool) -> None:
        """Go quiet at once while the person speaks over the guide (headset),
        and come back after; what plays meanwhile goes on unheard, so the
        timing of the session is untouched."""
        self._ducked = on

    def busy(self) -> bool:
        """Whether anything is sounding now."""
        return not self._idle.is_set()

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def close(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        except Exception as e:  # closing a stream whose server vanished
            log.debug("closing output stream: %s", e)
