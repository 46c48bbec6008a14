"""Corpus-wide sentence lookups: every sentence row of the index, and its nearest neighbours.

The reader and the citer see the corpus through this view: sentence rows in passage order, their
unit vectors, and searches for sentences close to a question or to another sentence. It holds
numpy arrays only; FAISS stays in the index.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from assistant.corpus.clean import parse_date
from assistant.index.store import LoadedIndex
from assistant.types import Passage, Sentence

# Sentences of two articles this close say the same thing; this close, if they agree on a value.
RESTATED = 0.8
RESTATED_LOOSE = 0.7


class SentenceLookup:
    """Sentence rows (in passage order) with their passages, vectors and datelines."""

    def __init__(self, index: LoadedIndex) -> None:
        self.passages = index.passages
        self.vectors = index.sentence_vectors  # one unit vector per sentence row
        self.owner = index.sentence_owner  # passage id of each row
        self.passage_vectors = index.passage_index.reconstruct_n(0, index.passage_index.ntotal)
        self.rows: dict[tuple[int, int], int] = {}  # (passage id, place in passage) -> row
        self.position: list[int] = []  # a row's place in its passage
        for passage in self.passages:
            for position in range(len(passage.sentences)):
                self.rows[(passage.id, position)] = len(self.position)
                self.position.append(position)
        # A passage that is only a date is its article's dateline: it says when the article was
        # reported, so it answers "when was it reported…" and nothing else.
        self.datelines = {p.article_id: p for p in self.passages if parse_date(p.text)}
        self.dateline_ids = {p.id for p in self.datelines.values()}
        # Each article's first sentence after its dateline: in news, the lead sums the story up.
        self.leads: dict[str, int] = {}
        for passage in self.passages:
            if passage.id not in self.dateline_ids:
                self.leads.setdefault(passage.article_id, self.rows[(passage.id, 0)])

    def __len__(self) -> int:
        return len(self.position)

    def passage_of(self, row: int) -> Passage:
        return self.passages[int(self.owner[row])]

    def sentence(self, row: int) -> Sentence:
        return self.passage_of(row).sentences[self.position[row]]

    def nearest(self, vector: np.ndarray, floor: float) -> Iterator[tuple[int, float]]:
        """Rows by closeness to a unit vector, closest first, while at least `floor`."""
        similarity = self.vectors @ vector
        for row in np.argsort(-similarity):
            if similarity[row] < floor:
                return
            yield int(row), float(similarity[row])

    def similarity_to(self, row: int) -> np.ndarray:
        """Cosine of every row to one row."""
        return self.vectors @ self.vectors[row]

    def restatements(self, row: int, agrees: Callable[[str], bool] | None = None) -> list[tuple[int, float]]:
        """Sentences of other articles that say what one row says: (row, cosine), one per article.

        A close sentence (cosine 0.8) restates it; a looser one (0.7) does when `agrees` accepts
        its text, e.g. because it states the same value. Datelines restate nothing.
        """
        similarity = self.similarity_to(row)
        home = self.passage_of(row).article_id
        found: dict[str, tuple[int, float]] = {}
        for other in np.argsort(-similarity):
            if similarity[other] < RESTATED_LOOSE:
                break
            passage = self.passage_of(int(other))
            if passage.article_id == home or passage.article_id in found or passage.id in self.dateline_ids:
                continue
            if agrees is not None:
                if not agrees(self.sentence(int(other)).text):
                    continue
            elif similarity[other] < RESTATED:
                continue
            found[passage.article_id] = (int(other), float(similarity[other]))
        return list(found.values())
