"""Late interaction: how well a text covers each question concept, word piece by word piece.

Each question word is compared with every word piece of a text in context (the embedding model's
token vectors before pooling, as in ColBERT and BERTScore), and keeps its best match. An everyday
word can then meet the article's word for it ("boss" and "head", "gadgets" and "devices") without
a thesaurus entry, which exact stems cannot do.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from assistant.index.embed import TokenVectors

_WORD = re.compile(r"[a-z0-9]+")
# Rows kept as float32 (the index stores float16, memory-mapped) before the cache starts over.
_CACHED_ROWS = 4096


def _words(tokens: TokenVectors) -> list[tuple[str, list[int]]]:
    """Whole words rebuilt from word pieces ("micro", "##soft" -> "microsoft"), with their pieces."""
    words: list[tuple[str, list[int]]] = []
    for i, piece in enumerate(tokens.tokens):
        if piece.startswith("##") and words:
            text, pieces = words[-1]
            words[-1] = (text + piece[2:], pieces + [i])
        else:
            words.append((piece.lstrip("▁").lower(), [i]))
    return words


class LateInteraction:
    """Word-piece vectors of every sentence row, and MaxSim coverage of question concepts."""

    def __init__(self, sentences: Sequence[TokenVectors]) -> None:
        self.sentences = list(sentences)
        self._float32: dict[int, np.ndarray] = {}

    def _vectors(self, row: int) -> np.ndarray:
        # Converting float16 to float32 costs more than the comparison itself (~0.1 ms a
        # question): each row is converted once. The same values as converting them together.
        vectors = self._float32.get(row)
        if vectors is None:
            if len(self._float32) >= _CACHED_ROWS:  # a large index must not end up all in memory
                self._float32.clear()
            vectors = self._float32[row] = np.asarray(self.sentences[row].vectors, dtype=np.float32)
        return vectors

    def concept_vectors(self, concept_words: Sequence[str], question: TokenVectors) -> list[np.ndarray | None]:
        """For each concept as the asker wrote it, the vectors of its word pieces in the question."""
        words = _words(question)
        out: list[np.ndarray | None] = []
        for written in concept_words:
            wanted = _WORD.findall(written.lower())
            pieces = [i for text, indices in words if text in wanted for i in indices]
            out.append(question.vectors[pieces] if pieces else None)
        return out

    def coverage(self, concepts: Sequence[np.ndarray | None], rows: Sequence[int]) -> np.ndarray:
        """Per concept: the mean over its pieces of their best cosine with any piece of `rows`."""
        text = np.concatenate([self._vectors(r) for r in rows])
        return np.array([float((c @ text.T).max(axis=1).mean()) if c is not None else 0.0 for c in concepts])
