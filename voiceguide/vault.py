"""The key to an encrypted notes folder: vault file, passphrase, keys held.

A notes folder is encrypted when it holds a vault file (``VAULT_NAME``). It
keeps the KDF (Argon2id; scrypt with an older cryptography), its salt and
costs, and a random data key wrapped with AES-GCM under the key derived from
the passphrase. The wrap's tag is the verifier: a wrong passphrase is known
before any note is touched. Changing the passphrase rewraps the data key; the
notes stay as they are. Sealing files with the data key is sealed.py's job.

A run asks for the passphrase at most once: ``for_folder`` keeps the data key
in memory for the rest of the process. The command line sets how to ask
(``set_unlocker``); without it, an encrypted folder is VaultLocked.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from voiceguide.durable import fsync_dir, write_bytes_atomic
from voiceguide.errors import BadInput, NotesError
from voiceguide.sealed import (
    DECRYPTING,
    ENCRYPTING,
    NONCE,
    ON,
    VAULT_NAME,
    DamagedFile,
    Vault,
    VaultError,
    VaultLocked,
    WrongPassphrase,
    load_database,
    save_database,
)

__all__ = ["DECRYPTING", "ENCRYPTING", "ON", "DamagedFile", "Vault", "VaultError",
           "VaultLocked", "WrongPassphrase", "load_database", "save_database"]

MIN_PASSPHRASE = 8
# Argon2id costs for new vaults (RFC 9106's second recommendation, one lane):
# about 0.4 s and 64 MiB here, once per run. Each vault stores its own.
KDF_MEMORY_KIB = 64 * 1024
KDF_ITERATIONS = 3
_KEY_AAD = b"voiceguide vault key v1:"


@dataclass(frozen=True)
class Kdf:
    """How the passphrase becomes a key. Costs a KDF does not use are 0."""

    name: str  # argon2id | scrypt
    salt: bytes
    memory_kib: int = 0  # argon2id
    iterations: int = 0  # argon2id
    lanes: int = 0  # argon2id
    n: int = 0  # scrypt
    r: int = 0  # scrypt
    p: int = 0  # scrypt


@dataclass(frozen=True)
class VaultInfo:
    """The vault file, as data (the data key in it is wrapped)."""

    id: str
    kdf: Kdf
    wrapped: bytes  # nonce + AES-GCM(derived key, data key)
    state: str = ENCRYPTING
    remember: bool = False  # the person let the OS keyring keep the passphrase


def default_kdf() -> Kdf:
    salt = os.urandom(16)
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id  # noqa: F401
    except ImportError:  # cryptography before 44
        return Kdf("scrypt", salt, n=2**16, r=8, p=1)
    return Kdf("argon2id", salt, KDF_MEMORY_KIB, KDF_ITERATIONS, 1)


def derive(kdf: Kdf, passphrase: str) -> bytes:
    """The 32-byte key for ``passphrase``; NFC first, so the same phrase typed
    with another keyboard or input method gives the same key."""
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    if kdf.name == "argon2id":
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        return Argon2id(salt=kdf.salt, length=32, iterations=kdf.iterations,
                        lanes=kdf.lanes, memory_cost=kdf.memory_kib).derive(secret)
    if kdf.name == "scrypt":
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        return Scrypt(salt=kdf.salt, length=32, n=kdf.n, r=kdf.r,
                      p=kdf.p).derive(secret)
    raise VaultError(f"the vault uses {kdf.name!r}, which this voiceguide lacks",
                     "Update voiceguide, or install a newer cryptography.")


# ---------------------------------------------------------------- vault file


def read_info(root: Path) -> VaultInfo | None:
    """The vault of ``root``; None when the folder is not encrypted."""
    path = root / VAULT_NAME
    try:
        raw = json.loads(path.read_bytes())
        kdf = raw["kdf"]
        costs = {k: int(kdf.get(k, 0))
                 for k in ("memory_kib", "iterations", "lanes", "n", "r", "p")}
        return VaultInfo(str(raw["id"]),
                         Kdf(str(kdf["name"]), base64.b64decode(kdf["salt"]), **costs),
                         base64.b64decode(raw["key"]),
                         str(raw.get("state", ENCRYPTING)),
                         bool(raw.get("remember", False)))
    except (FileNotFoundError, NotADirectoryError):  # no folder: others report it
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise VaultError(
            f"{path}: the vault file cannot be read ({e})",
            "It holds the key to your encrypted notes: restore it from a "
            "backup. The notes themselves are left as they are.",
        ) from None


def write_info(root: Path, info: VaultInfo) -> None:
    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode("ascii")

    k = info.kdf
    data = {
        "format": "voiceguide-vault", "version": 1, "id": info.id,
        "kdf": {"name": k.name, "salt": b64(k.salt), "memory_kib": k.memory_kib,
                "iterations": k.iterations, "lanes": k.lanes,
                "n": k.n, "r": k.r, "p": k.p},
        "key": b64(info.wrapped), "state": info.state, "remember": info.remember,
    }
    try:
        write_bytes_atomic(root / VAULT_NAME,
                           (json.dumps(data, indent=1) + "\n").encode("ascii"))
    except OSError as e:  # the old vault file, if any, is left as it was
        raise NotesError(
            f"{root / VAULT_NAME}: cannot be written ({e.strerror or e})",
            "Free some disk space or fix the folder's permissions, then run "
            "the same command again. Every note is still readable.",
        ) from None


def _wrap(kdf: Kdf, vault_id: str, passphrase: str, key: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE)
    aad = _KEY_AAD + vault_id.encode()
    return nonce + AESGCM(derive(kdf, passphrase)).encrypt(nonce, key, aad)


def open_key(info: VaultInfo, passphrase: str) -> bytes:
    """The data key; WrongPassphrase when the wrap's tag does not match."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(derive(info.kdf, passphrase))
    try:
        return aead.decrypt(info.wrapped[:NONCE], info.wrapped[NONCE:],
                            _KEY_AAD + info.id.encode())
    except InvalidTag:
        raise WrongPassphrase() from None


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase.strip()) < MIN_PASSPHRASE:
        raise BadInput(
            f"a passphrase needs at least {MIN_PASSPHRASE} characters",
            "A few words you will remember work well, such as a line of a song.",
        )


def _must(root: Path) -> VaultInfo:
    info = read_info(root)
    if info is None:
        raise VaultError(f"the notes in {root} are not encrypted",
                         "To encrypt them, run: voiceguide encrypt")
    return info


def create(root: Path, passphrase: str, kdf: Kdf | None = None) -> Vault:
    """Write the vault file (state "encrypting"); no note changes yet."""
    check_new_passphrase(passphrase)
    if read_info(root) is not None:
        raise VaultError(f"the notes in {root} are already encrypted",
                         "Run 'voiceguide encrypt' to finish or check it.")
    kdf = kdf or default_kdf()
    key, vault_id = os.urandom(32), os.urandom(8).hex()
    info = VaultInfo(vault_id, kdf, _wrap(kdf, vault_id, passphrase, key))
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_info(root, info)
    _keys[info.id] = key
    return Vault(root, info.state, key)


def change_passphrase(root: Path, old: str, new: str) -> VaultInfo:
    """Rewrap the data key under ``new`` (fresh salt, today's costs)."""
    check_new_passphrase(new)
    info = _must(root)
    key = open_key(info, old)
    kdf = default_kdf()
    info = replace(info, kdf=kdf, wrapped=_wrap(kdf, info.id, new, key))
    write_info(root, info)
    return info


def set_state(root: Path, state: str | None = None,
              remember: bool | None = None) -> VaultInfo:
    info = _must(root)
    info = replace(info, state=state or info.state,
                   remember=info.remember if remember is None else remember)
    write_info(root, info)
    return info


def remove(root: Path) -> None:
    """Delete the vault file: only once no sealed file is left."""
    (root / VAULT_NAME).unlink(missing_ok=True)
    fsync_dir(root)


# ---------------------------------------------------------------- keys held


Unlocker = Callable[[Path, VaultInfo], bytes]  # asks the person; the data key
_keys: dict[str, bytes] = {}  # vault id -> data key, for the rest of the run
# folder -> (the vault file's identity, its open Vault): one stat per call
_open: dict[str, tuple[tuple[int, ...], Vault]] = {}
_unlocker: Unlocker | None = None
_asking = threading.Lock()


def set_unlocker(unlocker: Unlocker | None) -> None:
    """How this run asks for a passphrase (the command line sets it). Forgets
    every key held so far: each run asks afresh."""
    global _unlocker
    _unlocker = unlocker
    _keys.clear()
    _open.clear()


def holds_key(root: Path) -> bool:
    info = read_info(root)
    return info is not None and info.id in _keys


def hold_key(info: VaultInfo, key: bytes) -> None:
    """Keep a data key opened elsewhere (from the keyring) for this run."""
    _keys[info.id] = key


def unlock(root: Path, passphrase: str) -> Vault:
    """Open the vault with ``passphrase`` and hold its key for this run."""
    info = _must(root)
    key = open_key(info, passphrase)
    _keys[info.id] = key
    return Vault(root, info.state, key)


def for_folder(root: Path) -> Vault | None:
    """The open vault of ``root`` (asking once per run), or None when plain.

    The vault file is looked at on every call, so a change of state made by
    another run (encrypt, decrypt) is followed from the next save on."""
    seen: tuple[int, ...] = ()
    try:
        st = os.stat(root / VAULT_NAME)
        seen = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        pass  # read_info says what is wrong
    hit = _open.get(str(root))
    if hit is not None and seen and hit[0] == seen:
        return hit[1]
    info = read_info(root)
    if info is None:
        return None
    key = _keys.get(info.id)
    if key is None:
        with _asking:
            key = _keys.get(info.id)
            if key is None:
                if _unlocker is None:
                    raise VaultLocked(
                        f"the notes in {root} are encrypted",
                        "Run voiceguide from the command line; it asks for "
                        "the passphrase.",
                    )
                key = _unlocker(root, info)
                _keys[info.id] = key
    vault = Vault(root, info.state, key)
    _open[str(root)] = (seen, vault)
    return vault


def covering(path: Path) -> Vault | None:
    """The vault of the nearest folder above ``path`` that has one, or None."""
    for parent in Path(os.path.abspath(path)).parents:
        if (parent / VAULT_NAME).exists():
            return for_folder(parent)
    return None
