"""A WAV file written while audio arrives, playable after a crash or kill.

The header's sizes are rewritten on every ``flush`` (then fsync), so a process
killed at any moment leaves a valid WAV holding all flushed audio; bytes
appended after the last flush are on disk too and ``repair`` recovers them.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from types import TracebackType

from voiceguide.errors import BadInput

HEADER_BYTES = 44
_RIFF_SIZE_AT = 4
_DATA_SIZE_AT = 40
_MAX_SIZE = 0xFFFFFFFF  # RIFF sizes are 32-bit: about 37 hours of 16 kHz mono
_DAMAGED = "The file is damaged beyond its header; it cannot be repaired."


def _header(rate: int, channels: int, width: int, data_bytes: int) -> bytes:
    block = channels * width
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, width * 8)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class StreamingWav:
    """16-bit PCM WAV appended to as audio arrives; ``flush`` makes it durable."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        rate: int = 16000,
        mode: int = 0o600,
        channels: int = 1,
        width: int = 2,
    ) -> None:
        self.path = Path(path)
        self.rate, self.channels, self.width = rate, channels, width
        self._data_bytes = 0
        self._flushed_bytes = -1
        # No O_TRUNC: an existing file (the empty recording a note already
        # names) gets the new header first and is cut to it after, so a kill
        # at any instant leaves a valid WAV, never an empty file.
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT, mode)
        try:
            os.fchmod(self._fd, mode)  # an existing file keeps its mode otherwise
            self._write(_header(rate, channels, width, 0))
            os.ftruncate(self._fd, HEADER_BYTES)
            self.flush()
        except BaseException:
            os.close(self._fd)
            self._fd = None
            raise

    @property
    def frames(self) -> int:
        return self._data_bytes // (self.channels * self.width)

    @property
    def duration(self) -> float:
        return self.frames / self.rate

    def _write(self, data: bytes | memoryview) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path}: write to a closed StreamingWav")
        view = memoryview(data)
        while view:  # os.write may write less than asked
            view = view[os.write(self._fd, view) :]

    def append(self, pcm: bytes) -> None:
        """Append raw PCM (whole frames); durable after the next ``flush``."""
        if len(pcm) % (self.channels * self.width):
            raise ValueError("pcm must hold whole frames")
        if HEADER_BYTES + self._data_bytes + len(pcm) > _MAX_SIZE:
            raise ValueError(f"{self.path}: a WAV file cannot grow past 4 GiB")
        self._write(pcm)
        self._data_bytes += len(pcm)

    def flush(self) -> None:
        """Write the sizes of everything appended so far into the header; fsync."""
        if self._fd is None:
            raise ValueError(f"{self.path}: flush of a closed StreamingWav")
        if self._flushed_bytes == self._data_bytes:
            return
        n = self._data_bytes
        os.pwrite(self._fd, struct.pack("<I", 36 + n), _RIFF_SIZE_AT)
        os.pwrite(self._fd, struct.pack("<I", n), _DATA_SIZE_AT)
        os.fsync(self._fd)
        self._flushed_bytes = n

    def close(self) -> None:
        if self._fd is None:
            return
        try:
            self.flush()
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> StreamingWav:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def repair(path: str | os.PathLike[str]) -> float:
    """Fix the RIFF and data sizes of a WAV whose writer died; return its duration.

    The data chunk is taken to run to the end of the file (cut to whole frames).
    """
    path = Path(path)
    try:
        with open(path, "r+b") as f:
            length = os.fstat(f.fileno()).st_size
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                raise BadInput(f"{path}: not a WAV file", "Give a .wav recording.")
            block = byte_rate = 0
            pos = 12
            while True:
                f.seek(pos)
                chunk = f.read(8)
                if len(chunk) < 8:
                    raise BadInput(
                        f"{path}: no audio data in this WAV file",
                        "The recording was cut off before any audio arrived.",
                    )
                cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"fmt ":
                    fmt = f.read(16)
                    if len(fmt) < 16:
                        raise BadInput(f"{path}: broken WAV format chunk", _DAMAGED)
                    _tag, _ch, _rate, byte_rate, block, _bits = struct.unpack(
                        "<HHIIHH", fmt
                    )
                elif cid == b"data":
                    break
                pos += 8 + size + (size & 1)
            if not block or not byte_rate:
                raise BadInput(f"{path}: WAV without a usable format chunk", _DAMAGED)
            start = pos + 8
            data = max(0, length - start) // block * block
            f.seek(pos + 4)
            f.write(struct.pack("<I", data))
            f.seek(4)
            f.write(struct.pack("<I", start - 8 + data))
            f.flush()
            os.fsync(f.fileno())
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file", "Check the path.") from None
    return data / byte_rate


header = _header  # the canonical 44-byte header, for writers of other forms


def fix_sizes(data: bytes, where: str | os.PathLike[str]) -> bytes:
    """``repair`` for a WAV held in memory: the data chunk runs to the end
    (whole frames), and the RIFF and data sizes say so."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise BadInput(f"{where}: not a WAV file", "Give a .wav recording.")
    block = byte_rate = 0
    pos = 12
    while True:
        if pos + 8 > len(data):
            raise BadInput(f"{where}: no audio data in this WAV file",
                           "The recording was cut off before any audio arrived.")
        cid, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"fmt ":
            if pos + 24 > len(data):
                raise BadInput(f"{where}: broken WAV format chunk", _DAMAGED)
            _tag, _ch, _rate, byte_rate, block, _bits = struct.unpack_from(
                "<HHIIHH", data, pos + 8)
        elif cid == b"data":
            break
        pos += 8 + size + (size & 1)
    if not block or not byte_rate:
        raise BadInput(f"{where}: WAV without a usable format chunk", _DAMAGED)
    start = pos + 8
    n = max(0, len(data) - start) // block * block
    return (data[:4] + struct.pack("<I", start - 8 + n) + data[8:pos + 4]
            + struct.pack("<I", n) + data[start:start + n])
