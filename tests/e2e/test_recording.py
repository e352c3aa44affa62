"""Recording answers through the real microphone path: sounddevice/PortAudio ->
ALSA -> PulseAudio's virtual microphone, fed with real human recordings.

sounddevice is imported only inside tests (see the conftest docstring).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import virtual_audio as va

from voiceguide.audio import AudioClip, concat, read_wav, silence, write_wav
from voiceguide.errors import BackendUnavailable

pytestmark = pytest.mark.audio

ROOT = Path(__file__).resolve().parents[2]
RATE = 16000
CHEETAH = "cheetah_librispeech/1272-128104-0000.wav"  # 5.9 s, LibriSpeech
ENGINEER = "alif_mlek_librispeech/another_engineer.wav"  # 4.4 s
TELL_YOU = "alif_mlek_librispeech/i_tell_you.wav"  # 3.7 s
Feed = Callable[..., threading.Thread]


def speech(shared_dir: Path, name: str) -> Path:
    path = shared_dir / "speech" / name
    listed = (shared_dir / "speech" / "dev.tsv").read_text()
    assert f"\n{name}\t" in listed, f"{name} is not in speech/dev.tsv"
    return path


def samples(path: Path, rate: int = RATE) -> np.ndarray:
    x, fs = va.read_wav_float(path)
    return AudioClip.from_samples(x, fs).resampled(rate).samples()


def record(
    recorder: Any,
    path: Path,
    stop: threading.Event | None = None,
    on_start: Callable[[], None] | None = None,
    timeout: float = 30.0,
) -> Any:
    """``recorder.record`` in a thread, with a bound on the wait."""
    stop = stop or threading.Event()
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["recording"] = recorder.record(path, stop, on_start)
        except BaseException as e:
            result["error"] = e

    thread = threading.Thread(target=run, name="record", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        stop.set()
        thread.join(5)
        raise TimeoutError(f"record() still ran after {timeout} s")
    if "error" in result:
        raise result["error"]
    return result["recording"]


def feeding(mic_feed: Feed, wav: Path, started: list[float]) -> Callable[[], None]:
    """An ``on_start`` that starts speaking into the mic once the stream runs."""

    def on_start() -> None:
        started.append(time.monotonic())
        mic_feed(wav, delay=0.1)

    return on_start


def assert_wav_format(path: Path) -> None:
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.fixture
def recorder_class(virtual_audio: dict[str, str]) -> Any:
    from voiceguide.backends.recorder import SoundDeviceRecorder

    return SoundDeviceRecorder


# ---- through the virtual microphone ------------------------------------------


def test_real_speech_is_recorded_until_silence(
    recorder_class: Any, mic_feed: Feed, shared_dir: Path, tmp_path: Path
) -> None:
    source = speech(shared_dir, CHEETAH)
    ref = samples(source)
    started: list[float] = []
    rec = record(
        recorder_class(silence_s=3.0, max_s=30.0),
        tmp_path / "answer.wav",
        on_start=feeding(mic_feed, source, started),
    )

    assert rec.reason == "silence"
    assert rec.path == tmp_path / "answer.wav"
    assert_wav_format(rec.path)
    x = samples(rec.path)
    assert rec.duration == pytest.approx(len(x) / RATE, abs=0.01)
    assert rec.duration >= len(ref) / RATE  # all of it, and the silence after
    assert rec.duration <= len(ref) / RATE + 3.0 + 2.0
    assert va.peak_correlation(x, ref) >= 0.8
    spoken = va.active_spans(ref, RATE)
    assert rec.speech_seconds >= 0.7 * (spoken[-1][1] - spoken[0][0])


def test_a_thinking_pause_stays_in_one_recording(
    recorder_class: Any, mic_feed: Feed, shared_dir: Path, tmp_path: Path
) -> None:
    first = read_wav(speech(shared_dir, ENGINEER)).resampled(RATE)
    second = read_wav(speech(shared_dir, TELL_YOU)).resampled(RATE)
    answer = tmp_path / "pause.wav"
    write_wav(answer, concat([first, silence(2.0, RATE), second], RATE))
    started: list[float] = []
    rec = record(
        recorder_class(silence_s=3.0, max_s=40.0),
        tmp_path / "answer.wav",
        on_start=feeding(mic_feed, answer, started),
    )

    assert rec.reason == "silence"
    x = samples(rec.path)
    assert rec.duration >= first.duration + 2.0 + second.duration
    assert va.peak_correlation(x, first.samples()) >= 0.8
    assert va.peak_correlation(x, second.samples()) >= 0.8
    assert va.peak_correlation(x, samples(answer)) >= 0.8


def test_a_long_answer_ends_at_max(
    recorder_class: Any, mic_feed: Feed, shared_dir: Path, tmp_path: Path
) -> None:
    started: list[float] = []
    source = speech(shared_dir, CHEETAH)
    rec = record(
        recorder_class(silence_s=3.0, max_s=3.0),
        tmp_path / "answer.wav",
        on_start=feeding(mic_feed, source, started),
    )
    assert rec.reason == "max"
    assert rec.duration == pytest.approx(3.0, abs=0.3)
    assert va.active_spans(samples(rec.path), RATE), "no speech was recorded"


def test_no_speech_ends_quickly(recorder_class: Any, tmp_path: Path) -> None:
    begin = time.monotonic()
    rec = record(recorder_class(no_speech_s=2.0), tmp_path / "answer.wav")
    took = time.monotonic() - begin
    assert rec.reason == "no-speech"
    assert rec.speech_seconds == 0
    assert rec.duration == pytest.approx(2.0, abs=0.3)
    assert took < 5.0
    assert_wav_format(rec.path)


def test_stop_from_another_thread(
    recorder_class: Any, mic_feed: Feed, shared_dir: Path, tmp_path: Path
) -> None:
    stop = threading.Event()
    started: list[float] = []
    feed = feeding(mic_feed, speech(shared_dir, CHEETAH), started)

    def on_start() -> None:
        feed()
        threading.Timer(1.0, stop.set).start()

    rec = record(recorder_class(), tmp_path / "answer.wav", stop, on_start)
    stopped_after = time.monotonic() - started[0]
    assert rec.reason == "stopped"
    assert stopped_after < 2.0
    assert rec.duration == pytest.approx(1.0, abs=0.4)
    assert_wav_format(rec.path)


def test_stop_set_before_it_starts(recorder_class: Any, tmp_path: Path) -> None:
    stop = threading.Event()
    stop.set()
    called: list[bool] = []
    begin = time.monotonic()
    rec = record(
        recorder_class(), tmp_path / "a.wav", stop, lambda: called.append(True)
    )
    assert time.monotonic() - begin < 1.0
    assert (rec.reason, rec.duration, rec.speech_seconds) == ("stopped", 0.0, 0.0)
    assert not called
    assert_wav_format(rec.path)
    assert va.wav_duration(rec.path) == 0.0


def test_a_microphone_that_refuses_16k_is_resampled(
    recorder_class: Any,
    mic_feed: Feed,
    shared_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sounddevice as sd

    real_check = sd.check_input_settings
    opened: list[float] = []

    def no_16k(*args: Any, samplerate: float | None = None, **kw: Any) -> None:
        if samplerate == RATE:
            raise sd.PortAudioError("Invalid sample rate [PaErrorCode -9997]")
        opened.append(float(samplerate or 0))
        real_check(*args, samplerate=samplerate, **kw)

    monkeypatch.setattr(sd, "check_input_settings", no_16k)
    source = speech(shared_dir, ENGINEER)
    started: list[float] = []
    rec = record(
        recorder_class(silence_s=2.0),
        tmp_path / "answer.wav",
        on_start=feeding(mic_feed, source, started),
    )
    assert opened and opened[0] != RATE
    assert rec.reason == "silence"
    assert_wav_format(rec.path)
    ref = samples(source)
    assert rec.duration >= len(ref) / RATE
    assert va.peak_correlation(samples(rec.path), ref) >= 0.8


def test_no_microphone_is_a_clear_error(
    virtual_audio: dict[str, str], no_audio: None, tmp_path: Path
) -> None:
    from voiceguide.backends.recorder import SoundDeviceRecorder, input_problem

    problem = input_problem()
    assert isinstance(problem, str) and problem
    with pytest.raises(BackendUnavailable) as caught:
        record(SoundDeviceRecorder(), tmp_path / "answer.wav", timeout=10)
    assert "microphone" in caught.value.message
    assert "--answers typed" in caught.value.hint
    assert not (tmp_path / "answer.wav").exists()


def test_input_problem_is_none_with_a_microphone(virtual_audio: dict[str, str]) -> None:
    from voiceguide.backends.recorder import input_problem

    assert input_problem() is None
    assert input_problem("vg_mic") is None
    assert input_problem("no such microphone") is not None


# ---- in a separate process: killed, or the sound server dies -------------------

RECORDER = textwrap.dedent(
    """
    import dataclasses, json, sys, threading
    from voiceguide.backends.recorder import SoundDeviceRecorder

    rec = SoundDeviceRecorder(max_s=float(sys.argv[2])).record(
        sys.argv[1], threading.Event(), lambda: print("started", flush=True)
    )
    print(json.dumps(dataclasses.asdict(rec), default=str), flush=True)
    """
)


def read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise TimeoutError(f"the recorder printed nothing in {timeout} s")
    return proc.stdout.readline().strip()


@pytest.fixture
def recorder_process() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []

    def start(path: Path, env: dict[str, str], max_s: float = 60.0) -> Any:
        proc = subprocess.Popen(
            [sys.executable, "-c", RECORDER, str(path), str(max_s)],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        line = read_line(proc, 20)
        if line != "started":
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise RuntimeError(f"the recorder did not start: {line!r} {err}")
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def test_a_killed_recorder_leaves_a_playable_wav(
    virtual_audio: dict[str, str],
    recorder_process: Callable[..., subprocess.Popen[str]],
    mic_feed: Feed,
    shared_dir: Path,
    tmp_path: Path,
) -> None:
    path = tmp_path / "killed.wav"
    proc = recorder_process(path, virtual_audio)
    source = speech(shared_dir, CHEETAH)
    mic_feed(source, delay=0.0)
    time.sleep(3.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    assert_wav_format(path)
    seconds = va.wav_duration(path)
    assert seconds >= 2.0
    x = samples(path)
    ref = samples(source)
    assert va.peak_correlation(ref, x[-round(1.0 * RATE) :]) >= 0.8


@pytest.fixture
def second_server(virtual_audio: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    """Another private server that a test may stop (the session's must not)."""
    audio_dir = tmp_path / "server2"
    if len(os.fsencode(va.socket_path(audio_dir))) > va.MAX_SOCKET_PATH:
        audio_dir = Path(tempfile.mkdtemp(prefix="vga", dir="/tmp"))
    env = va.start(audio_dir)
    try:
        yield env, audio_dir
    finally:
        va.stop(audio_dir)


def test_the_sound_server_dying_is_device_lost(
    second_server: Any,
    recorder_process: Callable[..., subprocess.Popen[str]],
    shared_dir: Path,
    tmp_path: Path,
) -> None:
    env, audio_dir = second_server
    path = tmp_path / "lost.wav"
    proc = recorder_process(path, env)
    feeder = va.feed_mic(speech(shared_dir, CHEETAH), env, delay=0.0)
    time.sleep(2.5)
    va.stop(audio_dir, purge=False)
    died = time.monotonic()
    line = read_line(proc, 10)
    noticed = time.monotonic() - died
    with contextlib.suppress(RuntimeError):  # paplay lost its server too
        feeder.join(timeout=10)

    rec = json.loads(line)
    assert rec["reason"] == "device-lost"
    assert noticed < 3.0
    assert rec["duration"] >= 2.0
    assert va.wav_duration(path) == pytest.approx(rec["duration"])
    assert va.active_spans(samples(path), RATE)


# ---- the resampler used when a microphone refuses 16 kHz (no audio needed) ------


@pytest.mark.parametrize("src", [48000, 44100, 22050, 8000])
def test_streaming_resampler_has_no_seams(src: int) -> None:
    from voiceguide.backends.recorder import _Resampler

    t = np.arange(round(2.0 * src)) / src
    x = np.round(10000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    whole = _Resampler(src, RATE)(x)
    stream = _Resampler(src, RATE)
    sizes = np.random.default_rng(3).integers(1, 3000, 100)
    edges = np.minimum(np.cumsum(np.concatenate(([0], sizes))), len(x))
    parts = [stream(x[a:b]) for a, b in itertools.pairwise(edges)]  # some empty
    parts.append(stream(x[edges[-1] :]))
    pieces = np.concatenate(parts)

    assert abs(len(pieces) - 2.0 * RATE) <= 1
    assert np.abs(pieces.astype(int) - whole.astype(int)).max() <= 1
    y = pieces[200:-200].astype(np.float64) / 32768
    assert va.dominant_frequency(y, RATE) == pytest.approx(440.0, abs=2.0)
    expected = 10000 / 32768 / np.sqrt(2)
    assert np.sqrt(np.mean(y**2)) == pytest.approx(expected, rel=0.02)


def test_resampler_removes_what_would_alias() -> None:
    from voiceguide.backends.recorder import _Resampler

    src = 48000
    t = np.arange(src) / src
    hiss = np.round(10000 * np.sin(2 * np.pi * 12000 * t)).astype(np.int16)
    y = _Resampler(src, RATE)(hiss)[200:].astype(np.float64)
    assert np.sqrt(np.mean(y**2)) < 0.01 * 10000  # 12 kHz would fold to 4 kHz
