"""Quotes: who said each quoted or reported sentence, and where the attribution stands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Sequence

from assistant.reading.query import name_spans
from assistant.reading.thesaurus import TITLE_WORDS
from assistant.text import Lexicon, raw_tokens, stem
from assistant.types import Passage

# "according to Wang Xiang", "Wang Xiang said", "said Wang Xiang"; the name is checked afterwards.
_ATTRIBUTION = re.compile(
    r"\b(?i:according to|said|says|added|told)\s+(?P<after>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)"
    r"|(?P<before>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)\s+(?i:said|says|added|told)\b"
)
_PRONOUN_SPEAKER = re.compile(r"^(He|She)\b")
# The title set off after the name: "according to Wang Xiang, Global Senior Vice President and
# Head of International Business, Xiaomi" answers "What did Xiaomi's head of international
# business say?".
_APPOSITIVE = re.compile(r",\s+([^,.;:“”]+)")


@dataclass(frozen=True)
class Attribution:
    """Who said a sentence, and the verbatim clause that says so ("according to Wang Xiang, …")."""

    speaker: tuple[str, ...]  # stems of the speaker's name
    row: int  # the sentence row holding the attribution
    start: int  # where the attribution clause starts in that sentence's text
    role: tuple[str, ...] = ()  # stems of the speaker's title, when the attribution gives one
    # Stems of the names the title gives the speaker's organisation by ("…Research Group of
    # Microsoft"; "…Head of International Business, Xiaomi").
    affiliation: tuple[str, ...] = ()

    @property
    def described_by(self) -> frozenset[str]:
        """Stems that pick out the speaker: the name and the title."""
        return frozenset(self.speaker) | frozenset(self.role)


def _outside_quotes(text: str) -> str:
    # Blank out quoted words so a name inside the quote is not taken for the speaker.
    return re.sub(r"“[^”]*”?", lambda m: " " * len(m.group()), text)


def _speakers(text: str, lexicon: Lexicon) -> Iterator[tuple[tuple[str, ...], int, tuple[str, ...], tuple[str, ...]]]:
    """Each named speaker: the name's stems, where the attribution starts, the title's stems and
    the organisation's."""
    plain = _outside_quotes(text)
    for match in _ATTRIBUTION.finditer(plain):
        name = match.group("after") or match.group("before")
        stems = tuple(_name_stems(name, lexicon))
        person = [t for t in stems if not lexicon.is_background(t)]
        if person:
            after = plain[match.end() :]
            role = _title(after, lexicon)
            yield tuple(person), match.start(), role, _affiliation(after, lexicon) if role else ()


def _speaker(text: str, lexicon: Lexicon) -> tuple[tuple[str, ...], int, tuple[str, ...], tuple[str, ...]] | None:
    """The first speaker's name stems, where the attribution starts, the title's and the organisation's stems."""
    return next(_speakers(text, lexicon), None)


def _name_stems(text: str, lexicon: Lexicon) -> list[str]:
    return [stem(lexicon.canonical(t)) for t in raw_tokens(text) if lexicon.canonical(t) in lexicon.proper_nouns]


def introduced_as_person(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """Whether the name at text[start:end] is introduced as a person: said to speak ("according
    to Harry Shun", "Lei Jun said") or given a title ("Wang Xiang, Global Senior Vice President")."""
    if _title(_outside_quotes(text)[end:], lexicon):
        return True
    name = {stem(lexicon.canonical(t)) for t in raw_tokens(text[start:end])}
    return any(name & set(speaker) for speaker, *_ in _speakers(text, lexicon))


def people(texts: Sequence[str], lexicon: Lexicon) -> frozenset[str]:
    """Stems of every name the texts introduce as a person (see `introduced_as_person`)."""
    found: set[str] = set()
    for text in texts:
        for start, end in name_spans(text, lexicon):
            if introduced_as_person(text, start, end, lexicon):
                found |= {stem(lexicon.canonical(t)) for t in raw_tokens(text[start:end])}
    return frozenset(found)


def _title(after_name: str, lexicon: Lexicon) -> tuple[str, ...]:
    appositive = _APPOSITIVE.match(after_name)
    if not appositive:
        return ()
    words = [t.lower() for t in raw_tokens(appositive.group(1))]
    if not TITLE_WORDS & set(words):
        return ()
    return tuple(dict.fromkeys(lexicon.terms(appositive.group(1))))


def _affiliation(after_name: str, lexicon: Lexicon) -> tuple[str, ...]:
    """The names in the title set off after a speaker's name (which `_title` found), and a name
    standing alone after it: "Wang Xiang, Global Senior Vice President and Head of International
    Business, Xiaomi" works for Xiaomi. Title words ("Senior", "Head") are no organisation."""
    appositive = _APPOSITIVE.match(after_name)
    if not appositive:
        return ()
    parts = [appositive.group(1)]
    following = _APPOSITIVE.match(after_name[appositive.end() :])
    if following and all(lexicon.canonical(t) in lexicon.proper_nouns for t in raw_tokens(following.group(1))):
        parts.append(following.group(1))
    tokens = [t for part in parts for t in raw_tokens(part) if t.lower() not in TITLE_WORDS]
    return tuple(dict.fromkeys(_name_stems(" ".join(tokens), lexicon)))


def attribute(passages: Sequence[Passage], rows: dict[tuple[int, int], int], lexicon: Lexicon) -> dict[int, Attribution]:
    """Attribution of every sentence row that is a quotation or reported speech of a named person.

    Read per article, sentence by sentence: a quotation can run across passage windows, and a
    sentence shared by two overlapping passages has a row in each.
    """
    copies: dict[tuple[str, int], list[int]] = {}  # (article, sentence start) -> its rows
    order: dict[str, list[tuple[int, str]]] = {}
    for passage in passages:
        for position, sentence in enumerate(passage.sentences):
            key = (passage.article_id, sentence.start)
            if key not in copies:
                order.setdefault(passage.article_id, []).append((sentence.start, sentence.text))
            copies.setdefault(key, []).append(rows[(passage.id, position)])

    found: dict[int, Attribution] = {}
    for article, sentences in order.items():
        block: list[int] = []  # sentence starts of the quotation being read
        depth = 0
        last: Attribution | None = None
        for start, text in sorted(sentences):
            inside = depth > 0  # this sentence continues a quotation begun earlier
            opened = inside or "“" in text
            depth += text.count("“") - text.count("”")
            said = _speaker(text, lexicon)
            if said:
                last = Attribution(said[0], copies[(article, start)][0], said[1], said[2], said[3])
            elif not inside and not _PRONOUN_SPEAKER.match(text):
                last = None  # "Xiaomi also said, “…”": a new sentence with no named speaker
            if opened or said or (_PRONOUN_SPEAKER.match(text) and last is not None):
                block.append(start)
            if depth <= 0 and block:
                if last is not None:
                    for member in block:
                        for row in copies[(article, member)]:
                            found[row] = last
                block, depth = [], 0
    return found
