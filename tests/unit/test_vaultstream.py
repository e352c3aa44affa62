"""Recordings sealed as they arrive: read back whole, or up to the last flush."""

from __future__ import annotations

import os
import stat
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from vaulting import LIGHT, PASSPHRASE

from voiceguide import vault
from voiceguide.audio import read_wav
from voiceguide.sealed import ON, DamagedFile, VaultLocked, sealed_twin
from voiceguide.vaultstream import SealedWav, open_recording, open_stream
from voiceguide.wavfile import StreamingWav

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[vault.Vault]:
    vault.set_unlocker(None)
    made = vault.create(tmp_path, PASSPHRASE, LIGHT)
    vault.set_state(tmp_path, ON)
    made.state = ON
    yield made
    vault.set_unlocker(None)


def tone(seconds: float, start: int = 0) -> bytes:
    n = np.arange(start, start + round(seconds * 16000))
    return (8000 * np.sin(2 * np.pi * 440 * n / 16000)).astype("<i2").tobytes()


def test_a_sealed_recording_reads_back_whole(tmp_path: Path,
                                             opened: vault.Vault) -> None:
    path = tmp_path / "note" / "01.wav"
    path.parent.mkdir()
    pcm = tone(1.3)
    with SealedWav(opened, path) as wav:
        for i in range(0, len(pcm), 3200):
            wav.append(pcm[i:i + 3200])
            wav.flush()
        assert wav.frames == len(pcm) // 2
        assert wav.duration == pytest.approx(1.3)
    assert not path.exists()
    assert stat.S_IMODE(sealed_twin(path).stat().st_mode) == 0o600
    clip = read_wav(path)
    assert (clip.rate, clip.channels, clip.width, clip.pcm) == (16000, 1, 2, pcm)
    blob = sealed_twin(path).read_bytes()
    assert b"RIFF" not in blob and pcm[1000:1064] not in blob
    assert open_stream(opened.aead, blob, "note/01.wav", path)[1]  # complete


def test_an_empty_recording_is_a_valid_empty_clip(tmp_path: Path,
                                                  opened: vault.Vault) -> None:
    SealedWav(opened, tmp_path / "e.wav").close()
    assert read_wav(tmp_path / "e.wav").pcm == b""


KILLED_WRITER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    import numpy as np
    from voiceguide import vault
    from voiceguide.vaultstream import SealedWav

    root, passphrase = Path(sys.argv[1]), sys.argv[2]
    wav = SealedWav(vault.unlock(root, passphrase), root / "n" / "01.wav")
    for i in range(10):  # 10 blocks of 0.1 s, flushed after each
        wav.append(np.full(1600, 1000 + i, dtype="<i2").tobytes())
        wav.flush()
    wav.append(np.full(800, 7, dtype="<i2").tobytes())  # never flushed
    os._exit(0)  # as if killed: nothing is closed
""")


def test_a_killed_recording_keeps_every_flushed_block(tmp_path: Path,
                                                      opened: vault.Vault) -> None:
    (tmp_path / "n").mkdir()
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(tmp_path), PASSPHRASE],
                   cwd=ROOT, check=True, timeout=60)
    path = tmp_path / "n" / "01.wav"
    samples = np.frombuffer(read_wav(path).pcm, "<i2")
    expected = np.repeat(np.arange(1000, 1010, dtype="<i2"), 1600)
    assert np.array_equal(samples, expected)
    blob = sealed_twin(path).read_bytes()
    assert not open_stream(opened.aead, blob, "n/01.wav", path)[1]  # cut off

    # A chunk torn by the kill (only part of it on disk) is left out.
    with open(sealed_twin(path), "ab") as f:
        f.write(struct.pack(">IB", 3216, 0) + os.urandom(700))
    assert np.array_equal(np.frombuffer(read_wav(path).pcm, "<i2"), expected)


def test_changed_reordered_or_extended_streams_are_refused(
        tmp_path: Path, opened: vault.Vault) -> None:
    path = tmp_path / "01.wav"
    with SealedWav(opened, path) as wav:
        for i in range(3):
            wav.append(tone(0.1, i * 1600))
            wav.flush()
    twin = sealed_twin(path)
    good = twin.read_bytes()
    head, chunks, pos = good[:20], [], 20
    while pos < len(good):
        size = struct.unpack_from(">I", good, pos)[0]
        chunks.append(good[pos:pos + 17 + size])
        pos += 17 + size
    assert len(chunks) == 5  # the header's chunk, three blocks, the final one

    twin.write_bytes(head + chunks[0] + chunks[2] + chunks[1] + b"".join(chunks[3:]))
    with pytest.raises(DamagedFile, match="part 2 was changed"):
        read_wav(path)
    twin.write_bytes(good + chunks[1])
    with pytest.raises(DamagedFile, match="added after its end"):
        read_wav(path)
    flagged = bytearray(chunks[3])
    flagged[4] = 1  # claim an early end: the flag is authenticated
    twin.write_bytes(head + b"".join(chunks[:3]) + bytes(flagged))
    with pytest.raises(DamagedFile, match="part 4"):
        read_wav(path)
    other = tmp_path / "02.wav"
    os.replace(twin, sealed_twin(other))
    with pytest.raises(DamagedFile, match="part 1"):
        read_wav(other)


FULL_DISK_WRITER = textwrap.dedent("""
    import resource, signal, sys
    from pathlib import Path
    from voiceguide import vault
    from voiceguide.vaultstream import SealedWav

    root, passphrase = Path(sys.argv[1]), sys.argv[2]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes then fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
    wav = SealedWav(vault.unlock(root, passphrase), root / "01.wav")
    n = 0
    try:
        while True:
            wav.append(bytes([n % 256]) * 3000)
            wav.flush()
            n += 1
    except OSError as e:
        print(n, e.errno, flush=True)
    wav.close()  # after the failure: nothing more is written
""")


def test_a_full_disk_leaves_a_readable_recording(tmp_path: Path,
                                                 opened: vault.Vault) -> None:
    run = subprocess.run([sys.executable, "-c", FULL_DISK_WRITER, str(tmp_path),
                          PASSPHRASE], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True)
    blocks = int(run.stdout.split()[0])
    assert 3 <= blocks < 7
    pcm = read_wav(tmp_path / "01.wav").pcm
    assert pcm == b"".join(bytes([n]) * 3000 for n in range(blocks))


def test_new_recordings_follow_the_folder(tmp_path: Path) -> None:
    vault.set_unlocker(None)
    plain = tmp_path / "plain"
    plain.mkdir()
    rec = open_recording(plain / "01.wav")
    rec.close()
    assert isinstance(rec, StreamingWav) and (plain / "01.wav").exists()

    locked = tmp_path / "locked"
    vault.create(locked, PASSPHRASE, LIGHT)
    (locked / "2026").mkdir()
    vault.set_unlocker(None)  # a run that has not been given the passphrase
    with pytest.raises(VaultLocked):
        open_recording(locked / "2026" / "01.wav")
    assert list((locked / "2026").iterdir()) == []
    vault.unlock(locked, PASSPHRASE)
    rec = open_recording(locked / "2026" / "01.wav")
    rec.close()
    assert isinstance(rec, SealedWav)
    assert [p.name for p in (locked / "2026").iterdir()] == ["01.wav.enc"]
    vault.set_state(locked, vault.DECRYPTING)
    assert isinstance(open_recording(locked / "2026" / "02.wav"), StreamingWav)
    vault.set_unlocker(None)


def test_a_plain_placeholder_gives_way_to_the_sealed_recording(
        tmp_path: Path, opened: vault.Vault) -> None:
    """The session makes an empty recording before the note names it."""
    path = tmp_path / "01.wav"
    StreamingWav(path).close()
    with SealedWav(opened, path) as wav:
        assert not path.exists()
        wav.append(tone(0.2))
    assert read_wav(path).pcm == tone(0.2)
    # Were the placeholder still there, the sealed form would win while "on".
    StreamingWav(path).close()
    assert read_wav(path).pcm == tone(0.2)
    # A plain file with audio in it is never removed.
    with StreamingWav(tmp_path / "02.wav") as plain:
        plain.append(tone(0.1))
    SealedWav(opened, tmp_path / "02.wav").close()
    assert (tmp_path / "02.wav").stat().st_size > 44
