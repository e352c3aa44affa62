"""The vault: passphrase and key, sealed files, which form wins, keys held, locks."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from vaulting import LIGHT, PASSPHRASE, light_kdf

from voiceguide import folderlock, sealed, vault
from voiceguide.errors import BadInput
from voiceguide.notes import NoteBook
from voiceguide.sealed import (
    DECRYPTING,
    ENCRYPTING,
    ON,
    DamagedFile,
    VaultLocked,
    WrongPassphrase,
    load,
    sealed_twin,
    store,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_keys_held() -> Iterator[None]:
    vault.set_unlocker(None)
    yield
    vault.set_unlocker(None)


def test_the_passphrase_opens_the_vault_and_a_wrong_one_does_not(
        tmp_path: Path) -> None:
    made = vault.create(tmp_path, PASSPHRASE, light_kdf())
    blob = made.seal(b"hello", "a.md")
    before = (tmp_path / sealed.VAULT_NAME).read_bytes()

    vault.set_unlocker(None)
    opened = vault.unlock(tmp_path, PASSPHRASE)
    assert opened.unseal(blob, "a.md", tmp_path / "a.md.enc") == b"hello"
    for wrong in ("a quiet morning by the rive", "A quiet morning by the river", ""):
        with pytest.raises(WrongPassphrase) as e:
            vault.unlock(tmp_path, wrong)
        assert e.value.exit_code == 2 and "Nothing was changed" in e.value.hint
    assert (tmp_path / sealed.VAULT_NAME).read_bytes() == before


def test_vault_file_is_private_and_holds_no_key_in_the_clear(tmp_path: Path) -> None:
    vault.create(tmp_path, PASSPHRASE, light_kdf())
    path = tmp_path / sealed.VAULT_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = json.loads(path.read_text())
    assert raw["state"] == ENCRYPTING and raw["kdf"]["name"] == "argon2id"
    assert PASSPHRASE not in path.read_text()
    key = vault._keys[raw["id"]]
    assert key not in path.read_bytes() and key.hex() not in path.read_text()


def test_the_same_words_typed_differently_give_the_same_key(tmp_path: Path) -> None:
    composed = "café au lait, s'il vous plaît"
    vault.create(tmp_path, unicodedata.normalize("NFC", composed), light_kdf())
    vault.unlock(tmp_path, unicodedata.normalize("NFD", composed))


def test_a_short_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="at least 8"):
        vault.create(tmp_path, "  abc   ", light_kdf())
    assert not (tmp_path / sealed.VAULT_NAME).exists()


def test_scrypt_vaults_work_too(tmp_path: Path) -> None:
    kdf = vault.Kdf("scrypt", os.urandom(16), n=2**10, r=8, p=1)
    vault.create(tmp_path, PASSPHRASE, kdf)
    vault.unlock(tmp_path, PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        vault.unlock(tmp_path, PASSPHRASE + "!")


def test_default_costs_are_memory_hard() -> None:
    kdf = vault.default_kdf()
    assert kdf.name == "argon2id" and kdf.memory_kib >= 64 * 1024
    assert kdf.iterations >= 3 and len(kdf.salt) == 16
    assert vault.default_kdf().salt != kdf.salt


def test_changing_the_passphrase_keeps_every_file_readable(tmp_path: Path) -> None:
    made = vault.create(tmp_path, PASSPHRASE, light_kdf())
    vault.set_state(tmp_path, ON)
    made.state = ON
    store(tmp_path / "a.md", b"kept", made)
    info = vault.change_passphrase(tmp_path, PASSPHRASE, "a new line of a song")
    assert info.state == ON
    vault.set_unlocker(None)
    with pytest.raises(WrongPassphrase):
        vault.unlock(tmp_path, PASSPHRASE)
    opened = vault.unlock(tmp_path, "a new line of a song")
    assert load(tmp_path / "a.md", opened) == b"kept"
    with pytest.raises(WrongPassphrase):
        vault.change_passphrase(tmp_path, PASSPHRASE, "something else here")


def test_a_damaged_vault_file_is_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / sealed.VAULT_NAME).write_text("{not json")
    with pytest.raises(vault.VaultError, match="vault file cannot be read") as e:
        vault.read_info(tmp_path)
    assert "backup" in e.value.hint


# ---------------------------------------------------------------- sealed files


@pytest.fixture
def opened(tmp_path: Path) -> sealed.Vault:
    made = vault.create(tmp_path, PASSPHRASE, LIGHT)
    vault.set_state(tmp_path, ON)
    made.state = ON
    return made


def test_a_changed_byte_is_refused_naming_the_file(tmp_path: Path,
                                                   opened: sealed.Vault) -> None:
    note = tmp_path / "2026" / "03" / "n.md"
    note.parent.mkdir(parents=True)
    store(note, b"---\nthe words\n", opened)
    twin = sealed_twin(note)
    assert not note.exists() and twin.exists()
    assert stat.S_IMODE(twin.stat().st_mode) == 0o600
    good = twin.read_bytes()
    for at in (5, len(good) // 2, len(good) - 1):
        bad = bytearray(good)
        bad[at] ^= 0x01
        twin.write_bytes(bytes(bad))
        with pytest.raises(DamagedFile) as e:
            load(note, opened)
        assert str(twin) in e.value.message and e.value.exit_code == 2
        assert "2026/03/n.md" in e.value.hint
    twin.write_bytes(good[:40])
    with pytest.raises(DamagedFile):
        load(note, opened)
    twin.write_bytes(b"plain text pretending")
    with pytest.raises(DamagedFile, match="not a voiceguide encrypted file"):
        load(note, opened)


def test_a_file_moved_inside_the_folder_is_refused(tmp_path: Path,
                                                   opened: sealed.Vault) -> None:
    store(tmp_path / "a.md", b"from a", opened)
    os.replace(sealed_twin(tmp_path / "a.md"), sealed_twin(tmp_path / "b.md"))
    with pytest.raises(DamagedFile, match="moved"):
        load(tmp_path / "b.md", opened)


def test_the_vault_state_says_which_form_is_newer(tmp_path: Path,
                                                  opened: sealed.Vault) -> None:
    path = tmp_path / "n.md"
    path.write_bytes(b"plain")
    sealed_twin(path).write_bytes(opened.seal(b"sealed", "n.md"))
    assert load(path, opened) == b"sealed"  # on / encrypting: sealed is newer
    opened.state = DECRYPTING
    assert load(path, opened) == b"plain"
    store(path, b"written while decrypting", opened)
    assert not sealed_twin(path).exists()
    assert path.read_bytes() == b"written while decrypting"
    opened.state = ENCRYPTING
    store(path, b"written while encrypting", opened)
    assert not path.exists()
    assert load(path, opened) == b"written while encrypting"
    assert list(tmp_path.glob(".*.tmp")) == []


def test_a_sealed_file_without_its_vault_says_so(tmp_path: Path,
                                                 opened: sealed.Vault) -> None:
    store(tmp_path / "n.md", b"words", opened)
    (tmp_path / sealed.VAULT_NAME).unlink()
    with pytest.raises(VaultLocked, match="no vault file"):
        load(tmp_path / "n.md", None)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "other.md", None)


def test_a_path_outside_the_folder_is_refused(tmp_path: Path,
                                              opened: sealed.Vault) -> None:
    assert opened.rel(tmp_path / "x" / ".." / "y.md") == "y.md"
    with pytest.raises(vault.VaultError, match="outside"):
        opened.rel(tmp_path.parent / "elsewhere.md")


# ---------------------------------------------------------------- keys held


def test_the_passphrase_is_asked_once_per_run(tmp_path: Path) -> None:
    vault.create(tmp_path, PASSPHRASE, LIGHT)
    vault.set_state(tmp_path, ON)
    asked: list[Path] = []

    def person(root: Path, info: vault.VaultInfo) -> bytes:
        asked.append(root)
        return vault.open_key(info, PASSPHRASE)

    vault.set_unlocker(person)
    book = NoteBook(tmp_path)
    for _ in range(3):
        assert book.vault() is not None
        assert vault.covering(tmp_path / "2026" / "03" / "x" / "01.wav") is not None
    assert asked == [tmp_path]
    vault.set_unlocker(person)  # a new run asks again
    book.vault()
    assert len(asked) == 2


def test_without_a_way_to_ask_the_folder_is_locked(tmp_path: Path) -> None:
    vault.create(tmp_path, PASSPHRASE, LIGHT)
    vault.set_unlocker(None)
    with pytest.raises(VaultLocked, match="encrypted"):
        NoteBook(tmp_path).vault()
    assert NoteBook(tmp_path / "plain").vault() is None


def test_a_state_changed_by_another_run_is_followed(tmp_path: Path) -> None:
    vault.create(tmp_path, PASSPHRASE, LIGHT)
    found = vault.for_folder(tmp_path)
    assert found is not None and found.state == ENCRYPTING
    vault.set_state(tmp_path, DECRYPTING)
    found = vault.for_folder(tmp_path)
    assert found is not None and found.state == DECRYPTING and not found.sealing
    vault.remove(tmp_path)
    assert vault.for_folder(tmp_path) is None


# ---------------------------------------------------------------- sqlite


def test_an_index_database_round_trips_sealed(tmp_path: Path,
                                              opened: sealed.Vault) -> None:
    path = tmp_path / ".voiceguide" / "index.sqlite3"
    path.parent.mkdir()
    conn = vault.load_database(path, opened)  # none yet: an empty database
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(body)")
    conn.executemany("INSERT INTO fts VALUES (?)",
                     [("the blue gate of my sister's garden",), ("rain today",)])
    vault.save_database(conn, path, opened)
    conn.close()
    assert not path.exists()
    blob = sealed_twin(path).read_bytes()
    assert b"garden" not in blob and b"SQLite format" not in blob

    again = vault.load_database(path, opened)
    rows = again.execute("SELECT body FROM fts WHERE fts MATCH 'garden'").fetchall()
    assert rows == [("the blue gate of my sister's garden",)]
    assert again.execute("PRAGMA temp_store").fetchone()[0] == 2  # memory
    again.execute("INSERT INTO fts VALUES ('more')")  # it can grow in memory
    vault.save_database(again, path, opened)
    assert len(vault.load_database(path, opened).execute(
        "SELECT * FROM fts").fetchall()) == 3

    bad = bytearray(sealed_twin(path).read_bytes())
    bad[100] ^= 0xFF
    sealed_twin(path).write_bytes(bytes(bad))
    with pytest.raises(DamagedFile):
        vault.load_database(path, opened)


# ---------------------------------------------------------------- locks

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from voiceguide import folderlock
    folderlock.hold_shared(Path(sys.argv[1]))
    print("held", flush=True)
    time.sleep(60)
""")


def test_encrypting_waits_for_a_running_session(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(BadInput, match="using the notes"), \
                folderlock.exclusive(tmp_path):
            pass
    finally:
        proc.kill()
        proc.wait(timeout=30)
    # The session has ended: free again. (flock: two opens conflict even
    # within one process.)
    with folderlock.exclusive(tmp_path), \
            pytest.raises(BadInput, match="being encrypted or decrypted"):
        folderlock.hold_shared(tmp_path)
