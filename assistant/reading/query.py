"""Questions: validate them, read what kind of answer they want, and resolve follow-ups."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Sequence

from assistant.errors import BadQuestion
from assistant.reading.thesaurus import (
    KEPT_FUNCTION_WORDS,
    TITLE_WORDS,
    equivalents,
    plain,
)
from assistant.reading.values import YEAR
from assistant.text import QUESTION_FRAMING, STOPWORDS, Lexicon, raw_tokens, stem
from assistant.words import words

# "What did <who> say?": a quote question, and who it asks about.
QUOTED_SPEAKER = re.compile(
    r"^\s*what\s+(?:did|does|has|had|do)\s+(?P<who>.+?)\s+(?:say|said|think|state|stated|tell|add|added)\b", re.I
)
# The kind of answer a question wants, by its opening words; first match wins.
_ANSWER_TYPES = (
    ("money", re.compile(r"\bhow much\b.*\b(cost|costs|price|priced|pay|pays|paying|paid|sell|sold|charge)\b|\bwhat\b.*\b(cost|costs|price|priced|pay|pays|paying|paid|charge)\b|\bwhat\b.*\b(sell|sells|sold)\s+(for|at)\b|\bhow (expensive|pricey|cheap)\b|\b(price|cost) of\b|\bhow much (is|are) (?!.*\b(worth|share|percent)\b)[^?]*\??\s*$|\bhow much (does|do|did)\b.*\b(go|goes|sell|sells|retail|retails|run|runs) for\b|\bhow much (cheaper|dearer|more expensive|less)\b|^\s*(does|do|did|will|would|is|are|was|were|has|have|had)\b.*\b(pay|pays|paid|paying|charge|charges|charged|charging)\b", re.I)),
    ("rank", re.compile(r"\brank(ed|s|ing)?\b|\bwhat (position|place)\b", re.I)),
    ("percent", re.compile(r"\bwhat (?:percentage|percent|share)\b|\bhow many percent\b", re.I)),
    ("number", re.compile(r"\bhow many\b|\bhow much\b|\bwhat number\b", re.I)),
    ("date", re.compile(r"\bwhen\b|\bhow long (?:have|has|had)\b|\bwhat (year|date|month|day)\b|\bwhich (year|date|month|day)\b|\bwhat(?:['’]s| is| was) the (year|date|month|day)\b|\bsince\b.*\?$|\bhow long ago\b", re.I)),
    ("duration", re.compile(r"\bhow long\b", re.I)),
    ("quote", QUOTED_SPEAKER),
    # "Who is Wang Xiang?" asks for a description; "who is xiaomi competing with" does not.
    ("definition", re.compile(r"^\s*who (is|was|are|were) (?!the\b|a\b|an\b)[\w.’'-]+(\s+[\w.’'-]+)?\s*[?.!]*\s*$", re.I)),
    ("name", re.compile(r"\bwho\b|\bwhose\b|\bwhich (\w+ )?(person|people|executive|official|spokesperson|representative|company|companies|firm|rival|competitor|speaker|assistant|vendor|brand)s?\b", re.I)),
    ("place", re.compile(r"\bwhere\b|\b(?:which|what) (country|countries|nation|market|markets|city|town)\b", re.I)),
    ("reason", re.compile(r"^\s*why\b|\bwhat (is|was) the reason\b|\bhow come\b", re.I)),
    # "Which other apps might…", "What's the name of the service…", "What is it called?": a thing
    # asked for by its kind, whose answer names it. Soft: preferred when present.
    ("entity", re.compile(
        r"^\s*which\s+(?!(?:is|are|was|were|does|do|did|will|would|can|could|should|has|have|had|might|may)\b)"
        r"(?:[\w’'-]+\s+){0,3}?(?:is|are|was|were|does|do|did|will|would|can|could|should|has|have|had|might|may)\b"
        r"|\bwhat(?:['’]s| is| was) the name of\b|\b(?:is|are|was|were) [\w’'\s-]+ called\s*[?.!]*$", re.I)),
)
# A who/which question asking for one of these is not about a person; one naming these is.
_NOT_A_PERSON = frozenset(
    "company companies firm firms rival rivals competitor competitors speaker speakers assistant "
    "assistants vendor vendors brand brands".split()
)
_PERSON_NOUNS = frozenset("person people official officials spokesperson representative representatives".split())
# Whatever a question ends with ("?", ".", "…" or nothing): read as one "?".
_END = re.compile(r"[\s?.!…]*$")
# "What is Microsoft's yearly revenue?", "What was the score of the game?": the noun asked for.
_WHAT_IS_HEAD = re.compile(
    r"^\s*what\s+(?:is|are|was|were)\s+(?:the\s+|a\s+|an\s+)?(?:[\w.-]+(?:['’]s)?\s+)*?"
    r"(?P<head>[a-z][\w-]*)\s*(?:\b(?:of|for|in|at|on|to|with|by|from|like)\b|[?.!]*\s*$)",
    re.I,
)
# A date question about the reporting itself, not about the event reported.
_PUBLICATION = re.compile(r"\b(reported|published|posted|written|dated|report|article|story)\b", re.I)
# "When was the partnership announced?": news reports an announcement on the day it is made, so
# without a date in the sentence that states it, the reporting article's date answers.
_ANNOUNCEMENT = re.compile(r"\b(announc\w*|unveil\w*|news|made public|c[oa]me out|sign(?:ed|ing)?|agreed|struck|sealed)\b", re.I)
# Stems of such a question that ask for the date, not what was reported.
_PUBLICATION_STEMS = {"date", "day", "month", "year", "time", "publish", "post", "written", "report", "news"}
# ...and the stems of _ANNOUNCEMENT's words, which ask when, not what.
_ANNOUNCEMENT_STEMS = {"announc", "unveil", "public", "come", "came", "sign", "agre", "struck", "seal"}
# "How does Microsoft benefit?", "What will Xiaomi gain?" (idioms arrive put plainly).
_BENEFICIARY = re.compile(
    r"\bhow (?:does|do|did|will|would|could|can) (?P<a>[\w’'-]+) (?:benefit|gain)\b"
    r"|\bwhat (?:does|do|did|will|would|could|can) (?P<b>[\w’'-]+) (?:gain|get)\b"
    # A party's motive is its gain: "Why does Xiaomi want this partnership?"
    r"|\bwhy (?:does|do|did|would|will|is|was|are|were) (?P<c>[\w’'-]+) (?:want|need|seek|agree|sign|join|"
    r"partner|choose|pick|care|bother|look(?:ing)?|go(?:ing)?|do(?:ing)?)\b"
    # "How will the deal help Microsoft?": the one helped, when it is a name (see _beneficiary).
    r"|\bhow (?:does|do|did|will|would|could|can|might|may) [^?]{0,40}?\b(?:help|benefit|boost) (?P<d>[\w’'-]+)",
    re.I,
)
# "What kind of deal had they done before?" asks about the deal: the answer must name one.
_KIND_OF_HEAD = re.compile(r"\bwhat (?:kinds?|sorts?|types?) of (?P<head>[a-z][\w-]*)", re.I)
# "What is Cortana?", "what kind of product is edge": a thing named, asked what it is.
_WHAT_IS_NAMED = re.compile(
    r"^\s*(?:what(?:['’]s| is| are| was)|what (?:kinds?|sorts?|types?) of \w+ (?:is|are|was))\s+(?:the\s+)?"
    r"(?P<named>[\w.’'-]+(?:\s+[\w.’'-]+){0,3})\s*\?$",
    re.I,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ud800-\udfff]")  # lone surrogates too


@dataclass(frozen=True)
class Question:
    """A question ready for retrieval."""

    text: str
    terms: tuple[str, ...]  # canonical stems for BM25
    concepts: tuple[tuple[str, ...], ...]  # what is asked, framing dropped; a name's stems form one
    concept_words: tuple[str, ...]  # each concept as the asker wrote it, for meaning checks
    answer_type: str  # money, number, rank, date, quote, definition, name, place, reason or other
    names: tuple[str, ...]  # corpus names the question mentions, lower-cased canonical
    heads: tuple[str, ...] = ()  # stem of the last word of each specific name ("dot" in "Amazon Echo Dot")
    asked_head: str | None = None  # what "What is X's yearly revenue?" asks for: "revenue"
    about_publication: bool = False  # "When was it reported that…": the article's date is asked
    about_announcement: bool = False  # "When was it announced?": a stated date, else the article's
    about_story: bool = False  # its words are only the story's own ("the partnership", Microsoft)
    broad: bool = False  # "Summarise the deal": about the story as a whole
    beneficiary: str | None = None  # "How does Microsoft benefit?": whose gain is asked, as written
    asks_person: bool = False  # "Which Microsoft executive commented?", "Who spoke for Xiaomi?"
    # Whose person a person question asks for, as written ("Microsoft" in "Microsoft's AI chief",
    # "who spoke for Xiaomi"): lower-cased.
    organisation: tuple[str, ...] = ()
    # "Where is Microsoft based?", "which country is xiaomi from": whose origin is asked (the
    # name, lower-cased canonical), answered by an epithet that says it ("the giant from Redmond").
    origin_of: str | None = None


def validate(question: object, max_chars: int) -> str:
    """The question as clean text, or BadQuestion saying what is wrong with it."""
    if isinstance(question, bytes):
        try:
            question = question.decode("utf-8")
        except UnicodeDecodeError:
            raise BadQuestion("The question is not UTF-8 text; type it in words.") from None
    if not isinstance(question, str):
        raise BadQuestion("The question must be text.")
    if len(question) > max_chars:
        raise BadQuestion(
            f"The question is {len(question):,} characters long; keep it to {max_chars:,} at most "
            "(one question, not a document)."
        )
    if _CONTROL.search(question.replace("\t", " ").replace("\n", " ").replace("\r", " ")):
        raise BadQuestion("The question contains control characters or binary data; type it in plain words.")
    text = unicodedata.normalize("NFKC", " ".join(question.split()))
    if not text:
        raise BadQuestion("The question is empty; ask something, e.g. \"How much does the Invoke cost?\"")
    if not any(ch.isalpha() for ch in text):
        raise BadQuestion("The question has no words; ask something, e.g. \"Who is Wang Xiang?\"")
    return text


def answer_type(text: str) -> str:
    for kind, pattern in _ANSWER_TYPES:
        if pattern.search(text):
            return kind
    return "other"


def analyse(text: str, lexicon: Lexicon) -> Question:
    """Terms, key terms, names and expected answer type of a validated question."""
    # Typed, spoken and transcribed questions end in "?", "." or nothing; the encoder reads them
    # a little differently, so every question is read ending in one "?".
    text = _END.sub("", plain(text)) + "?"
    tokens = raw_tokens(text)
    words = [t for t in tokens if t.lower() not in STOPWORDS]
    key_words = [
        t for t in tokens
        if t.lower() in KEPT_FUNCTION_WORDS or t.lower() not in STOPWORDS and t.lower() not in QUESTION_FRAMING
    ]
    canonical = [lexicon.canonical(w) for w in key_words]
    names = tuple(dict.fromkeys(c for c in canonical if c in lexicon.proper_nouns))
    # "Harman Kardon Invoke" is one thing: a passage that says "the Invoke" covers it.
    concepts: list[tuple[str, ...]] = []
    concept_words: list[str] = []
    in_names: set[str] = set()
    heads: list[str] = []
    for start, end in name_spans(text, lexicon):
        stems = tuple(dict.fromkeys(lexicon.terms(text[start:end])))
        named = [
            stem(lexicon.canonical(t)) for t in raw_tokens(text[start:end])
            if lexicon.canonical(t) in lexicon.proper_nouns
        ]
        if named and not lexicon.is_background(named[-1]):
            heads.append(named[-1])
        if stems:
            concepts.append(stems)
            concept_words.append(text[start:end])
            in_names.update(stems)
    for word, written in zip(canonical, key_words):
        term = stem(word)
        if term not in in_names and not any(term in c for c in concepts):
            concepts.append(equivalents(term) + _instances(term, lexicon) + _verb_of(term, lexicon))
            concept_words.append(written.lower())
    # A year the question names is as specific as a name: "sold in 2016" is not "sold in 2017".
    heads.extend(y.group() for y in YEAR.finditer(text))
    kind = answer_type(text)
    if kind in ("other", "entity") and (m := _WHAT_IS_NAMED.match(text)):
        named = [lexicon.canonical(t) for t in raw_tokens(m.group("named"))]
        if named and all(w in lexicon.proper_nouns for w in named):
            kind = "definition"  # answered, like "Who is Wang Xiang?", by a sentence that names it
    elif kind == "other" and canonical and all(c in lexicon.proper_nouns for c in canonical):
        kind = "definition"  # a name alone ("tell me about Wang Xiang", "Cortana?") asks what it is
    elif kind == "definition" and not all(c in lexicon.proper_nouns for c in canonical):
        kind = "name"  # "who are xiaomis rivals" asks who they are by name, not what a name is
    person = kind == "name" and _asks_person(tokens)
    if person:
        # "Who spoke for Xiaomi?" is answered by whoever the articles quote for it, in whatever
        # words they say so ("according to…"): the speaking is how it asks, not what.
        kept = [(c, w) for c, w in zip(concepts, concept_words) if not _spoken(w)]
        concepts, concept_words = [c for c, _ in kept], [w for _, w in kept]
    return Question(
        text=text,
        terms=tuple(stem(lexicon.canonical(w)) for w in words),
        concepts=tuple(concepts),
        concept_words=tuple(concept_words),
        answer_type=kind,
        names=names,
        heads=tuple(dict.fromkeys(heads)),
        asked_head=(
            m.group("head").lower() if (m := _WHAT_IS_HEAD.match(text) or _KIND_OF_HEAD.search(text)) else None
        ),
        about_publication=kind == "date" and bool(_PUBLICATION.search(text)),
        about_announcement=kind == "date" and bool(_ANNOUNCEMENT.search(text)),
        broad=_broad(text, concepts, lexicon),
        about_story=_story_only(concepts, lexicon),
        beneficiary=_beneficiary(text, lexicon),
        asks_person=person,
        organisation=_organisation(text) if person else (),
        origin_of=_origin_of(text, lexicon) if kind in ("place", "other") else None,
    )


def _spoken(word: str) -> bool:
    """A word that only says a person is asked for: speaking ("spoke", "commented") or "person"."""
    return word.lower() in words().speech_verbs or word.lower() in _PERSON_NOUNS


def _organisation(text: str) -> tuple[str, ...]:
    """The words a person question gives the person's organisation by: a possessive, "at", "for",
    "from" or "of" before it, or the word before a title ("Microsoft executive")."""
    titles = "|".join(sorted(words().title_words | _PERSON_NOUNS))
    found = re.findall(
        rf"([\w-]+)['’]s\b|\b(?:at|for|from|of)\s+([\w-]+)|(?=\b([\w-]+)\s+(?:[\w-]+\s+)?(?:{titles})\b)", text, re.I
    )
    return tuple(dict.fromkeys(w.lower() for group in found for w in group if w))


def _asks_person(tokens: list[str]) -> bool:
    """Whether a who/which question wants a person: it names a title or a way of speaking
    ("Who spoke for Xiaomi?", "Which Microsoft executive…?"), not a company or a product."""
    said = [t.lower() for t in tokens]
    asked = {said[i + k] for i, w in enumerate(said) if w in ("which", "what") for k in (1, 2) if i + k < len(said)}
    if asked & _NOT_A_PERSON:  # "which company…", "which of the companies…"
        return False
    return bool(set(said) & (words().title_words | words().speech_verbs | _PERSON_NOUNS))


@lru_cache(maxsize=1)
def language_stems() -> tuple[str, ...]:
    """Stems of the languages english.yaml knows ("English", "Chinese")."""
    return tuple(stem(w) for w in words().languages)


# A people's adjective ("american"): where something is from, not a name asked about.
PEOPLES = frozenset(adjective for _, adjective in words().demonyms)


def _verb_of(term: str, lexicon: Lexicon) -> tuple[str, ...]:
    """The verb a noun in -nsion or -nse is made from, when the articles use the verb and not the
    noun: "expansion" is met by "expand", "extension" by "extend", "response" by "respond"."""
    if not term.endswith("ns") or lexicon.document_frequency.get(term, 0):
        return ()
    verb = f"{term[:-1]}d"
    return (verb,) if lexicon.document_frequency.get(verb, 0) else ()


def _instances(term: str, lexicon: Lexicon) -> tuple[str, ...]:
    """For a kind whose members are known words, the members the articles use: "Which languages
    does it understand?" is answered by a sentence naming English and Hindi, not the word
    "language" (`languages` in english.yaml)."""
    if term != "languag":
        return ()
    return tuple(t for t in language_stems() if lexicon.document_frequency.get(t, 0))


_WHAT_IS = re.compile(r"^\s*what(?:'s|’s| is| was)\s", re.I)
# "What is an MoU?" asks what such a thing is, not what this one is about.
_WHAT_IS_A = re.compile(r"^\s*what(?:'s|’s| is| was)\s+an?\s", re.I)
QUESTION_START = re.compile(
    r"^\s*(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|will|would|can|could|"
    r"should|has|have|had)\b", re.I
)


def _beneficiary(text: str, lexicon: Lexicon) -> str | None:
    """The party whose gain is asked about ("What's in it for Xiaomi?"); the one helped in "How
    will the deal help Microsoft?" only when it is a name the articles use, not "the company"."""
    m = _BENEFICIARY.search(text)
    if m is None:
        return None
    if m.group("d") is None:
        return m.group("a") or m.group("b") or m.group("c")
    helped = m.group("d").lower()
    return next((w for w in (helped, re.sub(r"['’]?s$", "", helped)) if lexicon.canonical(w) in lexicon.proper_nouns), None)


def _broad(text: str, concepts: list[tuple[str, ...]], lexicon: Lexicon) -> bool:
    """Whether the question asks about the story as a whole, not one fact in it."""
    found = [m for pattern in words().broad_questions if (m := pattern.search(text))]
    if found:
        # "What's new with Microsoft and Xiaomi?" asks about the story; "what's happening with
        # Cortana and Xiaomi's speaker?" asks about one thing in it, read as any other question.
        phrase = {stem(t) for m in found for t in raw_tokens(m.group())}
        rest = [c for c in concepts if not set(c) <= phrase]
        return not rest or _all_within(rest, lexicon, story_stems())
    if not _all_within(concepts, lexicon, story_stems()):
        return False
    # "What is the Xiaomi Microsoft deal?" names the story itself (a story word, not a partner
    # alone: "What is Xiaomi?" asks what Xiaomi is); a bare topic ("the Microsoft and Xiaomi
    # agreement") asks about it too.
    story = any(t in story_stems() for c in concepts for t in c)
    return not QUESTION_START.match(text) or bool(_WHAT_IS.match(text)) and story and not _WHAT_IS_A.match(text)


def _story_only(concepts: list[tuple[str, ...]], lexicon: Lexicon) -> bool:
    """Whether every concept is the story's own: its partners, its words (deal, partnership) or
    words of announcing and dating it. "When was the partnership announced?" asks when the story
    broke; "When did Microsoft announce the Windows 10 tests?" asks about one event in it."""
    return _all_within(concepts, lexicon, story_stems() | _PUBLICATION_STEMS | _ANNOUNCEMENT_STEMS)


def _all_within(concepts: list[tuple[str, ...]], lexicon: Lexicon, stems: frozenset[str]) -> bool:
    """Whether there are concepts and every one is the partners' names or among `stems`."""
    return bool(concepts) and all(all(lexicon.is_background(t) or t in stems for t in c) for c in concepts)


@lru_cache(maxsize=1)
def story_stems() -> frozenset[str]:
    """Stems of the story's own words (`story_words` in english.yaml: deal, partnership...)."""
    return frozenset(stem(w) for w in words().story_words)


def reported_topic(question: Question) -> Question:
    """What a "when was it reported that…" question says was reported: the question without its
    date and reporting words, wanting no particular kind of value."""
    kept = [
        (concept, word) for concept, word in zip(question.concepts, question.concept_words)
        if not set(concept) <= _PUBLICATION_STEMS
    ]
    return replace(
        question, answer_type="other", concepts=tuple(c for c, _ in kept), concept_words=tuple(w for _, w in kept)
    )


def name_spans(text: str, lexicon: Lexicon) -> list[tuple[int, int]]:
    # Runs of corpus names ("Harman Kardon Invoke", "Mi AI speaker") in a question.
    spans: list[tuple[int, int]] = []
    tokens = list(re.finditer(r"[A-Za-z0-9][\w’'.]*", text))
    run: list[re.Match] = []
    for match in tokens + [None]:
        word = match.group().rstrip(".").lower() if match else ""
        word = re.sub(r"['’]s$", "", word)
        is_name = (
            match is not None
            and lexicon.canonical(word) in lexicon.proper_nouns
            and word not in STOPWORDS
            and word not in TITLE_WORDS  # "the head of Microsoft's AI group": a role, not a name
        )
        if is_name:
            run.append(match)
            continue
        if run:
            end = run[-1].end()
            # Keep a trailing generic noun with the name: "the Mi AI speaker".
            if match is not None and word in {"speaker", "speakers", "assistant", "platform", "device", "devices"} and match.start() - end <= 1:
                end = match.end()
            spans.append((run[0].start(), end))
            run = []
    return spans


# Where a company is from, with the name put as "N": "where is N based", "which town does N come from".
_ORIGIN = re.compile(
    r"^(?:where(?:['’]s|\s+is|\s+was|\s+does|\s+did)|(?:which|what)\s+(?:country|city|town|place|nation)"
    r"(?:\s+is|\s+does|\s+was|\s+did)?)\s+N\s+(?:originally\s+)?(?:from|based|headquartered|located|"
    r"come\s+from|comes\s+from|hail\s+from|based\s+in|headquartered\s+in|located\s+in|originate)\s*\??$",
    re.I,
)


# ...or whether it is from a country: "is xiaomi an american company?".
_ORIGIN_YES_NO = re.compile(
    r"^(?:is|was)\s+N\s+(?:a|an)\s+(?P<adjective>[a-z]+)\s+(?:company|firm|giant|maker|brand|business)\s*\??$", re.I
)


def _origin_of(text: str, lexicon: Lexicon) -> str | None:
    """The name whose origin the question asks, lower-cased canonical, or None."""
    spans = [(a, b) for a, b in name_spans(text, lexicon) if text[a:b].lower() not in PEOPLES]
    if len(spans) != 1:
        return None
    start, end = spans[0]
    framed = f"{text[:start]}N{text[end:]}".strip()
    yes_no = _ORIGIN_YES_NO.match(framed)
    if not (_ORIGIN.match(framed) or yes_no and yes_no.group("adjective").lower() in PEOPLES):
        return None
    return " ".join(lexicon.canonical(t) for t in raw_tokens(text[start:end]))


def unknown_words(question: Question, lexicon: Lexicon) -> list[str]:
    """Question words in no article at all, known before retrieval: their ablations can be
    embedded in the same model call as the question."""
    return [
        word
        for concept, word in zip(question.concepts, question.concept_words)
        if not any(lexicon.document_frequency.get(t, 0) for t in concept)
    ]


def without(question: Question, words: Sequence[str]) -> str:
    """The question's text with these words taken out."""
    text = question.text
    for word in words:
        text = re.sub(rf"\b{re.escape(word)}\b", " ", text, flags=re.I)
    return text


def variants(question: Question, lexicon: Lexicon) -> list[str]:
    """The question without each unknown word, and without all of them when there are several.

    How far each moves the question's meaning tells whether that word is what is asked.
    """
    unknown = unknown_words(question, lexicon)
    singles = [without(question, [w]) for w in unknown]
    return singles + ([without(question, unknown)] if len(unknown) > 1 else [])
