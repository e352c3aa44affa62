"""voiceguide encrypt | decrypt | passphrase, and sessions on encrypted notes,
in-process with VOICEGUIDE_HOME in tmp_path and typed input from a pipe."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from vaulting import containing, snapshot

from voiceguide import cli, vault
from voiceguide.notes import NoteBook
from voiceguide.sealed import SEALED_SUFFIX, VAULT_NAME, sealed_twin

REPO = Path(__file__).resolve().parents[2]
PW = "a quiet morning by the river"
FIRST = "I kept the promise to drink water"
SECOND = "My sister listened without judging me"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("VOICEGUIDE_HOME", str(home))
    for name in ("VOICEGUIDE_NOTES_DIR", "ACCESSIBLE", "VOICEGUIDE_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    # The smallest Argon2id costs: the same code, without 0.4 s per unlock.
    monkeypatch.setattr(vault, "KDF_MEMORY_KIB", 8)
    monkeypatch.setattr(vault, "KDF_ITERATIONS", 1)
    yield home
    vault.set_unlocker(None)


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def session(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
            stdin: str) -> tuple[int, str, str]:
    return run(capsys, monkeypatch, "run", "--silent", "--pace", "0",
               "--answers", "typed", "trust-self", stdin=stdin)


def notes_in(home: Path) -> dict[str, list[str]]:
    """Every note's answers, read the way any command reads them."""
    vault.set_unlocker(None)
    root = home / "notes"
    if vault.read_info(root) is not None:
        vault.unlock(root, PW)
    out = {}
    for info in NoteBook(root).infos():
        assert info.note is not None, info.problem
        out[info.path.name] = [a.text for a in info.note.answers]
    vault.set_unlocker(None)
    return out


def test_encrypt_a_journal_write_to_it_then_decrypt(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path) -> None:
    code, _, err = session(capsys, monkeypatch, f"{FIRST}\n")
    assert code == 0, err
    plain = snapshot(home / "notes")

    code, out, err = run(capsys, monkeypatch, "encrypt", stdin=f"{PW}\n{PW}\n")
    assert code == 0, err
    assert "encrypted now: 1 file locked" in out and "keep your passphrase" in out
    assert "New passphrase" in err and "same passphrase again" in err

    code, out, err = session(capsys, monkeypatch, f"{PW}\n{SECOND}\n")
    assert code == 0, err
    assert "Note saved (1 answer)" in out
    assert err.count("Passphrase for your notes") == 1  # once for the whole run
    for text in (FIRST, SECOND):  # in no file, under any name
        assert containing(home, text.encode()) == []
    names = sorted(snapshot(home / "notes"))
    assert len(names) == 2 and all(n.endswith(SEALED_SUFFIX) for n in names)
    assert sorted(notes_in(home).values()) == sorted([[FIRST], [SECOND]])

    code, out, err = run(capsys, monkeypatch, "decrypt", stdin=f"{PW}\n")
    assert code == 0, err
    assert "not encrypted any more: 2 files opened" in out
    assert not (home / "notes" / VAULT_NAME).exists()
    after = snapshot(home / "notes")
    assert {k: v for k, v in after.items() if k in plain} == plain
    assert sorted(notes_in(home).values()) == sorted([[FIRST], [SECOND]])
    code, out, _ = run(capsys, monkeypatch, "decrypt")
    assert code == 0 and "are not encrypted" in out


def test_a_wrong_passphrase_is_one_clear_message_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path) -> None:
    session(capsys, monkeypatch, f"{FIRST}\n")
    run(capsys, monkeypatch, "encrypt", stdin=f"{PW}\n{PW}\n")
    root = home / "notes"
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

    for argv in (("run", "--silent", "--pace", "0", "--answers", "typed",
                  "trust-self"), ("decrypt",), ("encrypt",),
                 ("notes", "retranscribe"), ("passphrase", "change")):
        code, out, err = run(capsys, monkeypatch, *argv,
                             stdin=f"not the passphrase\n{SECOND}\n{SECOND}\n")
        assert code == 2, (argv, err)
        assert "voiceguide: that passphrase does not open your notes" in err
        assert "Nothing was changed" in err and "Note saved" not in out
        assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before

    code, _, err = run(capsys, monkeypatch, "decrypt")  # no input at all
    assert code == 2 and "no passphrase was given" in err


def test_new_passphrases_must_match_and_not_be_too_short(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path) -> None:
    code, _, err = run(capsys, monkeypatch, "encrypt",
                       stdin=f"{PW}\n{PW} \n")
    assert code == 2 and "not the same" in err
    code, _, err = run(capsys, monkeypatch, "encrypt", stdin="short\nshort\n")
    assert code == 2 and "at least 8 characters" in err
    assert not (home / "notes" / VAULT_NAME).exists()


def test_changing_the_passphrase(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    session(capsys, monkeypatch, f"{FIRST}\n")
    run(capsys, monkeypatch, "encrypt", stdin=f"{PW}\n{PW}\n")
    new = "a brand new line of a song"
    code, out, err = run(capsys, monkeypatch, "passphrase", "change",
                         stdin=f"{PW}\n{new}\n{new}\n")
    assert code == 0, err
    assert "passphrase is changed" in out
    code, _, err = session(capsys, monkeypatch, f"{PW}\n")
    assert code == 2 and "does not open" in err
    code, _, err = session(capsys, monkeypatch, f"{new}\n{SECOND}\n")
    assert code == 0, err


def test_a_tampered_note_is_named_and_decrypt_keeps_the_rest(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path) -> None:
    session(capsys, monkeypatch, f"{FIRST}\n")
    session(capsys, monkeypatch, f"{SECOND}\n")
    run(capsys, monkeypatch, "encrypt", stdin=f"{PW}\n{PW}\n")
    root = home / "notes"
    victim = sealed_twin(NoteBook(root).all_paths()[0])
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x20
    victim.write_bytes(bytes(data))

    code, _, err = run(capsys, monkeypatch, "decrypt", stdin=f"{PW}\n")
    assert code == 1
    assert f"{victim}: cannot be opened: it was changed or damaged" in err
    assert "left as they were" in err and (root / VAULT_NAME).exists()
    assert victim.exists() and len(list(root.rglob("*.md"))) == 1


class MemoryKeyring(KeyringBackend):
    """A keyring in memory: the OS keyring's interface, for the test's run."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.kept.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.kept[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.kept.pop((service, username), None) is None:
            raise PasswordDeleteError("not kept")


@pytest.fixture
def os_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


def test_without_a_keyring_remember_says_so_and_asks_each_time(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path) -> None:
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code, out, err = run(capsys, monkeypatch, "encrypt", "--remember",
                             stdin=f"{PW}\n{PW}\n")
    finally:
        keyring.set_keyring(before)
    assert code == 0, err
    assert "was not kept: this computer has no keyring" in out
    assert vault.read_info(home / "notes").remember is False  # type: ignore[union-attr]


def test_the_keyring_keeps_it_when_the_person_allows(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path, os_keyring: MemoryKeyring) -> None:
    run(capsys, monkeypatch, "encrypt", stdin=f"{PW}\n{PW}\n")
    assert os_keyring.kept == {}  # not without asking
    code, _, err = session(capsys, monkeypatch, f"{FIRST}\n")
    assert code == 2  # the first line was taken as the passphrase

    code, out, err = run(capsys, monkeypatch, "passphrase", "remember",
                         stdin=f"{PW}\n")
    assert code == 0, err
    assert list(os_keyring.kept.values()) == [PW]
    code, out, err = session(capsys, monkeypatch, f"{FIRST}\n")  # no passphrase
    assert code == 0, err
    assert "Passphrase" not in err and "Note saved (1 answer)" in out

    os_keyring.kept[next(iter(os_keyring.kept))] = "an old passphrase"
    code, _, err = session(capsys, monkeypatch, f"{PW}\n{SECOND}\n")
    assert code == 0 and "no longer opens your notes" in err

    code, out, _ = run(capsys, monkeypatch, "passphrase", "forget")
    assert code == 0 and os_keyring.kept == {}
    code, _, err = run(capsys, monkeypatch, "decrypt", stdin="")
    assert code == 2 and "no passphrase was given" in err


def test_encrypt_and_decrypt_leave_list_light(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO),
           "VOICEGUIDE_HOME": str(tmp_path / "sub-home")}
    code = ("import voiceguide.cli, sys, json\n"
            "assert voiceguide.cli.main(['list']) == 0\n"
            "print(json.dumps(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    modules = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "voiceguide.cli.vault" in modules
    assert [m for m in modules if m.split(".")[0] in ("cryptography", "keyring")] == []


def test_search_and_list_work_on_encrypted_notes_with_a_sealed_index(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        home: Path) -> None:
    session(capsys, monkeypatch, f"{FIRST}\n")
    code, out, _ = run(capsys, monkeypatch, "notes", "search", "promise")
    assert code == 0 and "Trusting yourself again" in out  # a plain index first
    run(capsys, monkeypatch, "encrypt", stdin=f"{PW}\n{PW}\n")
    vault.set_unlocker(None)
    session(capsys, monkeypatch, f"{PW}\n{SECOND}\n")
    vault.set_unlocker(None)

    code, out, err = run(capsys, monkeypatch, "notes", "search", "sister",
                         stdin=f"{PW}\n")
    assert code == 0, err
    assert "listened without judging" in out and "1." in out
    vault.set_unlocker(None)
    code, out, err = run(capsys, monkeypatch, "notes", "list", stdin=f"{PW}\n")
    assert code == 0, err
    assert out.count("Trusting yourself again") == 2 and "unreadable" not in out
    index = home / "notes" / ".voiceguide"
    assert not (index / "index.sqlite3").exists()  # the plain one was removed
    assert (index / "index.sqlite3.enc").is_file()
    for text in (FIRST, SECOND, "sister", "promise"):
        assert containing(home, text.encode()) == [], text

    vault.set_unlocker(None)
    (index / "index.sqlite3.enc").write_bytes(b"damaged")  # a cache: rebuilt
    code, out, err = run(capsys, monkeypatch, "notes", "search", "sister",
                         stdin=f"{PW}\n")
    assert code == 0 and "listened without judging" in out, err

    vault.set_unlocker(None)
    code, out, err = run(capsys, monkeypatch, "notes", "search", "sister",
                         stdin="not the passphrase\n")
    assert code == 2 and "that passphrase does not open your notes" in err
