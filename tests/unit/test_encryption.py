"""Turning encryption on and off across a notes folder, and resuming either."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from vaulting import LIGHT, PASSPHRASE, containing, make_notes, secret, snapshot

from voiceguide import vault
from voiceguide.audio import read_wav
from voiceguide.encryption import decrypt_folder, encrypt_folder
from voiceguide.notes import NoteBook
from voiceguide.sealed import (
    DECRYPTING,
    ON,
    SEALED_SUFFIX,
    VAULT_NAME,
    load,
    sealed_twin,
    store,
)
from voiceguide.vaultstream import SealedWav


@pytest.fixture(autouse=True)
def no_keys_held() -> Iterator[None]:
    vault.set_unlocker(None)
    yield
    vault.set_unlocker(None)


def _visible(root: Path) -> list[str]:
    return sorted(snapshot(root))


def test_encrypt_then_decrypt_gives_back_every_byte(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    before = make_notes(root, 6, with_audio=2)
    (root / "my own list.txt").write_text("names I trust: Sam")
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "app.json").write_text("{}")
    (root / "2026" / "03" / ".left-by-a-kill.md.tmp").write_text(secret(99))
    cache = root / ".voiceguide"
    cache.mkdir()
    (cache / "index.sqlite3").write_text(secret(98))
    before["my own list.txt"] = b"names I trust: Sam"

    made = vault.create(root, PASSPHRASE, LIGHT)
    outcome = encrypt_folder(root, made)
    assert outcome.changed == len(before) and outcome.problems == ()
    assert vault.read_info(root).state == ON  # type: ignore[union-attr]
    assert all(name.endswith(SEALED_SUFFIX) for name in _visible(root))
    assert len(_visible(root)) == len(before)
    for i in range(6):  # no plain byte of any answer is left
        assert containing(root, secret(i).encode()) == []
    assert containing(root, secret(99).encode()) == []  # the temp leftover went
    assert not (cache / "index.sqlite3").exists()  # the index is rebuilt
    assert (root / ".obsidian" / "app.json").read_text() == "{}"  # not ours

    book = NoteBook(root)
    infos = book.infos()
    assert [i.problem for i in infos] == [""] * 6
    assert {i.note.answers[0].text for i in infos if i.note} == \
        {secret(i) for i in range(6)}
    first = book.all_paths()[-1]
    audio = first.parent / book.read(first).answers[0].audio
    assert read_wav(audio).pcm == before[audio.relative_to(root).as_posix()][44:]

    vault.set_unlocker(None)
    opened = vault.unlock(root, PASSPHRASE)
    outcome = decrypt_folder(root, opened)
    assert outcome.problems == ()
    assert not (root / VAULT_NAME).exists()
    assert snapshot(root) == before


def test_notes_written_while_encrypted_are_sealed(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    made = vault.create(root, PASSPHRASE, LIGHT)
    encrypt_folder(root, made)
    make_notes(root, 2)
    assert containing(root, b"secret number") == []
    assert len(NoteBook(root).all_paths()) == 2
    # A new name never takes the place of a sealed note.
    book = NoteBook(root)
    taken = book.all_paths()[0]
    started = book.read(taken).started
    assert book.new_path("trust-self", started) != taken


def test_an_interrupted_encrypt_finishes_and_keeps_the_newer_form(
        tmp_path: Path) -> None:
    root = tmp_path / "notes"
    before = make_notes(root, 4)
    made = vault.create(root, PASSPHRASE, LIGHT)
    names = _visible(root)
    # As if killed: one note sealed and its plain copy not yet removed; one
    # rewritten sealed by a session (newer than its plain copy).
    store(root / names[0], before[names[0]], made)
    (root / names[0]).write_bytes(before[names[0]])
    newer = before[names[1]].replace(b"secret number", b"changed number")
    sealed_twin(root / names[1]).write_bytes(made.seal(newer, names[1]))

    encrypt_folder(root, made)
    assert _visible(root) == sorted(n + SEALED_SUFFIX for n in names)
    assert load(root / names[1], made) == newer
    for name in (names[0], *names[2:]):
        assert load(root / name, made) == before[name]


def test_an_interrupted_decrypt_finishes_and_keeps_the_newer_form(
        tmp_path: Path) -> None:
    root = tmp_path / "notes"
    before = make_notes(root, 4)
    made = vault.create(root, PASSPHRASE, LIGHT)
    encrypt_folder(root, made)
    vault.set_state(root, DECRYPTING)
    names = sorted(before)
    newer = b"---\nwritten plain while decrypting\n"
    (root / names[2]).write_bytes(newer)  # its sealed copy not yet removed

    outcome = decrypt_folder(root, made)
    assert outcome.problems == () and not (root / VAULT_NAME).exists()
    assert snapshot(root) == {**before, names[2]: newer}


def test_turning_back_midway_settles_pairs_by_the_old_state(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    before = make_notes(root, 3)
    made = vault.create(root, PASSPHRASE, LIGHT)  # state: encrypting
    names = sorted(before)
    newer = before[names[0]].replace(b"secret", b"newer")
    sealed_twin(root / names[0]).write_bytes(made.seal(newer, names[0]))
    # decrypt now: while encrypting, the sealed copy was the newer one
    assert decrypt_folder(root, made).problems == ()
    assert snapshot(root) == {**before, names[0]: newer}


def test_a_damaged_file_stops_nothing_else_and_keeps_the_vault(
        tmp_path: Path) -> None:
    root = tmp_path / "notes"
    before = make_notes(root, 3)
    made = vault.create(root, PASSPHRASE, LIGHT)
    encrypt_folder(root, made)
    victim = sealed_twin(root / sorted(before)[1])
    good = victim.read_bytes()
    victim.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))

    outcome = decrypt_folder(root, made)
    assert len(outcome.problems) == 1 and str(victim) in outcome.problems[0]
    assert (root / VAULT_NAME).exists() and victim.exists()
    assert (root / sorted(before)[0]).read_bytes() == before[sorted(before)[0]]
    info = NoteBook(root).infos()
    assert [str(victim) in i.problem for i in info].count(True) == 1

    victim.write_bytes(good)  # restored from a backup: the rerun finishes
    assert decrypt_folder(root, made).problems == ()
    assert snapshot(root) == before


def test_a_recording_cut_off_is_decrypted_to_a_playable_wav(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    made = vault.create(root, PASSPHRASE, LIGHT)
    encrypt_folder(root, made)
    made.state = ON
    (root / "n").mkdir()
    wav = SealedWav(made, root / "n" / "01.wav")
    wav.append(b"\x01\x00" * 4000)
    wav.flush()
    wav.append(b"\x02\x00" * 10)  # never flushed: lost with the "kill"
    assert wav._fd is not None
    os.close(wav._fd)  # as if killed: the final chunk is never written
    wav._fd = None

    decrypt_folder(root, made)
    assert read_wav(root / "n" / "01.wav").pcm == b"\x01\x00" * 4000
    assert vault.read_info(root) is None
