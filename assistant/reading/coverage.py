"""How much of a question a text covers: its concepts, each weighted by its rarest word."""

from __future__ import annotations

from assistant.reading.query import Question
from assistant.reading.values import VALUE_PATTERNS, VALUE_STEMS
from assistant.text import Lexicon


class Coverage:
    """`coverage(question, stems)`: the share of what is asked, by rarity, that `stems` mention."""

    def __init__(self, lexicon: Lexicon, passage_count: int) -> None:
        self.lexicon = lexicon
        self.passage_count = passage_count
        self._weights_for: tuple = ()
        self._weights_cache: list[float] = []

    def weights(self, question: Question) -> list[float]:
        """A concept weighs as much as its rarest word: rare words say what the question is about.

        Two kinds weigh nothing. Words the articles never use match no sentence; they are judged
        apart (the rule reader's unknown-word check) and would only shrink every candidate's
        coverage alike. And for a value question, the words naming the kind of value ("cost",
        "cheaper") say what to look for, not what it is about.
        """
        key = (question.concepts, question.answer_type)
        if self._weights_for != key:
            self._weights_for = key
            self._weights_cache = [
                0.0
                if not any(self.lexicon.document_frequency.get(t, 0) for t in c)
                or (question.answer_type in VALUE_PATTERNS and set(c) <= VALUE_STEMS)
                else max(self.lexicon.idf(t, self.passage_count) for t in c)
                for c in question.concepts
            ]
        return self._weights_cache

    def __call__(self, question: Question, stems: set[str], ignore: set[str] = frozenset()) -> float:
        """Share of what is asked, weighted by rarity, that a text mentions (`ignore`d concepts aside)."""
        pairs = [(c, w) for c, w in zip(question.concepts, self.weights(question)) if not set(c) <= ignore]
        total = sum(w for _, w in pairs)
        if not total:
            return 0.0
        return sum(w for c, w in pairs if any(t in stems for t in c)) / total
