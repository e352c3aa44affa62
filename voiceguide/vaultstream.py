"""Recordings sealed as they stream in, readable up to the last flush after a kill.

Format: ``STREAM_MAGIC`` and 16 random bytes (the stream's id), then chunks:
length of the ciphertext (4 bytes, big-endian), a final flag (1 byte), a
random 12-byte nonce, and AES-GCM ciphertext with its tag. Each chunk's
associated data is the header, the chunk's index, its flag and the file's path
relative to the notes folder, so chunks cannot be reordered, moved between
files or marked final. A writer killed mid-chunk leaves a torn tail that the
reader ignores; a stream without its final chunk is a recording cut off (what
was flushed is kept, like the plain StreamingWav's).

The plain bytes are a WAV file whose header sizes are placeholders; the reader
fixes them from the audio's real length (``wavfile.fix_sizes``).
"""

from __future__ import annotations

import contextlib
import os
import struct
from pathlib import Path
from types import TracebackType
from typing import Any

from voiceguide.sealed import (
    STREAM_MAGIC,
    Vault,
    damaged,
    load,
    sealed_twin,
)
from voiceguide.wavfile import HEADER_BYTES, StreamingWav, header

_ID = 16
_HEAD = len(STREAM_MAGIC) + _ID
_CHUNK_HEAD = struct.Struct(">IB12s")  # ciphertext length, final flag, nonce
MAX_CHUNK = 1 << 22  # plain bytes per chunk; larger appends are split
_MAX_SIZE = 0xFFFFFFFF


def _aad(head: bytes, index: int, final: bool, rel: str) -> bytes:
    return head + struct.pack(">QB", index, final) + rel.encode()


def open_stream(aead: Any, blob: bytes, rel: str, where: Path) -> tuple[bytes, bool]:
    """(plain bytes, whether the final chunk was there). DamagedFile when a
    whole chunk fails to open or something follows the final one."""
    from cryptography.exceptions import InvalidTag

    head = blob[:_HEAD]
    if head[:4] != STREAM_MAGIC:
        raise damaged(where, rel, "it is not a voiceguide encrypted recording")
    out: list[bytes] = []
    pos, index = _HEAD, 0
    while pos + _CHUNK_HEAD.size <= len(blob):
        size, final, nonce = _CHUNK_HEAD.unpack_from(blob, pos)
        end = pos + _CHUNK_HEAD.size + size
        if size < 16 or size > MAX_CHUNK + 16 or final > 1:
            raise damaged(where, rel, f"its part {index + 1} is broken")
        if end > len(blob):
            break  # torn: the writer was stopped while writing this chunk
        try:
            out.append(aead.decrypt(nonce, blob[pos + _CHUNK_HEAD.size:end],
                                    _aad(head, index, bool(final), rel)))
        except InvalidTag:
            raise damaged(where, rel, f"its part {index + 1} was changed") from None
        pos, index = end, index + 1
        if final:
            if pos != len(blob):
                raise damaged(where, rel, "something was added after its end")
            return b"".join(out), True
    return b"".join(out), False


class SealedWav:
    """StreamingWav's interface, writing ``<path>.enc`` sealed chunk by chunk.

    ``append`` keeps audio in memory; ``flush`` seals it as one chunk and
    fsyncs, so the file on disk is never behind by more than one flush."""

    def __init__(self, vault: Vault, path: str | os.PathLike[str],
                 rate: int = 16000, mode: int = 0o600, channels: int = 1,
                 width: int = 2) -> None:
        self.path = Path(path)
        self.file = sealed_twin(self.path)
        self.rate, self.channels, self.width = rate, channels, width
        self._aead = vault.aead
        self._rel = vault.rel(self.path)
        self._head = STREAM_MAGIC + os.urandom(_ID)
        self._index = 0
        self._data_bytes = 0
        # The WAV header goes in the first chunk; its sizes are fixed on reading.
        self._pending = bytearray(header(rate, channels, width, 0))
        self._fd: int | None = os.open(
            self.file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        self._good = 0  # bytes on disk that end with a whole chunk
        try:
            os.fchmod(self._fd, mode)
            self._write(self._head)
            self._good = len(self._head)
            self.flush()
        except BaseException:
            os.close(self._fd)
            self._fd = None
            raise
        # An empty plain placeholder (made so the note never names a missing
        # recording) is replaced now that a valid sealed one exists.
        with contextlib.suppress(OSError):
            if os.path.getsize(self.path) <= HEADER_BYTES:
                os.unlink(self.path)

    @property
    def frames(self) -> int:
        return self._data_bytes // (self.channels * self.width)

    @property
    def duration(self) -> float:
        return self.frames / self.rate

    def _write(self, data: bytes) -> None:
        assert self._fd is not None
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]

    def append(self, pcm: bytes) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path}: write to a closed recording")
        if len(pcm) % (self.channels * self.width):
            raise ValueError("pcm must hold whole frames")
        if HEADER_BYTES + self._data_bytes + len(pcm) > _MAX_SIZE:
            raise ValueError(f"{self.path}: a WAV file cannot grow past 4 GiB")
        self._pending += pcm
        self._data_bytes += len(pcm)

    def _chunk(self, data: bytes, final: bool) -> None:
        nonce = os.urandom(12)
        ct = self._aead.encrypt(nonce, data,
                                _aad(self._head, self._index, final, self._rel))
        try:
            self._write(_CHUNK_HEAD.pack(len(ct), final, nonce) + ct)
            os.fsync(self._fd)  # type: ignore[arg-type]
        except OSError:
            # A full disk: cut the torn chunk off, so the file stays a valid
            # stream of everything before it; this writer stops here.
            try:
                os.ftruncate(self._fd, self._good)  # type: ignore[arg-type]
            finally:
                os.close(self._fd)  # type: ignore[arg-type]
                self._fd = None
            raise
        self._good += len(ct) + _CHUNK_HEAD.size
        self._index += 1

    def flush(self) -> None:
        """Seal what was appended since the last flush; fsync."""
        if self._fd is None:
            raise ValueError(f"{self.path}: flush of a closed recording")
        while self._pending:
            part = bytes(self._pending[:MAX_CHUNK])
            self._chunk(part, final=False)
            del self._pending[:MAX_CHUNK]

    def close(self) -> None:
        """Seal the rest as the final chunk: the recording is complete."""
        if self._fd is None:
            return
        try:
            while len(self._pending) > MAX_CHUNK:
                self._chunk(bytes(self._pending[:MAX_CHUNK]), final=False)
                del self._pending[:MAX_CHUNK]
            self._chunk(bytes(self._pending), final=True)
            self._pending.clear()
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> SealedWav:
        return self

    def __exit__(self, exc_type: type[BaseException] | None,
                 exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def open_recording(path: Path, rate: int = 16000) -> StreamingWav | SealedWav:
    """A new recording at ``path``: sealed when its notes folder is encrypted
    (asking for the passphrase if this run has not yet), plain otherwise."""
    from voiceguide.vault import covering

    vault = covering(path)
    if vault is not None and vault.sealing:
        return SealedWav(vault, path, rate)
    return StreamingWav(path, rate)


def read_sealed_wav(path: Path) -> bytes:
    """The WAV bytes of a sealed recording, sizes fixed, never on disk."""
    from voiceguide.vault import covering
    from voiceguide.wavfile import fix_sizes

    vault = covering(path)
    return fix_sizes(load(path, vault), path)
