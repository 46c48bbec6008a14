"""Everyday words people ask with, and the news-register words the articles answer with.

A question word and its equivalents form one concept: "Is any money changing hands?" is
answered by "what, if any, financials are involved", "Microsoft's AI chief" by "the executive
vice president of Artificial Intelligence". The embedding catches some of this, but a word the
articles never use must otherwise be judged by `Composer.abstention_reason` as possibly what the
question is about, and coverage counts only exact stems.

The groups are hand-picked and few on purpose: each holds words a reporter would use for one
another in any business story. Words that name something specific (CEO, revenue, founded,
acquire) stay out, because the articles not using them is exactly why such questions must
abstain. Every group must be a true equivalence, not a hint.
"""

from __future__ import annotations

from functools import lru_cache

from assistant.lexical import stem

GROUPS = (
    ("money", "financials", "financial", "finances", "funding"),
    ("chief", "head", "boss", "executive", "exec", "leader"),
    ("build", "create", "develop", "make"),
    ("before", "earlier", "previously", "previous", "prior"),
    ("phone", "smartphone", "handset"),
)
# Function words that are normally dropped, kept when a question hinges on them:
# "What deal had they done before this one?" asks for an earlier deal.
KEPT_FUNCTION_WORDS = frozenset({"before"})


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
