"""The progress chart: ratings before and after each session, as a PNG.

matplotlib is imported here, inside ``write``, with its Agg canvas and no
pyplot: no window, no global state, and nothing slow at start-up. The chart
is readable without colour: before and after differ in marker and line style
as well, fonts are large, and both axes are labelled. The same numbers are
always written in words too (progress.text_alternative).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from voiceguide.errors import BackendUnavailable, BadInput
from voiceguide.notes import FILE_MODE, write_atomic

FONT = 16
SIZE_IN = (10.0, 6.0)
DPI = 100
# Dark, colour-blind-safe, and apart in shape and line as well as colour.
STYLES = {
    "before": {"color": "#1a1a1a", "marker": "o", "linestyle": "-",
               "markerfacecolor": "white", "label": "Before the session"},
    "after": {"color": "#0b5394", "marker": "s", "linestyle": "--",
              "markerfacecolor": "#0b5394", "label": "After the session"},
}


def write(png: Path, title: str, span: tuple[datetime, datetime],
          before: Sequence[tuple[datetime, int]],
          after: Sequence[tuple[datetime, int]]) -> None:
    """Draw the ratings over ``span`` (first, last) to ``png`` (0600, written
    atomically)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
        from matplotlib.figure import Figure
    except ImportError:
        raise BackendUnavailable("the chart cannot be drawn: matplotlib is not "
                                 "installed", "pip install matplotlib") from None

    fig = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for name, points in (("before", before), ("after", after)):
        if points:
            xs: list[Any] = [_naive(t) for t, _ in points]  # dates: matplotlib's units
            style: dict[str, Any] = STYLES[name]
            ax.plot(xs, [v for _, v in points], linewidth=2.5, markersize=11,
                    markeredgewidth=2, **style)
    ax.set_title(title, fontsize=FONT + 2)
    ax.set_xlabel("Date", fontsize=FONT)
    ax.set_ylabel("Distress, 0 (calm) to 10", fontsize=FONT)
    first, last = _naive(span[0]), _naive(span[1])
    margin = max(last - first, timedelta(days=1)) / 40
    # The whole period, and never zero wide (one session, or one day).
    ax.set_xlim(date2num(first - margin), date2num(last + margin))
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks(range(0, 11))
    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.tick_params(labelsize=FONT - 2)
    ax.grid(True, color="#bbbbbb", linewidth=0.8)
    ax.legend(fontsize=FONT - 2, loc="best", framealpha=1.0)
    _save(fig, png)


def _naive(t: datetime) -> datetime:
    """Local wall-clock time: what the person remembers."""
    return t.replace(tzinfo=None)


def _save(fig: object, png: Path) -> None:
    if not png.parent.is_dir():
        raise BadInput(f"{png.parent}: no such folder",
                       "Give --chart a path in an existing folder.")
    tmp = png.with_name(f".{png.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png")  # type: ignore[attr-defined]
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, png)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise BadInput(f"cannot write the chart {png} ({e.strerror or e})",
                       "Choose another place with --chart PATH, or free some "
                       "disk space.") from None


def write_text(txt: Path, text: str) -> None:
    """The chart's text alternative, beside it (0600, written atomically)."""
    try:
        write_atomic(txt, text)
    except OSError as e:
        raise BadInput(f"cannot write {txt} ({e.strerror or e})",
                       "Choose another place with --chart PATH, or free some "
                       "disk space.") from None
