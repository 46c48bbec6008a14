"""Rank fusion arithmetic, and hybrid retrieval on the real index."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.retrieval.fuse import Retriever, reciprocal_rank_fusion


def test_reciprocal_rank_fusion_by_hand():
    fused = reciprocal_rank_fusion([np.array([3, 1, 2]), np.array([1, 4])], k=60, size=6)
    assert fused[1] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[3] == pytest.approx(1 / 61)
    assert fused[4] == pytest.approx(1 / 62)
    assert fused[0] == fused[5] == 0  # in no ranking, no score
    assert int(np.argmax(fused)) == 1  # second in one list, first in the other beats one first


@pytest.mark.engine
@pytest.mark.parametrize(
    "question, expected",
    [
        ("Who is Harry Shum?", "Harry Shun"),  # the article misspells him
        ("harmon kardon invoke price", "$150"),
        ("What Xiamio products will get Bing?", "Bing"),
        ("Which rival pushes DuerOS in China?", "DuerOS"),
    ],
)
def test_hybrid_finds_the_passage(assistant, question, expected):
    from assistant.reading.query import analyse

    parsed = analyse(question, assistant.lexicon)
    vector = assistant.embedder.encode([parsed.text])[0]
    hits = assistant.retriever.search(vector, parsed.terms, k=3)
    assert any(expected in h.passage.text for h in hits)


@pytest.mark.engine
def test_same_fact_in_several_articles_is_one_hit(assistant):
    from assistant.reading.query import analyse

    parsed = analyse("How many smartphones did Xiaomi sell in 2017?", assistant.lexicon)
    vector = assistant.embedder.encode([parsed.text])[0]
    hits = assistant.retriever.search(vector, parsed.terms, k=6)
    grouped = [h for h in hits if h.corroborating]
    assert grouped, "near-identical passages from different articles should be grouped"
    for hit in grouped:
        assert all(c.article_id != hit.passage.article_id for c in hit.corroborating)
    assert len(hits) == 6 and len(set(h.passage.id for h in hits)) == 6
    # The grouped duplicates did not take the slots of other facts: no corroborating passage
    # is also a hit of its own, and the six slots hold more than the one repeated fact.
    slots = {h.passage.id for h in hits}
    assert not slots & {c.id for h in hits for c in h.corroborating}
    assert sum("92.4 million" in h.passage.text for h in hits) < 6


@pytest.mark.engine
@pytest.mark.parametrize("question", [
    "How many smartphones did Xiaomi sell in 2017?", "When did they start working together?", "Who is Wang Xiang?",
])
def test_restatements_found_once_group_as_the_per_question_products_do(assistant, question, monkeypatch):
    """A small corpus's restatements are found once at the first question; a large one's are
    computed per question among the candidates. Both make the same hits."""
    from assistant.retrieval import fuse
    from assistant.reading.query import analyse

    parsed = analyse(question, assistant.lexicon)
    vector = assistant.embedder.encode([parsed.text])[0]
    known = Retriever(assistant.index).search(vector, parsed.terms, k=8)
    monkeypatch.setattr(fuse, "SMALL_CORPUS", 0)
    computed = Retriever(assistant.index).search(vector, parsed.terms, k=8)
    assert [(h.passage.id, [c.id for c in h.corroborating]) for h in known] == [
        (h.passage.id, [c.id for c in h.corroborating]) for h in computed
    ]
    assert any(h.corroborating for h in known)


@pytest.mark.engine
@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_mode_ranks(assistant, mode):
    retriever = Retriever(assistant.index, mode)
    from assistant.reading.query import analyse

    parsed = analyse("How much does the Invoke cost?", assistant.lexicon)
    hits = retriever.search(assistant.embedder.encode([parsed.text])[0], parsed.terms, k=3)
    assert any("$150" in h.passage.text for h in hits)


@pytest.mark.engine
def test_saved_bm25_scores_equal_bm25s(assistant):
    import bm25s

    texts = [p.text for p in assistant.index.passages]
    reference = bm25s.BM25()
    reference.index([assistant.lexicon.terms(t) or [""] for t in texts], show_progress=False)
    for question in ["How much does the Invoke cost?", "harmon kardon cortana speaker speaker", "zzz unknown"]:
        terms = assistant.lexicon.terms(question)
        expected = reference.get_scores(terms) if any(t in reference.vocab_dict for t in terms) else 0.0
        assert np.allclose(assistant.index.bm25.scores(terms), expected, atol=1e-5)
