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
# Up to this many passages, their vectors stay in memory and their restatements are found once.
SMALL_CORPUS = 2_000


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
        self.passage_count = len(index.passages)
        self._all: np.ndarray | None = None
        self._near: list[frozenset[int]] | None = None

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
        vectors = self._vectors(candidates)
        cosine = np.einsum("ij,j->i", vectors, np.asarray(query_vector, dtype=np.float32).reshape(-1))
        lexical = dict(zip(lexical_ids.tolist(), lexical_scores.tolist())) if lexical_scores is not None else {}
        neighbours = self._neighbours()
        groups = (
            self._group_known(order, k, candidates, neighbours) if neighbours is not None
            else self._group(order, k, candidates, vectors)
        )
        return [
            Hit(self.passages[candidates[home]], float(fused[home]), float(cosine[home]),
                float(lexical.get(int(candidates[home]), 0.0)), [self.passages[candidates[i]] for i in attached])
            for home, attached in groups
        ]

    def _vectors(self, ids: np.ndarray) -> np.ndarray:
        if self._all is None and self.passage_count <= SMALL_CORPUS:
            self._all = passage_vectors(self.index.passage_index, np.arange(self.passage_count))
        return self._all[ids] if self._all is not None else passage_vectors(self.index.passage_index, ids)

    def _neighbours(self) -> list[frozenset[int]] | None:
        """For a small corpus, each passage's restatements in other articles (cosine ≥ 0.8), found
        once: they do not depend on the question."""
        if self.passage_count > SMALL_CORPUS:
            return None
        if self._near is None:
            vectors = self._vectors(np.arange(self.passage_count))
            similar = vectors @ vectors.T >= CORROBORATION_COSINE
            article = [p.article_id for p in self.passages]
            self._near = [
                frozenset(int(j) for j in np.flatnonzero(row) if article[j] != article[i]) for i, row in enumerate(similar)
            ]
        return self._near

    def _group_known(
        self, order: list[int], k: int, candidates: np.ndarray, near: list[frozenset[int]]
    ) -> list[tuple[int, list[int]]]:
        """`_group` with the restatements known in advance: the same groups, no vector products."""
        article = [self.passages[int(c)].article_id for c in candidates]
        ids = candidates.tolist()
        groups: list[tuple[int, list[int]]] = []
        for pid in order:
            similar = near[ids[pid]]
            home = next(
                (
                    group for group in groups
                    if ids[group[0]] in similar and all(article[i] != article[pid] for i in group[1])
                ),
                None,
            )
            if home is not None:
                home[1].append(pid)
            elif len(groups) < k:
                groups.append((pid, []))
        return groups

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
