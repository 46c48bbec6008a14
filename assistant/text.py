"""Lexical matching: terms, stems, and the corpus's names with their spelling variants."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from assistant.words import words

# Words and numbers; "A.I." and "92.4" stay whole, hyphenated words split ("Cortana-powered"),
# a trailing possessive is dropped later.
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.'’&][A-Za-z0-9]+)*\.?")
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+")  # an acronym spelled with dots: "A.I.", "U.S."

STOPWORDS = words().stopwords
# Words that frame a question but say nothing about what is asked.
QUESTION_FRAMING = words().question_framing


def raw_tokens(text: str) -> list[str]:
    """Surface tokens with case kept: "A.I." -> "AI", "Microsoft’s" -> "Microsoft"."""
    # Every question, passage and candidate sentence passes through here: plain string tests
    # first, a regular expression only for tokens with a dot (~2.5x faster than re.sub per token).
    tokens = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.endswith(("'s", "’s")):
            token = token[:-2]
        if "." in token and _DOTTED.fullmatch(token):
            token = token.replace(".", "")
        tokens.append(token.rstrip(".").replace("’", "'"))
    return [t for t in tokens if t]


_SENTENCE_END = re.compile(r"(?:^|[.!?…][\"'”’)\]]*)\s*[\"'“‘(\[]*$")


def _tokens_with_position(text: str) -> list[tuple[str, bool]]:
    """`raw_tokens` of a text, each with whether it opens a sentence (or a line)."""
    out = []
    for match in _TOKEN.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()]
        initial = match.start() == 0 or "\n" in before[-3:] or bool(_SENTENCE_END.search(before))
        out.extend((token, initial) for token in raw_tokens(match.group()))
    return out


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: the Snowball English stemmer, in C

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


_WORD_RUN = re.compile(r"[A-Za-z]{2,}")


@dataclass
class Lexicon:
    """What the corpus spells, so questions can be folded onto the corpus's own spellings."""

    vocabulary: set[str]  # lower-cased surface words
    proper_nouns: dict[str, str]  # lower-cased -> display form, e.g. "xiaomi" -> "Xiaomi"
    variants: dict[str, str] = field(default_factory=dict)  # lower-cased -> canonical lower-cased
    document_frequency: Counter = field(default_factory=Counter)  # stem -> passages holding it
    documents: int = 0
    known_words: frozenset[str] = frozenset()  # ordinary words of the language, never folded
    # Acronyms the corpus defines ("Memorandum of Understanding (MoU)"): lower-case acronym ->
    # the words it stands for (`acronyms_spelt_out`).
    acronyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _canonical_cache: dict[str, str] = field(default_factory=dict, repr=False, compare=False)  # questions repeat words
    _shelves: dict[tuple[str, int], list[str]] | None = field(default=None, repr=False, compare=False)
    _sounds: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _word_sounds: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    def is_background(self, term: str) -> bool:
        """A stem in a third of all passages (Microsoft, Xiaomi, AI) names the story, not a topic."""
        return self.document_frequency.get(term, 0) > self.documents / 3

    @classmethod
    def from_texts(cls, texts: Iterable[str], known_words: Iterable[str] = ()) -> "Lexicon":
        """The lexicon of a corpus; `known_words` are ordinary words never read as misspelt names."""
        counts = LexiconCounts(known_words)
        for text in texts:
            counts.add(text)
        return counts.lexicon()

    def canonical(self, word: str) -> str:
        """The corpus's main spelling of a word (Harman -> harmon, Xiamio -> xiaomi)."""
        folded = word.lower()
        known = self._canonical_cache.get(folded)
        if known is None:
            if len(self._canonical_cache) > 50_000:  # a long batch run must not grow it forever
                self._canonical_cache.clear()
            known = self._canonical_cache[folded] = self._canonical(folded)
        return known

    def _canonical(self, folded: str) -> str:
        if folded in self.variants:
            return self.variants[folded]
        # A word of the language ("want", "tell", "apps") is what it says, not a misspelt name
        # (Wang, Till, API); a word it does not know ("xiamio", "mircosoft") may be one.
        if folded in self.vocabulary or folded in self.known_words or len(folded) < 4 or folded.isdigit():
            return folded
        near = nearest_name(folded, self.proper_nouns) or sound_alike_name(folded, self._sounding(folded))
        if near:
            return self.variants.get(near, near)
        return nearest_word(folded, self._shelved(folded)) or sound_alike_word(folded, self._sounding_words(folded)) or folded

    def join_split_names(self, text: str) -> str:
        """The text with a name typed as two words put back together ("duer os" -> DuerOS,
        "micro soft" -> Microsoft): two words, neither a name, that spell one when joined."""
        words = list(_WORD_RUN.finditer(text))
        out, last = [], 0
        for first, second in zip(words, words[1:]):
            if first.start() < last:
                continue  # its word went into the name before
            name = self.proper_nouns.get((first.group() + second.group()).lower())
            if (
                name is None or text[first.end() : second.start()].strip()
                or first.group().lower() in self.proper_nouns or second.group().lower() in self.proper_nouns
            ):
                continue
            out += [text[last : first.start()], name]
            last = second.end()
        return "".join(out) + text[last:] if out else text

    def mend_function_words(self, text: str) -> str:
        """The text with a function word typed with two letters swapped or one left out put right
        ("teh" -> the, "wher" -> where): a word neither the articles nor the language knows, that
        mends into exactly one function word."""
        def right(word: str) -> str | None:
            mended = {w for w in _swapped_or_one_more(word) if w in STOPWORDS}
            return mended.pop() if len(mended) == 1 else None

        return self._respelt(text, 3, right)

    def mend_ordinary_words(self, text: str) -> str:
        """The text with a misspelt ordinary word put as the articles spell it ("exectuive" ->
        executive, "compnies" -> companies): what `canonical` folds it onto, when that is no
        name. Rewritten in the text, not only in its stems, so what reads the question's words
        ("which companies", "the Xiaomi executive") reads them right."""
        def right(word: str) -> str | None:
            folded = self.canonical(word)
            return None if word in self.proper_nouns or folded in self.proper_nouns else folded

        return self._respelt(text, 5, right)

    def _respelt(self, text: str, min_length: int, right: Callable[[str], str | None]) -> str:
        """The text with each word of `min_length` letters or more that neither the articles nor
        the language knows put as `right` spells it (None: left as typed), in the typed case."""
        def respell(match: re.Match[str]) -> str:
            typed = match.group()
            word = typed.lower()
            if (
                len(word) < min_length or not self.known_words or word in STOPWORDS
                or word in self.vocabulary or word in self.known_words
            ):
                return typed
            mended = right(word)
            if mended is None or mended == word:
                return typed
            return mended.capitalize() if typed[:1].isupper() else mended

        return _WORD_RUN.sub(respell, text)

    def _sounding(self, word: str) -> list[str]:
        """Names that are not also English words and sound like the word (its Metaphone key),
        from a table made once: a large corpus's names are not all tried for every unknown word."""
        if self._sounds is None:
            self._sounds = _by_sound(n for n in self.proper_nouns if n not in self.known_words and len(n) >= 6)
        return _sounding_in(self._sounds, word) if len(word) >= 6 else []

    def _sounding_words(self, word: str) -> list[str]:
        """Corpus words of five letters or more that sound like the word, from a table made once."""
        if self._word_sounds is None:
            self._word_sounds = _by_sound(w for w in self.vocabulary if len(w) >= 5 and w.isalpha())
        return _sounding_in(self._word_sounds, word)

    def _shelved(self, word: str) -> list[str]:
        """Corpus words with the word's first letter and a length within one, from shelves made
        once: a large corpus's vocabulary is not scanned for every unknown word."""
        if self._shelves is None:
            self._shelves = {}
            for known in self.vocabulary:
                self._shelves.setdefault((known[:1], len(known)), []).append(known)
        return [w for size in (len(word) - 1, len(word), len(word) + 1) for w in self._shelves.get((word[:1], size), ())]

    def terms(self, text: str, *, keep_stopwords: bool = False) -> list[str]:
        """Index terms: canonical spelling, stemmed, stopwords dropped."""
        out = []
        for token in raw_tokens(text):
            folded = token.lower()
            if not keep_stopwords and folded in STOPWORDS:
                continue
            out.append(stem(self.canonical(folded)))
        return out

    def acronyms_spelt_out(self, text: str) -> set[str]:
        """The stems of the acronyms the corpus defines whose words `text` spells out: a sentence
        saying "Memorandum of Understanding" speaks of the MoU ("mou")."""
        lowered = " ".join(text.lower().split())
        return {
            stem(short) for short, long in self.acronyms.items()
            if re.search(rf"\b{re.escape(' '.join(long))}\b", lowered)
        }

    def idf(self, term: str, passages: int) -> float:
        return float(np.log(1 + passages / (1 + self.document_frequency.get(term, 0))))


def _swapped_or_one_more(word: str) -> set[str]:
    """Spellings one adjacent swap, or one inserted letter, away from `word`."""
    swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    letters = "abcdefghijklmnopqrstuvwxyz"
    inserts = {word[:i] + c + word[i:] for i in range(len(word) + 1) for c in letters}
    return (swaps | inserts) - {word}


class LexiconCounts:
    """What a `Lexicon` is made of, counted one text at a time: memory grows with the corpus's
    vocabulary, not with its size, so a build can stream its passages through it."""

    def __init__(self, known_words: Iterable[str] = ()) -> None:
        self.known_words = frozenset(known_words)
        self.vocabulary: set[str] = set()
        self.capitalised: Counter = Counter()
        self.lower: Counter = Counter()
        self.frequency: Counter = Counter()
        self.documents = 0
        self.acronyms: dict[str, tuple[str, ...]] = {}

    def add(self, text: str) -> None:
        for match in _DEFINED_ACRONYM.finditer(text):
            expansion = _expansion(match.group(1).split(), match.group(2))
            if expansion:
                self.acronyms.setdefault(match.group(2).lower(), expansion)
        stems = set()
        for token, initial in _tokens_with_position(text):
            folded = token.lower()
            self.vocabulary.add(folded)
            stems.add(stem(folded))
            if any(c.isupper() for c in token[1:]):
                self.capitalised[token] += 1  # "DuerOS", "AI": a name wherever it stands
            elif token[0].isupper():
                # A capital that opens a sentence says nothing of an ordinary word ("Hence",
                # "Till date"); a word the language does not know ("Xiamio") is a name anyway.
                if not initial or folded not in self.known_words:
                    self.capitalised[token] += 1
            else:
                self.lower[folded] += 1
        self.frequency.update(stems)
        self.documents += 1

    def lexicon(self) -> Lexicon:
        proper = {}
        for token, count in self.capitalised.most_common():
            folded = token.lower()
            # A word capitalised more often than not is a name; a word of the language ("Tech
            # companies", "Strategic Framework…") needs twice as many capitals as lower cases.
            evidence = self.lower[folded] * (2 if folded in self.known_words else 1)
            if folded not in STOPWORDS and count > evidence and not folded.isdigit():
                proper.setdefault(folded, token)
        lexicon = Lexicon(self.vocabulary, proper, {}, self.frequency, self.documents, self.known_words, dict(self.acronyms))
        lexicon.variants = _variant_map(proper, self.capitalised)
        return lexicon


# "Strategic Framework Memorandum of Understanding (MoU)", "Artificial Intelligence (AI)".
_DEFINED_ACRONYM = re.compile(r"((?:[A-Z][\w-]*\s+(?:(?:of|and|for)\s+)?){1,6})\(([A-Z][A-Za-z]{1,7})\)")
_CONNECTORS = frozenset({"of", "and", "for"})


def _expansion(words: list[str], acronym: str) -> tuple[str, ...] | None:
    """The last words before "(ACRONYM)" whose initials spell it ("Memorandum of Understanding"
    for MoU, with or without its "of"), lower-cased; None if none do."""
    letters = acronym.lower()
    for k in range(1, len(words) + 1):
        tail = words[-k:]
        every = "".join(w[0] for w in tail).lower()
        content = "".join(w[0] for w in tail if w.lower() not in _CONNECTORS).lower()
        if letters in (every, content) and tail[0][:1].isupper() and tail[0].lower() not in _CONNECTORS:
            return tuple(w.lower() for w in tail)
    return None


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def nearest_name(word: str, names: Iterable[str]) -> str | None:
    """The corpus name a misspelt word most likely means, if one is close enough.

    A name qualifies when it starts with the same letter, is at least four letters long and
    within the edit distance (optimal string alignment) that both words' lengths allow.
    """
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    choices = [n for n in names if n[0] == word[0] and abs(len(n) - len(word)) <= 2 and len(n) >= 4]
    matches = process.extract(word, choices, scorer=OSA.distance, score_cutoff=_max_edits(word), limit=None)
    return next((name for name, distance, _ in matches if distance <= _max_edits(name)), None)


def nearest_word(word: str, vocabulary: Iterable[str]) -> str | None:
    """The corpus word a misspelt ordinary word most likely is ("legaly": legally), if exactly
    one is a single edit away with the same first letter. Only for a word English hardly has
    (wordfreq's Zipf under 2, fewer than one in 100 million words: "postion", "millon", but not
    "lenders", which must not become leaders, nor "dames" dates) and of five letters or more,
    so short words ("sell", "sale") never trade places."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    if len(word) < 5:
        return None
    choices = sorted(w for w in vocabulary if w[:1] == word[:1] and len(w) >= 5 and abs(len(w) - len(word)) <= 1)
    matches = process.extract(word, choices, scorer=OSA.distance, score_cutoff=1, limit=2)
    if len(matches) != 1:
        return None
    from wordfreq import zipf_frequency  # loaded only when a word is a near miss (0.15 s)

    return matches[0][0] if zipf_frequency(word, "en") < 2.0 else None


def _by_sound(words: Iterable[str]) -> dict[str, list[str]]:
    """Words by their Metaphone key."""
    import jellyfish

    table: dict[str, list[str]] = {}
    for word in words:
        table.setdefault(jellyfish.metaphone(word), []).append(word)
    return table


def _sounding_in(table: dict[str, list[str]], word: str) -> list[str]:
    import jellyfish

    return table.get(jellyfish.metaphone(word), [])


def _the_one_sounding_alike(word: str, candidates: Iterable[str], min_length: int) -> str | None:
    """The one candidate that sounds like `word` (equal Metaphone keys) and is spelt within two
    edits of it, both `min_length` letters or more; None when none or several qualify."""
    import jellyfish
    from rapidfuzz.distance import OSA

    if len(word) < min_length:
        return None
    key = jellyfish.metaphone(word)
    matches = [
        c for c in candidates
        if len(c) >= min_length and OSA.distance(word, c, score_cutoff=2) <= 2 and jellyfish.metaphone(c) == key
    ]
    return matches[0] if len(matches) == 1 else None


def sound_alike_word(word: str, words: Iterable[str]) -> str | None:
    """The corpus word an ordinary word spelt by ear most likely is ("fones": phones,
    "shiping": shipping), when `nearest_word` finds none: as `sound_alike_name` does for names,
    at five letters or more, for a word English hardly has (Zipf under 2, as for `nearest_word`)."""
    match = _the_one_sounding_alike(word, words, 5)
    if match is None:
        return None
    from wordfreq import zipf_frequency

    return match if zipf_frequency(word, "en") < 2.0 else None


def sound_alike_name(word: str, names: Iterable[str]) -> str | None:
    """The corpus name a word spelt by ear most likely means ("shaomi", "siaomi": Xiaomi).

    `nearest_name` wants the first letter right, but a name heard before it is read starts
    anyhow: pinyin's x sounds like sh or s. A name qualifies when it sounds the same (equal
    Metaphone keys), both are six letters or more, and the spellings are within two edits;
    when two names qualify, neither is chosen. Callers pass names that are not also English
    words: "shines" must not become China, nor "grope" Group.
    """
    return _the_one_sounding_alike(word, names, 6)


def _variant_map(proper: dict[str, str], counts: Counter) -> dict[str, str]:
    """Names the articles spell two ways fold onto the commoner spelling.

    Each name, commonest first, takes the less common names that `nearest_name` would fold onto
    it (`later_misspellings`).
    """
    totals: Counter = Counter()
    for spelling, count in counts.items():
        totals[spelling.lower()] += count
    by_count = sorted(proper, key=lambda w: -totals[w])  # stable: ties keep `proper`'s order
    canonical: dict[str, str] = {}
    for word, others in later_misspellings(by_count, skip=canonical.__contains__):
        for other in others:
            if other not in canonical:
                canonical[other] = word
    return canonical


def later_misspellings(
    ranked: Sequence[str], skip: Callable[[str], bool] = lambda word: False
) -> Iterator[tuple[str, list[str]]]:
    """For each name of five letters or more, in rank order, the names ranked after it that
    `nearest_name` would fold onto it.

    Only names with its first letter and a length within two can qualify, so each is compared
    with those alone, in one rapidfuzz call: a newsroom's tens of thousands of names took hours
    when every pair was tried in Python. `skip` leaves a name out as it comes up (one already
    folded onto another).
    """
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    shelves: dict[tuple[str, int], list[str]] = {}  # each in rank order
    ranks: dict[tuple[str, int], list[int]] = {}
    for i, word in enumerate(ranked):
        shelves.setdefault((word[0], len(word)), []).append(word)
        ranks.setdefault((word[0], len(word)), []).append(i)
    for i, word in enumerate(ranked):
        if len(word) < 5 or skip(word):
            continue
        later = []  # the names after this one with its first letter and a length within two
        for size in range(len(word) - 2, len(word) + 3):
            key = (word[0], size)
            if key in shelves:
                later += shelves[key][bisect.bisect_right(ranks[key], i):]
        matches = process.extract(word, later, scorer=OSA.distance, score_cutoff=_max_edits(word), limit=None)
        yield word, [other for other, distance, _ in matches if distance <= _max_edits(other)]
