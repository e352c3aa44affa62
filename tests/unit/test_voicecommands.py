"""voicecommands: a whole utterance is one command phrase, or nothing; and the
recognizer's decision from Whisper's hypotheses and the closed vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiceguide import controls
from voiceguide.commandgate import speech_span
from voiceguide.voicecommands import (
    COMMANDS,
    MIN_LLR,
    PHRASES,
    SPEECH_DOUBT,
    SPELLINGS,
    CommandRecognizer,
    _Closed,
    _Decoded,
    _spellings,
    match,
)


@pytest.mark.parametrize(("phrase", "command"), sorted(PHRASES.items()))
def test_every_phrase_is_its_command(phrase: str, command: str) -> None:
    assert match(phrase) == command
    assert match(phrase.upper()) == command
    assert match(f" {phrase.capitalize()}. ") == command
    assert match(f"{phrase.capitalize()}!") == command
    assert match(f"{phrase}?") == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("Stop.", "stop"),
        ("STOP!", "stop"),
        ("Pause?", "pause"),
        ("...stop", "stop"),
        ("Go on.", "resume"),
        ("Go on!", "resume"),
        ("Say again?", "repeat"),
        ("Say it again.", "repeat"),
        ("Repeat, slower.", "repeat-slower"),
        ("Repeat slower", "repeat-slower"),
        ("Go back.", "back"),
        ("Go-back", "back"),
        ("I'm done.", "done"),
        ("I’m done.", "done"),  # a typographic apostrophe
        ("I am done.", "done"),
        ("I need help!", "need-help"),
        ("Softer.", "quieter"),
        ("Next.", "skip"),
        ("Continue.", "resume"),
        ("Menu.", "menu"),
        ("Quiet!", "quieter"),
        ("Keep the settings.", "keep"),
        ("Keep my settings", "keep"),
    ],
)
def test_whisper_spellings(text: str, command: str) -> None:
    assert match(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("Please stop.", "stop"),
        ("Stop, please.", "stop"),
        ("Please repeat, please.", "repeat"),
        ("Okay, stop.", "stop"),
        ("OK, next.", "skip"),
        ("Ok pause", "pause"),
        ("Okay, I need help please.", "need-help"),
        ("Stop. Stop.", "stop"),  # said twice, or a loop of the decoder
        ("Stop, stop, stop!", "stop"),
        ("Go back, go back.", "back"),
    ],
)
def test_polite_and_repeated_forms(text: str, command: str) -> None:
    assert match(text) == command


@pytest.mark.parametrize(
    "text",
    [
        "I want to stop feeling this way",
        "I want to stop feeling this way.",
        "please don't go",
        "next week",
        "go back to sleep",
        "Stop it.",
        "Don't stop.",
        "stop pause",  # two different commands: ambiguous, so neither
        "Stop. Go on.",
        "I need help with this.",
        "Help me.",
        "Go.",  # "go" alone is not a command ("go on" is)
        "Yes.",
        "No.",
        "Okay.",
        "Please.",
        "Okay, please.",
        "Please please",
        "Thank you.",
        "I'm sorry.",
        "Slow.",
        "Back to the start.",
        "Repeat after me.",
        "Done with that, next question.",
        "stopped",
        "stops",
        "nonstop",
        "exit the room",
    ],
)
def test_sentences_and_other_words_are_not_commands(text: str) -> None:
    assert match(text) is None


@pytest.mark.parametrize("text", ["", " ", ".", "...", "?!", "\n"])
def test_empty_text_is_no_command(text: str) -> None:
    assert match(text) is None


def test_the_session_knows_the_flow_commands() -> None:
    assert set(controls.FLOW) <= set(COMMANDS)
    assert {"slower", "faster", "louder", "quieter", "help", "done"} <= set(COMMANDS)
    assert len(PHRASES) <= 30  # a small vocabulary is the point


# --- the gate before decoding -------------------------------------------------


def _tone(seconds: float, level: float, rate: int = 16000) -> list[float]:
    import numpy as np

    t = np.arange(round(seconds * rate)) / rate
    return list(level * np.sin(2 * np.pi * 220 * t))


def test_gate_finds_the_voiced_span() -> None:
    import numpy as np

    x = np.array([0.0] * 8000 + _tone(0.5, 0.3) + [0.0] * 8000, dtype=np.float32)
    span, reason = speech_span(x, 16000)
    assert reason == "speech"
    assert span is not None
    assert abs(span[0] - 8000) <= 320 and abs(span[1] - 16000) <= 320


def test_gate_rejects_silence_clicks_and_long_sound() -> None:
    import numpy as np

    assert speech_span(np.zeros(16000, np.float32), 16000) == (None, "too short")
    assert speech_span(np.zeros(0, np.float32), 16000) == (None, "too short")
    click = np.array([0.0] * 8000 + _tone(0.05, 0.5) + [0.0] * 8000, np.float32)
    assert speech_span(click, 16000) == (None, "too short")
    long = np.array(_tone(2.5, 0.3), np.float32)
    assert speech_span(long, 16000) == (None, "too long")
    # Two words 2.4 s apart are one span of 2.4 s: too long for a command.
    apart = np.array(_tone(0.2, 0.3) + [0.0] * 32000 + _tone(0.2, 0.3), np.float32)
    assert speech_span(apart, 16000) == (None, "too long")


def test_normalize_agrees_with_the_transcription_measure() -> None:
    from voiceguide.transcription import normalize_text
    from voiceguide.voicecommands import normalize

    texts = ["I'm done!", "Go-back.", "OK, stop", "  STOP?! ", "I’m done", "re_peat"]
    for text in texts:
        assert normalize(text) == normalize_text(text)


def test_importing_stays_light() -> None:
    import subprocess
    import sys

    code = ("import sys, voiceguide.voicecommands; "
            "print(sorted(m for m in ('numpy', 'faster_whisper', 'ctranslate2') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert out.strip() == "[]"


# --- the decision -------------------------------------------------------------


def _recognizer(tmp_path: Path, **options: float) -> CommandRecognizer:
    return CommandRecognizer(tmp_path / "no-model", **options)  # loads nothing


def test_a_command_close_to_the_best_hypothesis_is_taken(tmp_path: Path) -> None:
    rec = _recognizer(tmp_path)
    hyps = [("Stop it.", -0.3, True), ("Stop!", -0.6, True), ("Stop", -0.7, True)]
    assert rec._decide(_Decoded(hyps, 0.1)) == ("stop", "Stop!", "command")
    far = [("Stop it.", -0.3, True), ("Stop!", -1.5, True)]  # beyond the margin
    assert rec._decide(_Decoded(far, 0.1)) == (None, "Stop it.", "not a command")


def test_a_cut_off_hypothesis_is_a_command_only_as_a_loop(tmp_path: Path) -> None:
    rec = _recognizer(tmp_path)
    loop = [("STOP STOP STOP STOP STOP STOP STOP STOP", -0.2, False)]
    assert rec._decide(_Decoded(loop, 0.1))[0] == "stop"  # Whisper looping
    talk = [("Stop, I want to go back to", -0.2, False), ("Hm.", -0.5, True)]
    assert rec._decide(_Decoded(talk, 0.1))[0] is None


def test_the_closed_vocabulary_decides_when_free_decoding_found_none(
    tmp_path: Path,
) -> None:
    rec = _recognizer(tmp_path)
    hyps = [("Egg lit.", -1.7, True), ("Agit.", -1.8, True)]
    likely = _Closed("exit", " exit", llr=MIN_LLR + 0.5, mean=-1.0)
    # The command is the closed vocabulary's; the text stays the free one.
    assert rec._decide(_Decoded(hyps, 0.2, likely)) == ("exit", "Egg lit.", "command")
    unlikely = _Closed("exit", " exit", llr=MIN_LLR - 0.5, mean=-1.0)
    assert rec._decide(_Decoded(hyps, 0.2, unlikely)) == (
        None, "Egg lit.", "not a command")
    strict = _recognizer(tmp_path, min_llr=MIN_LLR + 1.0)
    assert strict._decide(_Decoded(hyps, 0.2, likely))[0] is None


def test_when_speech_is_in_doubt_the_command_must_be_likelier(tmp_path: Path) -> None:
    rec = _recognizer(tmp_path)
    hyps = [("Thanks.", -2.0, True)]  # the tail of "meters", cut off hard
    less = _Closed("skip", " Next.", llr=-1.0, mean=-0.8)
    assert rec._decide(_Decoded(hyps, SPEECH_DOUBT - 0.1, less))[0] == "skip"
    assert rec._decide(_Decoded(hyps, SPEECH_DOUBT + 0.1, less))[0] is None
    more = _Closed("skip", " Next.", llr=0.5, mean=-0.8)
    assert rec._decide(_Decoded(hyps, SPEECH_DOUBT + 0.1, more))[0] == "skip"


def test_free_decodings_command_wins_over_the_closed_vocabulary(
    tmp_path: Path,
) -> None:
    rec = _recognizer(tmp_path)
    hyps = [("Pause.", -0.4, True)]
    other = _Closed("stop", " Stop.", llr=0.0, mean=-0.5)
    assert rec._decide(_Decoded(hyps, 0.1, other))[0] == "pause"


def test_no_speech_overrules_an_unsure_command_on_either_path(tmp_path: Path) -> None:
    rec = _recognizer(tmp_path)
    unsure = [("Menu.", -1.6, True)]
    assert rec._decide(_Decoded(unsure, 0.7)) == (None, "Menu.", "no speech")
    assert rec._decide(_Decoded(unsure, 0.3))[0] == "menu"  # speech: taken
    hyps = [("you", -4.0, True)]
    closed = _Closed("help", " Help.", llr=0.0, mean=-2.0)
    assert rec._decide(_Decoded(hyps, 0.7, closed)) == (None, "you", "no speech")
    sure = _Closed("help", " Help.", llr=0.0, mean=-0.4)
    assert rec._decide(_Decoded(hyps, 0.7, sure))[0] == "help"


def test_the_constrained_search_may_spell_every_phrase() -> None:
    spelled = set(_spellings())
    for phrase in [*PHRASES, *SPELLINGS]:
        for form in (phrase, phrase.capitalize(), phrase.upper()):
            assert f" {form}" in spelled and f" {form}." in spelled
            assert match(form) is not None
    assert {" Please", " please,", " Okay,", " OK"} <= spelled
