"""BM25 term scores over the passages, computed by bm25s at build time and summed with numpy."""

from __future__ import annotations

import logging
from typing import Mapping, Sequence

import numpy as np

from assistant.text import Lexicon


class BM25Index:
    """BM25 (bm25s) over canonical stemmed terms of each passage.

    bm25s scores every (term, passage) pair when it indexes and keeps them as CSC arrays; they
    are saved with the index, so answering a question only sums columns with numpy and never
    imports bm25s and scipy (0.2 s of a cold start).
    """

    def __init__(self, vocabulary: Sequence[str], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 num_docs: int) -> None:
        self.term_ids = {term: i for i, term in enumerate(vocabulary)}
        self.data, self.indices, self.indptr, self.num_docs = data, indices, indptr, int(num_docs)

    @classmethod
    def build(cls, texts: Sequence[str], lexicon: Lexicon) -> "BM25Index":
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build
        model = bm25s.BM25()  # Lucene variant: no score for absent terms, so columns suffice
        model.index([lexicon.terms(t) or [""] for t in texts], show_progress=False)
        # bm25s numbers terms in set order, which changes with the hash seed; renumber them
        # alphabetically so the same corpus always writes the same bytes.
        scores = model.scores
        columns = len(scores["indptr"]) - 1  # the vocabulary also names an empty token with no column
        vocabulary = sorted(t for t, column in model.vocab_dict.items() if column < columns)
        data, indices, indptr = [], [], [0]
        for term in vocabulary:
            column = model.vocab_dict[term]
            start, end = scores["indptr"][column], scores["indptr"][column + 1]
            data.extend(scores["data"][start:end])
            indices.extend(scores["indices"][start:end])
            indptr.append(len(data))
        return cls(vocabulary, np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64),
                   np.asarray(indptr, dtype=np.int64), scores["num_docs"])

    def to_json(self) -> dict:
        """Plain lists: deterministic bytes (a zip would stamp times) and no pickle."""
        return {
            "vocabulary": sorted(self.term_ids, key=self.term_ids.get),
            "data": [float(x) for x in self.data],
            "indices": [int(x) for x in self.indices],
            "indptr": [int(x) for x in self.indptr],
            "num_docs": self.num_docs,
        }

    @classmethod
    def from_json(cls, record: Mapping) -> "BM25Index":
        return cls(
            record["vocabulary"],
            np.asarray(record["data"], dtype=np.float32),
            np.asarray(record["indices"], dtype=np.int64),
            np.asarray(record["indptr"], dtype=np.int64),
            int(record["num_docs"]),
        )

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage, as bm25s's get_scores computes it."""
        scores = np.zeros(self.num_docs, dtype=np.float32)
        for term in query_terms:
            column = self.term_ids.get(term)
            if column is not None:
                start, end = self.indptr[column], self.indptr[column + 1]
                np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores
