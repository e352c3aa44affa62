"""Recording an answer from the microphone through sounddevice.

A recording opens its own input stream whose callback only queues blocks; the
recording loop writes them to a WAV as they arrive (durable every 0.25 s) and
asks the Endpointer whether the answer has ended.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceguide.backends.sounddevice_io import import_sounddevice
from voiceguide.errors import BackendUnavailable, NotesError
from voiceguide.wavfile import StreamingWav

if TYPE_CHECKING:
    import numpy as np

    from voiceguide.endpoint import Endpointer
    from voiceguide.vaultstream import SealedWav  # recordings of encrypted notes

log = logging.getLogger(__name__)

INPUT_BLOCK_S = 0.1  # callback block: few wake-ups, and a fine enough endpoint
FLUSH_S = 0.25  # the WAV on disk is never more than this behind
PAUSE_CUT_S = 0.6  # a pause this long is a place to cut a long answer
SEGMENT_MIN_S = 5.0  # the shortest piece written out on its own: each piece
# costs Whisper a whole 30 s window, so pieces are few and long
ALONE_WORDS_S = 1.0  # a word or two said alone, then quiet for ALONE_QUIET_S,
ALONE_QUIET_S = 1.0  # is written out at once: it may be "done"
DEVICE_LOST_S = 2.0  # no audio for this long: the microphone has gone
POLL_S = 0.05  # how often the loop looks at ``stop`` while no audio comes
NO_MIC_HINT = "Connect a microphone, or use --answers typed"


@dataclass(frozen=True)
class Recording:
    """One recorded answer. ``reason``: silence | max | no-speech | stopped |
    device-lost; the WAV at ``path`` holds every frame received either way."""

    path: Path
    duration: float
    speech_seconds: float
    reason: str


def input_problem(device: str | None = None) -> str | None:
    """Why nothing can be recorded, or None when a microphone is there."""
    try:
        sd = import_sounddevice()
        info = sd.query_devices(device if device is not None else None, kind="input")
        if int(info["max_input_channels"]) < 1:
            return f"the sound device {info['name']!r} has no input"
    except BackendUnavailable as e:
        return e.message
    except (ValueError, Exception) as e:  # PortAudioError has no stable import path
        return f"no usable microphone ({e})"
    return None


class _Resampler:
    """Streaming int16 resampler: low-pass FIR (when going down), then linear
    interpolation, with state carried across blocks so that there are no seams."""

    TAPS = 63

    def __init__(self, src: int, dst: int) -> None:
        import numpy as np

        self._np = np
        self.src, self.dst = src, dst
        self._step = src / dst  # input samples per output sample
        self._fir: np.ndarray | None = None
        if dst < src:  # cut what would alias: a windowed sinc at 0.9 x new Nyquist
            cutoff = 0.45 * dst / src  # cycles per input sample
            n = np.arange(self.TAPS) - (self.TAPS - 1) / 2
            h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(self.TAPS)
            self._fir = h / h.sum()
        self._history = np.zeros(self.TAPS - 1)
        self._carry: np.ndarray = np.zeros(0)
        self._pos = 0.0  # next output position, in samples of [carry + block]

    def __call__(self, block: np.ndarray) -> np.ndarray:
        np = self._np
        if self.src == self.dst:
            return np.asarray(block, dtype=np.int16).reshape(-1)
        x = np.asarray(block, dtype=np.float64).reshape(-1)
        if len(x) == 0:  # np.convolve would swap its arguments
            return np.zeros(0, dtype=np.int16)
        if self._fir is not None:
            padded = np.concatenate((self._history, x))
            x = np.convolve(padded, self._fir, mode="valid")
            self._history = padded[len(padded) - (self.TAPS - 1) :]
        buf = np.concatenate((self._carry, x))
        last = len(buf) - 1
        if last < self._pos:  # not enough input yet for one more output sample
            self._carry = buf
            return np.zeros(0, dtype=np.int16)
        count = int((last - self._pos) // self._step) + 1
        t = self._pos + np.arange(count) * self._step
        y = np.interp(t, np.arange(len(buf)), buf)
        self._pos = self._pos + count * self._step - last
        self._carry = buf[last:]
        return np.clip(np.round(y), -32768, 32767).astype(np.int16)


class SoundDeviceRecorder:
    """Records one answer at a time from a microphone to a 16-bit mono WAV."""

    def __init__(
        self,
        device: str | None = None,
        rate: int = 16000,
        silence_s: float = 3.0,
        max_s: float = 300.0,
        no_speech_s: float = 20.0,
    ) -> None:
        self.device = device
        self.rate = rate
        self.silence_s, self.max_s, self.no_speech_s = silence_s, max_s, no_speech_s
        self._sd = import_sounddevice()
        self.overflows = 0  # blocks the device dropped because we were too slow

    def record(
        self,
        path: Path,
        stop: threading.Event,
        on_start: Callable[[], None] | None = None,
        on_pause: Callable[[float], None] | None = None,
    ) -> Recording:
        """Record to ``path`` until the answer ends, ``stop`` is set, or the
        microphone goes away. Raises BackendUnavailable if it cannot open.

        ``on_pause(t)`` is called at a pause in speech, with the time (seconds
        into the recording) at which the audio can be cut; the next call comes
        only after at least SEGMENT_MIN_S more. The session uses it to write out
        long answers piece by piece while the person is still talking."""
        from voiceguide.endpoint import Endpointer  # numpy: imported when used

        path = Path(path)
        endpointer = Endpointer(self.rate, self.silence_s, self.max_s, self.no_speech_s)
        if stop.is_set():  # stopped before a word: still a valid (empty) WAV
            self._create(path).close()
            return Recording(path, 0.0, 0.0, "stopped")

        blocks: queue.Queue[np.ndarray] = queue.Queue()
        self.overflows = 0
        stream, device_rate = self._open(blocks)
        resample = _Resampler(device_rate, self.rate)
        try:
            wav = self._create(path)
        except BaseException:
            self._close(stream, lost=True)
            raise
        reason = "device-lost"
        try:
            self._start(stream)
            if on_start is not None:
                on_start()
            reason = self._loop(blocks, stream, wav, resample, endpointer, stop,
                                on_pause)
        finally:
            self._close(stream, lost=reason == "device-lost")
            try:  # blocks captured before the stream stopped belong to the answer
                while not blocks.empty():
                    self._write(wav, resample(blocks.get_nowait()[:, 0]))
            finally:
                wav.close()
        if self.overflows:
            log.warning("the microphone overflowed %d times", self.overflows)
        log.info(
            "recorded %.1f s (%.1f s of speech) to %s: %s",
            wav.duration,
            endpointer.speech_seconds,
            path,
            reason,
        )
        return Recording(path, wav.duration, endpointer.speech_seconds, reason)

    def _loop(
        self,
        blocks: queue.Queue[np.ndarray],
        stream: Any,
        wav: StreamingWav | SealedWav,
        resample: _Resampler,
        endpointer: Endpointer,
        stop: threading.Event,
        on_pause: Callable[[float], None] | None = None,
    ) -> str:
        last_block = last_flush = time.monotonic()
        cut = 0.0
        while not stop.is_set():
            try:
                block = blocks.get(timeout=POLL_S)
            except queue.Empty:
                now = time.monotonic()
                if now - last_block >= DEVICE_LOST_S or not self._active(stream):
                    log.warning("no audio from the microphone: it has gone")
                    return "device-lost"
                continue
            samples = resample(block[:, 0])
            self._write(wav, samples)
            now = last_block = time.monotonic()
            if now - last_flush >= FLUSH_S:
                self._flush(wav)
                last_flush = now
            reason = endpointer.feed(samples)
            if reason is not None:
                return reason
            quiet = endpointer.quiet_since()
            # Cut at a pause after a long enough piece, or after a few words
            # said alone (they may be "done", which ends the answer).
            if (on_pause is not None and quiet is not None
                    and endpointer.seconds - quiet >= PAUSE_CUT_S
                    and quiet > cut
                    and (quiet - cut >= SEGMENT_MIN_S
                         or (endpointer.last_words_seconds() <= ALONE_WORDS_S
                             and endpointer.seconds - quiet >= ALONE_QUIET_S))):
                self._flush(wav)  # the piece must be on disk before it is read
                last_flush = now
                cut = quiet + PAUSE_CUT_S / 2
                on_pause(cut)
        return "stopped"

    def _open(self, blocks: queue.Queue[np.ndarray]) -> tuple[Any, int]:
        """An unstarted int16 mono input stream at our rate, or failing that at
        the device's own rate; returns (stream, its rate)."""
        sd = self._sd

        def callback(indata: np.ndarray, _frames: int, _time: Any, status: Any) -> None:
            if status.input_overflow:
                self.overflows += 1
            blocks.put(indata.copy())

        try:
            info = sd.query_devices(self.device, kind="input")
        except (sd.PortAudioError, ValueError) as e:
            raise self._unavailable(e) from None
        rates = [self.rate]
        if round(info["default_samplerate"]) != self.rate:
            rates.append(round(info["default_samplerate"]))
        problem: Exception | None = None
        for rate in rates:
            try:
                sd.check_input_settings(
                    self.device, channels=1, dtype="int16", samplerate=rate
                )
                stream = sd.InputStream(
                    samplerate=rate,
                    blocksize=round(rate * INPUT_BLOCK_S),
                    device=self.device,
                    channels=1,
                    dtype="int16",
                    callback=callback,
                )
            except (sd.PortAudioError, ValueError) as e:
                log.info("microphone refuses %d Hz: %s", rate, e)
                problem = e
                continue
            if rate != self.rate:
                log.info("recording at %d Hz, resampled to %d Hz", rate, self.rate)
            return stream, rate
        raise self._unavailable(problem)

    def _start(self, stream: Any) -> None:
        try:
            stream.start()
        except self._sd.PortAudioError as e:
            raise self._unavailable(e) from None

    def _unavailable(self, cause: Exception | None) -> BackendUnavailable:
        where = f" {self.device!r}" if self.device else ""
        return BackendUnavailable(
            f"the microphone{where} cannot be opened ({cause})", NO_MIC_HINT
        )

    def _active(self, stream: Any) -> bool:
        try:
            return bool(stream.active)
        except self._sd.PortAudioError:
            return False

    @staticmethod
    def _close(stream: Any, lost: bool) -> None:
        if stream.closed:
            return
        # After the device has gone, abort: stop would wait for buffers that never
        # come. ignore_errors: a vanished server makes these calls fail.
        if lost:
            stream.abort(ignore_errors=True)
        else:
            stream.stop(ignore_errors=True)
        stream.close(ignore_errors=True)

    def _create(self, path: Path) -> StreamingWav | SealedWav:
        from voiceguide.vaultstream import open_recording  # sealed if encrypted

        try:
            return open_recording(path, self.rate)
        except OSError as e:
            raise NotesError(
                f"{path}: cannot write the recording ({e.strerror or e})",
                "Check that the notes folder exists, is writable, and the disk "
                "has space.",
            ) from None

    @staticmethod
    def _write(wav: StreamingWav | SealedWav, samples: np.ndarray) -> None:
        try:
            wav.append(samples.astype("<i2").tobytes())
        except OSError as e:
            raise NotesError(
                f"{wav.path}: the recording could not be written ({e.strerror or e})",
                "Check that the disk has space; what was said so far is in the file.",
            ) from None

    @staticmethod
    def _flush(wav: StreamingWav | SealedWav) -> None:
        try:
            wav.flush()
        except OSError as e:
            raise NotesError(
                f"{wav.path}: the recording could not be saved ({e.strerror or e})",
                "Check that the disk has space; what was said so far is in the file.",
            ) from None
