"""Incremental builds: only changed articles are embedded; the rest is reused, on disk, exactly."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from assistant.index import dense
from assistant.index.store import build_index, load_index, read_manifest

pytestmark = pytest.mark.engine


class _Counting:
    """The real embedder, counting what it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.dimension, self.texts = inner, inner.dimension, []

    def encode(self, texts):
        self.texts.extend(texts)
        return self.inner.encode(texts)

    def encode_tokens(self, texts):
        self.texts.extend(texts)
        return self.inner.encode_tokens(texts)

    def encode_with_tokens(self, texts):
        self.texts.extend(texts)
        return self.inner.encode_with_tokens(texts)


@pytest.fixture(scope="module")
def embedder(repo_settings):
    from assistant.index.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(repo_settings.embedding_model)


def _rows(index):
    """Each passage's text with its passage vector, sentence vectors and word pieces."""
    vectors = dense.vectors_of(index.passage_index, np.arange(len(index.passages)))
    out, row = {}, 0
    for passage, vector in zip(index.passages, vectors):
        n = len(passage.sentences)
        pieces = index.sentence_tokens[row : row + n]
        out[(passage.article_id, passage.start)] = (
            passage.text, vector, index.sentence_vectors[row : row + n], [t.tokens for t in pieces],
            np.concatenate([t.vectors for t in pieces]),
        )
        row += n
    return out


def test_one_changed_article_is_the_only_one_embedded(home, tmp_path, embedder):
    changed = home.corpus_path / "microsoft-partners-xiaomi-push-ai.md"
    changed.write_text(changed.read_text() + "\nThe Invoke has seven microphones.\n")
    counting = _Counting(embedder)
    manifest = build_index(home, counting)
    assert manifest["build"] == {"reused_articles": 4, "embedded_articles": 1}
    index = load_index(home.index_path)
    mine = {p.text for p in index.passages if p.article_id == "microsoft-partners-xiaomi-push-ai"}
    embedded = set(counting.texts)
    assert embedded and embedded <= mine | {s.text for p in index.passages for s in p.sentences
                                            if p.article_id == "microsoft-partners-xiaomi-push-ai"}
    assert any("seven microphones" in p.text for p in index.passages)
    # The same corpus built from nothing gives the same passages and (to float noise) vectors.
    fresh = home.replace(index_dir=tmp_path / "fresh")
    build_index(fresh, embedder)
    incremental, full = _rows(index), _rows(load_index(fresh.index_path))
    assert incremental.keys() == full.keys()
    for key, (text, vector, sentences, pieces, tokens) in incremental.items():
        text2, vector2, sentences2, pieces2, tokens2 = full[key]
        assert text == text2 and pieces == pieces2
        assert np.allclose(vector, vector2, atol=1e-5) and np.allclose(sentences, sentences2, atol=1e-5)
        assert np.allclose(tokens.astype(np.float32), tokens2.astype(np.float32), atol=2e-3)  # float16
    ids = [p.id for p in index.passages]
    assert ids == list(range(len(ids)))  # renumbered in corpus order


def test_removed_article_embeds_nothing(home, embedder):
    (home.corpus_path / "xiaomi-microsoft-team-ai-cloud.md").unlink()
    counting = _Counting(embedder)
    manifest = build_index(home, counting)
    assert manifest["build"] == {"reused_articles": 4, "embedded_articles": 0} and counting.texts == []
    index = load_index(home.index_path)
    assert manifest["counts"]["articles"] == 4
    assert not any(p.article_id == "xiaomi-microsoft-team-ai-cloud" for p in index.passages)
    assert index.bm25.num_docs == len(index.passages) == index.passage_index.ntotal


def test_unchanged_rebuild_loads_no_model_and_writes_the_same_bytes(home):
    before = (home.index_path / "manifest.json").read_bytes()
    files = {p.name: p.stat().st_size for p in home.index_path.iterdir() if p.name != ".lock"}
    script = (
        "import sys; from pathlib import Path; from assistant.config import Settings; "
        "from assistant.index.store import build_index; "
        "m = build_index(Settings(home=Path(sys.argv[1]), cache_dir=Path(sys.argv[2]))); "
        "print(m['build']['reused_articles'], 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script, str(home.home), str(home.cache_dir)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["5", "False", "False"]
    assert (home.index_path / "manifest.json").read_bytes() == before
    assert {p.name: p.stat().st_size for p in home.index_path.iterdir() if p.name != ".lock"} == files


def test_manifest_records_each_articles_hash(repo_settings):
    from assistant.corpus.clean import load_corpus
    from assistant.index.build import article_digest

    manifest = read_manifest(repo_settings.index_path)
    articles, _ = load_corpus(repo_settings.corpus_path)
    assert {a["id"]: a["sha256"] for a in manifest["articles"]} == {a.id: article_digest(a) for a in articles}
    assert sum(a["passages"] for a in manifest["articles"]) == manifest["counts"]["passages"]
    assert json.loads((repo_settings.index_path / manifest["files"]["bm25"]["name"] / "params.index.json")
                      .read_text())["num_docs"] == manifest["counts"]["passages"]
