"""The small typed records every stage passes on: articles, passages, hits, answers, citations."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """A cleaned article; passages point into `text` by character offsets."""

    id: str
    title: str
    text: str
    date: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Sentence:
    """A sentence span: `text == article.text[start:end]`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences from one paragraph; `text == article.text[start:end]`."""

    id: int
    article_id: str
    title: str
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "article_id": self.article_id,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "sentences": [[s.start, s.end] for s in self.sentences],
        }

    @classmethod
    def from_json(cls, row: dict) -> "Passage":
        text, start = row["text"], row["start"]
        sentences = tuple(Sentence(a, b, text[a - start : b - start]) for a, b in row["sentences"])
        return cls(row["id"], row["article_id"], row["title"], start, row["end"], text, sentences)


@dataclass
class Hit:
    """A retrieved passage, its scores, and passages of other articles that say the same."""

    passage: Passage
    score: float
    dense_score: float
    bm25_score: float
    corroborating: list[Passage] = field(default_factory=list)


ABSTENTION = "I couldn't find that in the articles about the deal."
_CITATION_MARK = re.compile(r"\s*\[\d+\]")


@dataclass(frozen=True)
class Citation:
    """A numbered source: the verbatim passage and where it sits in its article, and the
    passage's own words that the answer rests on (a corroborating source's restatement)."""

    n: int
    article_id: str
    title: str
    passage: str
    start: int
    end: int
    score: float
    evidence: tuple[str, ...] = ()  # verbatim sentences (or clauses) of `passage`


@dataclass(frozen=True)
class AnswerSentence:
    """One answer sentence, verbatim from the passage of citation `n` (others corroborate)."""

    text: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Answer:
    """What `Assistant.ask` returns; `text` carries [n] marks, `spoken` is for speech."""

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    sentences: tuple[AnswerSentence, ...] = ()
    resolved_question: str | None = None  # the follow-up rewritten against the last turn
    disagreement: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)
    abstention_check: str | None = None  # which check made the reader abstain, for evaluation
    retrieved: tuple[str, ...] = ()  # text of each retrieved hit (with its corroborating passages), in rank order
    considered: tuple[str, ...] = ()  # the sentences the reader weighed, best first, before it decided

    @property
    def spoken(self) -> str:
        """The answer as it should be read aloud: no bracketed citation numbers."""
        return spoken_text(self.text)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape documented in the README."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [asdict(c) for c in self.citations],
            "resolved_question": self.resolved_question,
            "disagreement": self.disagreement,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


def spoken_text(text: str) -> str:
    """Strip citation marks such as [1] or [1][2] so TTS does not read them."""
    return _CITATION_MARK.sub("", text).strip()

