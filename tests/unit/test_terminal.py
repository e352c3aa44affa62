"""Key decoding (pure: bytes and times in, events out); TerminalInput off a tty."""

from __future__ import annotations

import contextlib
import io
import os
import queue
from collections.abc import Iterator

import pytest

from voiceguide.terminal import (
    DOUBLE_ESCAPE_S,
    ESCAPE_WAIT_S,
    KEYMAP,
    LINGER_S,
    KeyDecoder,
    TerminalInput,
    keys_available,
)

LATER = ESCAPE_WAIT_S + 0.01  # enough for a pending lone Escape to be decided


Events = list[tuple[str, str]]


def commands(events: Events) -> list[str]:
    return [value for kind, value in events if kind == "command"]


def kinds(events: Events, kind: str) -> list[str]:
    return [value for k, value in events if k == kind]


def feed_all(decoder: KeyDecoder, *chunks: tuple[float, bytes]) -> Events:
    """Feed timed chunks, then let every pending Escape be decided."""
    events: list[tuple[str, str]] = []
    now = 0.0
    for now, data in chunks:
        events += decoder.feed(data, now)
    return events + decoder.tick(now + LATER)


def typing(decoder: KeyDecoder, text: bytes, start: float = 0.0) -> Events:
    """One read per key, as a person types."""
    return feed_all(decoder, *((start + i * 0.05, text[i:i + 1])
                               for i in range(len(text))))


# ---- keys as commands --------------------------------------------------------


@pytest.mark.parametrize("key, name", [
    (" ", "pause"), ("s", "stop"), ("q", "stop"), ("r", "repeat"), ("n", "skip"),
    ("b", "back"), ("+", "louder"), ("-", "quieter"), (">", "faster"),
    ("<", "slower"), ("?", "help"), ("h", "help"), ("S", "stop"), ("Q", "stop"),
])
def test_each_key_is_its_command_at_once(key: str, name: str) -> None:
    assert KEYMAP[key] == name
    assert commands(KeyDecoder().feed(key.encode(), 0.0)) == [name]


def test_other_keys_do_nothing() -> None:
    assert typing(KeyDecoder(), b"xz1\t\x01\x7f") == []


def test_enter_alone_is_the_enter_command_and_crlf_is_one_enter() -> None:
    assert commands(KeyDecoder().feed(b"\r", 0.0)) == ["enter"]
    assert commands(KeyDecoder().feed(b"\n", 0.0)) == ["enter"]
    assert commands(KeyDecoder().feed(b"\r\n", 0.0)) == ["enter"]
    assert commands(typing(KeyDecoder(), b"\r\r")) == ["enter", "enter"]


def test_several_keys_in_one_read_each_count() -> None:
    assert commands(KeyDecoder().feed(b"rn s", 0.0)) == ["repeat", "skip", "pause",
                                                          "stop"]


# ---- Escape ------------------------------------------------------------------


def test_double_escape_in_one_read_exits() -> None:
    decoder = KeyDecoder()
    assert decoder.feed(b"\x1b\x1b", 0.0) == []  # could still be Alt+arrow
    assert decoder.deadline() is not None
    assert commands(decoder.tick(LATER)) == ["exit"]
    assert decoder.deadline() is None


def test_two_escape_presses_within_a_second_exit() -> None:
    assert commands(feed_all(KeyDecoder(), (0.0, b"\x1b"), (0.5, b"\x1b"))) == ["exit"]
    decoder = KeyDecoder()
    assert decoder.feed(b"\x1b", 0.0) == []
    assert decoder.tick(LATER) == []  # one press: nothing
    assert commands(decoder.feed(b"\x1b", 0.9) + decoder.tick(0.9 + LATER)) == ["exit"]


def test_a_single_escape_does_nothing() -> None:
    decoder = KeyDecoder()
    assert feed_all(decoder, (0.0, b"\x1b")) == []
    assert decoder.tick(10.0) == []


def test_escape_presses_too_far_apart_do_nothing() -> None:
    late = DOUBLE_ESCAPE_S + 0.5
    assert feed_all(KeyDecoder(), (0.0, b"\x1b"), (late, b"\x1b")) == []


def test_a_key_between_two_escapes_cancels_the_exit() -> None:
    assert commands(typing(KeyDecoder(), b"\x1bx\x1b")) == []
    assert commands(feed_all(KeyDecoder(), (0.0, b"\x1b"), (0.3, b"\x1b[A"),
                             (0.5, b"\x1b"))) == []


def test_three_quick_escapes_exit_once() -> None:
    assert commands(feed_all(KeyDecoder(), (0.0, b"\x1b\x1b\x1b"))) == ["exit"]


@pytest.mark.parametrize("sequence", [
    b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D",  # arrows
    b"\x1bOA", b"\x1bOP",  # arrows in application mode, F1
    b"\x1b[1;5C", b"\x1b[15~", b"\x1b[3~", b"\x1b[H",  # Ctrl+Right, F5, Delete, Home
    b"\x1b\x1b[A", b"\x1b\x1bOB",  # Alt+arrows in terminals that send a meta ESC
    b"\x1bs", b"\x1bq", b"\x1b ",  # Alt+s, Alt+q, Alt+space: not stop or pause
])
def test_arrow_and_function_keys_do_nothing(sequence: bytes) -> None:
    assert feed_all(KeyDecoder(), (0.0, sequence)) == []
    # twice in a row is not Escape-Escape either, nor in line entry
    assert feed_all(KeyDecoder(), (0.0, sequence), (0.2, sequence)) == []
    decoder = KeyDecoder()
    decoder.wanted = True
    assert feed_all(decoder, (0.0, sequence)) == []
    assert decoder.line == []


def test_a_sequence_split_across_reads_is_still_one_key() -> None:
    assert feed_all(KeyDecoder(), (0.0, b"\x1b"), (0.01, b"["), (0.02, b"1;5"),
                    (0.03, b"D")) == []
    assert feed_all(KeyDecoder(), (0.0, b"\x1b\x1b"), (0.01, b"[A")) == []


def test_escape_then_a_control_key_is_escape_then_that_key() -> None:
    events = feed_all(KeyDecoder(), (0.0, b"\x1b\r"))
    assert commands(events) == ["enter"]


def test_keys_after_an_arrow_still_work() -> None:
    assert commands(KeyDecoder().feed(b"\x1b[An", 0.0)) == ["skip"]


def test_an_unfinished_sequence_is_dropped_after_the_wait() -> None:
    decoder = KeyDecoder()
    assert feed_all(decoder, (0.0, b"\x1b[1;")) == []
    assert commands(decoder.feed(b"n", 1.0)) == ["skip"]


# ---- line entry --------------------------------------------------------------


def entering() -> KeyDecoder:
    decoder = KeyDecoder()
    decoder.wanted = True  # as get() does while it waits
    return decoder


def test_typed_line_is_echoed_edited_and_delivered() -> None:
    events = typing(entering(), b"hello\x7fp\r")
    assert kinds(events, "line") == ["hellp"]
    assert "".join(kinds(events, "echo")) == "hello\b \bp\n"
    assert commands(events) == []


def test_letters_and_space_are_text_while_a_line_is_wanted() -> None:
    events = typing(entering(), b"stop and go, quietly? +-<>\n")
    assert kinds(events, "line") == ["stop and go, quietly? +-<>"]
    assert commands(events) == []


def test_backspace_variants_and_backspace_on_empty_line() -> None:
    events = typing(entering(), b"\x7fab\bc\r")
    assert kinds(events, "line") == ["ac"]
    assert "".join(kinds(events, "echo")) == "ab\b \bc\n"


def test_other_control_keys_are_ignored_in_a_line() -> None:
    events = typing(entering(), b"a\tb\x01\x15\x00c\r")
    assert kinds(events, "line") == ["abc"]


def test_an_empty_line_is_an_empty_answer() -> None:
    events = entering().feed(b"\r", 0.0)
    assert kinds(events, "line") == [""]
    assert commands(events) == []


def test_double_escape_still_exits_during_line_entry() -> None:
    decoder = entering()
    events = typing(decoder, b"ab") + feed_all(decoder, (1.0, b"\x1b\x1b"))
    assert commands(events) == ["exit"]
    assert decoder.line == ["a", "b"]


def test_after_a_line_keys_are_commands_again() -> None:
    decoder = entering()
    assert kinds(typing(decoder, b"ok\r"), "line") == ["ok"]
    assert commands(decoder.feed(b"s", 1.0)) == ["stop"]


def test_pasted_lines_stay_text() -> None:
    events = entering().feed(b"first line\nsecond, slowly\n", 0.0)
    assert kinds(events, "line") == ["first line", "second, slowly"]
    assert commands(events) == []


def test_a_timed_out_wait_lingers_then_keys_are_commands() -> None:
    decoder = entering()
    decoder.feed(b"a", 0.0)
    decoder.stop_waiting(1.0, linger=True)  # get(timeout) ran out
    assert decoder.feed(b"b", 1.0 + LINGER_S / 2) == [("echo", "b")]  # polling loop
    assert commands(decoder.feed(b"n", 1.0 + LINGER_S + 0.01)) == ["skip"]
    assert decoder.line == []  # the abandoned line is gone
    decoder.wanted = True
    assert kinds(typing(decoder, b"c\r", start=2.0), "line") == ["c"]


def test_ctrl_d_on_an_empty_line_ends_input() -> None:
    assert kinds(KeyDecoder().feed(b"\x04", 0.0), "eof") == [""]
    assert kinds(entering().feed(b"\x04", 0.0), "eof") == [""]
    assert kinds(typing(entering(), b"a\x04"), "eof") == []


# ---- UTF-8 -------------------------------------------------------------------


def test_utf8_split_across_reads_comes_out_whole() -> None:
    data = "café 日本\r".encode()
    decoder = entering()
    events: list[tuple[str, str]] = []
    for i in range(len(data)):
        events += decoder.feed(data[i:i + 1], i * 0.01)
    assert kinds(events, "line") == ["café 日本"]
    assert kinds(events, "echo") == ["c", "a", "f", "é", " ", "日", "本", "\n"]


def test_backspace_erases_one_character_of_any_width() -> None:
    events = typing(entering(), "é日".encode() + b"\x7f\x7f\r")
    assert kinds(events, "echo")[2:4] == ["\b\b  \b\b", "\b \b"]
    assert kinds(events, "line") == [""]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    events = typing(entering(), b"a\xffb\r")
    assert kinds(events, "line") == ["a\ufffdb"]


def test_utf8_is_not_a_command() -> None:
    assert typing(KeyDecoder(), "ßé日".encode()) == []


# ---- not a terminal: exactly like LineReader ---------------------------------


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        with contextlib.suppress(OSError):
            os.close(fd)


def test_a_pipe_gives_lines_then_none(pipe: tuple[int, int]) -> None:
    r, w = pipe
    got: list[str] = []
    with TerminalInput(r, got.append) as keys:
        assert not keys_available(r)
        assert not keys.keys
        os.write(w, "one\n\ns q n\ncafé\n".encode())
        os.close(w)
        lines = [keys.get(timeout=5) for _ in range(5)]
        assert lines == ["one", "", "s q n", "café", None]
        assert keys.eof
        assert keys.get(timeout=5) is None
    assert got == []  # no key commands from a pipe


def test_a_pipe_wait_is_bounded(pipe: tuple[int, int]) -> None:
    r, w = pipe
    keys = TerminalInput(r).start()
    with pytest.raises(queue.Empty):
        keys.get(timeout=0.05)
    os.write(w, b"late\n")
    assert keys.get(timeout=5) == "late"
    assert not keys.eof
    keys.close()
    keys.close()  # safe twice


def test_a_text_stream_without_a_file_descriptor_is_read_as_lines() -> None:
    keys = TerminalInput(io.StringIO("a\nb"))
    assert [keys.get(timeout=5), keys.get(timeout=5), keys.get(timeout=5)] == [
        "a", "b", None]
    keys.close()
