"""Questions written for a sentence: when a question is one of them in other words, the sentence answers it.

`corpus/training-questions.jsonl` holds questions written for each sentence of the articles
(the query adapter is fitted on them; `training/README.md`). A question that
comes this close to one written for the chosen sentence is answered by it even where the
coverage checks find its words missing: "which country is xiaomi from" shares few words with
"…the Chinese company, Xiaomi…", but it is close to "Which country is Xiaomi from?" written for
that sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from assistant.reading.query import answer_type
from assistant.reading.thesaurus import plain

if TYPE_CHECKING:
    from assistant.index.store import NearMisses

# Chosen on eval/dev.yaml: 0.75-0.85 gave the same dev accuracy (0.785 against 0.780 without),
# 0.7 lost an unanswerable question; the middle is kept.
WRITTEN_FOR = 0.8
# A question this close to a near miss (one the articles leave unanswered, `training/NEARMISS.md`),
# and closer to it by this margin than to any question written for a sentence, is one the
# articles do not answer. Chosen on eval/dev.yaml, where 0.72-0.84 with a margin of 0.05 all gave
# 0.822-0.827 (0.794 without); `docs/answer-quality.md` has the grid.
NEAR_MISS = 0.8
NEAR_MISS_MARGIN = 0.05
# Kinds of answer that are one kind for a near miss: "Who is Xiaomi's CEO?" and "What is the name
# of Xiaomi's CEO?" are one question. A value asked for (a number, a price, a date…) must match.
_THINGS = frozenset({"name", "entity", "definition", "other"})


def _kind(answer: str) -> str:
    return "thing" if answer in _THINGS else answer


class WrittenQuestions:
    """The training questions' unit vectors, grouped by the sentence row each was written for,
    and the near misses (questions about the corpus's people and things that it does not answer)."""

    def __init__(self, vectors: np.ndarray, rows: np.ndarray, near: NearMisses | None = None,
                 article_of: Callable[[int], str] | None = None) -> None:
        self.vectors, self.rows = vectors, rows
        self.near = near if near is not None and len(near.vectors) else None
        # The articles the near misses were checked against: an article imported since may answer them.
        self.near_articles = frozenset(
            article_of(int(r)) for r in (self.near.rows if self.near is not None and article_of else ()) if r >= 0
        )
        self._near_by_kind: dict[str, np.ndarray] | None = None  # near misses by kind of answer, when first needed
        self._by_row: dict[int, np.ndarray] = {}  # filled as rows are asked about: loading stays free

    def closeness(self, row: int, vector: np.ndarray | None) -> float:
        """The highest cosine between the question and one written for this sentence (0 if none)."""
        if vector is None:
            return 0.0
        written = self._by_row.get(row)
        if written is None:
            written = self._by_row[row] = np.ascontiguousarray(self.vectors[self.rows == row], dtype=np.float32)
        return float((written @ vector).max()) if len(written) else 0.0

    def answers(self, row: int, vector: np.ndarray | None) -> bool:
        """Whether the question is, in other words, one written for this sentence."""
        return self.closeness(row, vector) >= WRITTEN_FOR

    def unanswered(self, vector: np.ndarray | None, kind: str, article: str) -> tuple[float, float] | None:
        """(cosine, margin) when the question is, in other words, a near miss: within NEAR_MISS of
        one that asks for the same kind of answer ("How many languages…" is not "Which
        languages…"; `_kind`), and NEAR_MISS_MARGIN closer to it than to any question written for a
        sentence. Only for an answer from an article the near misses were checked against."""
        if vector is None or self.near is None or article not in self.near_articles:
            return None
        if self._near_by_kind is None:
            kinds = np.array([_kind(answer_type(plain(text))) for text in self.near.texts])
            self._near_by_kind = {k: np.ascontiguousarray(self.near.vectors[kinds == k]) for k in set(kinds.tolist())}
        same = self._near_by_kind.get(_kind(kind))
        if same is None:
            return None
        missed = float((same @ vector).max())
        answered = float((self.vectors @ vector).max()) if len(self.vectors) else 0.0
        if missed >= NEAR_MISS and missed - answered >= NEAR_MISS_MARGIN:
            return missed, missed - answered
        return None
