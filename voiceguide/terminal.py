"""Single-key commands and typed lines from one terminal, read by one thread.

On a terminal the keys in ``KEYMAP`` act at once, without Enter, and Enter alone
is the command "enter". While someone waits in ``get()`` the same thread collects
a line instead, echoing it itself: letters and space are text then; only Escape
twice (exit) and Ctrl-C still act, and Ctrl-D on an empty line ends input. A
timed-out ``get()`` keeps line entry for LINGER_S, so a polling loop of short
gets is seamless, then drops the unfinished line. Lines pasted in one go stay
text. On a pipe or file (or Windows) it behaves exactly like LineReader.
"""

from __future__ import annotations

import atexit
import codecs
import contextlib
import logging
import os
import queue
import select
import threading
import time
import unicodedata
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

from voiceguide.backends.text import LineReader

try:
    import termios
except ImportError:  # Windows: no termios; typed lines still work, keys do not
    termios = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

ESC = "\x1b"
KEYMAP: dict[str, str] = {
    " ": "pause", "s": "stop", "q": "stop", "r": "repeat", "n": "skip",
    "b": "back", "+": "louder", "-": "quieter", ">": "faster", "<": "slower",
    "?": "help", "h": "help", "!": "need-help", "k": "keep", "v": "voice",
    ESC + ESC: "exit",  # two separate presses within DOUBLE_ESCAPE_S
}
# Caps Lock must not take "stop" away.
KEYMAP.update({k.upper(): v for k, v in KEYMAP.items() if k.isalpha()})

ESCAPE_WAIT_S = 0.1  # a lone ESC, or the start of an arrow key's sequence?
DOUBLE_ESCAPE_S = 1.0
LINGER_S = 0.25  # a get() that timed out keeps line entry this long (polling loops)
POLL_S = 0.05  # the reader notices close() within this

# ("command", name) | ("echo", text) | ("line", text) | ("eof", "")
Event = tuple[str, str]


def keys_available(fd: int = 0) -> bool:
    """Whether single keys can be read from ``fd`` (a terminal, on POSIX)."""
    return termios is not None and os.isatty(fd)


def _foreground(fd: int) -> bool:
    """Not a background job, which would be stopped (SIGTTOU) for taking the tty."""
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:  # not our controlling terminal: no job control applies
        return True


def _width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


class KeyDecoder:
    """Pure decoding of terminal bytes into commands, echo and lines (no I/O).

    ``feed(data, now)`` and ``tick(now)`` return events; ``now`` is monotonic
    seconds. Call ``tick`` by ``deadline()`` so a lone Escape is recognised.
    """

    def __init__(self) -> None:
        self.wanted = False  # someone waits in get(): keys are text
        self.line: list[str] = []
        self._linger_until = 0.0
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        self._seq = ""  # an escape sequence in progress
        self._seq_at = 0.0
        self._last_escape: float | None = None
        self._cr = False
        self._pasting = False
        self.digits = False  # number keys are commands ("digit-6"): a check-in

    def stop_waiting(self, now: float, linger: bool) -> None:
        self.wanted = False
        self._linger_until = now + LINGER_S if linger else 0.0

    def line_entry(self, now: float) -> bool:
        return self.wanted or self._pasting or now < self._linger_until

    def deadline(self) -> float | None:
        return self._seq_at + ESCAPE_WAIT_S if self._seq else None

    def tick(self, now: float) -> list[Event]:
        out: list[Event] = []
        if self._seq and now >= self._seq_at + ESCAPE_WAIT_S:
            if self._seq in (ESC, ESC + ESC):  # one press, or two quick ones
                for _ in self._seq:
                    self._escape(self._seq_at, out)
            self._seq = ""  # else an unfinished sequence: dropped
        return out

    def feed(self, data: bytes, now: float) -> list[Event]:
        out = self.tick(now)
        for ch in self._utf8.decode(data):
            self._char(ch, now, out)
        self._pasting = False
        return out

    def _escape(self, at: float, out: list[Event]) -> None:
        last, self._last_escape = self._last_escape, at
        if last is not None and at - last <= DOUBLE_ESCAPE_S:
            self._last_escape = None
            out.append(("command", "exit"))

    def _char(self, ch: str, now: float, out: list[Event]) -> None:
        if self._seq and self._sequence(ch, now, out):
            return
        if ch == ESC:
            self._seq, self._seq_at = ESC, now
            return
        self._last_escape = None
        self._key(ch, now, out)

    def _sequence(self, ch: str, now: float, out: list[Event]) -> bool:
        """Continue an escape sequence; True if ``ch`` belonged to it."""
        seq, at = self._seq, self._seq_at
        self._seq, self._seq_at = "", now
        if seq + ch in (ESC * 2, ESC + "[", ESC + "O", ESC * 2 + "[", ESC * 2 + "O"):
            self._seq = seq + ch  # ESC ESC [ A is Alt+Up in some terminals
            return True
        if seq == ESC + ESC:  # an Escape press, then ESC and ch anew
            self._escape(at, out)
            self._seq = ESC
            return self._sequence(ch, now, out)
        if seq == ESC:
            if ch.isprintable():  # Alt+key: ignored
                self._last_escape = None
                return True
            self._escape(at, out)
            return False
        body = seq.lstrip(ESC)  # "[" + parameters (CSI), or "O" (SS3)
        if body.startswith("[") and " " <= ch <= "?":
            self._seq = seq + ch
            return True
        if "@" <= ch <= "~" if body.startswith("[") else ch.isprintable():
            self._last_escape = None  # an arrow or function key: ignored
            return True
        return False  # a broken sequence: dropped; ch is read as itself

    def _key(self, ch: str, now: float, out: list[Event]) -> None:
        cr, self._cr = self._cr, ch == "\r"
        if ch == "\n" and cr:  # CR LF is one Enter
            return
        entry = self.line_entry(now)
        if not entry and self.line:  # abandoned by a get() that gave up
            self.line.clear()
        if ch in "\r\n":
            if entry:
                # "\n" as print() writes it: the terminal's ONLCR (kept) makes it CR LF
                out += [("echo", "\n"), ("line", "".join(self.line))]
                self.line.clear()
                self.stop_waiting(now, linger=False)
                self._pasting = True  # the rest of this read is pasted text
            else:
                out.append(("command", "enter"))
        elif ch == "\x04" and not self.line:  # Ctrl-D: end of input, as before
            out.append(("eof", ""))
        elif not entry:
            if ch in KEYMAP:
                out.append(("command", KEYMAP[ch]))
            elif self.digits and ch in "0123456789":
                out.append(("command", f"digit-{ch}"))
        elif ch in "\x7f\b":
            if self.line:
                n = _width(self.line.pop())
                out.append(("echo", "\b" * n + " " * n + "\b" * n))
        elif ch.isprintable():
            self.line.append(ch)
            out.append(("echo", ch))


def _cbreak(mode: list[Any]) -> list[Any]:
    """No line editing or echo; Ctrl-C still signals; output unchanged (OPOST)."""
    assert termios is not None
    new = [*mode[:6], list(mode[6])]
    new[0] &= ~termios.IXON  # Ctrl-S must not freeze the screen
    new[3] &= ~(termios.ICANON | termios.ECHO | termios.IEXTEN)
    new[6][termios.VMIN], new[6][termios.VTIME] = 1, 0
    return new


class TerminalInput:
    """Key commands and typed lines from ``stream_fd``; LineReader's ``get``/``eof``.

    ``on_command(name)`` runs in the reader thread: it must be thread-safe and
    quick. ``close()`` restores the terminal (also at exit; safe to repeat).
    """

    def __init__(self, stream_fd: int | TextIO = 0,
                 on_command: Callable[[str], None] | None = None) -> None:
        # A text stream (sys.stdin) is read through its own fd when it has one,
        # and as lines otherwise (an io.StringIO in tests).
        self._stream = None if isinstance(stream_fd, int) else stream_fd
        self.fd: int | None = stream_fd if isinstance(stream_fd, int) else None
        if self._stream is not None:
            with contextlib.suppress(OSError, ValueError):  # io.UnsupportedOperation
                self.fd = self._stream.fileno()
        self.on_command = on_command
        self._eof = False
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._decoder = KeyDecoder()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._saved: list[Any] | None = None
        self._key_fd = -1  # the terminal, once keys are read
        self._thread: threading.Thread | None = None
        self._fallback: LineReader | None = None

    @property
    def keys(self) -> bool:
        """Whether single keys are being read (a terminal, after start())."""
        return self._thread is not None

    @property
    def eof(self) -> bool:
        return self._fallback.eof if self._fallback else self._eof

    def rating_keys(self, on: bool) -> None:
        """Number keys as commands ("digit-0" to "digit-9") while ``on``."""
        with self._lock:
            self._decoder.digits = on

    @property
    def line_entry(self) -> bool:
        """Whether keys are read as text now (someone is waiting for a line)."""
        with self._lock:
            return self._decoder.line_entry(time.monotonic())

    def start(self) -> TerminalInput:
        if self._thread or self._fallback:
            return self
        fd = self.fd
        if fd is not None and keys_available(fd) and _foreground(fd):
            try:
                saved = termios.tcgetattr(fd)
                termios.tcsetattr(fd, termios.TCSADRAIN, _cbreak(saved))
                self._saved, self._key_fd = saved, fd
            except termios.error as e:
                log.warning("terminal keys unavailable (%s); reading lines", e)
        if self._saved is None:
            stream = self._stream
            if stream is None:
                assert fd is not None
                stream = open(fd, encoding="utf-8", errors="replace",  # noqa: SIM115
                              closefd=False)  # read to the end by LineReader
            self._fallback = LineReader(stream)
            return self
        atexit.register(self.close)
        self._thread = threading.Thread(target=self._run, daemon=True, name="keys")
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread and thread is not threading.current_thread():
            thread.join(timeout=1.0)
        saved, self._saved = self._saved, None
        if saved is not None:
            atexit.unregister(self.close)
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._key_fd, termios.TCSADRAIN, saved)
            self._lines.put(None)  # a later get() ends instead of waiting forever

    def __enter__(self) -> TerminalInput:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None,
                 exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def get(self, timeout: float | None = None) -> str | None:
        """The next line; None at end of input. Raises queue.Empty on timeout."""
        self.start()
        if self._fallback:
            return self._fallback.get(timeout)
        if self._eof:
            return None
        try:
            item = self._lines.get_nowait()
        except queue.Empty:
            with self._lock:
                self._decoder.wanted = True
            linger = True
            try:
                item = self._lines.get(timeout=timeout)
                linger = False
            finally:
                with self._lock:
                    self._decoder.stop_waiting(time.monotonic(), linger)
        if item is None:
            self._eof = True
        return item

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                deadline = self._decoder.deadline()
            wait = POLL_S
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                ready = select.select([self._key_fd], [], [], wait)[0]
                data = os.read(self._key_fd, 1024) if ready else None
            except (OSError, ValueError):  # closed, or the terminal hung up
                data = b""
            with self._lock:
                now = time.monotonic()
                decoder = self._decoder
                events = decoder.feed(data, now) if data else decoder.tick(now)
            self._dispatch(events)
            if data == b"":
                self._lines.put(None)
                return

    def _dispatch(self, events: list[Event]) -> None:
        for kind, value in events:
            if kind == "command" and self.on_command:
                try:
                    self.on_command(value)
                except Exception:  # the reader must outlive a faulty handler
                    log.exception("key command %r failed", value)
            elif kind == "echo":
                with contextlib.suppress(OSError):
                    os.write(self._key_fd, value.encode("utf-8"))
            elif kind == "line":
                self._lines.put(value)
            elif kind == "eof":
                self._lines.put(None)
