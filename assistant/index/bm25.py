"""BM25 term scores over the passages: computed by bm25s, stored in its own on-disk format, summed with numpy."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from array import array
from collections import Counter
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
    return [terms_of(lexicon, t) for t in texts]


def terms_of(lexicon: Lexicon, text: str) -> list[str]:
    """One passage's BM25 terms under the corpus's lexicon ("" for a passage with none, as bm25s
    indexes an empty document)."""
    return lexicon.terms(text) or [""]


class BM25Writer:
    """BM25 built one passage at a time, for a build that streams its passages.

    Each passage's distinct terms and their counts are kept as compact integer arrays (about 8
    bytes a posting, not Python lists of strings); `finish` scores them as bm25s's Lucene
    variant does, in the same float32/float64 steps, and saves them with `bm25s.BM25.save`.
    The files are byte for byte those `BM25Index.write` makes from the same terms (tested).
    """

    K1, B = 1.5, 0.75  # bm25s's defaults, which `BM25Index.write` uses
    _BLOCK = 1 << 22  # postings scored at once

    def __init__(self) -> None:
        self.term_ids: dict[str, int] = {}
        self.postings = array("i")  # term id of each (passage, distinct term)
        self.counts = array("i")  # how often that term occurs in that passage
        self.distinct = array("i")  # distinct terms of each passage
        self.lengths = array("q")  # terms of each passage

    def add(self, terms: Sequence[str]) -> None:
        """The next passage's terms (see `terms_of`)."""
        counter = Counter(terms)
        ids = self.term_ids
        self.postings.extend([ids.setdefault(term, len(ids)) for term in counter])
        self.counts.extend(counter.values())
        self.distinct.append(len(counter))
        self.lengths.append(len(terms))

    def finish(self, folder: Path) -> None:
        """Score every posting and save the index into `folder`."""
        import bm25s

        docs = len(self.lengths)
        if docs == 0:
            raise ValueError("BM25 needs at least one passage")
        terms = np.frombuffer(self.postings, dtype=np.int32)
        counts = np.frombuffer(self.counts, dtype=np.int32)
        lengths = np.frombuffer(self.lengths, dtype=np.int64)
        rows = np.repeat(np.arange(docs, dtype=np.int32), np.frombuffer(self.distinct, dtype=np.int32))
        average = lengths.mean()  # float64, as bm25s takes it
        frequency = np.bincount(terms, minlength=len(self.term_ids)).tolist()
        idf = np.array([math.log(1 + (docs - df + 0.5) / (df + 0.5)) for df in frequency], dtype=np.float32)
        scores = np.empty(len(terms), dtype=np.float32)
        for start in range(0, len(terms), self._BLOCK):  # float64 temporaries a block at a time
            block = slice(start, start + self._BLOCK)
            tf = counts[block].astype(np.float32)
            # bm25s, per passage: idf * tf / (k1 * ((1 - b) + b * length / average) + tf) in float64, stored float32.
            denominator = self.K1 * ((1 - self.B) + self.B * lengths[rows[block]] / average) + tf
            scores[block] = idf[terms[block]] * (tf / denominator)
        # Terms numbered alphabetically (as `BM25Index._model`), passages in order within a term.
        names = list(self.term_ids)
        alphabetical = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype=np.int32)
        rank[alphabetical] = np.arange(len(names), dtype=np.int32)
        columns = rank[terms]
        order = np.argsort(columns, kind="stable")
        model = bm25s.BM25()
        model.scores = {
            "data": scores[order],
            "indices": rows[order],
            "indptr": np.concatenate([[0], np.cumsum(np.bincount(columns, minlength=len(names)))]).astype(np.int64),
            "num_docs": docs,
        }
        model.vocab_dict = {names[i]: column for column, i in enumerate(alphabetical)}
        model.nonoccurrence_array = None  # set by `index`, which this skips (Lucene has none)
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        model.save(folder, show_progress=False)


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
