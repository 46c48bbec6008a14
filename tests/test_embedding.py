"""The light ONNX query encoder gives the same vectors as sentence-transformers."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.embed import (
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    encoder_dir_for,
    load_query_embedder,
)

pytestmark = pytest.mark.engine

TEXTS = [
    "How much does the Invoke cost?",
    "The Invoke currently costs around $150, putting it in a similar price tier as the Amazon Echo.",
    "小米 Xiaomi",
    "word " * 400,  # longer than the model's 256 tokens: both truncate the same way
]


def test_onnx_matches_sentence_transformers(repo_settings):
    reference = SentenceTransformerEmbedder(repo_settings.embedding_model).encode(TEXTS)
    onnx = load_query_embedder(repo_settings.embedding_model, "onnx", repo_settings.cache_dir)
    assert isinstance(onnx, OnnxEmbedder)
    vectors = onnx.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.all(np.sum(reference * vectors, axis=1) >= 0.99999)


def test_damaged_export_is_made_again(tmp_path, repo_settings):
    target = encoder_dir_for(repo_settings.embedding_model, tmp_path)
    first = load_query_embedder(repo_settings.embedding_model, "onnx", tmp_path)
    (target / "model.onnx").write_bytes(b"broken")
    again = load_query_embedder(repo_settings.embedding_model, "onnx", tmp_path)
    assert np.allclose(first.encode(TEXTS[:1]), again.encode(TEXTS[:1]), atol=1e-6)
