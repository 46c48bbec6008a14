"""Follow-ups in a conversation: an elliptical question rewritten against the one before it."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from assistant.reading.query import QUESTION_START, answer_type, name_spans
from assistant.reading.quotes import introduced_as_person
from assistant.reading.thesaurus import TITLE_WORDS, plain, unwrap
from assistant.reading.values import VALUE_PATTERNS, VALUE_STEMS, YEAR
from assistant.text import STOPWORDS, Lexicon, raw_tokens, stem
from assistant.words import words

_FOLLOW_UP_LEAD = re.compile(r"^\s*(?:(?:and\s+)?(?:what|how)\s+about|and|same for|what of)\b[\s,]*", re.I)
_PERSONAL = {"he", "him", "his", "she", "her"}
_PLURAL = {"they", "them", "their"}
# A run of capitalised words after a question's first word: a name, known to the articles or not.
_CAPITALISED = re.compile(r"(?<=\s)[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")
_PRONOUN_WORDS = {"i", "it", "he", "she", "they", "we", "you"}
_SINGULAR = _PERSONAL | {"it", "its"}  # what can point at one name
_DANGLING = re.compile(rf"\b(?:{'|'.join(sorted(_SINGULAR))})\b", re.I)
_PREPOSITIONS = "in|on|at|for|from|by|during|before|after|since|to|with|into|outside|inside|about|against"
_PREPOSITION = re.compile(rf"^(?:{_PREPOSITIONS})\b", re.I)
# A bare question word, maybe with a preposition and a noun: "why?", "when?", "how much?",
# "which phones?", "on which phones?". Never a verb after it: "Who founded Xiaomi?" stands alone.
_WH_FRAGMENT = re.compile(
    rf"^\s*(?:(?:{_PREPOSITIONS})\s+(?:which|what)(?:\s+[\w-]+){{0,2}}|(?:{_PREPOSITIONS})\s+whom|which\s+[\w-]+"
    r"|how(?:\s+(?:much|many|long|often|come))?|(?:why|when|where|who)(?:\s+(?:exactly|then|not))?)"
    r"\s*[?.!]*\s*$",
    re.I,
)
# "when was that?", "and when did that happen?", "where was this?": the question word asked of
# the last question's event ("that" is a clause here, not a name).
_WH_ABOUT_THAT = re.compile(
    r"^\s*(when|where|why)\s+(?:was|is|were|did|does|will)\s+(that|this|it)"
    r"(?:\s+(?:happen|take\s+place|occur|come\s+about))?\s*[?.!]*\s*$",
    re.I,
)
_WHO_WHAT_IS = re.compile(r"^\s*(?:who|what)(?:'s|’s|\s+(?:is|are|was|were))\b", re.I)
_WHO_SAID = re.compile(r"^\s*who (?:said|says|stated|wrote|told us) (?:that|this|it)\s*[?.!]*\s*$", re.I)
_AUXILIARY = re.compile(r"\b(?:is|are|was|were|do|does|did|will|would|can|could|should|has|have|had)\b", re.I)
# "What did…", "What will…": a "what" that is what the verb does, so "when?" asks when it was done.
_OBJECT_WHAT = re.compile(r"^\s*what\s+(?:do|does|did|will|would|can|could|should)$", re.I)
_ADVERBIAL = re.compile(r"^(?:when|where|why|how)\b", re.I)
_YEAR_PHRASE = re.compile(r"\b(?:in|on|at|for|from|by|during|before|after|since|to)\s+(?:19|20)\d\d\b", re.I)
# "Which…", "What's the name of…", and "What <things>…" ("What cloud services will Xiaomi use?")
# ask for a thing the answer names; "What did…", "What is…" and "What kind of…" do not.
_ASKS_WHICH = re.compile(
    r"^\s*(?:which|what(?:'s|’s| is| was)? the name of"
    r"|what(?:'s|’s| is| was| are| were) the (?:only|first|last|main|biggest|largest|leading|top|cheapest|latest|newest)\b"
    r"|what(?!\s+(?:kinds?|sorts?|types?)\b)"
    r"(?=(?:\s+[\w-]+){1,3}\s+(?:is|are|was|were|do|does|did|will|would|can|could|should|has|have|had)\b)"
    r"(?!\s+(?:is|are|was|were|do|does|did|will|would|can|could|should|has|have|had|about|else)\b))\b",
    re.I,
)
_ASKS_WHO = re.compile(r"^\s*who\b", re.I)
_WORD = re.compile(r"[A-Za-z0-9][\w’'-]*")
_EXPLETIVE = re.compile(
    r"^\s*(?:(?:is|was|'s|’s)\s+)?(?:true|clear|unclear|possible|likely|unlikely|known|said|reported|thought"
    r"|expected|worth|important|the case|matters?|means?|seems?|appears?|looks? like)\b",
    re.I,
)
# "tell me more", "go on", "what else?" once unwrapped (english.yaml's wrappers take off "hey",
# "can you tell me", "please"): the next sentence of the article the last answer came from.
_MORE = re.compile(
    r"^(?:and\s+)?(?:more|say more|go on|continue|keep going|what else|anything else)"
    r"(?:\s+about\s+(?:that|it|this))?\s*[?.!]*\s*$",
    re.I,
)
_OTHER_PARTY = re.compile(r"^(?:for |about |with )?the other (?:company|side|partner|party|firm|one)$", re.I)
# A pronoun that is the question's subject: "Does it…", "How much does it…", "Is it…", "Can she…".
_SUBJECT_PRONOUN = re.compile(
    r"^\s*(?:(?:what|how(?:\s+(?:much|many|well|often))?|when|where|why|who|which(?:\s+\w+)?)\s+)?"
    r"(?:is|are|was|were|do|does|did|will|would|can|could|should|has|have|had)\s+(?:it|he|she|they)$",
    re.I,
)
_PRONOUN = re.compile(r"\b(it|its|it's|they|them|their|he|him|his|she|her|that|this)\b", re.I)
# "Did they say when…": "they" are the reporters, not anyone the last question named.
_REPORTERS = re.compile(r"^\s+(?:say|said|mention|mentioned|report|reported|write|wrote|tell|told|explain|explained)\b", re.I)


# What a speaker is told rather than asked, said or typed whole (after "hey assistant," and the
# like are taken off): leave, or say the last answer again.
_TOLD_QUIT = re.compile(
    r"^(?:quit|exit|stop|bye|good ?bye|bye[ -]bye|that'?s all|that is all|i'?m done|we'?re done"
    r"|(?:ok(?:ay)?|thanks|thank you)[ ,]*(?:that'?s all|good ?bye|bye))$"
)
_TOLD_REPEAT = re.compile(
    r"^(?:repeat(?: that| it| the answer)?|say (?:that|it) again|(?:sorry|pardon)(?: me)?|come again"
    r"|what did you (?:just )?say|once more|again)$"
)


def told(text: str) -> str | None:
    """"quit" or "repeat" for a turn that tells the assistant something ("Goodbye.", "Say that
    again?"), None for a question. Anything longer is a question: "Stop the Invoke?" is asked."""
    said = re.sub(r"[^\w' -]+", " ", unwrap(text).lower().replace("’", "'"))
    said = " ".join(said.split())
    if _TOLD_QUIT.match(said):
        return "quit"
    if _TOLD_REPEAT.match(said):
        return "repeat"
    return None


def asks_who_said(text: str) -> bool:
    """Whether a turn asks who said the last answer ("who said that?")."""
    return bool(_WHO_SAID.match(unwrap(text)))


def asks_for_more(text: str) -> bool:
    """Whether a turn asks to go on from the last answer ("tell me more", "go on", "what else?")."""
    return bool(_MORE.match(unwrap(text)))


def resolve_follow_up(
    text: str, previous: str | None, lexicon: Lexicon, answered: str | None = None,
    people: Callable[[], frozenset[str]] = frozenset,
) -> str | None:
    """Rewrite an elliptical follow-up against the previous question, or None if it stands alone
    (`_resolve`). A second pronoun, "it", is then what the previous answer named: "what will they
    use it for?" after "What cloud services will Xiaomi use?" is "what will Xiaomi use Azure
    for?"."""
    resolved = _resolve(text, previous, lexicon, answered, people)
    if resolved is None or _asks_for_a_company(previous):
        return resolved  # after "Which company is pushing DuerOS?", "they" may be the answer
    it = re.search(r"\bit\b", resolved, re.I)
    thing = _asked_for("it", previous, answered, lexicon) if it else None
    if thing is None or _bare(thing).lower() in resolved.lower():
        return resolved
    return resolved[: it.start()] + thing + resolved[it.end() :]


def _asked_kind(question: str) -> set[str]:
    """The first words after "which…" or "what <things>…", lower-cased: the kind the question
    asks for ("Which Microsoft executive…", "Which company…"); empty for other questions."""
    which = _ASKS_WHICH.match(question)
    return {w.lower() for w in _WORD.findall(question[which.end():])[:3]} if which else set()


def _asks_for_a_company(question: str) -> bool:
    """ "Which company…", "what firm…": the answer is a party, which "they" can mean."""
    return bool({w.rstrip("s") for w in _asked_kind(question)} & words().company_nouns)


def _resolve(
    text: str, previous: str | None, lexicon: Lexicon, answered: str | None = None,
    people: Callable[[], frozenset[str]] = frozenset,
) -> str | None:
    """Rewrite an elliptical follow-up against the previous question, or None if it stands alone.

    The fragment takes the place of what it is like in the previous question: a name a name, a
    year a year ("and in 2016?" after "How many phones did Xiaomi sell in 2017?"). "And the Mi AI
    speaker?" after "How much does the Invoke cost?" becomes "How much does the Mi AI speaker
    cost?"; "How much does it cost?" after "What is the Harman Kardon Invoke?" becomes "How much
    does the Harman Kardon Invoke cost?". A fragment with nothing of its kind to replace is
    added to the question when it is a phrase like "in China", and otherwise stands alone.

    `people` gives the stems of the names the articles introduce as persons (asked for only when
    a plural pronoun needs it: "they" is never one person).

    A pronoun for what the previous question asked for points into its answer (`answered`):
    "it" after "Which is the only Cortana-powered speaker?" is the speaker the answer names, and
    "he" after "Who is Xiaomi's head of international business?" the person it names.
    """
    if not previous:
        return None
    text = plain(text)  # idioms first: the "it" of "what's in it for Microsoft" points at nothing
    lead = _FOLLOW_UP_LEAD.match(text)
    if lead and QUESTION_START.match(text[lead.end():]):
        text = text[lead.end():]  # "and what is his job?": a question of its own after "and"
        lead = None
    if not lead and _WH_FRAGMENT.match(text):
        return _ask_again(text.strip().rstrip("?.! "), previous)
    if not lead and (about_that := _WH_ABOUT_THAT.match(text)):
        # Only after a question about something that happened: "Who is Harry Shun?" has no "that".
        return None if _WHO_WHAT_IS.match(previous) else _ask_again(about_that.group(1), previous)
    previous_spans = name_spans(previous, lexicon)
    if lead:
        fragment = text[lead.end():].strip().rstrip("?.! ")
        if _OTHER_PARTY.match(fragment):  # "what about the other company?": the story has two
            return _other_party(previous, lexicon)
        return _fill_in(fragment, previous, previous_spans, lexicon)
    pronoun = _PRONOUN.search(text)
    # "What did he say about Microsoft?": the partners' names do not make a question stand alone,
    # nor do names after a pronoun that is the question's subject ("Does it speak Chinese?"
    # after "What is Cortana?": Chinese is what it speaks, not what "it" is).
    subject = pronoun is not None and _SUBJECT_PRONOUN.match(text[: pronoun.end()]) is not None
    has_own_name = any(
        not all(lexicon.is_background(t) for t in lexicon.terms(text[a:b]))
        for a, b in name_spans(text, lexicon) if not (subject and a >= pronoun.end())
    )
    if not pronoun or has_own_name or pronoun.group().lower() in {"that", "this"}:
        return None  # nothing to point back to; "that" usually points at a clause, not a name
    if pronoun.group().lower() in {"its", "their"} and name_spans(text[: pronoun.start()], lexicon):
        return None  # "Which services will Xiaomi build into its products?": its own name is before it
    if _EXPLETIVE.match(text[pronoun.end():]):
        return None  # "Is it true that…": an "it" that points at nothing
    if pronoun.group().lower() == "they" and _REPORTERS.match(text[pronoun.end():]):
        return None
    if _about_the_story(text):
        return None  # "What is it all about?" asks about the story, whatever came before
    asked_for = _asked_for(pronoun.group().lower(), previous, answered, lexicon)
    if asked_for:
        return text[: pronoun.start()] + _possessive(asked_for, pronoun.group()) + text[pronoun.end():]
    # A language or a people's adjective is never what "it" or "they" means: "When will they
    # launch?" after "Does the laptop understand Chinese?" is not about Chinese.
    # Nor a name its own question names: "what does Xiaomi use it for?" is not about Xiaomi.
    own = {_bare(text[a:b]).lower() for a, b in name_spans(text, lexicon)}
    candidates = [
        span for span in previous_spans
        if not _a_tongue(previous[span[0] : span[1]]) and _bare(previous[span[0] : span[1]]).lower() not in own
    ]
    if not candidates:
        # A name the articles never use ("Who is Lei Jun?" then "what did he say?") is still
        # what the pronoun means: asked about by name, it is refused for what it is.
        other = _CAPITALISED.search(previous) if not previous_spans else None
        if other is None or other.group().lower() in _PRONOUN_WORDS:
            return None
        return text[: pronoun.start()] + _possessive(other.group(), pronoun.group()) + text[pronoun.end():]
    start, end = _topic_span(previous, candidates, lexicon)
    background = all(lexicon.is_background(t) for t in lexicon.terms(previous[start:end]))
    if pronoun.group().lower() in _PERSONAL and background:
        return None  # "his job" after "who said Xiaomi is innovative": he is not Xiaomi
    if pronoun.group().lower() in _PLURAL and _a_person(previous, previous[start:end], lexicon, people):
        return None  # "When did they first work together?" after "Who is Wang Xiang?": not him
    if background and _both_parties(previous, lexicon):
        # After "What did Microsoft and Xiaomi sign?", "Is it legally binding?" means neither of
        # them, and "When did they sign it?" both: asked as it is, it reads as the story's own.
        return None
    # "the Invoke" keeps its "the": "who makes Invoke?" reads to the encoder unlike "who makes the Invoke?".
    the = "the " if re.search(r"\bthe\s+$", previous[:start], re.I) and not re.search(r"\bthe\s+$", text[: pronoun.start()], re.I) else ""
    return text[: pronoun.start()] + the + _possessive(_bare(previous[start:end]), pronoun.group()) + text[pronoun.end():]


def dangling_pronoun(text: str, lexicon: Lexicon, after_answer: bool = False) -> str | None:
    """The pronoun of a question that is nothing but a pronoun and a word or two ("who makes it?",
    "what does he do?"), when it has nothing to point back to; else None.

    Asked as it is, such a question matches whatever sentence says "makes": a trial's "who makes
    it?", typed first, was answered with a quote of Harry Shun's. After an answered turn
    (`after_answer`) only "the other one" with no two to choose from counts.
    """
    lead = _FOLLOW_UP_LEAD.match(text)
    fragment = text[lead.end():].strip().rstrip("?.! ") if lead else ""
    if _OTHER_PARTY.match(fragment):  # "and the other one?" with no two to choose from
        return re.sub(r"^(?:for|about|with) ", "", fragment)
    if (about_that := _WH_ABOUT_THAT.match(plain(text))) and not after_answer:
        return about_that.group(2)  # "when was that?" asked first: that is nothing yet
    if after_answer:
        # After an answered turn, a pronoun left as it is was left so on purpose ("When did
        # they sign it?" after a question naming both partners): it is read as it stands.
        return None
    if _DANGLING.search(text) is None or _about_the_story(text):
        return None  # "What is it all about?" asks about the story
    text = plain(text)
    pronoun = _DANGLING.search(text)
    if pronoun is None or _EXPLETIVE.match(text[pronoun.end():]) or name_spans(text, lexicon):
        return None
    return pronoun.group() if len(lexicon.terms(text)) <= 1 else None


def _a_person(previous: str, name: str, lexicon: Lexicon, people: Callable[[], frozenset[str]]) -> bool:
    """`name` is a person: asked about with "who", or introduced as one in the articles (which
    hold every sentence an answer can give)."""
    return bool(_ASKS_WHO.match(previous)) or bool({stem(lexicon.canonical(t)) for t in raw_tokens(name)} & people())


def _both_parties(question: str, lexicon: Lexicon) -> bool:
    """The question names both of the story's parties ("Microsoft and Xiaomi")."""
    named = {t for a, b in name_spans(question, lexicon) for t in lexicon.terms(question[a:b])}
    return len({stem(p.lower()) for p in parties(lexicon)} & {stem(t) for t in named}) >= 2


def _named_stems(span: str, lexicon: Lexicon) -> set[str]:
    """Stems of a name run's names only: "Mi AI speaker" is Mi AI, whatever "speaker" asks."""
    return {stem(lexicon.canonical(w)) for w in raw_tokens(span) if lexicon.canonical(w) in lexicon.proper_nouns}


def _bare(name: str) -> str:
    """A name without its possessive: "Harry Shun’s" -> "Harry Shun"."""
    return re.sub(r"['’]s$", "", name)


def _without_article(phrase: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", phrase, flags=re.I)


def _possessive(name: str, pronoun: str) -> str:
    return name + "’s" if pronoun.lower() in {"its", "their", "his", "her"} else name


def _asked_for(pronoun: str, previous: str, answered: str | None, lexicon: Lexicon) -> str | None:
    """The name the previous answer gave for what its question asked, when the pronoun fits it:
    a thing ("it") after "which…", a person ("he") after "who…"; else None."""
    if not answered:
        return None
    which = _ASKS_WHICH.match(previous)
    kind = "person" if _ASKS_WHO.match(previous) else "thing" if which else None
    if _asked_kind(previous) & (TITLE_WORDS | {"person"}):
        kind = "person"  # "Which Microsoft executive commented?" asks for a person
    if kind is None or (pronoun in _PERSONAL) != (kind == "person") or pronoun not in _SINGULAR:
        return None
    if answer_type(previous) == "definition":
        return None  # "Who is Harry Shun?" asks what a named one is: "he" is still Harry Shun
    asked = set(lexicon.terms(previous))
    new = [
        (start, end) for start, end in name_spans(answered, lexicon)
        if (named := _named_stems(answered[start:end], lexicon)) and not named & asked
        and not all(lexicon.is_background(t) for t in named)
    ]
    if kind == "person":
        # "According to Harry Shun, the executive vice President of … Research Group": he is the
        # name given a title or said to speak, not the group in the title (and an answer naming
        # no one gives "he" nothing to point at).
        new = [span for span in new if introduced_as_person(answered, *span, lexicon)]
    if not new:
        return None
    # The name nearest, on average, the words the question asked with: "Baidu, which is pushing
    # its DuerOS" answers "Which company is pushing DuerOS?", not the Cortana before it.
    said = [m.start() for m in _WORD.finditer(answered) if set(lexicon.terms(m.group())) & asked] or [0]
    start, end = min(new, key=lambda span: sum(min(abs(p - span[0]), abs(p - span[1])) for p in said))
    # "is the Harmon Kardon Invoke" keeps its "the": "how much is the Harmon Kardon Invoke?"
    the = "the " if re.search(r"\bthe\s+$", answered[:start], re.I) else ""
    return the + _bare(answered[start:end].rstrip("."))


def _ask_again(asked: str, previous: str) -> str | None:
    """The previous question asked again with a new question word: "when?" after "What did
    Tencent and Samsung announce?" is "When did Tencent and Samsung announce?", and "and why?"
    after "Is the deal legally binding?" is "Why is the deal legally binding or not?" (a yes/no
    question's answer may be no). None when the previous question has no auxiliary to hang it
    on ("Who founded Xiaomi?")."""
    aux = _AUXILIARY.search(previous)
    if aux is None:
        return None
    if asked.lower().startswith("why") and answer_type(previous) in VALUE_PATTERNS:
        return None  # "why?" after "How much does the Mi AI cost?" asks about the answer, not "why does it cost?"
    asked = re.sub(r"^(why)\s+not$", r"\1", asked, flags=re.I)  # "why not?" after a yes/no question: why (or not)
    rest = previous[aux.start():]
    if aux.start() == len(previous) - len(previous.lstrip()) and asked.lower().startswith("why"):
        rest = rest.rstrip(" ?.!") + " or not?"
    elif _OBJECT_WHAT.match(previous[: aux.end()]) and _ADVERBIAL.match(asked):
        # "What did he say?" then "when?": when did he say it (the "what" was what he said).
        tokens = rest.rstrip(" ?.!").split()
        if _PREPOSITION.match(tokens[-1]):  # "What will Xiaomi use Azure for?": when will it use Azure
            rest = " ".join(tokens[:-1]) + "?"
        elif len(tokens) <= 6 and not tokens[-1][:1].isdigit() and not _PRONOUN.fullmatch(tokens[-1]):
            # The "what" stands before a phrase the verb governs, not after it: "What did
            # Microsoft sign with Xiaomi?" then "when?" is "When did Microsoft sign it with
            # Xiaomi?" (not "…with Xiaomi it?"); and never "…get out of it it?".
            at = next((i for i, t in enumerate(tokens) if i > 1 and _PREPOSITION.match(t)), len(tokens))
            if not any(_PRONOUN.fullmatch(t) for t in tokens[at:]):
                rest = " ".join([*tokens[:at], "it", *tokens[at:]]) + "?"
    elif _ADVERBIAL.match(asked) and _PREPOSITION.match(rest.rstrip(" ?.!").split()[-1]):
        # "Who are they competing with?" then "why?": why are they competing with them (the
        # question word was what the preposition governed).
        them = "them" if re.match(r"^\s*(?:who|whom)\b", previous, re.I) else "it"
        rest = f"{rest.rstrip(' ?.!')} {them}?"
    return f"{asked[:1].upper()}{asked[1:]} {rest[:1].lower()}{rest[1:]}"


def parties(lexicon: Lexicon) -> list[str]:
    """The story's parties: the names in a third of all passages, spelt out (not an acronym like
    "AI"): Microsoft and Xiaomi here."""
    return [name for key, name in lexicon.proper_nouns.items() if lexicon.is_background(stem(key)) and not name.isupper()]


def _other_party(previous: str, lexicon: Lexicon) -> str | None:
    """The previous question with the story's two parties swapped ("What is Microsoft's interest
    in Xiaomi?" -> "What is Xiaomi's interest in Microsoft?"), or None when there are not two."""
    named = parties(lexicon)
    if len(named) != 2:
        return None
    first, second = named
    pattern = re.compile(rf"\b({re.escape(first)}|{re.escape(second)})\b", re.I)
    if not pattern.search(previous):
        return None
    return pattern.sub(lambda m: second if m.group(1).lower() == first.lower() else first, previous)


def _same_class(fragment: str, previous: str) -> re.Match | None:
    """Where the previous question has a word of the fragment's own class (a language, a place),
    when the fragment is one such word; else None."""
    word = _without_article(fragment).lower()
    for members in (words().languages, words().place_words):
        if word in members:
            found = [m for m in _WORD.finditer(previous) if m.group().lower() in members and m.group().lower() != word]
            if len(found) == 1:
                return found[0]
    return None


def _fill_in(fragment: str, previous: str, previous_spans: list[tuple[int, int]], lexicon: Lexicon) -> str | None:
    """The previous question with `fragment` in the place of what it is like, or None."""
    if not fragment or answer_type(fragment) != "other" and len(fragment.split()) > 3:
        return None  # "and when did they sign?" is a question of its own
    alike = _same_class(fragment, previous)
    if alike is not None:  # "and Chinese?" after "…understand English?": a language for a language
        return previous[: alike.start()] + fragment + previous[alike.end():]
    year, previous_year = YEAR.search(fragment), YEAR.search(previous)
    if year or _PREPOSITION.match(fragment):
        # "in 2016" for "in 2017" (preposition and all), "2015" for "2016"; a phrase with no
        # year of its own ("in China") is added to the question.
        if year and previous_year:
            if _PREPOSITION.match(fragment) and (held := _YEAR_PHRASE.search(previous)):
                return (previous[: held.start()] + fragment + previous[held.end():]).strip()
            return previous[: previous_year.start()] + year.group() + previous[previous_year.end():]
        if not _PREPOSITION.match(fragment):
            return None
        # "and about Azure?" after "What did he say about Xiaomi?": the name after the same
        # preposition is replaced ("in India" for "in China" alike).
        before_name = re.compile(rf"\b{fragment.split()[0]}\s+(?:the\s+)?$", re.I)
        after = [(m.start(), b) for a, b in previous_spans if (m := before_name.search(previous[:a]))]
        if after and not YEAR.search(fragment):
            start, end = after[-1]
            return (previous[:start] + fragment + previous[end:]).strip()
        # "in China" for "outside China": the same place with another preposition is replaced.
        place = re.sub(r"^\w+\s+(?:the\s+)?", "", fragment)
        held = re.search(rf"\b(?:{_PREPOSITIONS})\s+(?:the\s+)?{re.escape(place)}\b", previous, re.I) if place else None
        if held:
            return (previous[: held.start()] + fragment + previous[held.end():]).strip()
        return f"{previous.rstrip('?.! ')} {fragment}?"
    if _is_party(fragment, lexicon):
        # One party for the other, or nothing: "How much does the Xiaomi cost?" is no question.
        return _party_for_party(fragment, previous, lexicon)
    if not previous_spans:
        return None  # "and the laptop?" after "Which one is cheaper?": nothing it could stand for
    pair = _name_pair(previous, previous_spans)
    if pair and re.search(r"\s(?:and|&)\s", fragment):
        # "what about Microsoft and Xiaomi?" after "When did Tencent and Samsung announce it?":
        # a pair for a pair, not one name for the first of them.
        return (previous[: pair[0]] + _without_article(fragment) + previous[pair[1]:]).strip()
    start, end = previous_spans[-1] if len(previous_spans) == 1 else _topic_span(previous, previous_spans, lexicon)
    head = previous[:start]
    noun = _without_article(fragment)
    owned = re.match(r"(?:his|her|its|their)\s+(.+)$", noun, re.I)
    if owned:  # "and his job?" after "Who is Harry Shum?": Harry Shum's job, asked
        return f"What is {_possessive(_bare(previous[start:end]), 'his')} {owned.group(1)}?"
    if not name_spans(fragment, lexicon) and stem(noun.split()[-1].lower()) in VALUE_STEMS:
        # "and the price?" after "Who makes the Invoke?" asks the price of the Invoke, not "who
        # makes the price": a kind of value is asked of the last question's topic; a time is
        # asked as "when" ("and the date?" after "What will Xiaomi use Azure for?"). A party
        # has no price or date of its own ("What is the price of Xiaomi?"): it stands alone.
        if noun.lower().split()[-1] in _TIME_NOUNS:
            return _ask_again("when", previous)
        if _is_party(previous[start:end], lexicon):
            return None
        the = "the " if re.search(r"\bthe\s*$", head, re.I) else ""
        return f"What is the {noun} of {the}{_bare(previous[start:end])}?"
    # "and the big boss of microsoft?" after "Who is the boss of Xiaomi?": a phrase for the phrase.
    phrase = _OF_PHRASE.search(head)
    if phrase and _OF_FRAGMENT.match(fragment):
        # ...with the names that go on qualifying it: "the head of AI at Microsoft".
        for a, b in previous_spans:
            if a >= end and re.fullmatch(r"\s+(?:at|of|in|for|from)\s+(?:the\s+)?", previous[end:a], re.I):
                end = b
        return (head[: phrase.start()] + fragment + previous[end:]).strip()
    described = _DESCRIBED.search(head)
    if described and not set(described.group(2).lower().split()) & STOPWORDS:
        # Keep the previous question's "the" before the new name, not the words that described
        # the old one: "and the Mi AI speaker?" after "How much does the fancy Invoke cost?".
        head = head[: described.start()] + described.group(1) + " "
        fragment = _without_article(fragment)
    return (head + fragment + previous[end:]).strip()


# A determiner and up to three words before a name ("the fancy " Invoke), and a phrase that says
# whose thing it is ("the boss of " Xiaomi).
_DESCRIBED = re.compile(r"\b(the|a|an)\s+((?:[a-z][\w-]*\s+){0,3})$", re.I)
_OF_PHRASE = re.compile(r"\b(?:the|a|an)\s+(?:[\w-]+\s+){1,3}?of\s+$", re.I)
_OF_FRAGMENT = re.compile(r"(?:the|a|an)\s+(?:[\w-]+\s+){1,3}?of\s+\S", re.I)


_TIME_NOUNS = {"date", "day", "year", "month", "time", "when"}


def _name_pair(question: str, spans: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Where a question names two things joined by "and" ("Tencent and Samsung"), or None."""
    for (a, b), (c, d) in zip(spans, spans[1:]):
        if re.fullmatch(r"\s+(?:and|&)\s+", question[b:c]):
            return a, d
    return None


def _about_the_story(text: str) -> bool:
    """A broad question ("What is it all about?"): it asks about the story, whatever came before."""
    return any(p.search(text) for p in words().broad_questions)


@lru_cache(maxsize=1)
def _tongues() -> frozenset[str]:
    return words().languages | {adjective for _place, adjective in words().demonyms}


def _a_tongue(name: str) -> bool:
    """Whether a name run is a language or a place's adjective ("Chinese", "English", "American")."""
    return all(_bare(w).lower() in _tongues() for w in name.split())


def _is_party(text: str, lexicon: Lexicon) -> bool:
    """Whether a phrase is one of the story's parties ("Xiaomi", "the Microsoft", "xiaomi's")."""
    return _bare(_without_article(text.strip())).lower() in {p.lower() for p in parties(lexicon)}


def _party_for_party(fragment: str, previous: str, lexicon: Lexicon) -> str | None:
    """One of the story's parties asked about in place of the other: "What about Xiaomi?" after
    "How many citizens could Microsoft reach in China?" asks what Xiaomi could reach, not how many
    citizens Microsoft could reach "in Xiaomi" (`fragment` is a party: `_is_party`). None when
    the previous question names neither."""
    named = parties(lexicon)
    wanted = _bare(_without_article(fragment.strip())).lower()
    if len(named) != 2:
        return None
    other = next(p for p in named if p.lower() != wanted)
    has_other = re.search(rf"\b{re.escape(other)}\b", previous, re.I)
    if not has_other:
        return None
    if re.search(rf"\b{re.escape(wanted)}\b", previous, re.I):
        return _other_party(previous, lexicon)  # both named: the other's side of it
    return previous[: has_other.start()] + _without_article(fragment) + previous[has_other.end():]


def _topic_span(question: str, spans: list[tuple[int, int]], lexicon: Lexicon) -> tuple[int, int]:
    # The topic is the name run of most words ("Harman Kardon Invoke"), and of runs as long, the
    # first, as a question's subject comes before its object: "how much is it?" after "Does the
    # Invoke run Cortana?" asks about the Invoke. The story's parties are background, not topic.
    partners = {name.lower() for name in parties(lexicon)}

    def weight(span: tuple[int, int]) -> tuple[int, int]:
        words = question[span[0] : span[1]].lower().split()
        background = all(w.strip("’'s") in partners for w in words)
        return (0 if background else 1, len(words))

    return max(spans, key=weight)
