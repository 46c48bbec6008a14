"""The reading stage's contract: a Query in, scored verbatim extracts and an answerability out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from assistant.index.embed import TokenVectors
from assistant.reading.query import Question
from assistant.types import Hit, Passage, Sentence


@dataclass(frozen=True)
class Query:
    """An analysed question with its embedding (and those of its variants, from the same batch)."""

    question: Question
    vector: np.ndarray
    variants: Mapping[str, np.ndarray] = field(default_factory=dict)  # question text variant -> vector
    tokens: TokenVectors | None = None  # the question's word pieces in context, when the encoder gives them
    ranking: np.ndarray | None = None  # what sentences are chosen by: the query adapter's vector, if any


@dataclass(frozen=True)
class Extract:
    """A verbatim sentence the reader chose, where it stands, and how well it answers."""

    row: int  # sentence row in the index
    passage: Passage
    sentence: Sentence
    score: float
    values: frozenset[str] = frozenset()  # the answer values it holds ("$150"), if any

    @property
    def start(self) -> int:
        """Offset of the sentence in its article's cleaned text."""
        return self.sentence.start

    @property
    def end(self) -> int:
        return self.sentence.end


CONSIDERED = 10


def most_similar(texts: Sequence[str], scores: np.ndarray) -> tuple[str, ...]:
    """The CONSIDERED texts with the highest scores, best first: a reader's `considered`."""
    return tuple(texts[i] for i in np.argsort(-scores)[:CONSIDERED])


@dataclass(frozen=True)
class Reading:
    """What a reader found: extracts in answer order, or none and why not.

    `answerable` is the reader's confidence that the extracts answer the question (0 to 1);
    `check` names the abstention check that fired, so evaluation can count them.
    """

    extracts: tuple[Extract, ...]
    answerable: float
    reason: str = ""
    check: str | None = None
    dateline: Extract | None = None  # "When was it reported…": the dateline that dates extracts[0]
    # The sentences the reader weighed, best first (at most CONSIDERED), whatever it decided:
    # evaluation measures how often the right one comes first, apart from abstention.
    considered: tuple[str, ...] = ()

    @property
    def abstained(self) -> bool:
        return not self.extracts


@runtime_checkable
class Reader(Protocol):
    """Chooses verbatim extracts that answer a query from retrieved passages, or abstains."""

    name: str

    def read(self, query: Query, hits: Sequence[Hit]) -> Reading: ...
