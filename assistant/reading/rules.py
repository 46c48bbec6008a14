"""The rule reader: score candidate sentences by meaning, coverage and value type, then veto.

Every sentence of the retrieved passages is a candidate. The best one answers unless one of
the named abstention checks (`reading.checks.CHECKS`) finds a reason it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np

from assistant.index.embed import Embedder
from assistant.reading.base import CONSIDERED, Extract, Query, Reading, most_similar
from assistant.reading.checks import SOFT_TYPES, Case, WordMeaning, abstention
from assistant.reading.coverage import Coverage
from assistant.reading.follow_up import parties
from assistant.reading.interaction import LateInteraction
from assistant.reading.query import PEOPLES, QUOTED_SPEAKER, Question, language_stems, reported_topic
from assistant.reading.sentences import SentenceTable
from assistant.reading.thesaurus import TITLE_WORDS
from assistant.reading.written import WrittenQuestions
from assistant.reading.values import (
    AS_OF_STEMS,
    LOCATED,
    PLACE_WORDS,
    REASON,
    RELATIVE_DATE,
    VALUE_PATTERNS,
    VALUE_STEMS,
    YEAR,
    asked_currency,
    in_currency,
    names_before,
    typed_values,
)
from assistant.retrieval.lookups import SentenceLookup
from assistant.text import STOPWORDS, Lexicon, raw_tokens, stem
from assistant.types import Hit, Passage, Sentence
from assistant.words import words

# Sentences scored closely (the answer-type bonus and more), after a rough pass over all of them.
_CLOSE_LOOK = 12
# A sentence holding the wanted kind of value answers over a better match unless it scores
# this far below it (its type bonus included): then the value is about something else.
_FAR_BELOW = 0.3
# Candidates searched for one a dated article states, for "when was it reported" questions.
_DATED_LOOK = 5


@dataclass
class Candidate:
    """A sentence that might answer, with the evidence for it."""

    row: int
    sentence: Sentence
    passage: Passage
    dense: float  # cosine with the question, for the checks' thresholds
    coverage: float  # share of the question's key terms (by rarity) in the sentence
    context_coverage: float  # the same over the whole passage
    typed: bool  # holds a value of the wanted kind
    values: set[str] = field(default_factory=set)
    score: float = 0.0
    ranking: float = 0.0  # cosine with the adapted question vector, which the score uses

    def extract(self) -> Extract:
        return Extract(self.row, self.passage, self.sentence, self.score, frozenset(self.values))


_TITLE_STEMS = frozenset(stem(w) for w in TITLE_WORDS)
_REPORTED = re.compile(r"“[^”]{12,}|\b(?:said|says|stated|states|added)\b", re.I)


@lru_cache(maxsize=64)
def _described(names: tuple[str, ...]) -> re.Pattern[str]:
    """Where a sentence says what the asked name is: the name beside a kind noun ("its Azure cloud
    platform", "Cortana virtual assistant"), after one ("the digital assistant, Cortana"; "one
    smart Cortana speaker, Harmon Kardon Invoke" for the Invoke), or said to be one ("Xiaomi is a
    fast-growing company")."""
    name = re.escape(names[-1]) if names else r"(?!x)x"
    kinds = "|".join(sorted(words().kind_nouns))
    return re.compile(
        rf"\b{name}\b(?:\s+[a-z][\w-]*){{0,2}}?\s+(?:{kinds})\b"
        rf"|\b(?:{kinds}),?\s+(?:the\s+)?(?:[A-Z][\w-]*\s+){{0,2}}{name}\b"
        rf"|\b{name}(?:['’]s)?\s+(?:is|was)\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,3}}?(?:{kinds})\b",
        re.I,
    )


def _written_as_name(word: str, text: str) -> bool:
    """Whether the question writes the word capitalised, other than as its first word."""
    return any(m.start() > 0 and m.group()[:1].isupper() for m in re.finditer(rf"\b{re.escape(word)}\b", text, re.I))


def _gains(party: str, text: str) -> bool:
    """Whether the text says the party gains: "for Xiaomi", "helps Xiaomi", "Xiaomi would get"."""
    name = re.escape(party)
    return bool(re.search(
        rf"\b(?:for|helps?|allows?|enables?|gives?) {name}\b"
        # (not "could use Xiaomi to gain a foothold": the user gains, not the used)
        rf"|(?<!\buse )(?<!\busing )(?<!\buses )\b{name}(?:['’]s)?(?: \w+){{0,2}} (?:(?:would|will|could|can|may|might|should) )?"
        r"(?:gain|get|benefit|reach|access|win)",
        text,
        re.I,
    ))


def _considered(ranked: Sequence["Candidate"]) -> tuple[str, ...]:
    return tuple(c.sentence.text for c in ranked[:CONSIDERED])


def _counted(text: str, lexicon: Lexicon) -> str | None:
    """What "how many" counts: the first plural word after it that is no name ("how many smart
    speakers run…": speakers; "how many Windows 10 devices": devices)."""
    match = re.search(r"\bhow many\s+(.*)", text, re.I)
    if not match:
        return None
    for token in raw_tokens(match.group(1))[:4]:
        word = token.lower()
        if lexicon.canonical(word) in lexicon.proper_nouns:
            continue
        if word in words().irregular_plurals or (word.endswith("s") and not word.endswith("ss")):
            return word
    return None


# Places that are countries (each has its people's adjective), and a question asking for one.
_COUNTRIES = frozenset(stem(place) for place, _ in words().demonyms)
_COUNTRY_ASKED = re.compile(r"\b(?:country|countries|nation|nationality)\b", re.I)
_TOWN_ASKED = re.compile(r"\b(?:city|town|place|headquarter\w*|hq)\b", re.I)  # a head office is in a city

# Answers that are names or places: a sentence may name them only in the one before it.
_NAMED_KINDS = frozenset({"name", "entity", "place"})


class RuleReader:
    """Extractive answers from the retrieved passages, by hand-set scores and vetoes."""

    name = "rules"

    def __init__(
        self, lookup: SentenceLookup, table: SentenceTable, lexicon: Lexicon, embedder: Embedder,
        interaction: LateInteraction | None = None, max_words: int = 40, written: WrittenQuestions | None = None,
        origins: dict[int, frozenset[tuple[str, str]]] | None = None,
    ) -> None:
        self.lookup = lookup
        # Sentence rows whose epithet for a company says where it is from, by the company's name
        # (lower-case), each with the place: "…partner with the Chinese company, Xiaomi…" for
        # "where is xiaomi from".
        self.origins: dict[str, list[tuple[int, str]]] = {}
        for row, pairs in sorted((origins or {}).items()):
            for name, place in sorted(pairs):
                self.origins.setdefault(name, []).append((row, place))
        # Questions a local model wrote for each sentence (corpus/training-questions.jsonl), when
        # the index keeps them: a question close to one of the best sentence's passes coverage.
        self.written = written
        self.table = table
        self.lexicon = lexicon
        self.max_words = max_words  # a broad answer's lead takes its second sentence within this
        self.interaction = interaction  # word-piece matching, when the index holds token vectors
        self.meaning = WordMeaning(embedder)  # single words and question variants, for the checks
        self.coverage = Coverage(lexicon, len(lookup.passages))
        self.parties = parties(lexicon)  # the story's partners: whose gain a question may ask
        self._asked_for, self._asked = "", set()
        # The people the articles quote, each with the organisation its title gives (name stem ->
        # organisation stems): who a question asking for a person may be answered with.
        self.affiliations: dict[str, frozenset[str]] = {}
        for said in table.attribution.values():
            for part in said.speaker:
                self.affiliations[part] = self.affiliations.get(part, frozenset()) | frozenset(said.affiliation)

    # -- evidence ----------------------------------------------------------------------
    def _typed(self, question: Question, row: int, text: str) -> tuple[bool, set[str]]:
        kind = question.answer_type
        asked = set(question.names)
        if kind in VALUE_PATTERNS:
            values = self.table.values[kind][row] - self._asked_values(question)
            if kind == "money" and (currency := asked_currency(question.text)):
                values = {v for v in values if in_currency(v, currency)}  # "in euros": not "$150"
            return bool(values), values
        if kind == "definition":
            return bool(asked) and asked <= self.table.names[row], set()
        if kind == "name":
            others = self.table.names[row] - asked - PLACE_WORDS  # "Chinese" is not a who
            said = self.table.attribution.get(row)
            if said and not set(said.speaker) & set(question.heads):
                others = others | set(said.speaker)  # "Who said…": the speaker is the name
            if question.asks_person and self.affiliations:
                # "Which Microsoft executive commented?" wants a person the articles quote, and
                # one of the organisation asked about: Harry Shum, not Xiaomi's Wang Xiang.
                owners = self._owners(question)
                others = {
                    n for n in others
                    if stem(n) in self.affiliations and (not owners or owners & self.affiliations[stem(n)])
                }
            return bool(others), others
        if kind == "entity":
            others = self.table.names[row] - asked
            return bool(others), others
        if kind == "quote":
            # "What did Harry Shum say?" wants his words. "What did Microsoft's AI chief say about
            # Azure?" names the speaker by title and what was said about by name: the quoted
            # sentence names that, and the title describes the speaker ("Xiaomi's CEO" does not).
            said = self.table.attribution.get(row)
            wanted = set(question.heads)
            if not said and not wanted and self._asks_no_one(question):
                # "What did the press release say?" asks what a thing of the articles' said, not a
                # person (no title, no word the articles never use, as "Xiaomi's CEO" is): it
                # stands in quotation marks or is reported ("Xiaomi also said, “…”").
                return bool(_REPORTED.search(text)), set()
            if not said or not wanted or wanted & said.described_by:
                return bool(said), set()
            about = wanted & {stem(n) for n in self.table.names[row]}
            title = said.described_by - {stem(n) for n in question.names}  # its words, not the names asked
            described = any(set(c) & title for c in question.concepts if not set(c) & wanted)
            return bool(about) and described, set()
        if kind == "reason":
            return bool(REASON.search(text)), set()
        if kind == "place":
            places = {w for w in (t.lower() for t in raw_tokens(text)) if w in PLACE_WORDS} - asked
            located = {m.group(1).lower() for m in LOCATED.finditer(text)} & places
            return bool(places), {f"in:{p}" for p in located} | places
        return True, set()

    def _asks_no_one(self, question: Question) -> bool:
        """Whether a quote question's speaker is a thing, not someone: "the press release", not
        "Microsoft", "Xiaomi's CEO" or a name the articles never use ("Satya Nadella")."""
        m = QUOTED_SPEAKER.match(question.text)
        if m is None:
            return False
        words = [t.lower() for t in raw_tokens(m.group("who")) if t.lower() not in STOPWORDS]
        return bool(words) and not any(
            self.lexicon.canonical(w) in self.lexicon.proper_nouns or stem(w) in _TITLE_STEMS
            or not self.lexicon.document_frequency.get(stem(self.lexicon.canonical(w)), 0)
            for w in words
        )

    def _owners(self, question: Question) -> set[str]:
        """Stems of the organisation a person question names ("Xiaomi" in "Who spoke for Xiaomi?")."""
        owners = {stem(self.lexicon.canonical(w)) for w in question.organisation} - self.affiliations.keys()
        return owners & {stem(n) for n in question.names}

    def _asked_values(self, question: Question) -> set[str]:
        # "How many phones did Xiaomi sell in 2017?": 2017 is asked, not an answer.
        if self._asked_for != question.text:
            self._asked_for = question.text
            self._asked = typed_values(question.text, question.answer_type)
        return self._asked

    def value_subject(self, question: Question) -> tuple[tuple[str, ...], str] | None:
        """What a value question asks the value of: for "how many", the thing counted; otherwise
        the rarest concept that is not about price, count or time."""
        if question.answer_type not in VALUE_PATTERNS:
            return None
        subjects = [
            (concept, word)
            for concept, word in zip(question.concepts, question.concept_words)
            if not set(concept) & (VALUE_STEMS | AS_OF_STEMS)
        ]
        counted = _counted(question.text, self.lexicon) if question.answer_type == "number" else None
        named = [s for s in subjects if counted in s[1].lower().split()]
        if named:
            return named[0]
        # Otherwise the rarest concept, but not a word no article uses: that is the unknown-word
        # check's to weigh ("how much dose the Invoke cost", a typo for "does"), not what every
        # answer must name; unless it is written as a name ("the Echo Show"), a thing never named.
        return max(
            (
                (concept, word) for concept, word in subjects
                if any(self.lexicon.document_frequency.get(t, 0) for t in concept) or _written_as_name(word, question.text)
            ),
            key=lambda s: max(self.lexicon.idf(t, self.coverage.passage_count) for t in s[0]),
            default=None,
        )

    def speaker_title(self, question: Question, candidate: Candidate) -> set[str]:
        # "What did Xiaomi's head of international business say?" names the speaker by title.
        # Only a question about what was said reads the title, or every sentence of a long
        # quote would mention "international business" for any question.
        said = self.table.attribution.get(candidate.row)
        return set(said.role) if said and question.answer_type == "quote" else set()

    def _beneficiary_bonus(self, question: Question, text: str) -> float:
        """+ when the sentence says the asked party gains, - when it only says that party gives.

        "How does Microsoft benefit?" is not answered by "Xiaomi would get more technical
        benefits from Microsoft", though both words match.
        """
        if not question.beneficiary:
            return 0.0
        name = self.lexicon.proper_nouns.get(self.lexicon.canonical(question.beneficiary), question.beneficiary)
        if _gains(name, text):
            return 0.2
        if re.search(rf"\bfrom {re.escape(name)}\b", text, re.I):
            return -0.2
        # Nor by one where the other party gains ("several key Microsoft products could benefit"
        # answers how Microsoft benefits, not Xiaomi).
        return -0.2 if any(_gains(other, text) for other in self.parties if other.lower() != name.lower()) else 0.0

    @staticmethod
    def _type_bonus(question: Question, values: set[str], typed: bool, text: str = "") -> float:
        if not typed or question.answer_type == "other":
            return 0.0
        if question.answer_type == "place" and not any(v.startswith("in:") for v in values):
            return 0.1  # "the giant from Redmond" names a place; "available in China" says where
        if question.answer_type == "quote" and text.startswith(("“", '"')):
            return 0.4  # a quotation leads with its point: "What did he say?" wants its opening
        if question.answer_type == "date" and all(RELATIVE_DATE.match(v) for v in values):
            return 0.1  # "last month" answers "when" only weakly
        if question.answer_type == "definition" and _described(question.names).search(text):
            return 0.5  # "…with the digital assistant, Cortana" says what Cortana is
        return 0.25

    def _concept_matrix(self, question: Question, matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """rows x concepts: whether each row's text mentions each concept (any of its stems)."""
        stem_ids = self.table.stem_ids
        columns = [[stem_ids[t] for t in concept if t in stem_ids] for concept in question.concepts]
        out = np.zeros((len(rows), len(columns)), dtype=bool)
        block = rows[:, None]  # indexes the rows x ids block as np.ix_ would, at half the cost
        for j, ids in enumerate(columns):
            if ids:
                out[:, j] = matrix[block, ids].any(axis=1)
        return out

    def candidates(self, question: Question, query_vector: np.ndarray, hits: Sequence[Hit],
                   ranking_vector: np.ndarray | None = None) -> list[Candidate]:
        """Candidate sentences, best first. They are scored by `ranking_vector` (the query
        adapter's) when given; the checks read each one's plain cosine with `query_vector`."""
        lookup, table = self.lookup, self.table
        passages = {}
        for rank, hit in enumerate(hits):
            for passage in [hit.passage, *hit.corroborating]:
                if passage.id not in lookup.dateline_ids:
                    passages.setdefault(passage.id, (passage, rank))
        if question.answer_type == "quote":
            # A quotation's opening may sit in a passage that never names the speaker: every
            # sentence said by the one asked about, or by a speaker of a retrieved sentence.
            retrieved = {
                table.attribution[lookup.rows[(pid, i)]].row
                for pid, (p, _) in list(passages.items()) for i in range(len(p.sentences))
                if lookup.rows[(pid, i)] in table.attribution
            }
            for row, said in table.attribution.items():
                if set(question.heads) & said.described_by or said.row in retrieved:
                    passage = lookup.passage_of(row)
                    passages.setdefault(passage.id, (passage, len(hits)))
        elif question.answer_type == "definition" and question.names:
            # "What is Xiaomi?": wherever the articles say what it is ("Xiaomi is a fast-growing
            # company"), though a name in every passage retrieves no such passage first.
            described = _described(question.names)
            for row in table.rows_naming.get(self.lexicon.canonical(question.names[-1]), ()):
                if described.search(lookup.sentence(row).text):
                    passage = lookup.passage_of(row)
                    passages.setdefault(passage.id, (passage, len(hits)))
        elif question.asks_person:
            # "Who spoke for Xiaomi about the deal?": whoever it quotes, where they are named.
            owners = self._owners(question)
            for said in table.attribution.values():
                if not owners or owners & set(said.affiliation):
                    passage = lookup.passage_of(said.row)
                    passages.setdefault(passage.id, (passage, len(hits)))
        rows = np.array(
            [lookup.rows[(pid, i)] for pid, (p, _) in passages.items() for i in range(len(p.sentences))], dtype=np.int64
        )
        if not len(rows):
            return []
        # Coverage of every candidate at once: concept incidence times concept weight.
        weights = np.array(self.coverage.weights(question) or [0.0])
        total = float(weights.sum()) or 1.0
        local = self._concept_matrix(question, table.local_matrix, rows)
        context = self._concept_matrix(question, table.passage_matrix, rows)

        coverage = (local @ weights[: local.shape[1]]) / total if local.shape[1] else np.zeros(len(rows))
        context_coverage = (context @ weights[: context.shape[1]]) / total if context.shape[1] else np.zeros(len(rows))
        heads = [table.stem_ids[h] for h in question.heads if h in table.stem_ids]
        missing_focus = (
            ~table.local_matrix[rows[:, None], heads].all(axis=1) if heads else np.zeros(len(rows), dtype=bool)
        ) | (len(heads) < len(question.heads))
        # A language asked about is not met by the sentence before when this one names another:
        # "…already speaks Chinese…" does not answer "Does Cortana speak English?", though the
        # sentence before says "English commands".
        asked_tongues = {h for h in question.heads if h in language_stems()}
        if asked_tongues:
            others = set(language_stems()) - asked_tongues
            missing_focus = missing_focus | np.array(
                [bool(table.stems[r] & others) and not table.stems[r] & asked_tongues
                 for r in rows.tolist()]
            )
        dense = lookup.vectors[rows] @ query_vector
        ranking = dense if ranking_vector is None else lookup.vectors[rows] @ ranking_vector
        # Score in bulk without the answer-type bonus, then look closely only at the best dozen
        # and at every sentence holding a value of the wanted kind.
        subject = self.value_subject(question)
        subject_ids = [table.stem_ids[t] for t in subject[0] if t in table.stem_ids] if subject else []
        if subject:  # "how many phones": a count of something else is no answer
            missing_focus = missing_focus | (
                ~table.local_matrix[rows[:, None], subject_ids].any(axis=1) if subject_ids else True
            )
        # The noun a "what is the X" or "what kind of X" question asks for belongs in the answer.
        head = stem(question.asked_head) if question.asked_head else None
        missing_head = (
            ~table.local_matrix[rows, table.stem_ids[head]] if head in table.stem_ids else np.zeros(len(rows), dtype=bool)
        )
        # A "when" that names no party beyond the story's partners asks when the story's event
        # happened, not an aside's ("When was the partnership announced?" is not Tencent and
        # Samsung's, reported in passing). Other questions may well ask about other parties.
        about_others = any(not self.lexicon.is_background(stem(n)) for n in question.names)
        when = question.answer_type == "date" or question.about_publication or question.about_announcement
        # So does any question only about the story ("Who announced the partnership?").
        aside = table.aside[rows] & ((when or question.about_story) and not about_others)
        # A question only about the story, naming no year, is not about the story's past either
        # ("What did Microsoft and Xiaomi agree to do?" is not answered by the 2016 deal).
        if question.about_story and not YEAR.search(question.text):
            aside = aside | table.past[rows]
        rough = (
            ranking + 0.45 * coverage + 0.1 * context_coverage
            - 0.3 * missing_focus - 0.15 * missing_head - 0.3 * aside
        )
        keep = np.zeros(len(rows), dtype=bool)
        keep[np.argsort(-rough)[:_CLOSE_LOOK]] = True
        if question.answer_type in VALUE_PATTERNS:
            keep |= np.array([bool(table.values[question.answer_type][r]) for r in rows.tolist()])
        elif question.asks_person:  # where the people it may want are named
            keep |= np.array([r in table.attribution and table.attribution[r].row == r for r in rows.tolist()])
        out = []
        asked_stems = {t for c in question.concepts for t in c}
        for i, row in enumerate(rows.tolist()):
            if not keep[i]:
                continue
            passage, rank = passages[int(lookup.owner[row])]
            sentence = passage.sentences[lookup.position[row]]
            typed, values = self._typed(question, row, sentence.text)
            position = lookup.position[row]
            if not typed and question.answer_type in _NAMED_KINDS and position and names_before(sentence.text, asked_stems):
                # "…although the two countries are the largest markets…": the countries are named
                # in the sentence before, which the citation then shows with it.
                typed, values = self._typed(question, row - 1, passage.sentences[position - 1].text)
            candidate = Candidate(
                row=row,
                sentence=sentence,
                passage=passage,
                dense=float(dense[i]),
                ranking=float(ranking[i]),
                coverage=float(coverage[i]),
                context_coverage=float(context_coverage[i]),
                typed=typed,
                values=values,
            )
            overlong = max(0, table.word_counts[row] - 30) / 10
            candidate.score = (
                candidate.ranking
                + 0.45 * candidate.coverage
                + 0.1 * candidate.context_coverage
                + self._type_bonus(question, values, typed, sentence.text)
                + self._beneficiary_bonus(question, sentence.text)
                + 0.1 / (1 + rank)
                - 0.08 * overlong
                - 0.3 * bool(missing_focus[i])
                - 0.15 * bool(missing_head[i])
                - 0.3 * bool(aside[i])
            )
            out.append(candidate)
        return sorted(out, key=lambda c: -c.score)

    # -- the verdict -------------------------------------------------------------------
    # -- reading -----------------------------------------------------------------------
    def _verdict(self, question: Question, query: Query, best: Candidate | None) -> tuple[str, str] | None:
        if best is None:
            return "nothing-retrieved", "nothing retrieved"
        return abstention(self, Case(question, best, query.vector, dict(query.variants), query.tokens))

    def read(self, query: Query, hits: Sequence[Hit]) -> Reading:
        question = query.question
        # "When was it reported…", and "When was the partnership announced?": a question about
        # the story itself is dated by the article that reports it.
        if question.about_publication or question.about_announcement and question.about_story:
            return self._publication_date(query, hits)
        if question.broad:
            return self._lead(query, hits)
        if question.origin_of in self.origins and (origin := self._origin(query)) is not None:
            return origin
        reading = self._read_sentence(query, hits)
        if question.about_announcement and not self._dated(reading):
            return self._publication_date(query, hits)
        return reading

    def _origin(self, query: Query) -> Reading | None:
        """ "Where is Microsoft based?": the sentence whose epithet for it says where it is from
        ("Now, the giant from Redmond did not go into details…"); of several, a city before a
        country, then the closest to the question. None when no place of the kind asked is said.
        No check applies: the epithet is the evidence, and the question asks nothing else."""
        found = self.origins[query.question.origin_of]
        # "Which country" asks for a country and "which city" for a place in one: none said is
        # no answer ("Which city is Xiaomi headquartered in?" is not "the Chinese company").
        # "Where" takes the nearest place said, a city before a country.
        # ("is xiaomi an american company" asks for a country too)
        if _COUNTRY_ASKED.search(query.question.text) or set(map(str.lower, raw_tokens(query.question.text))) & PEOPLES:
            found = [f for f in found if f[1] in _COUNTRIES]
        elif _TOWN_ASKED.search(query.question.text):
            found = [f for f in found if f[1] not in _COUNTRIES]
        if not found:
            return None
        row, _ = max(found, key=lambda f: (f[1] not in _COUNTRIES, float(self.lookup.vectors[f[0]] @ query.vector)))
        extract = Extract(row, self.lookup.passage_of(row), self.lookup.sentence(row), 1.0)
        return Reading((extract,), 1.0, considered=tuple(self.lookup.sentence(r).text for r, _ in found))

    def _dated(self, reading: Reading) -> bool:
        """Whether the answer states a date of its own ("in 2015"), not only "yesterday"."""
        dates = [v for e in reading.extracts for v in self.table.values["date"][e.row]]
        return any(not RELATIVE_DATE.match(v) for v in dates)

    def _read_sentence(self, query: Query, hits: Sequence[Hit]) -> Reading:
        question = query.question
        ranked = self.candidates(question, query.vector, hits, query.ranking)
        # A question that wants a value is answered by the best sentence holding one.
        best = next((c for c in ranked if c.typed), ranked[0] if ranked else None)
        if question.answer_type in SOFT_TYPES and best is not None and best.score < ranked[0].score - 0.1:
            best = ranked[0]  # a reason sentence well below the best match is the wrong reason
        if best is not None and best.score < ranked[0].score - _FAR_BELOW:
            # Nor is a value far below the best match: "Where was the deal signed?" is about the
            # signing, not a sentence that happens to say "western markets".
            best = ranked[0]
        # The runner-up is read too: a paraphrase the best sentence fails ("Does the partnership
        # cover PCs?") can pass on the next one. The first reason to abstain is the one given.
        runner_up = next((c for c in ranked if c is not best), None)
        verdict = self._verdict(question, query, best)
        if verdict and runner_up is not None and not self._verdict(question, query, runner_up):
            best, verdict = runner_up, None
        considered = _considered(ranked)
        if verdict:
            return Reading((), 0.0, reason=verdict[1], check=verdict[0], considered=considered)
        if question.answer_type == "quote":
            return Reading((self._opening(question, best),), 1.0, considered=considered)
        return Reading((best.extract(),), 1.0, considered=considered)

    def _opening(self, question: Question, best: Candidate) -> Extract:
        """What someone said starts where their quotation does: "What did Wang Xiang say?" is
        answered by the first sentence he is quoted with, not the one naming him at its end,
        unless the opening covers less of the question ("What did he say about Azure?")."""
        said = self.table.attribution.get(best.row)
        if said is None:
            return best.extract()
        lookup = self.lookup
        article = best.passage.article_id
        first = min(
            (row for row, other in self.table.attribution.items()
             if other.row == said.row and lookup.passage_of(row).article_id == article),
            key=lambda row: lookup.sentence(row).start,
        )
        # Both are read with the attribution clause ("…, according to Wang Xiang, Head of …").
        clause = set(self.lexicon.terms(lookup.sentence(said.row).text[said.start:]))
        if lookup.sentence(first).start == best.sentence.start or self.coverage(
            question, self.table.stems[first] | clause
        ) < self.coverage(question, self.table.stems[best.row] | clause):
            return best.extract()
        return Extract(first, lookup.passage_of(first), lookup.sentence(first), best.score)

    def _lead(self, query: Query, hits: Sequence[Hit]) -> Reading:
        """A question about the whole story: the lead sentence of the retrieved article closest to it."""
        lookup = self.lookup
        articles = dict.fromkeys(p.article_id for hit in hits for p in (hit.passage, *hit.corroborating))
        rows = [lookup.leads[a] for a in articles if a in lookup.leads] or list(lookup.leads.values())
        if not rows:
            return Reading((), 0.0, reason="nothing retrieved", check="nothing-retrieved")
        vectors = lookup.vectors[rows]
        similarity = vectors @ query.vector
        # Of the leads near the question, the one most like the others says what the story is
        # (centroid summarising, as in MEAD): "Microsoft is in a very peculiar position…" opens
        # one article's angle on it, "Xiaomi and Microsoft are all set to expand their
        # partnership" the story.
        centre = vectors.mean(axis=0)
        centrality = vectors @ (centre / (np.linalg.norm(centre) or 1.0))
        standing = similarity + centrality
        best = int(np.argmax(standing))
        # Only the story's own words ("What is the MoU?") are on topic whatever the encoder makes
        # of them; a broad phrasing about anything else ("summarise the Apple deal") may not be.
        # "What is it all about?", asked of a one-story assistant, names nothing else: the story.
        if similarity[best] < 0.2 and not query.question.about_story and query.question.concepts:
            return Reading((), 0.0, reason=f"no lead is related (cosine {similarity[best]:.2f})", check="off-topic")
        row, score = rows[best], float(similarity[best])
        passage = lookup.passage_of(row)
        considered = most_similar([lookup.sentence(r).text for r in rows], standing)
        lead = [Extract(row, passage, passage.sentences[0], score)]
        # A lead paragraph often needs its second sentence to say what the story is:
        # "…all set to expand their partnership. They will be working together on cloud, AI…".
        if len(passage.sentences) > 1 and sum(len(s.text.split()) for s in passage.sentences[:2]) <= self.max_words:
            lead.append(Extract(row + 1, passage, passage.sentences[1], score))
        return Reading(tuple(lead), 1.0, considered=considered)

    def _publication_date(self, query: Query, hits: Sequence[Hit]) -> Reading:
        """ "When was it reported that…": the dateline of an article that reports it, with the report.

        What was reported is found like any other answer, from the question without its
        date words; the date then comes from that article's dateline, or from the dateline of
        another article stating the same thing. An article without one leaves nothing to cite. A
        question about the story itself ("When was the deal announced?") gets a dated article's lead.
        """
        lookup = self.lookup
        if query.question.about_story:
            # "When was the deal announced?": the story is what was reported, and a dated
            # article's lead says what it is, in that article's own words.
            retrieved = dict.fromkeys(p.article_id for h in hits for p in (h.passage, *h.corroborating))
            reporting = [a for a in [*retrieved, *lookup.datelines] if a in lookup.datelines and a in lookup.leads]
            if reporting:
                dateline, row = lookup.datelines[reporting[0]], lookup.leads[reporting[0]]
                line = Extract(lookup.rows[(dateline.id, 0)], dateline, dateline.sentences[0], 0.0)
                report = Extract(row, lookup.passage_of(row), lookup.sentence(row), 0.0)
                return Reading((report,), 1.0, dateline=line, considered=(dateline.text, report.sentence.text))
        topic = reported_topic(query.question)
        ranked = self.candidates(topic, query.vector, hits, query.ranking)
        best = ranked[0] if ranked else None
        considered = _considered(ranked)
        verdict = self._verdict(topic, query, best)
        if verdict:
            return Reading((), 0.0, reason=verdict[1], check=verdict[0], considered=considered)
        # Only a dated article can say when: the best-placed candidate that one of them states
        # (itself or in its own words) and that still answers the topic.
        for candidate in ranked[:_DATED_LOOK]:
            # The same fact in other articles, by their own sentence row.
            elsewhere = {lookup.passage_of(row).article_id: row for row, _ in lookup.restatements(candidate.row)}
            dated = next((a for a in [candidate.passage.article_id, *elsewhere] if a in lookup.datelines), None)
            if dated is not None and (candidate is best or not self._verdict(topic, query, candidate)):
                best = candidate
                break
        else:
            return Reading((), 0.0, reason="the articles that report it carry no date", check="undated",
                           considered=considered)
        dateline = lookup.datelines[dated]
        line = Extract(lookup.rows[(dateline.id, 0)], dateline, dateline.sentences[0], 0.0)
        report = best.extract()
        if best.passage.article_id != dated:  # the dated article's own wording of the fact
            row = elsewhere[dated]
            report = Extract(row, lookup.passage_of(row), lookup.sentence(row), 0.0)
        return Reading((report,), 1.0, dateline=line, considered=(dateline.sentences[0].text, *considered))
