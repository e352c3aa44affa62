"""voiceguide encrypt | decrypt | passphrase: encryption of the notes at rest."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from voiceguide.cli.notes import add_notes_dir
from voiceguide.cli.output import out

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from voiceguide.config import Paths, Settings
    from voiceguide.vault import VaultInfo

KEEP_IT_SAFE = ("Please keep your passphrase somewhere safe. Without it, nobody "
                "can open these notes, not even you.")


def _root(settings: Settings, paths: Paths) -> Path:
    from voiceguide.errors import NotesError

    root = settings.notes_dir or paths.default_notes_dir
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise NotesError(f"cannot use the notes folder {root} ({e.strerror or e})",
                         "Give another folder with --notes-dir DIR.") from None
    return root


def _progress(verb: str) -> Callable[[int, int], None]:
    """A line at each quarter of a long job (a screen reader reads them all)."""
    said = set()

    def show(done: int, total: int) -> None:
        quarter = done * 4 // max(total, 1)
        if total >= 400 and 0 < quarter < 4 and quarter not in said:
            said.add(quarter)
            out(f"{verb} {done} of {total} files...")

    return show


def _remember(root: Path, info: VaultInfo, passphrase: str) -> None:
    from voiceguide import vault as vaults
    from voiceguide.cli.passphrase import keyring_set

    problem = keyring_set(info, passphrase)
    if problem:
        out(f"The passphrase was not kept: {problem}. voiceguide will ask for "
            "it each time instead.")
        return
    vaults.set_state(root, remember=True)
    out("Your keyring keeps the passphrase now. To stop that: "
        "voiceguide passphrase forget")


def cmd_encrypt(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide import vault as vaults
    from voiceguide.cli.passphrase import read, read_new
    from voiceguide.encryption import encrypt_folder
    from voiceguide.folderlock import exclusive

    root = _root(settings, paths)
    with exclusive(root):
        info = vaults.read_info(root)
        passphrase = None
        if info is None:
            out(f"This locks every note and recording in {root} with a "
                "passphrase.")
            out(KEEP_IT_SAFE)
            passphrase = read_new()
            vault = vaults.create(root, passphrase)
            was = None
        else:
            was = info.state
            if args.remember and not info.remember:
                passphrase = read("Passphrase for your notes: ")
                vault = vaults.unlock(root, passphrase)
            else:
                found = vaults.for_folder(root)
                assert found is not None
                vault = found
        outcome = encrypt_folder(root, vault, _progress("Locked"))
        info = vaults.read_info(root)
        assert info is not None
        if was is None:
            out(f"Your notes in {root} are encrypted now: "
                f"{_files(outcome.changed)} locked.")
            out("From now on, voiceguide asks for the passphrase once each time "
                "it starts.")
            out("The plain copies are deleted. A disk can keep traces of deleted "
                "files; encrypting the whole disk protects those too.")
        elif was == vaults.ON:
            out(f"Your notes in {root} were already encrypted"
                + (f"; {_files(outcome.changed)} found plain and locked now."
                   if outcome.changed else "."))
        else:
            out(f"Finished encrypting your notes in {root}: "
                f"{_files(outcome.changed)} locked.")
        if args.remember and passphrase is not None and not info.remember:
            _remember(root, info, passphrase)
    return _problems(outcome.problems)


def cmd_decrypt(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voiceguide import vault as vaults
    from voiceguide.cli.passphrase import keyring_delete
    from voiceguide.encryption import decrypt_folder
    from voiceguide.folderlock import exclusive

    root = _root(settings, paths)
    with exclusive(root):
        info = vaults.read_info(root)
        if info is None:
            out(f"Your notes in {root} are not encrypted.")
            return 0
        vault = vaults.for_folder(root)  # asks; a wrong passphrase stops here
        assert vault is not None
        if info.remember:
            keyring_delete(info)
            vaults.set_state(root, remember=False)
        outcome = decrypt_folder(root, vault, _progress("Opened"))
        if not outcome.problems:
            out(f"Your notes in {root} are not encrypted any more: "
                f"{_files(outcome.changed)} opened.")
            out("voiceguide will not ask for a passphrase now.")
    return _problems(outcome.problems)


def cmd_passphrase(args: argparse.Namespace, settings: Settings,
                   paths: Paths) -> int:
    from voiceguide import vault as vaults
    from voiceguide.cli.passphrase import keyring_delete, keyring_set, read, read_new
    from voiceguide.folderlock import exclusive

    root = _root(settings, paths)
    with exclusive(root):
        info = vaults.read_info(root)
        if info is None:
            raise vaults.VaultError(f"the notes in {root} are not encrypted",
                                    "To encrypt them, run: voiceguide encrypt")
        if args.passphrase_cmd == "forget":
            keyring_delete(info)
            vaults.set_state(root, remember=False)
            out("Your keyring does not keep the passphrase any more.")
            return 0
        old = read("Current passphrase: ")
        vaults.open_key(info, old)  # a wrong one stops here, nothing changed
        if args.passphrase_cmd == "remember":
            _remember(root, info, old)
            return 0
        out(KEEP_IT_SAFE)
        new = read_new()
        info = vaults.change_passphrase(root, old, new)
        out("Your passphrase is changed. Your notes stay as they were.")
        if info.remember and keyring_set(info, new):
            vaults.set_state(root, remember=False)
            out("Your keyring could not keep the new passphrase; voiceguide will "
                "ask for it each time.")
    return 0


def _files(n: int) -> str:
    return f"{n} file{'s' if n != 1 else ''}"


def _problems(problems: tuple[str, ...]) -> int:
    if not problems:
        return 0
    from voiceguide.cli.output import err

    err(f"{_files(len(problems))} could not be changed and are left as they were:")
    for problem in problems:
        err(f"  {problem}")
    err("  fix: deal with each file named above, then run the same command again.")
    return 1


def add_encrypt(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--remember", action="store_true",
                    help="let the OS keyring keep the passphrase")
    add_notes_dir(sp)
    sp.set_defaults(func=cmd_encrypt)


def add_decrypt(sp: argparse.ArgumentParser) -> None:
    add_notes_dir(sp)
    sp.set_defaults(func=cmd_decrypt)


def add_passphrase(sp: argparse.ArgumentParser) -> None:
    psub = sp.add_subparsers(dest="passphrase_cmd", metavar="change|remember|forget",
                             required=True)
    for name, help_text in (("change", "choose a new passphrase"),
                            ("remember", "let the OS keyring keep it"),
                            ("forget", "take it out of the OS keyring")):
        add_notes_dir(psub.add_parser(name, help=help_text))
    add_notes_dir(sp)
    sp.set_defaults(func=cmd_passphrase)
