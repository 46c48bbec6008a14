"""Retrieval: dense and BM25 rankings (FAISS files or Milvus) fused by reciprocal rank, duplicates grouped."""

from __future__ import annotations

from typing import Callable, Sequence

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
# Whether the passage at `position` of the order (`pid`) restates each group's first passage.
Restates = Callable[[int, int, list[int]], list[bool]]
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
        # (sorted(set()), not np.unique: numpy 2's unique imports numpy.ma, 11 ms of a cold answer)
        candidates = np.array(sorted(set(np.concatenate([empty, *rankings]).tolist())), dtype=np.int64)
        fused = reciprocal_rank_fusion([np.searchsorted(candidates, r) for r in rankings], self.rrf_k, len(candidates))
        order = [int(i) for i in np.argsort(-fused, kind="stable") if fused[i] > 0]
        vectors = self._vectors(candidates)
        cosine = np.einsum("ij,j->i", vectors, np.asarray(query_vector, dtype=np.float32).reshape(-1))
        lexical = dict(zip(lexical_ids.tolist(), lexical_scores.tolist())) if lexical_scores is not None else {}
        near = self._neighbours()
        restates = self._restated_known(candidates, near) if near is not None else self._restated_by_vectors(order, k, vectors)
        groups = self._group(order, k, candidates, restates)
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

    @staticmethod
    def _restated_known(candidates: np.ndarray, near: list[frozenset[int]]) -> "Restates":
        """Restatement from the table found once (a small corpus): a set lookup."""
        ids = candidates.tolist()
        return lambda position, pid, heads: [ids[head] in near[ids[pid]] for head in heads]

    @staticmethod
    def _restated_by_vectors(order: list[int], k: int, vectors: np.ndarray) -> "Restates":
        """Restatement by cosine with each group's first passage, computed per question: at most k
        per candidate, not the corpus's squared; once the k groups exist their heads are fixed, so
        one product serves every passage still to place. (einsum, not BLAS: a matrix product this
        small waits on BLAS's threads when the cores are busy.)"""
        full: dict[int, np.ndarray] = {}

        def restates(position: int, pid: int, heads: list[int]) -> list[bool]:
            if len(heads) == k and not full:
                rest = order[position:]
                full.update(zip(rest, np.einsum("ij,kj->ik", vectors[rest], vectors[heads])))
            similarity = full[pid] if full else np.einsum("ij,j->i", vectors[heads], vectors[pid])
            return [cosine >= CORROBORATION_COSINE for cosine in similarity]

        return restates

    def _group(
        self, order: list[int], k: int, candidates: np.ndarray, restates: "Restates"
    ) -> list[tuple[int, list[int]]]:
        # The same fact from several articles becomes one hit with corroborating sources, so it
        # does not crowd other facts out of the top k. A passage joins a group through the
        # group's first passage, if it restates it and no passage of its article is in the group.
        article = [self.passages[int(c)].article_id for c in candidates]
        groups: list[tuple[int, list[int]]] = []
        for position, pid in enumerate(order):
            home = None
            if groups:
                flags = restates(position, pid, [group[0] for group in groups])
                home = next(
                    (
                        group
                        for group, restated in zip(groups, flags)
                        if restated
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
