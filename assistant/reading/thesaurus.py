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

import re
from functools import lru_cache

from assistant.text import stem

GROUPS = (
    ("money", "financials", "financial", "finances", "funding"),
    ("chief", "head", "boss", "executive", "exec", "leader", "lead"),  # "leads the group" = "heads it"
    ("build", "create", "develop", "make"),
    ("before", "earlier", "previously", "previous", "prior"),
    ("phone", "smartphone", "handset"),
    ("cover", "include", "encompass", "span"),
    ("area", "field", "sector", "domain"),
    ("benefit", "gain", "boon", "advantage"),
    ("ai", "artificial"),  # "AI" and "Artificial Intelligence" are written both ways
)
# Words of a job title. Articles capitalise them ("Head of International Business"), which
# makes them look like names; they describe a person, they do not name one.
TITLE_WORDS = frozenset(
    "president vice head chief executive officer director founder manager chairman chairwoman "
    "spokesperson spokesman spokeswoman vp ceo cto cfo coo lead leader analyst partner boss".split()
)
# Idioms whose words say nothing of their meaning, put plainly before the question is read.
IDIOMS = (
    (re.compile(r"\bwhat(?:['’]s| is) in it for ([\w’'-]+)", re.I), r"how does \1 benefit"),
    (
        re.compile(r"\bwhat (?:does|do|did|will) ([\w’'-]+) get out of (it|this|that|the \w+)", re.I),
        r"how does \1 benefit from \2",
    ),
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


def plain(text: str) -> str:
    """The question with idioms put plainly: "What's in it for Xiaomi?" -> "how does Xiaomi benefit?"."""
    for pattern, meaning in IDIOMS:
        text = pattern.sub(meaning, text)
    return text
