"""Finding cue onsets in captured or rendered audio, for tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _ncc(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Normalised cross-correlation of ``ref`` at every offset into ``x``."""
    if len(x) < len(ref):
        x = np.pad(x, (0, len(ref) - len(x)))
    n = 1 << int(np.ceil(np.log2(len(x) + len(ref))))
    corr = np.fft.irfft(np.fft.rfft(x, n) * np.conj(np.fft.rfft(ref, n)), n)
    corr = corr[: len(x) - len(ref) + 1]
    energy = np.concatenate(([0.0], np.cumsum(x.astype(np.float64) ** 2)))
    win = energy[len(ref):] - energy[: len(x) - len(ref) + 1]
    ref_energy = float(np.sum(ref**2))
    # A floor on the window's energy keeps near-silence from scoring high.
    return np.asarray(corr / np.sqrt(np.maximum(win, 1e-2 * ref_energy) * ref_energy))


def _ncc_argmax(x: np.ndarray, ref: np.ndarray) -> tuple[int, float]:
    """Index in ``x`` where ``ref`` fits best, and how well."""
    score = _ncc(x, ref)
    i = int(np.argmax(score))
    return i, float(score[i])


def _ncc_first(x: np.ndarray, ref: np.ndarray, rate: int) -> tuple[int, float]:
    """The earliest good fit of ``ref`` (a cue recurs; the first one anchors)."""
    score = _ncc(x, ref)
    good = np.flatnonzero(score >= 0.9 * float(score.max()))
    start = int(good[0])
    stop = min(len(score), start + rate // 10)  # refine within 100 ms
    i = start + int(np.argmax(score[start:stop]))
    return i, float(score[i])


@dataclass(frozen=True)
class CueTiming:
    first: float  # seconds into the recording of the first cue
    errors_ms: list[float]  # measured minus scheduled, per cue
    scores: list[float]  # match quality per cue (1.0 = exact)

    @property
    def max_abs_ms(self) -> float:
        return max(abs(e) for e in self.errors_ms)

    @property
    def drift_ms(self) -> float:
        """Error of the last cue minus the first (0 = no drift)."""
        return self.errors_ms[-1] - self.errors_ms[0]


def cue_timing(
    x: np.ndarray,
    rate: int,
    schedule: list[tuple[float, np.ndarray]],
    search_s: float = 0.3,
) -> CueTiming:
    """Locate each (offset from the first cue, cue samples) in ``x``.

    The first cue is searched in the whole recording; each later one within
    ``search_s`` of where the schedule puts it.
    """
    first_ref = schedule[0][1]
    i0, s0 = _ncc_first(x, first_ref, rate)
    first = i0 / rate
    errors, scores = [0.0], [s0]
    for offset, ref in schedule[1:]:
        due = first + offset
        lo = max(0, int((due - search_s) * rate))
        hi = min(len(x), int((due + search_s) * rate) + len(ref))
        i, s = _ncc_argmax(x[lo:hi], ref)
        errors.append(((lo + i) / rate - due) * 1000.0)
        scores.append(s)
    return CueTiming(first, errors, scores)


def breathing_schedule(
    inhale: float,
    hold: float,
    exhale: float,
    rest: float,
    cycles: int,
    cue: dict[str, np.ndarray],
) -> list[tuple[float, np.ndarray]]:
    """(offset, cue samples) for every phase start of a breathing block."""
    out, t = [], 0.0
    for _ in range(cycles):
        for name, secs in (
            ("inhale", inhale),
            ("hold", hold),
            ("exhale", exhale),
            ("rest", rest),
        ):
            if secs > 0:
                out.append((t, cue[name]))
                t += secs
    return out
