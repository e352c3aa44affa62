"""Asking for the passphrase of encrypted notes, once per run.

Typed without echo on a terminal (getpass), or one line from standard input
when it is a pipe (scripts, tests). The OS keyring is used only when the
person asked for it (``voiceguide encrypt --remember``); without a working
keyring, that is said once and the passphrase is typed instead. A session
says the request aloud first, unless it is silent.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import vault as vaults
from voiceguide.cli.output import err
from voiceguide.errors import BadInput, VoiceGuideError

if TYPE_CHECKING:
    from voiceguide.config import Paths, Settings
    from voiceguide.vault import VaultInfo

KEYRING_SERVICE = "voiceguide"
ASK = "Passphrase for your notes: "
SPOKEN = ("Your notes are locked with a passphrase. Please type it, then press "
          "Enter. It will not show on the screen.")
TRIES_ON_A_TERMINAL = 3


def _terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def read(prompt: str) -> str:
    """One passphrase: without echo on a terminal, else one line of input."""
    if _terminal():
        import getpass

        try:
            return getpass.getpass(prompt)
        except EOFError:
            line = ""
    else:
        err(prompt.rstrip())
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if line:
            return line.rstrip("\r\n")
    raise BadInput("no passphrase was given",
                   "Type it when asked, or give it as the first line of input.")


def read_new() -> str:
    """A new passphrase, typed twice."""
    first = read("New passphrase: ")
    vaults.check_new_passphrase(first)
    if read("The same passphrase again: ") != first:
        raise BadInput("the two passphrases are not the same",
                       "Run the command again and type the same one twice. "
                       "Nothing was changed.")
    return first


def keyring_get(info: VaultInfo) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, info.id)
        except (KeyringError, OSError):
            return None
    except ImportError:
        return None


def keyring_set(info: VaultInfo, passphrase: str) -> str | None:
    """Keep the passphrase in the OS keyring; why not, when it cannot."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return "the keyring library is not installed"
    try:
        keyring.set_password(KEYRING_SERVICE, info.id, passphrase)
    except (KeyringError, OSError) as e:
        from keyring.errors import NoKeyringError

        if isinstance(e, NoKeyringError):
            return "this computer has no keyring that voiceguide can use"
        return f"the keyring refused it ({e})"
    return None


def keyring_delete(info: VaultInfo) -> None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return
    # Nothing kept, or no keyring: nothing to forget.
    with contextlib.suppress(KeyringError, OSError):
        keyring.delete_password(KEYRING_SERVICE, info.id)


def _from_keyring(info: VaultInfo) -> bytes | None:
    if not info.remember:
        return None
    passphrase = keyring_get(info)
    if passphrase is None:
        err("Your keyring did not give the passphrase; please type it.")
        return None
    try:
        return vaults.open_key(info, passphrase)
    except vaults.WrongPassphrase:
        err("The passphrase kept in your keyring no longer opens your notes; "
            "please type it.")
        return None


def unlocker(root: Path, info: VaultInfo) -> bytes:
    """Set for the run by main(): the keyring if allowed, then typing."""
    if info.state != vaults.ON:
        err("Turning encryption on or off was not finished. To finish it, run "
            "'voiceguide encrypt' or 'voiceguide decrypt' again.")
    key = _from_keyring(info)
    if key is not None:
        return key
    tries = TRIES_ON_A_TERMINAL if _terminal() else 1
    for attempt in range(1, tries + 1):
        try:
            return vaults.open_key(info, read(ASK))
        except vaults.WrongPassphrase:
            if attempt == tries:
                raise
            err("That passphrase does not open your notes. Please try again.")
    raise AssertionError("unreachable")  # pragma: no cover


def install() -> None:
    vaults.set_unlocker(unlocker)


def unlock_for_session(settings: Settings, paths: Paths) -> None:
    """Before a session takes the keyboard: the passphrase, asked aloud first
    (unless silent, or the keyring has it)."""
    root = settings.notes_dir or paths.default_notes_dir
    info = vaults.read_info(root)
    if info is None or vaults.holds_key(root):
        return
    key = _from_keyring(info)
    if key is not None:
        vaults.hold_key(info, key)
        return
    if not settings.silent:
        err(SPOKEN)
        _say(settings, SPOKEN)
    vaults.for_folder(root)


def _say(settings: Settings, text: str) -> None:
    """Say one line and wait for it (bounded); quietly nothing without sound."""
    from voiceguide.assemble import open_player, voice_factory

    player = open_player(settings, lambda _line: None)
    if player is None:
        return
    voice = None
    try:
        voice = voice_factory(settings)()
        clip = voice.synthesize(text)
        player.play(clip)
        player.wait_idle(clip.duration + 2.0)
    except VoiceGuideError:
        pass  # the line is on the screen already
    finally:
        player.close()
        close = getattr(voice, "close", None)
        if close:
            close()
