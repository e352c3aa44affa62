"""Running one program from the command line: build, run, report, clean up."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from voiceguide.cli.output import err, out

if TYPE_CHECKING:
    from voiceguide.config import Paths, Settings
    from voiceguide.program import Program


def run_program(program: Program, settings: Settings, paths: Paths,
                 render: str | None = None, keep_note: bool = True) -> int:
    from voiceguide.assemble import build, mark_welcomed

    if keep_note and not render:  # before the session takes the keyboard
        from voiceguide.cli.passphrase import unlock_for_session

        unlock_for_session(settings, paths)
    parts = build(program, settings, paths, out, render, keep_note)
    session = parts.session
    terminate_cleanly()
    try:
        result = session.run()
    except KeyboardInterrupt:
        if session.note and session.note.path:
            err(f"Stopped. Everything answered so far is saved in {session.note.path}")
        return 130
    finally:
        if parts.player is not None:
            if not render and hasattr(parts.player, "wait_idle"):
                parts.player.wait_idle(3.0)  # let the closing bell ring out
            parts.player.close()
        parts.close()
    if parts.render_to is not None:
        seconds = parts.player.write(parts.render_to)
        out(f"Rendered {seconds:.1f} seconds to {parts.render_to}")
        return 0
    if result.ended_by == "exit":
        if sys.stdout.isatty():  # leave nothing on the screen, scrollback included
            sys.stdout.write("\033[H\033[2J\033[3J")
            sys.stdout.flush()
        return 0
    if parts.welcomed is not None:
        mark_welcomed(parts.welcomed)
    if result.unsaved_note:
        err("Your note could not be saved. Here it is in full, so nothing is lost:")
        err(result.unsaved_note)
        return 1
    if result.note_path:
        n = result.answered
        out(f"Note saved ({n} answer{'s' if n != 1 else ''}): {result.note_path}")
    return 0


def terminate_cleanly() -> None:
    """A plain kill (SIGTERM) ends like Ctrl-C: note saved, terminal restored."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
