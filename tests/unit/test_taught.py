"""Taught commands: matching by time warping, the file they live in, and the
teaching dialogue (driven here by stand-ins; with real engines in
tests/integration/test_voicecommands.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest

from voiceguide import taught
from voiceguide.commandwords import first_phrases
from voiceguide.errors import BadInput
from voiceguide.taught import Match, Take
from voiceguide.teaching import Teaching, chosen


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def reference(a: np.ndarray, b: np.ndarray) -> float:
    """Textbook dynamic time warping, cell by cell."""
    cost = 1.0 - a @ b.T
    n, m = cost.shape
    d = np.full((n + 1, m + 1), np.inf)
    d[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = cost[i - 1, j - 1] + min(d[i - 1, j], d[i, j - 1],
                                               d[i - 1, j - 1])
    return float(d[n, m] / (n + m))


def test_distances_equal_textbook_time_warping() -> None:
    rng = np.random.default_rng(3)
    frames = unit(rng.normal(size=(17, 8)))
    takes = [Take(f"c{k}", unit(rng.normal(size=(int(rng.integers(3, 30)), 8))))
             for k in range(6)]
    got = taught.distances(frames, takes)
    assert got == pytest.approx([reference(frames, t.frames) for t in takes])


def test_the_same_words_said_slower_are_closest() -> None:
    rng = np.random.default_rng(4)
    word = unit(rng.normal(size=(10, 16)))
    slow = np.repeat(word, 2, axis=0)  # every frame held twice as long
    other = unit(rng.normal(size=(12, 16)))
    found = taught.closest([Take("stop", word), Take("back", other)], slow)
    assert found is not None and found.command == "stop" and found.distance < 1e-6
    assert found.taken


def test_a_match_must_be_close_and_clear() -> None:
    assert Match("stop", 0.05, 0.2).taken
    assert not Match("stop", 0.05, 0.06).taken  # another command nearly as close
    assert not Match("stop", taught.ACCEPT + 0.01, 1.0).taken  # too far
    assert Match("stop", 0.05, float("inf")).taken  # only one command taught
    assert taught.closest([], unit(np.ones((3, 2)))) is None


def test_takes_are_kept_privately_and_read_back(tmp_path: Path) -> None:
    path = taught.path_in(tmp_path)
    takes = [Take("stop", unit(np.eye(4)[:3])), Take("back", unit(np.ones((2, 4))))]
    taught.save(path, takes, taught.MODEL)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    back = taught.load(path, taught.MODEL)
    assert [t.command for t in back] == ["stop", "back"]
    assert np.allclose(back[0].frames, takes[0].frames, atol=1e-3)
    assert taught.load(tmp_path / "none.npz", taught.MODEL) == []


def test_takes_of_another_model_or_a_damaged_file_say_the_fix(tmp_path: Path) -> None:
    path = taught.path_in(tmp_path)
    taught.save(path, [Take("stop", unit(np.ones((2, 4))))], "whisper-small")
    with pytest.raises(BadInput, match="another model") as e:
        taught.load(path, taught.MODEL)
    assert "commands teach" in e.value.hint
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BadInput, match="cannot be read"):
        taught.load(path, taught.MODEL)


def test_commands_are_chosen_by_name_or_phrase() -> None:
    assert chosen([]) == list(first_phrases().items())
    assert chosen(["stop", "go on", "need-help", "Stop", "softer", "i'm done"]) == [
        ("stop", "stop"), ("resume", "go on"), ("need-help", "I need help"),
        ("quieter", "softer"), ("done", "I'm done")]
    with pytest.raises(BadInput, match="'jump' is not a command"):
        chosen(["jump"])
    assert first_phrases()["need-help"] == "I need help"


class Script:
    """Stand-ins for the voice, microphone and encoder: takes come from a list."""

    def __init__(self, takes: list[str]) -> None:
        self.said: list[str] = []
        self.takes = list(takes)

    def speak(self, text: str) -> str | None:
        self.said.append(text)
        return None

    def record(self) -> object:
        """A clip (here a tuple), or what the recorder says: "no speech", "stop"."""
        item = self.takes.pop(0)
        return ("clip", item) if item == "ok" or item.startswith("!") else item

    def take_of(self, clip: tuple[str, str]) -> Take | str:
        if clip[1].startswith("!"):
            return clip[1][1:]  # "!too long": what the encoder step would say
        return Take("", unit(np.full((3, 4), float(len(self.said)))))


def test_teaching_asks_again_for_an_unusable_take_and_saves_each_command(
        tmp_path: Path) -> None:
    path = taught.path_in(tmp_path)
    s = Script(["ok", "no speech", "!too long", "ok", "ok", "ok"])
    t = Teaching(s.speak, s.record, s.take_of, path)
    assert t.run([("stop", "stop"), ("resume", "resume")])
    assert s.said[:5] == ["1 of 2. Say: stop.", "Once more: stop.",
                          "I did not hear anything. Let's try again.",
                          "Once more: stop.",
                          "That was longer than a command: just the words, please. "
                          "Let's try again."]
    assert "2 of 2. Say: resume." in s.said
    assert [k.command for k in taught.load(path, taught.MODEL)] == \
        ["stop", "stop", "resume", "resume"]


def test_a_command_without_two_good_takes_is_left_as_it_was(tmp_path: Path) -> None:
    path = taught.path_in(tmp_path)
    old = [Take("stop", unit(np.ones((2, 4))))] * 2
    s = Script(["no speech"] * 4)
    t = Teaching(s.speak, s.record, s.take_of, path, list(old))
    assert t.run([("stop", "stop")])
    assert s.said[-1] == "Leaving stop as it was."
    assert t.taught_now == [] and t.kept == old


def test_stopping_keeps_the_commands_already_taught(tmp_path: Path) -> None:
    path = taught.path_in(tmp_path)
    s = Script(["ok", "ok", "ok", "stop"])
    t = Teaching(s.speak, s.record, s.take_of, path)
    assert not t.run([("stop", "stop"), ("back", "back"), ("help", "help")])
    assert t.taught_now == ["stop"]
    assert [k.command for k in taught.load(path, taught.MODEL)] == ["stop", "stop"]


def test_a_phrase_taught_again_replaces_only_its_own_takes(tmp_path: Path) -> None:
    path = taught.path_in(tmp_path)
    s = Script(["ok"] * 6)
    t = Teaching(s.speak, s.record, s.take_of, path)
    assert t.run([("quieter", "quieter"), ("quieter", "softer")])
    assert t.run([("quieter", "softer")])
    kept = taught.load(path, taught.MODEL)
    assert [(k.command, k.phrase) for k in kept] == [("quieter", "quieter")] * 2 + [
        ("quieter", "softer")] * 2
    assert s.said[-1] == "Once more: softer."
