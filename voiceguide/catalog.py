"""The built-in programs' headers, read fast for 'voiceguide list' and the menu.

Start-up matters here: on a slow machine importing dataclasses, pathlib or
tomllib costs more than Python's own start, so this module uses none of them.
The built-ins are validated whole by program.py's loader in the tests.
"""

from __future__ import annotations

import json
import os
import re
from collections import namedtuple

BUILTIN_DIR = os.path.join(os.path.dirname(__file__), "programs")

ProgramInfo = namedtuple("ProgramInfo", "id title kind minutes summary")

_STEP = re.compile(r"^\s*\[\[\s*step\s*\]\]", re.M)
_LINE = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[0-9.]+)\s*(?:#.*)?$')


def builtin_ids() -> list[str]:
    return sorted(n[:-5] for n in os.listdir(BUILTIN_DIR) if n.endswith(".toml"))


def _header(text: str) -> dict[str, object]:
    """``key = "text"`` and ``key = 4.5`` lines before the first [[step]];
    anything fancier goes to tomllib."""
    head = _STEP.split(text, maxsplit=1)[0]
    out: dict[str, object] = {}
    for line in head.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if m is None:
            import tomllib

            return tomllib.loads(head)
        key, raw = m.groups()
        out[key] = json.loads(raw) if raw.startswith('"') else float(raw)
    return out


def catalog() -> list[ProgramInfo]:
    out = []
    for program_id in builtin_ids():
        path = os.path.join(BUILTIN_DIR, f"{program_id}.toml")
        with open(path, encoding="utf-8") as f:
            d = _header(f.read())
        out.append(ProgramInfo(program_id, d["title"], d["kind"],
                               float(d["minutes"]), d["summary"]))  # type: ignore[arg-type]
    return out
