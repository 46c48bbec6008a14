"""Word-piece vectors (late interaction) are left out of an index above a size, and come back below it."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.errors import BadSetting
from assistant.index.store import build_index, ensure_index, load_index, read_manifest, staleness

pytestmark = pytest.mark.engine


def test_a_larger_index_than_the_setting_leaves_word_pieces_out(home):
    small = home.replace(word_pieces_max_passages=10)  # the shipped index has 49 passages
    assert "word-piece vectors should be left out" in staleness(read_manifest(home.index_path), small)
    manifest = build_index(small)  # every vector reused: no model is loaded
    assert manifest["build"]["embedded_articles"] == 0
    assert manifest["word_pieces"] == {"stored": False, "max_passages": 10}
    assert "sentence_tokens" not in manifest["files"] and "token_vectors" not in manifest["files"]
    assert not [p for p in home.index_path.iterdir() if p.name.startswith(("sentence_tokens", "token_vectors", "."))
                if p.name not in (".lock", ".gitattributes")]
    index = load_index(home.index_path)
    assert index.sentence_tokens is None and len(index.sentence_vectors) == manifest["counts"]["sentences"]
    assert staleness(read_manifest(home.index_path), small) is None


def test_the_reader_answers_without_word_pieces(home):
    from assistant.pipeline import Assistant

    small = home.replace(word_pieces_max_passages=0)
    assistant = Assistant.load(small)  # rebuilds (stale: pieces should be left out), reusing vectors
    assert assistant.index.sentence_tokens is None
    answer = assistant.ask("How much does the Invoke cost?")
    assert not answer.abstained and "150" in answer.text


def test_word_pieces_come_back_when_the_index_fits_again(home):
    shipped = load_index(home.index_path)
    build_index(home.replace(word_pieces_max_passages=0))
    assert "word-piece vectors should be stored" in staleness(read_manifest(home.index_path), home)
    rebuilt = ensure_index(home)  # the reused articles' pieces are made again; nothing else is embedded
    assert read_manifest(home.index_path)["word_pieces"]["stored"] is True
    assert len(rebuilt.sentence_tokens) == len(shipped.sentence_tokens)
    for again, before in zip(rebuilt.sentence_tokens, shipped.sentence_tokens):
        assert again.tokens == before.tokens
        assert np.allclose(np.asarray(again.vectors, np.float32), np.asarray(before.vectors, np.float32), atol=2e-3)


def test_the_limit_is_checked(tmp_path, capsys):
    with pytest.raises(BadSetting, match="word_pieces_max_passages"):
        Settings(word_pieces_max_passages=-1)
    assert main(["--home", str(tmp_path), "build", "--word-pieces-max-passages", "-5"]) == 2
    assert "--word-pieces-max-passages" in capsys.readouterr().err
