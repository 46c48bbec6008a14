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


def test_one_model_run_gives_the_vectors_and_word_pieces_of_two(repo_settings):
    embedder = SentenceTransformerEmbedder(repo_settings.embedding_model)
    vectors, tokens = embedder.encode_with_tokens(TEXTS)
    assert vectors.tobytes() == embedder.encode(TEXTS).tobytes()  # the same bytes: the index does not change
    states = embedder.model.encode(TEXTS, output_value="token_embeddings", convert_to_numpy=False)
    tokenizer = embedder.model.tokenizer
    for text, pieces, state in zip(TEXTS, tokens, states):  # as a separate token run gives them
        names = tokenizer.convert_ids_to_tokens(tokenizer(text, truncation=True, max_length=256)["input_ids"])
        keep = [i for i, name in enumerate(names) if name not in tokenizer.all_special_tokens]  # [CLS], [UNK], ...
        assert pieces.tokens == tuple(names[i] for i in keep)
        expected = state.numpy()[keep]
        expected = expected / np.linalg.norm(expected, axis=1, keepdims=True)
        assert np.array_equal(pieces.vectors, expected.astype(np.float32))
    assert len(tokens[3].tokens) == 254  # truncated at 256 with [CLS] and [SEP]
    empty_vectors, empty_tokens = embedder.encode_with_tokens([])
    assert empty_vectors.shape == (0, 384) and empty_tokens == []


def test_damaged_export_is_made_again(tmp_path, repo_settings):
    target = encoder_dir_for(repo_settings.embedding_model, tmp_path)
    first = load_query_embedder(repo_settings.embedding_model, "onnx", tmp_path)
    (target / "model.onnx").write_bytes(b"broken")
    again = load_query_embedder(repo_settings.embedding_model, "onnx", tmp_path)
    assert np.allclose(first.encode(TEXTS[:1]), again.encode(TEXTS[:1]), atol=1e-6)
