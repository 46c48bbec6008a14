"""Everyday words people ask with, and the news-register words the articles answer with.

A question word and its equivalents form one concept: "Is any money changing hands?" is
answered by "what, if any, financials are involved", "Microsoft's AI chief" by "the executive
vice president of Artificial Intelligence". The groups are data (`equivalents` in
`assistant/data/english.yaml`), hand-picked and few on purpose: see that file for the rule."""

from __future__ import annotations

from functools import lru_cache

from assistant.text import stem
from assistant.words import words

GROUPS = words().equivalents
TITLE_WORDS = words().title_words
IDIOMS = words().idioms
KEPT_FUNCTION_WORDS = words().kept_function_words


@lru_cache(maxsize=1)
def _by_stem() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for group in GROUPS:
        stems = tuple(dict.fromkeys(stem(word) for word in group))
        for term in stems:
            table[term] = stems
    return table


def equivalents(term: str) -> tuple[str, ...]:
    """The stem with the stems of its equivalents, the stem itself first."""
    group = _by_stem().get(term)
    if group is None:
        return (term,)
    return (term, *(t for t in group if t != term))


def unwrap(text: str) -> str:
    """The question without what it was wrapped in: "hey, can you tell me who Wang Xiang is" ->
    "who Wang Xiang is". A wrapper that would leave nothing is what is asked: "what's the deal
    with Cortana" is about Cortana, though "Cortana, …" also wakes a speaker."""
    previous = None
    unwrapped = text.strip()
    while unwrapped != previous:
        previous = unwrapped
        for pattern in words().wrappers:
            rest = pattern.sub("", unwrapped, count=1).strip()
            if any(c.isalpha() for c in rest):
                unwrapped = rest
    return unwrapped


def plain(text: str) -> str:
    """The question unwrapped, with idioms put plainly: "What's in it for Xiaomi?" -> "how does
    Xiaomi benefit?"."""
    text = unwrap(text)
    for pattern, meaning in IDIOMS:
        text = pattern.sub(meaning, text)
    return text
