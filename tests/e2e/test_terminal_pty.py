"""TerminalInput on a real terminal: a pseudo-terminal whose slave side is the
controlling terminal of a small driver process, typed into through the master.

The driver prints "CMD name" for each key command and "LINE text" for each
line get() returns; "r" makes it ask for a line, "s" makes it stop.
"""

from __future__ import annotations

import os
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import ptyterm
import pytest

from voiceguide.terminal import TerminalInput

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 15.0

DRIVER = r"""
import queue, sys, termios, threading, time
from voiceguide.terminal import TerminalInput

before = termios.tcgetattr(0)
stop, asks = threading.Event(), queue.Queue()

def say(*words):
    # One write per line: print("CMD", name) makes four writes, and another
    # thread's print can land between them.
    sys.stdout.write(" ".join(map(str, words)) + "\n")
    sys.stdout.flush()

def on_command(name):
    say("CMD", name)
    if name == "stop":
        stop.set()
    elif name == "repeat":
        asks.put(name)

try:
    with TerminalInput(0, on_command) as keys:
        say("READY", keys.keys)
        while not stop.is_set():
            try:
                asks.get(timeout=0.05)
            except queue.Empty:
                continue

            def announce():
                while not keys.line_entry:
                    time.sleep(0.01)
                say("ASK")

            threading.Thread(target=announce, daemon=True).start()
            say("LINE", keys.get(timeout=30))
except KeyboardInterrupt:
    say("INTERRUPTED")
say("RESTORED", termios.tcgetattr(0) == before)
"""


class Terminal(ptyterm.Terminal):
    """The driver above on a pty."""

    def __init__(self) -> None:
        super().__init__([sys.executable, "-c", DRIVER])

    def finish(self) -> None:
        """The driver has ended and given the terminal back as it found it."""
        self.expect("RESTORED True")
        assert self.proc.wait(timeout=TIMEOUT_S) == 0
        assert termios.tcgetattr(self.slave) == self.before


@pytest.fixture
def term() -> Iterator[Terminal]:
    terminal = Terminal()
    try:
        terminal.expect("READY True")
        yield terminal
    finally:
        terminal.close()


def test_the_terminal_is_in_cbreak_mode_while_keys_are_read(term: Terminal) -> None:
    _, oflag, _, lflag = termios.tcgetattr(term.slave)[:4]
    assert not lflag & (termios.ICANON | termios.ECHO)
    assert lflag & termios.ISIG  # Ctrl-C still interrupts
    assert oflag & termios.OPOST and oflag & termios.ONLCR
    term.send("s")
    term.finish()


def test_keys_act_without_enter(term: Terminal) -> None:
    for key, name in [(" ", "pause"), ("n", "skip"), ("b", "back"), ("+", "louder"),
                      ("-", "quieter"), (">", "faster"), ("<", "slower"),
                      ("?", "help"), ("h", "help"), ("x", None), ("\r", "enter")]:
        term.send(key)
        if name:
            # printed by the reader thread in cbreak mode: "\n" still becomes CR LF
            shown = term.expect(f"CMD {name}\r\n")
            assert shown.count("CMD") == 1  # and "x" did nothing
    assert "x" not in shown  # no echo of keys outside line entry
    term.send("s")
    term.expect("CMD stop")
    term.finish()


def test_escape_twice_exits_and_arrows_do_nothing(term: Terminal) -> None:
    term.send("\x1b\x1b")
    term.expect("CMD exit")
    term.send("\x1b")
    time.sleep(0.3)
    term.send("\x1b")
    term.expect("CMD exit")
    for sequence in ["\x1b[A", "\x1b[B", "\x1bOC", "\x1b[1;5D", "\x1b\x1b[A", "\x1bs"]:
        term.send(sequence)
        time.sleep(0.2)
        term.send(sequence)
        time.sleep(0.2)
        term.send("n")
        assert "CMD" not in term.expect("CMD skip")[:-len("CMD skip")]
    term.send("\x1b")  # a single Escape: nothing
    time.sleep(1.2)
    term.send("n")
    assert "CMD" not in term.expect("CMD skip")[:-len("CMD skip")]
    term.send("s")
    term.expect("CMD stop")
    term.finish()


def test_typed_lines_are_echoed_edited_and_letters_are_text(term: Terminal) -> None:
    term.send("r")
    term.expect("ASK")
    for key in ["hello", "\x7f", "p", "\r"]:
        term.send(key)
        time.sleep(0.05)
    shown = term.expect("LINE hellp\r\n")
    assert "hello\b \bp\r\n" in shown  # echoed by TerminalInput, not the terminal
    assert "CMD" not in shown

    term.send("r")
    term.expect("ASK")
    for key in "s q n b ?":
        term.send(key)
        time.sleep(0.02)
    term.send("\r")
    shown = term.expect("LINE s q n b ?")
    assert "CMD" not in shown

    term.send("r")
    term.expect("ASK")
    data = "café 日本".encode()
    for i in range(len(data)):  # one byte per write: characters split across reads
        term.send(data[i:i + 1])
        time.sleep(0.01)
    term.send("\r")
    assert "café 日本\r\n" in term.expect("LINE café 日本")

    term.send("r")
    term.expect("ASK")
    term.send("\r")
    term.expect("LINE \r\n")  # an empty line is an empty answer

    term.send("s")  # after a line, keys are commands again
    term.expect("CMD stop")
    term.finish()


def test_escape_twice_exits_during_line_entry(term: Terminal) -> None:
    term.send("r")
    term.expect("ASK")
    term.send("ab")
    term.send("\x1b\x1b")
    assert "CMD" not in term.expect("CMD exit")[:-len("CMD exit")]
    term.send("\r")
    term.expect("LINE ab")
    term.send("q")
    term.finish()


@pytest.mark.parametrize("typing", [False, True])
def test_ctrl_c_interrupts_and_restores_the_terminal(term: Terminal,
                                                     typing: bool) -> None:
    if typing:
        term.send("r")
        term.expect("ASK")
        term.send("half a sen")
    term.send("\x03")
    term.expect("INTERRUPTED")
    term.finish()


# ---- in this process, on a pty that is not our controlling terminal -----------


def test_close_restores_and_a_failing_handler_does_not_stop_the_keys() -> None:
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    got: list[str] = []
    arrived = threading.Event()

    def on_command(name: str) -> None:
        got.append(name)
        if name == "stop":
            raise RuntimeError("a faulty handler")
        arrived.set()

    try:
        keys = TerminalInput(slave, on_command).start()
        assert keys.keys
        assert termios.tcgetattr(slave) != before
        os.write(master, b"s")
        os.write(master, b"n")
        assert arrived.wait(TIMEOUT_S)
        assert got == ["stop", "skip"]
        keys.close()
        assert termios.tcgetattr(slave) == before
        keys.close()  # safe twice
        assert keys.get(timeout=1) is None  # closed: no waiting forever
    finally:
        os.close(master)
        os.close(slave)
