"""The index on disk: manifest, staleness, corruption, and a rebuild killed midway."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.errors import IndexCorrupt, IndexMissing
from assistant.index import store as index_module
from assistant.index.store import (
    build_index,
    ensure_index,
    load_index,
    read_manifest,
    staleness,
)

pytestmark = pytest.mark.engine


def test_manifest_describes_the_index(repo_settings):
    manifest = read_manifest(repo_settings.index_path)
    assert manifest["model"] == "all-MiniLM-L6-v2"
    assert manifest["dimension"] == 384 and manifest["normalized"] is True
    assert manifest["chunking"]["splitter"] == "pysbd"
    assert manifest["counts"]["articles"] == 5
    assert len(manifest["corpus_sha256"]) == 64
    assert staleness(manifest, repo_settings) is None, "the committed index is stale: run `assistant build`"
    loaded = load_index(repo_settings.index_path)
    norms = np.linalg.norm(loaded.sentence_vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)
    assert not any(p.suffix == ".pkl" for p in repo_settings.index_path.iterdir())


def test_changed_corpus_is_stale_and_rebuilt(home, caplog):
    article = home.corpus_path / "microsoft-partners-xiaomi-push-ai.md"
    article.write_text(article.read_text() + "\nThe Invoke has seven microphones.\n")
    assert staleness(read_manifest(home.index_path), home) == "the articles in the corpus changed"
    loaded = ensure_index(home)
    assert "Rebuilding the index" in caplog.text
    assert any("seven microphones" in p.text for p in loaded.passages)
    assert staleness(read_manifest(home.index_path), home) is None


def test_an_index_made_with_other_word_lists_is_stale(repo_settings):
    # Stopwords decide BM25's terms; an index made with another list must be rebuilt.
    manifest = {**read_manifest(repo_settings.index_path), "terms": "made-with-other-stopwords"}
    assert staleness(manifest, repo_settings) == "the stopword list that makes BM25 terms changed"


def test_changed_parameters_are_stale(home):
    assert staleness(read_manifest(home.index_path), home.replace(max_passage_chars=300)) == (
        "the chunking parameters changed"
    )


@pytest.mark.parametrize("damage", ["truncate", "garbage_manifest", "missing_file"])
def test_corrupt_index_is_detected_and_rebuilt(home, caplog, damage):
    manifest = read_manifest(home.index_path)
    vectors = home.index_path / manifest["files"]["passage_vectors"]["name"]
    if damage == "truncate":
        vectors.write_bytes(vectors.read_bytes()[:100])
    elif damage == "garbage_manifest":
        (home.index_path / "manifest.json").write_text("{not json")
    else:
        vectors.unlink()
    with pytest.raises(IndexCorrupt, match="assistant build"):
        load_index(home.index_path)
    loaded = ensure_index(home)
    assert "rebuilding" in caplog.text.lower()
    assert loaded.passage_index.ntotal == len(loaded.passages)
    assert len([m for m in caplog.messages if "damaged" in m or "Rebuilding" in m]) == 1  # one line


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexMissing, match="assistant build"):
        read_manifest(tmp_path)


def test_build_killed_before_commit_leaves_previous_index_usable(home, monkeypatch):
    before = read_manifest(home.index_path)
    article = home.corpus_path / "xiaomi-microsoft-team-ai-cloud.md"
    article.write_text(article.read_text() + "\nA new sentence that changes every hash.\n")
    real_write = index_module._write_atomic

    def die_at_manifest(path, data):
        if path.name == "manifest.json":
            raise KeyboardInterrupt  # as if Ctrl-C or a kill landed just before the commit
        real_write(path, data)

    monkeypatch.setattr(index_module, "_write_atomic", die_at_manifest)
    with pytest.raises(KeyboardInterrupt):
        build_index(home)
    monkeypatch.undo()
    assert read_manifest(home.index_path) == before
    old = load_index(home.index_path)  # the old files are still there and verify
    assert not any("A new sentence" in p.text for p in old.passages)
    build_index(home)  # the next build commits and sweeps the orphans
    names = {p.name for p in home.index_path.iterdir()}
    referenced = {f["name"] for f in read_manifest(home.index_path)["files"].values()}
    assert names - referenced <= {"manifest.json", ".lock"}
