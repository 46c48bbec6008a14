"""The baseline reader: the retrieved sentence closest in meaning to the question, or abstain.

No rules and no vetoes: one cosine and one threshold. It is what the other readers must beat.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from assistant.reading.base import Extract, Query, Reading, most_similar
from assistant.retrieval.lookups import SentenceLookup
from assistant.types import Hit

# Below this cosine the closest sentence is taken not to answer: on eval/dev.yaml it is the
# threshold with the best accuracy for this reader (0.50; 0.45 at 0.55, 0.44 at 0.75).
MIN_COSINE = 0.7


class SimilarityReader:
    """Answers with the single retrieved sentence most similar to the question."""

    name = "similarity"

    def __init__(self, lookup: SentenceLookup, min_cosine: float = MIN_COSINE) -> None:
        self.lookup = lookup
        self.min_cosine = min_cosine

    def read(self, query: Query, hits: Sequence[Hit]) -> Reading:
        rows = [
            self.lookup.rows[(p.id, i)]
            for hit in hits
            for p in (hit.passage, *hit.corroborating)
            if p.id not in self.lookup.dateline_ids
            for i in range(len(p.sentences))
        ]
        if not rows:
            return Reading((), 0.0, reason="nothing retrieved", check="nothing-retrieved")
        similarity = self.lookup.vectors[rows] @ query.vector
        best = int(np.argmax(similarity))
        cosine = float(similarity[best])
        considered = most_similar([self.lookup.sentence(r).text for r in rows], similarity)
        if cosine < self.min_cosine:
            return Reading((), cosine, reason=f"closest sentence only {cosine:.2f} similar", check="low-similarity",
                           considered=considered)
        row = rows[best]
        return Reading((Extract(row, self.lookup.passage_of(row), self.lookup.sentence(row), cosine),), cosine,
                       considered=considered)
