"""Sealed files: the notes, recordings and index of an encrypted notes folder.

A sealed file sits beside the name it stands for, with ``SEALED_SUFFIX`` added
(``x.md`` -> ``x.md.enc``). Callers keep using the plain name; ``load`` and
``store`` pick the form. Whole files are AES-GCM with a random nonce and the
file's path relative to the notes folder as associated data, so a file swapped
or moved inside the folder is refused rather than shown under the wrong name.
Recordings use the chunked format of vaultstream.py.

While both forms of one file exist (an interrupted encrypt or decrypt), the
vault's state says which is newer: sealed while "on" or "encrypting", plain
while "decrypting" (see encryption.py).

``cryptography`` is imported inside the functions that use it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.durable import write_bytes_atomic
from voiceguide.errors import BadInput

if TYPE_CHECKING:
    import sqlite3

VAULT_NAME = ".voiceguide-vault.json"
SEALED_SUFFIX = ".enc"
FILE_MAGIC = b"VGF1"  # magic, 12-byte nonce, ciphertext and 16-byte tag
STREAM_MAGIC = b"VGS1"  # a chunked recording: see vaultstream.py
ON, ENCRYPTING, DECRYPTING = "on", "encrypting", "decrypting"
NONCE = 12
FILE_MODE = 0o600


class VaultError(BadInput):
    """An encrypted notes folder cannot be opened as asked (exit code 2)."""


class WrongPassphrase(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "that passphrase does not open your notes",
            "Try again, typing it exactly as you chose it. Nothing was changed.",
        )


class VaultLocked(VaultError):
    """Encrypted, and there is no key or way to ask for the passphrase."""


class DamagedFile(VaultError):
    """A sealed file failed authentication: changed, damaged, or moved."""


def damaged(where: Path, rel: str, why: str) -> DamagedFile:
    return DamagedFile(
        f"{where}: cannot be opened: {why}, or it was moved since it was locked",
        f"If it was moved or renamed, put it back as {rel} in the notes folder; "
        "otherwise restore it from a backup. It is left as it is.",
    )


class Vault:
    """An unlocked vault: seals and opens the files of one notes folder."""

    def __init__(self, root: Path, state: str, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.root = root
        self.state = state
        self.aead = AESGCM(key)
        self._prefix = os.path.join(str(root), "")

    @property
    def sealing(self) -> bool:
        """Whether writes are sealed now (all states but "decrypting")."""
        return self.state != DECRYPTING

    def rel(self, path: Path) -> str:
        """``path`` relative to the notes folder, with '/': the associated data."""
        s = str(path)
        if s.startswith(self._prefix) and ".." not in s:
            return s[len(self._prefix):].replace(os.sep, "/")
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            raise VaultError(
                f"{path} is outside the encrypted notes folder {self.root}",
                "Encrypted notes can only be opened inside their own folder.",
            ) from None

    def seal(self, data: bytes, rel: str) -> bytes:
        nonce = os.urandom(NONCE)
        aad = FILE_MAGIC + rel.encode()
        return FILE_MAGIC + nonce + self.aead.encrypt(nonce, data, aad)

    def unseal(self, blob: bytes, rel: str, where: Path) -> bytes:
        """The plain bytes of a sealed file (of a recording cut off by a kill:
        all it saved); DamagedFile naming ``where`` otherwise."""
        from cryptography.exceptions import InvalidTag

        if blob[:4] == STREAM_MAGIC:
            from voiceguide.vaultstream import open_stream

            return open_stream(self.aead, blob, rel, where)[0]
        if blob[:4] != FILE_MAGIC or len(blob) < 4 + NONCE + 16:
            raise damaged(where, rel, "it is not a voiceguide encrypted file")
        try:
            return self.aead.decrypt(blob[4:4 + NONCE], blob[4 + NONCE:],
                                     FILE_MAGIC + rel.encode())
        except InvalidTag:
            raise damaged(where, rel, "it was changed or damaged") from None


def sealed_twin(path: Path) -> Path:
    return path.with_name(path.name + SEALED_SUFFIX)


def plain_name(path: Path) -> Path:
    """The name a sealed file stands for (``x.md.enc`` -> ``x.md``)."""
    if path.name.endswith(SEALED_SUFFIX):
        return path.with_name(path.name[: -len(SEALED_SUFFIX)])
    return path


def exists(path: Path) -> bool:
    """Whether ``path`` exists in either form."""
    return path.exists() or sealed_twin(path).exists()


def load(path: Path, vault: Vault | None) -> bytes:
    """The content of ``path`` from whichever form holds it now.

    FileNotFoundError when neither exists; VaultLocked when only the sealed
    form exists and no vault is open; DamagedFile when it fails to open.
    """
    twin = sealed_twin(path)
    order = (twin, path) if vault is not None and vault.sealing else (path, twin)
    for f in order:
        try:
            data = f.read_bytes()
        except FileNotFoundError:
            continue
        if f is path:
            return data
        if vault is None:
            raise VaultLocked(
                f"{f}: this file is encrypted, but its notes folder has no vault "
                f"file ({VAULT_NAME})",
                "Put the vault file back in the notes folder (from a backup); "
                "the file is left as it is.",
            )
        return vault.unseal(data, vault.rel(path), f)
    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))


def store(path: Path, data: bytes, vault: Vault) -> None:
    """Write ``path`` atomically in the form the vault's state asks for, then
    remove the other form, which is older."""
    twin = sealed_twin(path)
    if vault.sealing:
        write_bytes_atomic(twin, vault.seal(data, vault.rel(path)))
        path.unlink(missing_ok=True)
    else:
        write_bytes_atomic(path, data)
        twin.unlink(missing_ok=True)


# ---------------------------------------------------------------- sqlite


def load_database(path: Path, vault: Vault) -> sqlite3.Connection:
    """An in-memory SQLite database from its sealed file (empty when there is
    none). Temp storage stays in memory, so no page of it reaches the disk.
    DamagedFile when the file fails to open: treat it as a corrupt index."""
    import sqlite3

    conn = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        data = load(path, vault)
    except FileNotFoundError:
        data = b""
    if data:
        conn.deserialize(data)
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def save_database(conn: sqlite3.Connection, path: Path, vault: Vault) -> None:
    """Write the whole in-memory database, sealed, atomically."""
    conn.commit()
    store(path, conn.serialize(), vault)
