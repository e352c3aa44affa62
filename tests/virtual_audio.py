"""Test helpers for the private PulseAudio server of ``scripts/virtual-audio``.

The server has a virtual speaker (``vg_speaker``, the default sink; tests record
its monitor) and a virtual microphone (``vg_mic``, the default source; tests
play WAV files into ``vg_mic_feed``, which feeds it in real time).

``env`` arguments are the dict returned by :func:`start`: ``PULSE_SERVER``,
``PULSE_COOKIE``, ``PULSE_CLIENTCONFIG``, ``ALSA_CONFIG_PATH``, ``VG_AUDIO_DIR``,
``VG_SPEAKER``, ``VG_SPEAKER_MONITOR``, ``VG_MIC`` and ``VG_MIC_FEED``.
Every wait here is bounded.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
import time
import wave
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "virtual-audio"
# Installing these makes the harness work (Debian 12).
APT_PACKAGES = "pulseaudio pulseaudio-utils libasound2-plugins libportaudio2"
MAX_SOCKET_PATH = 107  # sun_path is 108 bytes including the trailing NUL

_START_TIMEOUT_S = 30.0
_STREAM_WAIT_S = 5.0
_WINDOW_S = 0.01


def socket_path(audio_dir: str | os.PathLike[str]) -> str:
    """The server socket ``scripts/virtual-audio`` creates for ``audio_dir``."""
    return os.path.join(os.fspath(audio_dir), "pulse", "native")


def _run_script(
    args: list[str], audio_dir: str | os.PathLike[str]
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VG_AUDIO_DIR": os.fspath(audio_dir)}
    proc = subprocess.run(
        [str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=_START_TIMEOUT_S,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{SCRIPT.name} {' '.join(args)} failed ({proc.returncode}) "
            f"for {audio_dir}:\n{proc.stderr.strip()}"
        )
    return proc


def parse_exports(text: str) -> dict[str, str]:
    """``export NAME=value`` lines (shell-quoted values) -> ``{NAME: value}``."""
    env: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, _, value = words[1].partition("=")
            env[name] = value
    return env


def start(audio_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Start (or reuse) the server in ``audio_dir``; return the client env."""
    env = parse_exports(_run_script(["start"], audio_dir).stdout)
    if "PULSE_SERVER" not in env:
        raise RuntimeError(f"{SCRIPT.name} start printed no PULSE_SERVER export")
    return env


def stop(audio_dir: str | os.PathLike[str], purge: bool = True) -> None:
    """Stop the server in ``audio_dir``; ``purge`` also deletes the directory."""
    _run_script(["stop", "--purge"] if purge else ["stop"], audio_dir)


def rescan_portaudio() -> None:
    """Make PortAudio re-read the env and list devices again.

    PortAudio scans devices once, when sounddevice is imported; terminating
    also drops ALSA's config cache, so ``ALSA_CONFIG_PATH`` is read again.
    """
    import sounddevice as sd

    sd._terminate()
    sd._initialize()


def _client_env(env: Mapping[str, str]) -> dict[str, str]:
    return {**os.environ, **env}


def _stream_connected(pid: int, env: Mapping[str, str]) -> bool:
    out = subprocess.run(
        ["pactl", "list", "source-outputs"],
        env=_client_env(env),
        capture_output=True,
        text=True,
        timeout=5,
    ).stdout
    return f'application.process.id = "{pid}"' in out


@contextmanager
def capture_speaker(
    path: str | os.PathLike[str], env: Mapping[str, str], rate: int = 16000
) -> Iterator[Path]:
    """Record everything played to the virtual speaker into a mono WAV at ``path``.

    The block runs only once parecord's stream is connected, so nothing played
    inside it is lost; 0.2 s after the block the recording stops.
    """
    out = Path(path)
    # --latency-msec=20: the default buffers up to 2 s, which SIGINT throws away.
    cmd = [
        "parecord",
        "--latency-msec=20",
        "-d",
        env["VG_SPEAKER_MONITOR"],
        f"--rate={rate}",
        "--channels=1",
        "--file-format=wav",
        str(out),
    ]
    proc = subprocess.Popen(
        cmd,
        env=_client_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + _STREAM_WAIT_S
        while not _stream_connected(proc.pid, env):
            if proc.poll() is not None:
                raise RuntimeError(f"parecord exited early: {proc.communicate()[1]}")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"parecord's stream did not connect within {_STREAM_WAIT_S} s"
                )
            time.sleep(0.02)
        yield out
        time.sleep(0.2)  # let the last 20 ms blocks of audio arrive
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # parecord finalises the WAV header
        try:
            _, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=5)
            raise RuntimeError("parecord ignored SIGINT for 5 s; killed it") from None
    if proc.returncode not in (0, -signal.SIGINT):
        raise RuntimeError(f"parecord failed ({proc.returncode}): {err.strip()}")


def wav_duration(path: str | os.PathLike[str]) -> float:
    """Length of a PCM WAV file in seconds."""
    with wave.open(os.fspath(path), "rb") as w:
        return w.getnframes() / w.getframerate()


class MicFeed(threading.Thread):
    """Plays a WAV into the virtual microphone. ``join()`` re-raises a failure,
    and raises TimeoutError if the feed still runs after its timeout."""

    def __init__(self, wav_path: Path, env: Mapping[str, str], delay: float) -> None:
        super().__init__(name=f"mic-feed {wav_path.name}", daemon=True)
        self.wav_path, self.env, self.delay = wav_path, dict(env), delay
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            time.sleep(self.delay)  # give the recorder time to start
            timeout = wav_duration(self.wav_path) + 10.0
            proc = subprocess.run(
                ["paplay", "-d", self.env["VG_MIC_FEED"], str(self.wav_path)],
                env=_client_env(self.env),
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"paplay failed ({proc.returncode}): {proc.stderr}")
        except BaseException as exc:
            self.error = exc

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.is_alive():
            raise TimeoutError(f"feeding {self.wav_path} still runs after {timeout} s")
        if self.error is not None:
            raise RuntimeError(f"feeding {self.wav_path} failed") from self.error


def feed_mic(
    wav_path: str | os.PathLike[str], env: Mapping[str, str], delay: float = 0.3
) -> threading.Thread:
    """Play ``wav_path`` into the virtual mic in real time, after ``delay`` s.

    Returns the running daemon thread (a :class:`MicFeed`); ``join(timeout)``
    re-raises a paplay failure or raises TimeoutError.
    """
    feeder = MicFeed(Path(wav_path), env, delay)
    feeder.start()
    return feeder


# ---- analysis --------------------------------------------------------------


def read_wav_float(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Read a PCM WAV (8/16/32-bit) as mono float32 in [-1, 1] and its rate."""
    with wave.open(os.fspath(path), "rb") as w:
        width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
        raw = w.readframes(w.getnframes())
    if width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width in (2, 4):
        dtype = np.dtype(f"<i{width}")
        x = np.frombuffer(raw, dtype).astype(np.float32) / float(2 ** (8 * width - 1))
    else:
        raise ValueError(f"{path}: unsupported sample width {width} bytes")
    return x.reshape(-1, channels).mean(axis=1).astype(np.float32), rate


def _rms_envelope(x: np.ndarray, rate: int) -> tuple[np.ndarray, float]:
    hop = max(1, round(rate * _WINDOW_S))
    n = len(x) // hop
    frames = np.asarray(x[: n * hop], dtype=np.float64).reshape(n, hop)
    return np.sqrt((frames**2).mean(axis=1)), hop / rate


def active_spans(
    x: np.ndarray, rate: int, threshold: float = 0.01, min_gap: float = 0.05
) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` of sound: 10 ms windows with RMS above ``threshold``;
    spans separated by less than ``min_gap`` s of quiet are merged."""
    env, step = _rms_envelope(x, rate)
    spans: list[tuple[float, float]] = []
    for i in np.flatnonzero(env > threshold).tolist():
        start, end = round(i * step, 6), round((i + 1) * step, 6)
        if spans and start - spans[-1][1] < min_gap - 1e-9:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def onsets(
    x: np.ndarray, rate: int, threshold: float = 0.01, min_gap: float = 0.05
) -> list[float]:
    """Times (s) where sound starts after at least ``min_gap`` s of quiet (or at
    the first sound of ``x``)."""
    return [start for start, _ in active_spans(x, rate, threshold, min_gap)]


def dominant_frequency(x: np.ndarray, rate: int) -> float:
    """Frequency (Hz) of the strongest spectral peak, interpolated between bins."""
    y = np.asarray(x, dtype=np.float64)
    if len(y) < 3:
        raise ValueError("need at least 3 samples")
    mag = np.abs(np.fft.rfft((y - y.mean()) * np.hanning(len(y))))
    k = int(np.argmax(mag[1:])) + 1
    offset = 0.0
    if k < len(mag) - 1:  # parabolic interpolation on the log magnitude
        a, b, c = np.log(mag[k - 1 : k + 2] + 1e-12)
        denom = a - 2 * b + c
        offset = 0.5 * (a - c) / denom if denom != 0 else 0.0
    return float((k + offset) * rate / len(y))


def peak_correlation(recorded: np.ndarray, reference: np.ndarray) -> float:
    """Highest normalised cross-correlation of ``reference`` against any
    same-length window of ``recorded`` (1.0 = identical up to gain and delay)."""
    a = np.asarray(recorded, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    if len(a) < len(b):
        a = np.pad(a, (0, len(b) - len(a)))
    n = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    corr = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    corr = corr[: len(a) - len(b) + 1]  # reference fully inside recorded
    energy = np.concatenate(([0.0], np.cumsum(a**2)))
    window = energy[len(b) :] - energy[: len(a) - len(b) + 1]
    norm = np.sqrt(np.maximum(window, 0.0) * np.sum(b**2))
    valid = norm > 1e-9 * max(float(norm.max()), 1e-30)
    if not valid.any():
        return 0.0
    return float(np.max(np.abs(corr[valid]) / norm[valid]))
