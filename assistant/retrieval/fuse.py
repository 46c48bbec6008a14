"""Retrieval: dense and BM25 rankings (FAISS files or Milvus) fused by reciprocal rank, duplicates grouped."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from assistant.index.search import LocalSearch, passage_vectors
from assistant.index.store import LoadedIndex
from assistant.types import Hit

RETRIEVERS = ("hybrid", "dense", "bm25")
# Passages each half of the hybrid hands to the fusion: more than the corpus of five articles
# holds (49), so there the ranking is exhaustive as before; at scale, ANN territory.
CANDIDATES = 100
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
    """Ranks passages for a question by meaning, by words, or both.

    Each half gives its best `CANDIDATES` passages (all of them in a small corpus, so the
    ranking is the exhaustive one); the index's `search` decides where they come from (FAISS
    and BM25 files, or Milvus). Fusion and grouping happen here, the same for every store.
    """

    def __init__(self, index: LoadedIndex, mode: str = "hybrid", rrf_k: int = 60) -> None:
        if mode not in RETRIEVERS:
            raise ValueError(f"retriever must be one of {RETRIEVERS}, not {mode!r}")
        self.index = index
        self.passages = index.passages
        self.mode = mode
        self.rrf_k = rrf_k
        self.store = index.search or LocalSearch(index.passage_index, index.bm25)

    def search(self, query_vector: np.ndarray, query_terms: Sequence[str], k: int) -> list[Hit]:
        depth = max(CANDIDATES, k)
        empty = np.zeros(0, dtype=np.int64)
        dense_ids = self.store.dense(query_vector, depth)[0] if self.mode != "bm25" else empty
        lexical_ids, lexical_scores = self.store.lexical(query_terms, depth) if self.mode != "dense" else (empty, None)
        rankings = {"dense": [dense_ids], "bm25": [lexical_ids], "hybrid": [dense_ids, lexical_ids]}[self.mode]
        # Fused over the candidates only; ascending ids, so ties still go to the earlier passage.
        candidates = np.unique(np.concatenate([empty, *rankings]))
        fused = reciprocal_rank_fusion([np.searchsorted(candidates, r) for r in rankings], self.rrf_k, len(candidates))
        order = [int(i) for i in np.argsort(-fused, kind="stable") if fused[i] > 0]
        vectors = passage_vectors(self.index.passage_index, candidates)
        cosine = np.einsum("ij,j->i", vectors, np.asarray(query_vector, dtype=np.float32).reshape(-1))
        lexical = dict(zip(lexical_ids.tolist(), lexical_scores.tolist())) if lexical_scores is not None else {}
        return [
            Hit(self.passages[candidates[home]], float(fused[home]), float(cosine[home]),
                float(lexical.get(int(candidates[home]), 0.0)), [self.passages[candidates[i]] for i in attached])
            for home, attached in self._group(order, k, candidates, vectors)
        ]

    def _group(self, order: list[int], k: int, candidates: np.ndarray, vectors: np.ndarray) -> list[tuple[int, list[int]]]:
        # The same fact from several articles becomes one hit with corroborating sources,
        # so it does not crowd other facts out of the top k. A passage can only join a group
        # through the group's first passage, so only those similarities are computed: at most
        # k per candidate, not the corpus's squared. (einsum, not BLAS: a matrix product this
        # small waits on BLAS's threads when the cores are busy.)
        article = [self.passages[int(c)].article_id for c in candidates]
        groups: list[tuple[int, list[int]]] = []
        full: dict[int, np.ndarray] = {}  # once the k groups exist, their heads are fixed
        for position, pid in enumerate(order):
            home = None
            if len(groups) == k and not full:  # one product for every passage still to place
                rest = order[position:]
                heads = vectors[[group[0] for group in groups]]
                full = dict(zip(rest, np.einsum("ij,kj->ik", vectors[rest], heads)))
            if groups:
                similarity = full[pid] if full else np.einsum(
                    "ij,j->i", vectors[[group[0] for group in groups]], vectors[pid]
                )
                home = next(
                    (
                        group
                        for group, cosine in zip(groups, similarity)
                        if cosine >= CORROBORATION_COSINE
                        and article[group[0]] != article[pid]
                        and all(article[i] != article[pid] for i in group[1])
                    ),
                    None,
                )
            if home is not None:
                home[1].append(pid)
            elif len(groups) < k:
                groups.append((pid, []))
        return groups
