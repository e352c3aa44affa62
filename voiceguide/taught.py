"""Commands taught in the person's own voice, and matching against them.

Whisper knows typical voices; a voice it hears less well (an accent, a
speech difference, a tired whisper) can still be matched against that
person's own takes of each command. ``voiceguide commands teach`` records two
takes of each; the recognizer then compares what it hears with every take by
dynamic time warping over Whisper's encoder frames (the encoding it makes
anyway, so matching costs a few milliseconds), with the cosine distance
between frames. A take is accepted only when it is close and clearly closer
than any take of another command; ordinary talk is far from all of them
(``scripts/bench_commands.py``).

The takes are kept as encoder frames, not sound, in ``<data>/commands/``
(0700, the file 0600), next to the model they were made with.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiceguide.durable import write_bytes_atomic
from voiceguide.errors import BadInput

FRAME_S = 0.02  # one Whisper encoder frame
ACCEPT = 0.09  # the largest distance taken (cosine, per step of the path)
CLEAR = 1.5  # ... and the nearest other command must be this many times further
TAKES = 2  # recorded of each command
MODEL = "whisper-base"  # whose encoder frames the takes are
VERSION = 1


@dataclass(frozen=True)
class Take:
    command: str
    frames: Any  # float32 (n, d), each row of unit length
    phrase: str = ""  # the words taught ("softer" for the command quieter)


@dataclass(frozen=True)
class Match:
    command: str
    distance: float
    other: float  # the nearest take of another command (inf when none)

    @property
    def taken(self) -> bool:
        return self.distance <= ACCEPT and self.other >= CLEAR * self.distance


def path_in(data_dir: Path) -> Path:
    return data_dir / "commands" / "taught.npz"


def frames_of(encoded: Any, seconds: float) -> Any:
    """The encoder frames that cover ``seconds`` of audio at the start of the
    window, each scaled to unit length."""
    import numpy as np

    n = min(len(encoded), int(np.ceil(seconds / FRAME_S)) + 1)
    e = np.asarray(encoded[:n], dtype=np.float32)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-9)


def distances(frames: Any, takes: list[Take]) -> list[float]:
    """Dynamic time warping of ``frames`` against each take at once: the
    cheapest monotone path's summed cosine distance, over the path's length
    in steps. Anti-diagonal by anti-diagonal, all takes side by side."""
    import numpy as np

    if not takes:
        return []
    n = len(frames)
    longest = max(len(t.frames) for t in takes)
    cost = np.full((len(takes), n, longest), np.inf, dtype=np.float64)
    for k, take in enumerate(takes):
        cost[k, :, : len(take.frames)] = 1.0 - frames @ take.frames.T
    total = np.full((len(takes), n + 1, longest + 1), np.inf)
    total[:, 0, 0] = 0.0
    for diagonal in range(2, n + longest + 1):
        i = np.arange(max(1, diagonal - longest), min(n, diagonal - 1) + 1)
        j = diagonal - i
        step = np.minimum(np.minimum(total[:, i - 1, j], total[:, i, j - 1]),
                          total[:, i - 1, j - 1])
        total[:, i, j] = cost[:, i - 1, j - 1] + step
    ends = [len(t.frames) for t in takes]
    return [float(total[k, n, m] / (n + m)) for k, m in enumerate(ends)]


def closest(takes: list[Take], frames: Any) -> Match | None:
    """The command whose take is nearest ``frames``, and the nearest other."""
    best: dict[str, float] = {}
    for take, d in zip(takes, distances(frames, takes), strict=True):
        if d < best.get(take.command, float("inf")):
            best[take.command] = d
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: kv[1])
    other = ranked[1][1] if len(ranked) > 1 else float("inf")
    return Match(ranked[0][0], ranked[0][1], other)


def save(path: Path, takes: list[Take], model: str) -> None:
    """Write ``takes`` (replacing what was there) atomically, readable only
    by the person."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    arrays = {f"take{i}": t.frames.astype(np.float16) for i, t in enumerate(takes)}
    buf = io.BytesIO()
    np.savez(buf, version=np.array(VERSION), model=np.array(model),
             commands=np.array([t.command for t in takes]),
             phrases=np.array([t.phrase for t in takes]), **arrays)
    write_bytes_atomic(path, buf.getvalue())


def load(path: Path, model: str) -> list[Take]:
    """The takes taught with ``model``; [] when none were. A damaged file or
    one made with another model is a BadInput naming the fix."""
    import zipfile

    import numpy as np

    if not path.exists():
        return []
    fix = "Run 'voiceguide commands teach' again (or 'voiceguide commands forget')."
    try:
        with np.load(path, allow_pickle=False) as f:
            if int(f["version"]) != VERSION or str(f["model"]) != model:
                raise BadInput(f"{path} was taught with another model", fix)
            commands = [str(c) for c in f["commands"]]
            phrases = [str(p) for p in f["phrases"]]
            return [Take(c, f[f"take{i}"].astype(np.float32), p)
                    for i, (c, p) in enumerate(zip(commands, phrases, strict=True))]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
        raise BadInput(f"{path} cannot be read ({e})", fix) from None
