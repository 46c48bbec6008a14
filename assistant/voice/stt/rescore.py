"""Choosing among whisper's beam hypotheses: the one that speaks the corpus's language, when the question is about it."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Iterable, Sequence

from assistant.text import STOPWORDS, later_misspellings
from assistant.voice.stt.base import corpus_word_list

_LOGGER = logging.getLogger(__name__)

# A word is the corpus's own when the articles use it at least this many times as often as
# English at large does (wordfreq): "deal" (14x), "assistants" (100x), "binding" (35x), but not
# "the", "what" or "this" (about 1x), nor "steel" or "assistance" (never).
_DOMAIN_RATIO = 3.0
# How much a hypothesis's share of corpus words may outweigh whisper's own score (mean
# log-probability per token). With 2, a question of ten words may give up 0.2 of score for one
# more corpus word: "voice assistants" wins over "voice assistance" 0.14 behind it (one Piper
# synthesis), not 0.21 behind (another); "legally binding" over "legally bonding", 0.04 behind.
# Chosen from 1, 2 and 3 (3 helped a little more on Piper and changed one ordinary espeak sentence).
_WEIGHT = 2.0
_words = corpus_word_list


class DomainRescorer:
    """Picks whisper's hypothesis by its score plus a bonus for the share of its words that are the corpus's own.

    Only for a question already about the corpus: the first hypothesis must hold a distinctive
    corpus word (common in the articles, rare in English: Cortana, memorandum, Xiaomi). "Show
    me the news headlines" keeps whisper's first reading even when "Xiaomi the news headlines"
    is in the beam, and so does every sentence of the ordinary-English set.
    """

    def __init__(
        self,
        corpus_text: str,
        names: Iterable[str] = (),
        weight: float = _WEIGHT,
        ratio: float = _DOMAIN_RATIO,
    ) -> None:
        from assistant.voice.repair import english_zipf, everyday_word

        self._everyday = everyday_word
        self.weight = weight
        self.ratio = ratio
        self._zipf = english_zipf
        self._counts = Counter(_words(corpus_text))
        self._total = max(1, sum(self._counts.values()))
        self._names = {w.lower() for n in names for w in n.split()}
        # An article's misspelling ("Xiamio" beside 54 "Xiaomi") is no word to steer towards.
        self._misspelt = _rare_spellings(self._names, self._counts)
        self._domain: dict[str, bool] = {}

    def domain_word(self, word: str) -> bool:
        """The articles use `word` at least `ratio` times as often as English does."""
        known = self._domain.get(word)
        if known is None:
            known = self._domain[word] = self._domain_word(word)
        return known

    def _domain_word(self, word: str) -> bool:
        stem = word.removesuffix("'s")
        if stem != word and stem in self._names:  # "Xiaomi's" is as much the corpus's as "Xiaomi"
            word = stem
        count = self._counts.get(word, 0)
        if not count or word in self._misspelt or word in STOPWORDS or "'" in word:
            # Function words and contractions say nothing of the topic, however often the articles'
            # quotes use them: "what's" (once in 2,039 words) had turned "Which assistant…" into "What's assistant…".
            return False
        zipf = self._zipf(word)
        if zipf is None:  # no wordfreq: no rescoring
            return False
        english = 10 ** (zipf - 9)  # Zipf is log10 of frequency per billion words
        return english == 1e-9 or (count / self._total) >= self.ratio * english

    def about_corpus(self, text: str) -> bool:
        """The text holds a distinctive corpus word: the corpus's own and rare in everyday English."""
        return any(self.domain_word(w) and not self._everyday(w.removesuffix("'s")) for w in _words(text))

    def share(self, text: str) -> float:
        """The share of the text's words that are the corpus's own."""
        words = _words(text)
        return sum(self.domain_word(w) for w in words) / len(words) if words else 0.0

    def choose(self, hypotheses: Sequence[tuple[str, float]]) -> str:
        """The best of whisper's (text, mean log-probability) hypotheses, first being whisper's own choice."""
        if not hypotheses:
            return ""
        first = hypotheses[0][0]
        if len(hypotheses) == 1 or not self.about_corpus(first):
            return first
        text = max(hypotheses, key=lambda h: h[1] + self.weight * self.share(h[0]))[0]
        if text != first:
            _LOGGER.info("rescored %r -> %r", first, text)
        return text


def _rare_spellings(names: set[str], counts: Counter) -> set[str]:
    """Names the articles also spell another way at least twice as often (xiamio beside xiaomi)."""
    ordered = sorted(names, key=lambda n: -counts.get(n, 0))
    return {
        other
        for name, others in later_misspellings(ordered)
        for other in others
        if counts.get(other, 0) * 2 <= counts.get(name, 0)
    }
