"""BM25 term scores over the passages: computed by bm25s, stored in its own on-disk format, summed with numpy."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.text import STOPWORDS, Lexicon

# bm25s's file names (`bm25s.BM25.save`); `bm25s.BM25.load(folder, mmap=True)` reads them back.
DATA, INDICES, INDPTR = "data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy"
VOCAB, PARAMS = "vocab.index.json", "params.index.json"
FILES = (DATA, INDICES, INDPTR, VOCAB, PARAMS)


def terms_fingerprint() -> str:
    """A hash of what turns text into BM25 terms besides the corpus: the stopword list and the
    stemmer. An index built with other word lists has other terms, so it is rebuilt."""
    recipe = "snowball-english\n" + " ".join(sorted(STOPWORDS))
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def passage_terms(texts: Sequence[str]) -> list[list[str]]:
    """The canonical stemmed terms BM25 indexes for each passage (the corpus's own lexicon)."""
    lexicon = Lexicon.from_texts(texts)
    return [lexicon.terms(t) or [""] for t in texts]


class BM25Index:
    """BM25 (bm25s, Lucene variant) over canonical stemmed terms of each passage.

    bm25s scores every (term, passage) pair when it indexes and keeps them as CSC arrays (one
    column per term). They are saved in bm25s's own format and memory-mapped at load, so a
    question reads only the columns of its terms and never imports bm25s (nor scipy, which
    bm25s imports: 0.2 s of a cold start).
    """

    def __init__(self, vocabulary: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 num_docs: int) -> None:
        self.term_ids = vocabulary
        self.data, self.indices, self.indptr, self.num_docs = data, indices, indptr, int(num_docs)

    @classmethod
    def build(cls, terms: Sequence[Sequence[str]]) -> "BM25Index":
        """Index each passage's terms (see `passage_terms`)."""
        model = cls._model(terms)
        return cls(model.vocab_dict, model.scores["data"], model.scores["indices"], model.scores["indptr"],
                   model.scores["num_docs"])

    @staticmethod
    def _model(terms: Sequence[Sequence[str]]):
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build
        model = bm25s.BM25()  # Lucene variant: no score for absent terms, so columns suffice
        model.index([list(t) for t in terms], show_progress=False)
        # bm25s numbers terms in set order, which changes with the hash seed; renumber them
        # alphabetically so the same corpus always writes the same bytes.
        scores = model.scores
        columns = len(scores["indptr"]) - 1  # the vocabulary also names an empty token with no column
        vocabulary = sorted(t for t, column in model.vocab_dict.items() if column < columns)
        order = np.array([model.vocab_dict[t] for t in vocabulary], dtype=np.int64)
        starts, ends = scores["indptr"][order], scores["indptr"][order + 1]
        picks = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)]) if len(order) else np.zeros(0, np.int64)
        model.scores = {
            "data": np.asarray(scores["data"][picks], dtype=np.float32),
            "indices": np.asarray(scores["indices"][picks], dtype=scores["indices"].dtype),
            "indptr": np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64),
            "num_docs": scores["num_docs"],
        }
        model.vocab_dict = {term: i for i, term in enumerate(vocabulary)}
        return model

    @classmethod
    def write(cls, terms: Sequence[Sequence[str]], folder: Path) -> None:
        """Index the passages' terms and save them with `bm25s.BM25.save` into `folder`."""
        cls._model(terms).save(folder, show_progress=False)

    @classmethod
    def open(cls, folder: Path) -> "BM25Index":
        """Read a folder `write` made: arrays memory-mapped, without importing bm25s or scipy."""
        params = json.loads((folder / PARAMS).read_text("utf-8"))
        vocabulary = json.loads((folder / VOCAB).read_text("utf-8"))
        if params.get("method") != "lucene" or not isinstance(vocabulary, dict):
            raise ValueError(f"{folder}: not a bm25s lucene index")
        arrays = [np.load(folder / name, mmap_mode="r", allow_pickle=False) for name in (DATA, INDICES, INDPTR)]
        columns = len(arrays[2]) - 1
        if columns < 0 or len(arrays[0]) != len(arrays[1]) or len(vocabulary) < columns:
            raise ValueError(f"{folder}: bm25 arrays and vocabulary disagree")
        if len(vocabulary) > columns:  # bm25s may name a term with no column (the empty token)
            vocabulary = {term: column for term, column in vocabulary.items() if column < columns}
        return cls(vocabulary, *arrays, params["num_docs"])

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage, as bm25s's get_scores computes it."""
        scores = np.zeros(self.num_docs, dtype=np.float32)
        for term in query_terms:
            column = self.term_ids.get(term)
            if column is not None:
                start, end = int(self.indptr[column]), int(self.indptr[column + 1])
                np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores

    def top(self, query_terms: Sequence[str], depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Passages with a positive score, best first (ties by passage id), at most `depth`."""
        scores = self.scores(query_terms)
        ids = np.flatnonzero(scores > 0)
        if len(ids) > depth:
            ids = ids[np.argpartition(-scores[ids], depth - 1)[:depth]]
        ids = ids[np.lexsort((ids, -scores[ids]))]
        return ids, scores[ids]
