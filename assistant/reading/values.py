"""Values an answer can hold: sums of money, counts, ranks, dates, spans of time, reasons and places."""

from __future__ import annotations

import re

from assistant.corpus.clean import MONTHS
from assistant.text import stem
from assistant.words import words

_MONTHS = "|".join(MONTHS)
VALUE_PATTERNS = {
    "money": re.compile(
        r"[$€£¥₹]\s?\d(?:[\d,.]*\d)?|\b\d(?:[\d,.]*\d)?\s?(?:dollars|usd|yuan|euros?|yen|rupees)\b|\ba (?:third|half|quarter) of\b",
        re.I,
    ),
    # "How many" wants a count; "fifth largest" answers "where did it rank", not "how many".
    "number": re.compile(
        r"(?<![$\d])\b\d(?:[\d,.]*\d)?\b(?:\s?(?:million|billion|percent|%))?|\b(?:one|two|three|four|five|six|"
        r"seven|eight|nine|ten|dozen|hundred|thousand|million|billion)\b",
        re.I,
    ),
    # "What percentage…" wants a share, not any number ("one smart speaker").
    "percent": re.compile(r"\b\d(?:[\d,.]*\d)?\s?(?:%|percent\b|per cent\b)", re.I),
    "rank": re.compile(r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|top|largest|biggest)\b", re.I),
    "date": re.compile(
        rf"\b(?:19|20)\d{{2}}\b|\b(?:{_MONTHS})\b|\b(?:yesterday|today|last (?:month|year|week))\b", re.I
    ),
    # "How long does it last?" wants a span of time: "for three years", "90 days", "until 2020".
    "duration": re.compile(
        r"\b(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|few|several|many)\s+(?:more\s+)?"
        r"(?:second|minute|hour|day|week|month|year|decade)s?\b|\b(?:until|till|through)\s+(?:19|20)\d{2}\b",
        re.I,
    ),
}
# Words that give a reason; "why" questions prefer sentences with one but do not require it.
REASON = words().reason_cues
LOCATED = re.compile(r"\b(?:in|inside|outside(?: of)?|across|throughout|within)\s+(?:the\s+)?(\w+)", re.I)
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# What stands right before a number that is no count: "the" ("the two companies") or a
# capitalised word inside the sentence ("Windows 10", "iPhone 8").
_NOT_A_COUNT = re.compile(r"(?:\bthe|(?<=[\w,;] )[A-Z]\w*)\s+$")
# "one of the first products" picks one out of many; it counts nothing.
_ONE_OF = re.compile(r"one of\b", re.I)
RELATIVE_DATE = re.compile(r"^(yesterday|today|last(month|year|week))$")
PLACE_WORDS = words().place_words
# Stems that say what kind of value is wanted, not whose value.
VALUE_STEMS = words().value_stems
# Stems that say as of when ("today", "currently"): never what a value is of.
AS_OF_STEMS = words().as_of_stems


def typed_values(text: str, kind: str) -> set[str]:
    """Values of the wanted kind in a text ("$150", "2015", "92.4 million")."""
    pattern = VALUE_PATTERNS.get(kind)
    if pattern is None:
        return set()
    matches = list(pattern.finditer(text))
    if kind == "number":
        # "In 2015, they signed…" says when, not how many; "the two firms" points back at firms
        # already named; "Windows 10" is a name.
        matches = [
            m for m in matches
            if not YEAR.fullmatch(m.group().strip()) and not _NOT_A_COUNT.search(text, 0, m.start())
            and not _ONE_OF.match(text, m.start())
        ]
    return {re.sub(r"\s+", "", m.group().lower()) for m in matches}


# A currency's sign or word ("$", "us$", "euros").
_CURRENCY_TOKEN = re.compile(r"[$€£¥₹]|[a-z$]+")


def asked_currency(question: str) -> tuple[str, ...] | None:
    """The words and signs of the currency a price question names ("in euros"), or None."""
    tokens = set(_CURRENCY_TOKEN.findall(question.lower()))
    return next((group for group in words().currencies if tokens & set(group)), None)


def in_currency(value: str, currency: tuple[str, ...]) -> bool:
    """Whether a sum is written in this currency ("$150" in dollars; "a third of" in none)."""
    return bool(set(_CURRENCY_TOKEN.findall(value.lower())) & set(currency))


# A sentence that names what it speaks of only as "the two countries", "both companies": the
# names are in the sentence before ("…between US and Chinese companies… although the two
# countries are the largest markets…").
PAIR_ANAPHOR = re.compile(
    r"\b(?:the two|both(?: the)?|these|those)\s+(?:\w+\s+)?(?P<kind>countries|companies|firms|giants|nations|"
    r"partners|sides|parties|markets)\b",
    re.I,
)


def names_before(text: str, asked: set[str]) -> bool:
    """Whether the sentence speaks of what is asked for only as "the two <kind>" (`asked`: the
    question's stems; "Which two countries…" and "the two countries")."""
    return any(stem(m.group("kind").lower()) in asked for m in PAIR_ANAPHOR.finditer(text))
