"""Passage search behind one small interface: the local FAISS + BM25 files, or a Milvus collection."""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from assistant.index import dense
from assistant.index.bm25 import BM25Index


class PassageSearch(Protocol):
    """Ranks passage ids (positions in the index's passage list) by meaning or by words."""

    name: str

    def dense(self, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to `depth` passage ids by cosine to a unit vector, closest first, with the cosines."""
        ...

    def lexical(self, terms: Sequence[str], depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to `depth` passage ids sharing a term with the question, by BM25, with the scores."""
        ...


class LocalSearch:
    """FAISS (flat or HNSW) and the memory-mapped bm25s arrays in index/."""

    name = "faiss"

    def __init__(self, passage_index, bm25: BM25Index) -> None:
        self.passage_index = passage_index
        self.bm25 = bm25

    def dense(self, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        depth = min(depth, self.passage_index.ntotal)
        if depth == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores, ids = self.passage_index.search(np.asarray(vector, np.float32).reshape(1, -1), depth)
        keep = ids[0] >= 0  # HNSW may find fewer than asked
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def lexical(self, terms: Sequence[str], depth: int) -> tuple[np.ndarray, np.ndarray]:
        return self.bm25.top(terms, depth)


def passage_vectors(passage_index, ids: np.ndarray) -> np.ndarray:
    """Unit vectors of some passages, from the local FAISS index whatever store searches."""
    return dense.vectors_of(passage_index, ids)
