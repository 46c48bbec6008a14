"""Index structures: flat or HNSW chosen by size and recorded; BM25 in bm25s's own format, read without scipy."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO

from assistant.config import Settings
from assistant.errors import BadSetting
from assistant.index import dense
from assistant.index.bm25 import FILES, BM25Index, BM25Writer, passage_terms
from assistant.index.store import build_index, ensure_index, load_index, read_manifest, staleness


def test_auto_is_flat_below_the_threshold_and_hnsw_above():
    assert dense.choose("auto", 49)["type"] == "flat"
    assert dense.choose("auto", dense.FLAT_BELOW - 1)["type"] == "flat"
    hnsw = dense.choose("auto", dense.FLAT_BELOW)
    assert hnsw["type"] == "hnsw" and hnsw["M"] == 32 and hnsw["ef_search"] == 64
    assert dense.choose("auto", 1_000_000)["ef_search"] == 128
    assert dense.choose("auto", 5_000_000)["ef_search"] == 256
    assert dense.choose("hnsw", 49)["type"] == "hnsw" and dense.choose("flat", 10**7)["type"] == "flat"


def test_dense_index_setting_is_checked():
    with pytest.raises(BadSetting, match="auto, flat, hnsw") as caught:
        Settings(dense_index="ivf")
    assert caught.value.exit_code == 2


@pytest.mark.engine
def test_hnsw_on_request_is_recorded_and_searches_like_flat(home):
    flat = load_index(home.index_path)
    manifest = build_index(home.replace(dense_index="hnsw"))  # reuses every vector: no model
    assert manifest["build"]["embedded_articles"] == 0
    assert manifest["faiss_index"] == "IndexHNSWFlat" and manifest["dense_index"]["type"] == "hnsw"
    hnsw = load_index(home.index_path)
    assert type(hnsw.passage_index).__name__ == "IndexHNSWFlat"
    assert hnsw.passage_index.hnsw.efSearch == manifest["dense_index"]["ef_search"]
    queries = flat.sentence_vectors[::7]
    for query in queries:  # 49 passages: the graph finds the exact top 10
        assert flat.search.dense(query, 10)[0].tolist() == hnsw.search.dense(query, 10)[0].tolist()
    # Back to the default: auto wants flat for 49 passages, so the index is stale and rebuilt.
    assert "dense index should be flat" in staleness(read_manifest(home.index_path), home)
    assert type(ensure_index(home).passage_index).__name__ == "IndexFlatIP"


def test_bm25_is_saved_in_bm25s_format_and_scores_the_same(repo_settings):
    import bm25s

    manifest = read_manifest(repo_settings.index_path)
    folder = repo_settings.index_path / manifest["files"]["bm25"]["name"]
    ours = BM25Index.open(folder)
    assert isinstance(ours.data, np.memmap)  # memory-mapped, not parsed
    theirs = bm25s.BM25.load(folder, mmap=True)
    for terms in (["invok", "cost"], ["harmon", "kardon", "cortana", "speaker", "speaker"], ["xiaomi"]):
        assert np.allclose(ours.scores(terms), theirs.get_scores(terms), atol=1e-6)
    ids, scores = ours.top(["invok", "cost"], 3)
    full = ours.scores(["invok", "cost"])
    assert ids.tolist() == np.argsort(-full, kind="stable")[:3].tolist() and np.allclose(scores, full[ids])


def test_bm25_written_one_passage_at_a_time_is_byte_identical(repo_settings, tmp_path, monkeypatch):
    monkeypatch.setattr(BM25Writer, "_BLOCK", 97)  # scored in many blocks, as a large corpus is
    index = load_index(repo_settings.index_path)
    # The shipped passages, plus one with no terms at all (bm25s indexes it under "").
    texts = [p.text for p in index.passages[:7]] + ["... of the !"] + [p.text for p in index.passages[7:]]
    terms = passage_terms(texts)
    assert terms[7] == [""]
    BM25Index.write(terms, tmp_path / "whole")
    writer = BM25Writer()
    for passage in terms:
        writer.add(passage)
    writer.finish(tmp_path / "streamed")
    for name in FILES:
        assert (tmp_path / "streamed" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    with pytest.raises(ValueError, match="at least one passage"):
        BM25Writer().finish(tmp_path / "empty")


def test_asking_imports_neither_torch_nor_scipy_nor_bm25s():
    code = (
        "import sys; from pathlib import Path; from assistant.config import Settings; "
        "from assistant.pipeline import Assistant; "
        f"a = Assistant.load(Settings(home=Path({str(REPO)!r}))); a.ask('How much does the Invoke cost?'); "
        "print(sorted(m for m in ('torch', 'scipy', 'bm25s', 'sentence_transformers') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
