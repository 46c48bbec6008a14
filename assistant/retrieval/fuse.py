"""Retrieval: dense (FAISS) and BM25 rankings fused by reciprocal rank, duplicates grouped."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from assistant.index.store import LoadedIndex
from assistant.types import Hit

RETRIEVERS = ("hybrid", "dense", "bm25")
# Passages from different articles this similar report the same fact in other words.
CORROBORATION_COSINE = 0.8


def reciprocal_rank_fusion(rankings: Sequence[np.ndarray], k: int, size: int) -> np.ndarray:
    """Per id, the sum of 1/(k + rank) over the rankings it appears in (Cormack et al., 2009)."""
    fused = np.zeros(size, dtype=np.float64)
    for ranking in rankings:
        ids = np.asarray(ranking, dtype=np.int64)
        fused[ids] += 1.0 / (k + np.arange(1, len(ids) + 1))
    return fused


class Retriever:
    """Ranks passages for a question by meaning, by words, or both."""

    def __init__(self, index: LoadedIndex, mode: str = "hybrid", rrf_k: int = 60) -> None:
        if mode not in RETRIEVERS:
            raise ValueError(f"retriever must be one of {RETRIEVERS}, not {mode!r}")
        self.index = index
        self.passages = index.passages
        self.mode = mode
        self.rrf_k = rrf_k
        self.bm25 = index.bm25
        vectors = index.passage_index.reconstruct_n(0, index.passage_index.ntotal)
        articles = np.array([p.article_id for p in self.passages])
        # Which passages restate each other across articles, worked out once, not per question.
        self.same_fact = (vectors @ vectors.T >= CORROBORATION_COSINE) & (articles[:, None] != articles[None, :])
        self.has_twin = self.same_fact.any(axis=1)

    def search(self, query_vector: np.ndarray, query_terms: Sequence[str], k: int) -> list[Hit]:
        count = len(self.passages)
        dense_scores, dense_ids = self.index.passage_index.search(query_vector.reshape(1, -1), count)
        dense = np.zeros(count, dtype=np.float32)
        dense[dense_ids[0]] = dense_scores[0]
        lexical = self.bm25.scores(query_terms)
        lexical_ranking = np.argsort(-lexical, kind="stable")
        lexical_ranking = lexical_ranking[lexical[lexical_ranking] > 0]  # no shared term, no rank
        rankings = {
            "dense": [dense_ids[0]],
            "bm25": [lexical_ranking],
            "hybrid": [dense_ids[0], lexical_ranking],
        }[self.mode]
        fused = reciprocal_rank_fusion(rankings, self.rrf_k, count)
        order = [int(i) for i in np.argsort(-fused, kind="stable") if fused[i] > 0]
        return [
            Hit(self.passages[home], float(fused[home]), float(dense[home]), float(lexical[home]),
                [self.passages[i] for i in attached])
            for home, attached in self._group(order, k)
        ]

    def _group(self, order: list[int], k: int) -> list[tuple[int, list[int]]]:
        # The same fact from several articles becomes one hit with corroborating sources,
        # so it does not crowd other facts out of the top k.
        groups: list[tuple[int, list[int]]] = []
        article = [p.article_id for p in self.passages]
        for pid in order:
            if len(groups) >= k and not self.has_twin[pid]:
                continue  # the slots are full and nothing it could corroborate
            home = next(
                (
                    group
                    for group in groups
                    if self.same_fact[pid, group[0]] and all(article[i] != article[pid] for i in group[1])
                ),
                None,
            )
            if home is not None:
                home[1].append(pid)
            elif len(groups) < k:
                groups.append((pid, []))
        return groups
