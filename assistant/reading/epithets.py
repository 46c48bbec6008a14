"""Epithets: "the Chinese firm", "the software giant", "Xiaomi's budget speaker" -> the name meant.

News names a thing once and then varies it ("Microsoft… the software giant… the giant from
Redmond"), and people ask the same way. What the articles call each name is read from them once,
when the assistant loads:

- a name beside its kind: "Bing search engine", "its Azure cloud platform";
- an apposition: "the Chinese company, Xiaomi", "Xiaomi, the Chinese maker";
- a name said to be one: "Xiaomi is a fast-growing company";
- a company's epithet in a sentence that names only one of the story's two parties stands for
  the other: "the software giant has agreed to allow Xiaomi…" describes Microsoft.

A question's phrase "the <words> <kind>" (or "<owner>'s <words> <kind>") is then read as the one
name whose descriptions share most of its words, with a kind of the same class (a firm is a
company is a giant), when exactly one name does. "What is the American giant letting the Chinese
firm use?" is asked as "What is Microsoft letting Xiaomi use?". An owner's thing is one the
articles put beside that owner ("Baidu's digital assistant" is DuerOS, not Cortana).

`expand` does the converse for a kind the articles barely use: "which browser…" is also met by
the names they call a browser (Edge).

`origins` keeps the sentences whose epithet for a company says where it is from ("the giant from
Redmond", "the Chinese company, Xiaomi"): the rule reader answers "Where is Microsoft based?" from
them, as the articles never say it otherwise.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable, Iterable, Sequence

from assistant.reading.query import Question
from assistant.text import STOPWORDS, Lexicon, raw_tokens, stem
from assistant.words import words

# Words of a name: capitalised, not a possessive ("Microsoft’s Azure" names Azure).
_NAME = r"[A-Z][\w-]*(?![’'])"
_NAMES = rf"(?P<name>{_NAME}(?:\s+{_NAME}){{0,2}})"
# What describes a kind: up to three words ("budget-conscious smart", "American"); lower-case
# only right after a name ("Bing search engine").
_MODS = r"(?P<mods>(?:[A-Za-z][\w-]*\s+){0,3}?)"
_LOWER_MODS = r"(?P<mods>(?:[a-z][\w-]*\s+){0,3}?)"
# An owner's possessive ("Xiaomi's budget speaker"), not a contraction ("what's", "it's"). One
# typed or heard without its apostrophe ("microsofts") is matched by the corpus's names alone.
_OWNER = r"(?!(?:what|who|where|how|it|that|there|here|he|she|this)['’]s\b)[\w-]+['’]s"


# Words that join phrases rather than describe a thing: an epithet's describing words have none.
_PREPOSITIONS = frozenset(
    "among amongst between across against toward towards without within via per like than over under "
    "into onto upon through during before after since until behind beside beyond near".split()
)

# "a"/"an" just before a name beside a kind: the name qualifies the kind ("a Bluetooth speaker").
_INDEFINITE = re.compile(r"\b(?:a|an)\s+$", re.I)

# A question asking only what an epithet is: "Who is <it>?", "What's <it> called?", "What is
# the name of <it>?".
_IDENTITY = re.compile(r"^\s*(who|what)(?:['’]s|\s+is|\s+are|\s+was)\s+(?:the\s+name\s+of\s+)?$", re.I)
_IDENTITY_END = re.compile(r"\s*(?:called|named)?\s*[?.!]*\s*", re.I)

# A kind word in at most this many passages is one the articles barely use: they name the things
# instead ("Bing, Edge, Skype" for a browser), so the names stand for it.
_RARE_KIND = 2


@dataclass(frozen=True)
class Description:
    name: str  # as the articles spell it: "Mi AI", "Microsoft"
    kind: str  # the kind noun, singular: "speaker", "giant"
    words: frozenset[str]  # stems of the words describing it: {"budget", "conscious", "smart"}


class Epithets:
    """What the articles call each name, and which name a question's epithet means."""

    def __init__(
        self, descriptions: Iterable[Description], names: Iterable[str] = (), sentences: Sequence[str] = (),
        canonical: Callable[[str], str] = str.lower,
    ) -> None:
        self.descriptions = tuple(dict.fromkeys(descriptions))
        self.sentences = tuple(sentences)  # where an owner and a name stand together
        self._near: dict[tuple[str, str], bool] = {}
        self._possessed: dict[str, frozenset[str]] = {}
        self._canonical = canonical  # one spelling of a name the articles spell two ways
        # The sentences (by index) whose epithet for a company says where it is from, with the
        # company's name (lower-case) and the place's stem: "the Chinese company, Xiaomi" (xiaomi,
        # china); "the giant from Redmond" (microsoft, redmond).
        self.origins: dict[int, frozenset[tuple[str, str]]] = {}
        # The corpus's names that are not places: a phrase holding one is a name already.
        self.names = frozenset(names)
        kinds = "|".join(sorted(words().kind_nouns | words().company_nouns, key=len, reverse=True))
        # A question's "the <words> <kind>", "<owner>'s <words> <kind>", "the giant from <place>";
        # a name's possessive typed or heard without its apostrophe ("microsofts") too.
        # An owner of several words ("Harman Kardon's") is the corpus's names before the possessive.
        named = [re.escape(n) for n in sorted(self.names, key=len, reverse=True) if n.isalpha()]
        bare = "|".join(f"{n}s" for n in named) or "(?!x)x"
        before = "|".join(named) or "(?!x)x"
        self._phrase = re.compile(
            rf"\b(?P<det>the|its|their|(?:(?:{before})\s+)*{_OWNER}|{bare})\s+(?P<mods>(?:(?!(?:the|a|an|and|or)\b)[a-z][\w-]*\s+){{0,3}})"
            rf"(?P<kind>{kinds})\b"
            rf"(?:\s+from\s+(?P<place>[A-Za-z]\w*))?",
            re.I,
        )

    @classmethod
    def from_sentences(cls, sentences: Iterable[str], lexicon: Lexicon, parties: Sequence[str]) -> "Epithets":
        sentences = list(sentences)
        kinds = "|".join(sorted(words().kind_nouns | words().company_nouns, key=len, reverse=True))
        # Singular: "Bing search engine" is one; "Android smartphones" are phones that run it.
        compound = re.compile(rf"(?<![\w’'-]){_NAMES}\s+{_LOWER_MODS}(?P<kind>{kinds})\b(?!s\b)")
        apposed = re.compile(rf"\b(?:the|one)\s+{_MODS}(?P<kind>{kinds}),?\s+{_NAMES}")
        apposing = re.compile(rf"(?<![\w’'-]){_NAMES},\s+(?:the|a|an)\s+{_MODS}(?P<kind>{kinds})\b")
        said = re.compile(rf"(?<![\w’'-]){_NAMES}\s+(?:is|was)\s+(?:a|an|the)\s+{_MODS}(?P<kind>{kinds})\b")
        epithet = re.compile(
            rf"(?<!\bis )(?<!\bwas )\bthe\s+{_MODS}(?P<kind>{'|'.join(sorted(words().company_nouns))})\b"
            rf"(?:\s+(?:from|of|in)\s+(?P<place>{_NAME}))?(?!,?\s+{_NAME})"
        )
        found: list[Description] = []
        beside: list[Description] = []  # "<Name> <kind>": the name may only qualify the kind
        place_stems = {stem(p) for p in words().place_words}
        origins: dict[int, set[tuple[str, str]]] = defaultdict(set)  # sentence -> (name, where it is from)
        for index, sentence in enumerate(sentences):
            for pattern in (compound, apposed, apposing, said):
                for match in pattern.finditer(sentence):
                    if pattern is compound and _INDEFINITE.search(sentence, 0, match.start()):
                        continue  # "a Bluetooth smart speaker" is a kind of speaker, not one named Bluetooth
                    name = _corpus_name(match.group("name"), lexicon)
                    kind = match.group("kind")
                    if name and name.lower().endswith(f" {kind.lower()}"):
                        name = name[: -len(kind) - 1]  # "the Mi AI Speaker, a … speaker": the Mi AI
                    described = _stems(match.group("mods"))
                    if name and not set(match.group("mods").lower().split()) & STOPWORDS:
                        (beside if pattern is compound else found).append(Description(name, kind, described))
                        if pattern is not compound and _kind_class(kind) == "company":  # "the Chinese company, Xiaomi"
                            origins[index].update((name.lower(), p) for p in described & place_stems)
            named = [p for p in parties if re.search(rf"\b{re.escape(p)}\b", sentence, re.I)]
            if len(parties) == 2 and len(named) == 1:
                other = parties[1] if named[0] == parties[0] else parties[0]
                for match in epithet.finditer(sentence):
                    described = _stems(f"{match.group('mods')} {match.group('place') or ''}")
                    if described:
                        found.append(Description(other, match.group("kind"), described))
                        # "the giant from Redmond" (the other party)
                        origins[index].update((other.lower(), p) for p in described & place_stems)
        # A name beside a kind says what it is ("Bing search engine"), unless the articles say it
        # is a thing of another kind: "one smart Cortana speaker, Harmon Kardon Invoke" describes
        # the Invoke, and Cortana stays the assistant the articles call it.
        said_to_be = defaultdict(set)
        for d in found:
            said_to_be[d.name].add(_kind_class(d.kind))
        found = [d for d in beside if not said_to_be[d.name] - {_kind_class(d.kind)}] + found
        # A company's name beside a kind ("Microsoft services", "Xiaomi devices") says whose
        # things they are, not what the company is: it is described as a company alone.
        companies = {d.name for d in found if _kind_class(d.kind) == "company"} | set(parties)
        found = [d for d in found if _kind_class(d.kind) == "company" or d.name not in companies]
        places = words().place_words | words().languages
        epithets = cls(found, (n for n in lexicon.proper_nouns if n not in places), sentences, lexicon.canonical)
        epithets.origins = {i: frozenset(pairs) for i, pairs in origins.items()}
        return epithets

    def resolve(self, question: str) -> str | None:
        """The question with each epithet it uses put as the name it means, or None if none is.

        A question that only asks what the epithet is ("What is Microsoft's digital assistant
        called?", "Who is the American giant?") becomes "What is Cortana?", "Who is Microsoft?":
        its name is the answer, and a sentence that says what that name is, the evidence.
        """
        changed = False
        whole = self._phrase.search(question)
        if whole and (asked := _IDENTITY.match(question[: whole.start()])) and _IDENTITY_END.fullmatch(question[whole.end():]):
            name = self._name_of(whole)
            if name:
                return f"{'Who' if asked.group(1).lower() == 'who' else 'What'} is {name}?"

        def replace(match: re.Match[str]) -> str:
            nonlocal changed
            name = self._name_of(match)
            if name is None:
                return match.group()
            changed = True
            owner = self._owner(match)
            if owner and owner in name.lower().split():  # "Harman Kardon's speaker": the Harmon Kardon Invoke
                return f"the {name} {match.group('kind')}"
            if match.group("kind").lower() in words().company_nouns:
                return name if match.group("det").lower() in ("the", "its", "their") else f"{match.group('det')} {name}"
            return f"{match.group('det')} {name} {match.group('kind')}"

        rewritten = self._phrase.sub(replace, question)
        return rewritten if changed else None

    def expand(self, question: Question, lexicon: Lexicon, parties: Sequence[str] = ()) -> Question:
        """The question with each kind it asks about ("browser", "search engine") also met by the
        names the articles call that kind (Edge; Bing), so a list that names them answers it.

        A kind with describing words in the question ("video call app") takes the names whose
        descriptions share them; a bare kind, every name of that kind, when there are at most
        three. The story's own parties are never added: they are in every other sentence.
        """
        asked = set(t for c in question.concepts for t in c)
        background = {p.lower() for p in parties}
        concepts = list(question.concepts)
        added: list[str] = []
        for i, (concept, word) in enumerate(zip(question.concepts, question.concept_words)):
            kind = word.lower().removesuffix("s") if word.lower().removesuffix("s") in words().kind_nouns else word.lower()
            if kind not in words().kind_nouns or kind in words().company_nouns:
                continue
            if lexicon.document_frequency.get(stem(kind), 0) > _RARE_KIND:
                continue  # the articles call things by this kind: its own word finds them
            of_kind = [d for d in self.descriptions if d.kind == kind and d.name.lower() not in background]
            sharing = [d for d in of_kind if d.words & asked]
            chosen = sharing or (of_kind if len({d.name for d in of_kind}) <= 3 else [])
            names = list(dict.fromkeys(d.name for d in chosen))
            if not names:
                continue
            stems = tuple(dict.fromkeys(stem(lexicon.canonical(n.split()[-1].lower())) for n in names))
            concepts[i] = tuple(dict.fromkeys(concept + stems))
            # The describing words asked with it ("search" of "search engine") are met too.
            for d in sharing:
                for j, other in enumerate(concepts):
                    if j != i and set(other) & d.words:
                        concepts[j] = tuple(dict.fromkeys(other + stems))
            added.extend(stems)
        if not added:
            return question
        return replace(question, concepts=tuple(concepts), terms=tuple(dict.fromkeys(question.terms + tuple(added))))

    def _name_of(self, match: re.Match[str]) -> str | None:
        """The name a phrase found by `_phrase` means, or None."""
        mods = match.group("mods").lower().split()
        kind = _kind_class(match.group("kind").lower())
        named = [w for w in mods if w in self.names and self._is_a(w, kind)]
        if named:
            # "the Mi AI speaker" names it already; a "Cortana speaker" is one with Cortana. A name
            # given in part is the one thing of the kind whose name holds it: "the Harman Kardon
            # speaker" is the Harmon Kardon Invoke.
            return self._whole_name(named, kind)
        if any(w in STOPWORDS or w in _PREPOSITIONS for w in mods):
            return None  # "Xiaomi's rank among smartphone vendors" describes no smartphone
        return self._meant(
            _stems(f"{match.group('mods')} {match.group('place') or ''}"), match.group("kind"), self._owner(match)
        )

    def _whole_name(self, named: Sequence[str], kind_class: str) -> str | None:
        """The one name of a thing of this kind class that holds these words and more, or None."""
        asked = {self._canonical(w) for w in named}
        wholes = {
            d.name for d in self.descriptions
            if _kind_class(d.kind) == kind_class and asked < {self._canonical(w) for w in d.name.lower().split()}
        }
        return next(iter(wholes)) if len(wholes) == 1 else None

    def _owner(self, match: re.Match[str]) -> str | None:
        """Whose thing an epithet asks about, lower-case, or None: "Baidu's assistant" is Baidu's,
        "Harman Kardon's speaker" Kardon's, and "the xiaomi smart speaker" Xiaomi's (a name among
        the describing words that is no thing of the kind, which `_name_of` has checked)."""
        det = re.sub(r"['’]?s$", "", match.group("det"), flags=re.I).split()[-1].lower()
        if det in self.names:
            return det
        named = [w for w in match.group("mods").lower().split() if w in self.names]
        return named[0] if len(named) == 1 else None

    def _is_a(self, name: str, kind_class: str) -> bool:
        """Whether a name (a word of it, lower-case) is a thing of this kind class, or is said to be
        nothing at all, so that beside the kind it can only be naming the thing."""
        kinds = {_kind_class(d.kind) for d in self.descriptions if name in d.name.lower().split()}
        return not kinds or kind_class in kinds

    def _meant(self, asked: frozenset[str], kind: str, owner: str | None = None) -> str | None:
        """The one name whose descriptions of a kind of this class share most of the asked words.

        With an owner ("Baidu's digital assistant"), only names the articles put beside that
        owner count (DuerOS, not Cortana), and the one such name of the kind is meant even if
        its descriptions share none of the words."""
        cls = _kind_class(kind.lower())
        if owner is not None and cls == "company":
            return None  # "Microsoft's cloud business" is Microsoft's own, not another firm
        best: dict[str, int] = defaultdict(int)
        for d in self.descriptions:
            # An owner's thing is beside it, or in one sentence with it and described as asked:
            # "Microsoft has successfully created one smart Cortana speaker, Harmon Kardon Invoke"
            # for "Microsoft's Cortana speaker".
            if _kind_class(d.kind) == cls and (owner is None or self._owned_by(owner, d.name, bool(asked & d.words))):
                best[d.name] = max(best[d.name], len(asked & d.words))
        if owner is not None and len(best) == 1 and self._may_describe(asked, cls, next(iter(best))):
            return next(iter(best))
        if not asked:
            return None
        top = max(best.values(), default=0)
        winners = [name for name, shared in best.items() if shared == top]
        return winners[0] if top and len(winners) == 1 else None

    def _may_describe(self, asked: frozenset[str], kind_class: str, name: str) -> bool:
        """Whether the asked words may describe the name: each is said of some thing of the kind,
        or stands in a sentence with the name ("Xiaomi's cheap smart speaker, Mi AI") and names
        nothing else, or is no word of the articles at all ("inexpensive"). A word that names
        another thing says what they never say of this one: "Microsoft's translation app" is the
        Translator's, no Skype."""
        said = frozenset().union(*(d.words for d in self.descriptions if _kind_class(d.kind) == kind_class))
        near = frozenset().union(
            *(_words_of(s) for s in self.sentences if re.search(rf"\b{re.escape(name)}\b", s, re.I))
        )
        others = {stem(n) for n in self.names} - _stems(name)  # "translation" is the Translator's
        return all(w in said or (w in near and w not in others) or w not in self._corpus_stems for w in asked)

    @cached_property
    def _corpus_stems(self) -> frozenset[str]:
        return frozenset().union(*(_words_of(s) for s in self.sentences))

    def _owned_by(self, owner: str, name: str, described: bool = False) -> bool:
        """Whether the articles put the name beside the owner (or, when it is `described` as
        asked, later in a sentence that names the owner) and never say it is another's: "Xiaomi's cheap smart
        speaker, Mi AI" is Xiaomi's, though Microsoft stands near it in "…talking to Microsoft
        about integrating Cortana into the Mi AI Speaker"."""
        together = described and any(
            re.search(rf"\b{re.escape(owner)}\b.*\b{re.escape(name)}\b", s, re.I) for s in self.sentences
        )
        if not (self._beside(owner, name) or together):
            return False
        possessors = self._possessors(name)
        return not possessors or owner.lower() in possessors

    def _possessors(self, name: str) -> frozenset[str]:
        """The names the articles write in the possessive before this one, within three words
        ("Xiaomi's Mi AI", "Xiaomi’s cheap smart speaker, Mi AI"), lower-case."""
        key = name.lower()
        if key not in self._possessed:
            pattern = re.compile(rf"\b([\w-]+)['’]s\s+(?:[\w-]+,?\s+){{0,3}}?{re.escape(name)}\b", re.I)
            found = {m.group(1).lower() for s in self.sentences for m in pattern.finditer(s)}
            self._possessed[key] = frozenset(found & self.names)
        return self._possessed[key]

    def _beside(self, owner: str, name: str) -> bool:
        """Whether some sentence has the owner and the name within six words ("Microsoft's
        Cortana", "Baidu, which is pushing its own DuerOS"); the owner itself never is."""
        key = (owner.lower(), name.lower())
        if key[0] in key[1].split() and key[0] != key[1]:
            return True  # a maker's name opens its product's: Harmon Kardon Invoke is Kardon's
        if key not in self._near:
            a, b = re.escape(owner), re.escape(name)
            near = re.compile(rf"\b{a}\b(?:\W+\w+){{0,6}}?\W+{b}\b|\b{b}\b(?:\W+\w+){{0,6}}?\W+{a}\b", re.I)
            self._near[key] = key[0] != key[1] and any(near.search(s) for s in self.sentences)
        return self._near[key]


def _kind_class(kind: str) -> str:
    """A firm, a maker and a giant are all a company; other kinds are their own class."""
    return "company" if kind in words().company_nouns else kind


def _stems(text: str) -> frozenset[str]:
    """Stems of the describing words, hyphenated ones split ("budget-conscious"), with a place's
    adjective as the place ("Chinese" -> china)."""
    adjective_of = {adjective: place for place, adjective in words().demonyms}
    out = set()
    for word in re.split(r"[\s-]+", text.lower()):
        if word and word not in STOPWORDS and word.isalpha():
            out.add(stem(adjective_of.get(word, word)))
    return frozenset(out)


def _words_of(sentence: str) -> frozenset[str]:
    """Stems of a sentence's words, as `_stems` reads describing words."""
    return _stems(" ".join(raw_tokens(sentence)))


def _corpus_name(text: str, lexicon: Lexicon) -> str | None:
    """The words of a match that are the corpus's names ("The Mi AI" -> "Mi AI"), or None when
    they are a place's or a language's (a "Chinese company" describes, it is not named "Chinese")."""
    run = text.split()
    first = next((i for i, w in enumerate(run) if w.lower() in lexicon.proper_nouns and w.lower() not in STOPWORDS), None)
    if first is None:
        return None
    # From the first of them on, the capitalised run is one name: "Mi Cloud", not "Mi" (the
    # articles also write "cloud" in lower case, so it is no name of its own).
    kept = run[first:]
    if all(w.lower() in words().place_words | words().languages for w in kept):
        return None
    # One spelling for a name the articles spell two ways (Harman and Harmon Kardon Invoke).
    return " ".join(lexicon.proper_nouns.get(lexicon.canonical(w), w) for w in kept)
