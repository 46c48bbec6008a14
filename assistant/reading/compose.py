"""Composition: choose verbatim sentences that answer the question, cite them, or abstain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from assistant.corpus.clean import MONTHS, parse_date
from assistant.index.store import LoadedIndex
from assistant.reading.query import Question, reported_topic
from assistant.reading.quotes import attribute
from assistant.text import STOPWORDS, Lexicon, raw_tokens, stem
from assistant.types import ABSTENTION, AnswerSentence, Citation, Hit, Passage, Sentence

_MONTHS = "|".join(MONTHS)
_VALUE_PATTERNS = {
    "money": re.compile(
        r"\$\s?\d(?:[\d,.]*\d)?|\b\d(?:[\d,.]*\d)?\s?(?:dollars|usd|yuan|euros?)\b|\ba (?:third|half|quarter) of\b", re.I
    ),
    # "How many" wants a count; "fifth largest" answers "where did it rank", not "how many".
    "number": re.compile(
        r"(?<![$\d])\b\d(?:[\d,.]*\d)?\b(?:\s?(?:million|billion|percent|%))?|\b(?:one|two|three|four|five|six|"
        r"seven|eight|nine|ten|dozen|hundred|thousand|million|billion)\b",
        re.I,
    ),
    "rank": re.compile(r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|top|largest|biggest)\b", re.I),
    "date": re.compile(
        rf"\b(?:19|20)\d{{2}}\b|\b(?:{_MONTHS})\b|\b(?:yesterday|today|last (?:month|year|week))\b", re.I
    ),
}
# Words that give a reason; "why" questions prefer sentences with one but do not require it.
_REASON = re.compile(r"\b(because|since|reasons?|due to|thanks to|so that|as a result|lack of|too \w+ to|struggl\w*)\b", re.I)
_LOCATED = re.compile(r"\b(?:in|inside|outside(?: of)?|across|throughout|within)\s+(?:the\s+)?(\w+)", re.I)
_SOFT_TYPES = {"reason"}  # preferred when present, never a reason to abstain
_PLACE_WORDS = {
    "west", "western", "international", "worldwide", "global", "abroad", "overseas", "china", "chinese",
    "us", "usa", "america", "american", "europe", "european", "india", "japan", "korea", "redmond",
    "beijing", "shanghai", "asia", "africa", "uk", "britain", "germany", "france", "locally",
}
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# A sentence that opens like this leans on the one before it for its subject.
_ANAPHORIC = re.compile(
    r"^(?:\W*\w+\W+){0,3}?(it|this|these|they|he|she|its|their)\b|\bthat (price|value|amount)\b", re.I
)
_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+(?=“)")
# A cut must not end inside a list: "products and services, such as Bing, Edge, Cortana…"
# cut after "services" or after "Cortana" drops names that were asked for. A list runs from
# its lead-in to the next semicolon or the sentence's end.
_LIST = re.compile(r"\b(?:such as|like|including|namely|for example)\b[^;]*", re.I)
_RELATIVE_DATE = re.compile(r"^(yesterday|today|last(month|year|week))$")
DISAGREEMENT_LEAD = "The articles disagree."
REPORTED_LEAD = "Reported on"
DISAGREEMENT_COSINE = 0.55
# A question word the articles never use still counts as answered when the answer sentence has
# a word this close in meaning (begin ~ started 0.77, pricey ~ price 0.75); unanswerable words
# stay below it on this corpus (revenue ~ business 0.61, recipe ~ make 0.60, football ~ games 0.60).
SYNONYM_COSINE = 0.75
# A sentence this close to the whole question answers it even if one word is new to the corpus
# ("compared" in "What does the Mi AI speaker cost compared with the Invoke?", 0.90); the best
# sentences for unanswerable questions reach 0.78 here.
STRONG_MATCH_COSINE = 0.85
MIN_COVERAGE = 0.5
_CLOSE_LOOK = 12
# Dropping a focus word moves the question embedding by 0.10-0.21 on the suite (revenue, CEO,
# battery, founded); dropping an incidental one by 0.01-0.05 (handle, built, begin, chief).
CENTRAL_WORD = 0.13
JOINT_CENTRAL = 0.2
# Stems that say what kind of value is wanted, not whose value.
_VALUE_WORDS = {
    "cost", "price", "pay", "sell", "sold", "charg", "expens", "pricey", "cheap", "cheaper", "much", "mani",
    "number", "percentag", "share", "rank", "year", "date", "month", "day", "time", "posit", "place",
}


def typed_values(text: str, kind: str) -> set[str]:
    """Values of the wanted kind in a text ("$150", "2015", "92.4 million")."""
    pattern = _VALUE_PATTERNS.get(kind)
    if pattern is None:
        return set()
    return {re.sub(r"\s+", "", m.group().lower()) for m in pattern.finditer(text)}


@dataclass
class Candidate:
    """A sentence that might answer, with the evidence for it."""

    row: int
    sentence: Sentence
    passage: Passage
    dense: float
    coverage: float  # share of the question's key terms (by rarity) in the sentence
    context_coverage: float  # the same over the whole passage
    typed: bool  # holds a value of the wanted kind
    values: set[str] = field(default_factory=set)
    score: float = 0.0

    @property
    def words(self) -> int:
        return len(self.sentence.text.split())


@dataclass
class Composition:
    """The composer's verdict, before timing and numbering are attached."""

    text: str
    abstained: bool
    sentences: tuple[AnswerSentence, ...] = ()
    citations: tuple[Citation, ...] = ()
    disagreement: bool = False
    reason: str = ""


class Composer:
    """Extractive answers from the retrieved passages."""

    def __init__(
        self,
        index: LoadedIndex,
        lexicon: Lexicon,
        embed: Callable[[Sequence[str]], np.ndarray],
        max_words: int = 40,
    ) -> None:
        self.index = index
        self.embed = embed
        self._word_vectors: dict[str, np.ndarray] = {}
        self._variant_vectors: dict[str, np.ndarray] = {}
        self._weights_for: tuple = ()
        self._weights_cache: list[float] = []
        self.lexicon = lexicon
        self.max_words = max_words
        self.passage_count = len(index.passages)
        # A passage that is only a date is its article's dateline: it says when the article was
        # reported, so it answers "when was it reported…" and nothing else.
        self.datelines = {p.article_id: p for p in index.passages if parse_date(p.text)}
        self.dateline_ids = {p.id for p in self.datelines.values()}
        self.passage_vectors = index.passage_index.reconstruct_n(0, index.passage_index.ntotal)
        self.rows: dict[tuple[int, int], int] = {}
        self.position: list[int] = []  # a sentence row's place in its passage
        self.sentence_stems: list[set[str]] = []
        self.sentence_names: list[set[str]] = []
        for passage in index.passages:
            for position, sentence in enumerate(passage.sentences):
                self.rows[(passage.id, position)] = len(self.sentence_stems)
                self.position.append(position)
                tokens = raw_tokens(sentence.text)
                self.sentence_stems.append({stem(lexicon.canonical(t)) for t in tokens})
                self.sentence_names.append(
                    {lexicon.canonical(t) for t in tokens if lexicon.canonical(t) in lexicon.proper_nouns}
                )
        self.attribution = attribute(index.passages, self.rows, lexicon)  # who said quoted sentences
        texts = [s.text for p in index.passages for s in p.sentences]
        self.word_counts = [len(t.split()) for t in texts]
        # Stem incidence per sentence row: of the sentence with the one before it, and of its passage.
        vocabulary = sorted(set().union(*self.sentence_stems))
        self.stem_ids = {t: i for i, t in enumerate(vocabulary)}
        self.local_matrix = np.zeros((len(texts), len(vocabulary)), dtype=bool)
        for row in range(len(texts)):
            position = self.position[row]
            for t in self._local_stems(row, position):
                self.local_matrix[row, self.stem_ids[t]] = True
        owner = index.sentence_owner
        self.passage_matrix = np.zeros_like(self.local_matrix)
        for passage in index.passages:
            members = owner == passage.id
            self.passage_matrix[members] = self.local_matrix[members].any(axis=0)
        self.sentence_values = {kind: [typed_values(t, kind) for t in texts] for kind in _VALUE_PATTERNS}
        self._asked_for, self._asked = "", set()
        self.passage_stems = {
            p.id: set().union(*(self._local_stems(self.rows[(p.id, i)], i) for i in range(len(p.sentences))))
            for p in index.passages
        }

    # -- evidence ----------------------------------------------------------------------
    def _weights(self, question: Question) -> list[float]:
        """A concept weighs as much as its rarest word: rare words say what the question is about.

        Two kinds weigh nothing. Words the articles never use match no sentence; they are judged
        apart, by `abstention_reason`, and would only shrink every candidate's coverage alike.
        And for a value question, the words naming the kind of value ("cost", "cheaper") say
        what to look for, not what it is about.
        """
        key = (question.concepts, question.answer_type)
        if self._weights_for != key:
            self._weights_for = key
            self._weights_cache = [
                0.0
                if not any(self.lexicon.document_frequency.get(t, 0) for t in c)
                or (question.answer_type in _VALUE_PATTERNS and set(c) <= _VALUE_WORDS)
                else max(self.lexicon.idf(t, self.passage_count) for t in c)
                for c in question.concepts
            ]
        return self._weights_cache

    def _coverage(self, question: Question, stems: set[str], ignore: set[str] = frozenset()) -> float:
        """Share of what is asked, weighted by rarity, that a text mentions (`ignore`d concepts aside)."""
        pairs = [(c, w) for c, w in zip(question.concepts, self._weights(question)) if not set(c) <= ignore]
        total = sum(w for _, w in pairs)
        if not total:
            return 0.0
        return sum(w for c, w in pairs if any(t in stems for t in c)) / total

    def _typed(self, question: Question, row: int, text: str) -> tuple[bool, set[str]]:
        kind = question.answer_type
        asked = set(question.names)
        if kind in _VALUE_PATTERNS:
            values = self.sentence_values[kind][row] - self._asked_values(question)
            return bool(values), values
        if kind == "definition":
            return bool(asked) and asked <= self.sentence_names[row], set()
        if kind == "name":
            others = self.sentence_names[row] - asked - _PLACE_WORDS  # "Chinese" is not a who
            said = self.attribution.get(row)
            if said and not set(said.speaker) & set(question.heads):
                others = others | set(said.speaker)  # "Who said…": the speaker is the name
            return bool(others), others
        if kind == "quote":
            said = self.attribution.get(row)
            wanted = set(question.heads)
            return bool(said) and (not wanted or bool(wanted & said.described_by)), set()
        if kind == "reason":
            return bool(_REASON.search(text)), set()
        if kind == "place":
            places = {w for w in (t.lower() for t in raw_tokens(text)) if w in _PLACE_WORDS} - asked
            located = {m.group(1).lower() for m in _LOCATED.finditer(text)} & places
            return bool(places), {f"in:{p}" for p in located} | places
        return True, set()

    def _asked_values(self, question: Question) -> set[str]:
        # "How many phones did Xiaomi sell in 2017?": 2017 is asked, not an answer.
        if self._asked_for != question.text:
            self._asked_for = question.text
            self._asked = typed_values(question.text, question.answer_type)
        return self._asked

    def _value_subject(self, question: Question) -> tuple[tuple[str, ...], str] | None:
        """The rarest concept of a value question that is not about price, count or time."""
        if question.answer_type not in _VALUE_PATTERNS:
            return None
        subjects = [
            (concept, word)
            for concept, word in zip(question.concepts, question.concept_words)
            if not set(concept) & _VALUE_WORDS
        ]
        return max(
            subjects, key=lambda s: max(self.lexicon.idf(t, self.passage_count) for t in s[0]), default=None
        )

    def _missing_focus(self, question: Question, stems: set[str]) -> str | None:
        """A specific name the question is about that the text does not mention ("Dot", "Shum")."""
        return next((head for head in question.heads if head not in stems), None)

    def unknown_words(self, question: Question) -> list[str]:
        """Question words in no article at all, known before retrieval: their ablations can be
        embedded in the same model call as the question."""
        return [
            word
            for concept, word in zip(question.concepts, question.concept_words)
            if not any(self.lexicon.document_frequency.get(t, 0) for t in concept)
        ]

    @staticmethod
    def without(question: Question, words: Sequence[str]) -> str:
        text = question.text
        for word in words:
            text = re.sub(rf"\b{re.escape(word)}\b", " ", text, flags=re.I)
        return text

    def variants(self, question: Question) -> list[str]:
        """The question without each unknown word, and without all of them when there are several."""
        unknown = self.unknown_words(question)
        singles = [self.without(question, [w]) for w in unknown]
        return singles + ([self.without(question, unknown)] if len(unknown) > 1 else [])

    def _importance(self, question: Question, words: Sequence[str], query_vector: np.ndarray | None) -> list[float]:
        """How far the question's meaning moves without each word: the focus moves it most.

        "Who is the CEO of Xiaomi?" without "CEO" is another question (0.14); "Which voice
        assistant could be built into it?" without "built" is the same one (0.04).
        """
        if query_vector is None:
            query_vector = self.embed([question.text])[0]
        variants = [self.without(question, [w]) for w in words]
        if len(words) > 1:
            variants.append(self.without(question, words))
        missing = [v for v in variants if v not in self._variant_vectors]
        if missing:
            self._variant_vectors.update(zip(missing, self.embed(missing)))
        return [1.0 - float(self._variant_vectors[v] @ query_vector) for v in variants]

    def remember_variants(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Vectors of question variants the engine embedded along with the question."""
        self._variant_vectors = dict(zip(texts, vectors))

    def _local_stems(self, row: int, position: int) -> set[str]:
        # A fact often spans a sentence and the one before it ("...worked together. In 2015, they...");
        # a quoted sentence names its speaker, if only through the attribution.
        local = self.sentence_stems[row] | (self.sentence_stems[row - 1] if position else set())
        said = self.attribution.get(row)
        return local | set(said.speaker) if said else local

    def _speaker_title(self, question: Question, candidate: Candidate) -> set[str]:
        # "What did Xiaomi's head of international business say?" names the speaker by title.
        # Only a question about what was said reads the title, or every sentence of a long
        # quote would mention "international business" for any question.
        said = self.attribution.get(candidate.row)
        return set(said.role) if said and question.answer_type == "quote" else set()

    def _beneficiary_bonus(self, question: Question, text: str) -> float:
        """+ when the sentence says the asked party gains, - when it only says that party gives.

        "How does Microsoft benefit?" is not answered by "Xiaomi would get more technical
        benefits from Microsoft", though both words match.
        """
        if not question.beneficiary:
            return 0.0
        name = self.lexicon.proper_nouns.get(self.lexicon.canonical(question.beneficiary), question.beneficiary)
        party = re.escape(name)
        gains = re.search(
            rf"\b(?:for|helps?|allows?|enables?|gives?) {party}\b"
            rf"|\b{party}(?:['’]s)?(?: \w+){{0,2}} (?:(?:would|will|could|can|may|might|should) )?"
            r"(?:gain|get|benefit|reach|access|win)",
            text,
            re.I,
        )
        if gains:
            return 0.2
        return -0.2 if re.search(rf"\bfrom {party}\b", text, re.I) else 0.0

    @staticmethod
    def _type_bonus(question: Question, values: set[str], typed: bool, text: str = "") -> float:
        if not typed or question.answer_type == "other":
            return 0.0
        if question.answer_type == "place" and not any(v.startswith("in:") for v in values):
            return 0.1  # "the giant from Redmond" names a place; "available in China" says where
        if question.answer_type == "quote" and text.startswith(("“", '"')):
            return 0.4  # a quotation leads with its point: "What did he say?" wants its opening
        if question.answer_type == "date" and all(_RELATIVE_DATE.match(v) for v in values):
            return 0.1  # "last month" answers "when" only weakly
        return 0.25

    def _concept_matrix(self, question: Question, matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """rows x concepts: whether each row's text mentions each concept (any of its stems)."""
        columns = [[self.stem_ids[t] for t in concept if t in self.stem_ids] for concept in question.concepts]
        out = np.zeros((len(rows), len(columns)), dtype=bool)
        for j, ids in enumerate(columns):
            if ids:
                out[:, j] = matrix[np.ix_(rows, ids)].any(axis=1)
        return out

    def candidates(self, question: Question, query_vector: np.ndarray, hits: list[Hit]) -> list[Candidate]:
        passages = {}
        for rank, hit in enumerate(hits):
            for passage in [hit.passage, *hit.corroborating]:
                if passage.id not in self.dateline_ids:
                    passages.setdefault(passage.id, (passage, rank))
        if question.answer_type == "quote" and question.heads:
            # A quotation's opening may sit in a passage that never names the speaker.
            for row, said in self.attribution.items():
                if set(question.heads) & said.described_by:
                    passage = self.index.passages[int(self.index.sentence_owner[row])]
                    passages.setdefault(passage.id, (passage, len(hits)))
        rows = np.array(
            [self.rows[(pid, i)] for pid, (p, _) in passages.items() for i in range(len(p.sentences))], dtype=np.int64
        )
        if not len(rows):
            return []
        # Coverage of every candidate at once: concept incidence times concept weight.
        weights = np.array(self._weights(question) or [0.0])
        total = float(weights.sum()) or 1.0
        local = self._concept_matrix(question, self.local_matrix, rows)
        context = self._concept_matrix(question, self.passage_matrix, rows)

        coverage = (local @ weights[: local.shape[1]]) / total if local.shape[1] else np.zeros(len(rows))
        context_coverage = (context @ weights[: context.shape[1]]) / total if context.shape[1] else np.zeros(len(rows))
        heads = [self.stem_ids[h] for h in question.heads if h in self.stem_ids]
        missing_focus = (
            ~self.local_matrix[np.ix_(rows, heads)].all(axis=1) if heads else np.zeros(len(rows), dtype=bool)
        ) | (len(heads) < len(question.heads))
        dense = self.index.sentence_vectors[rows] @ query_vector
        # Score in bulk without the answer-type bonus, then look closely only at the best dozen
        # and at every sentence holding a value of the wanted kind.
        subject = self._value_subject(question)
        subject_ids = [self.stem_ids[t] for t in subject[0] if t in self.stem_ids] if subject else []
        if subject:  # "how many phones": a count of something else is no answer
            missing_focus = missing_focus | (
                ~self.local_matrix[np.ix_(rows, subject_ids)].any(axis=1) if subject_ids else True
            )
        # The noun a "what is the X" or "what kind of X" question asks for belongs in the answer.
        head = stem(question.asked_head) if question.asked_head else None
        missing_head = (
            ~self.local_matrix[rows, self.stem_ids[head]] if head in self.stem_ids else np.zeros(len(rows), dtype=bool)
        )
        rough = (
            dense + 0.45 * coverage + 0.1 * context_coverage
            - 0.3 * missing_focus - 0.15 * missing_head
        )
        keep = np.zeros(len(rows), dtype=bool)
        keep[np.argsort(-rough)[:_CLOSE_LOOK]] = True
        if question.answer_type in _VALUE_PATTERNS:
            keep |= np.array([bool(self.sentence_values[question.answer_type][r]) for r in rows.tolist()])
        out = []
        for i, row in enumerate(rows.tolist()):
            if not keep[i]:
                continue
            passage, rank = passages[int(self.index.sentence_owner[row])]
            sentence = passage.sentences[self.position[row]]
            typed, values = self._typed(question, row, sentence.text)
            candidate = Candidate(
                row=row,
                sentence=sentence,
                passage=passage,
                dense=float(dense[i]),
                coverage=float(coverage[i]),
                context_coverage=float(context_coverage[i]),
                typed=typed,
                values=values,
            )
            overlong = max(0, self.word_counts[row] - 30) / 10
            candidate.score = (
                candidate.dense
                + 0.45 * candidate.coverage
                + 0.1 * candidate.context_coverage
                + self._type_bonus(question, values, typed, sentence.text)
                + self._beneficiary_bonus(question, sentence.text)
                + 0.1 / (1 + rank)
                - 0.08 * overlong
                - 0.3 * bool(missing_focus[i])
                - 0.15 * bool(missing_head[i])
            )
            out.append(candidate)
        return sorted(out, key=lambda c: -c.score)

    # -- verdict -----------------------------------------------------------------------
    def abstention_reason(
        self, question: Question, best: Candidate | None, query_vector: np.ndarray | None = None
    ) -> str | None:
        """Why the best sentence does not answer the question, or None if it does."""
        if best is None:
            return "nothing retrieved"
        # MiniLM can miss a sentence the passage around it explains ("a tough time competing":
        # 0.08 alone), so the floor takes the better of the two.
        related = max(best.dense, float(self.passage_vectors[best.passage.id] @ query_vector)) if query_vector is not None else best.dense
        if related < 0.2 and best.coverage < 0.8:  # off topic, not merely put in other words
            return f"best sentence is unrelated (cosine {related:.2f})"
        if not best.typed and question.answer_type not in _SOFT_TYPES:
            return f"no {question.answer_type} in the best sentence"
        title = self._speaker_title(question, best)
        passage_stems = self.passage_stems[best.passage.id] | title
        evidence = self._evidence_sentences(best)
        unknown = [
            (concept, word)
            for concept, word in zip(question.concepts, question.concept_words)
            if not any(t in passage_stems for t in concept)
            and not any(self.lexicon.document_frequency.get(t, 0) for t in concept)  # in no article at all
        ]
        synonyms: set[str] = set()  # stems of question words the articles never use, settled here
        incidental: set[str] = set()  # ... and of those that barely matter to the question
        if unknown and best.dense < STRONG_MATCH_COSINE:
            importance = self._importance(question, [w for _, w in unknown], query_vector)
            # Several unknown words can be the focus together ("the Manchester United game last
            # night": 0.27 together, at most 0.07 alone); "well-known ... comparable" stay 0.13.
            if len(unknown) > 1 and importance[-1] >= JOINT_CENTRAL:
                if not any(self._has_synonym(w, evidence) for _, w in unknown):
                    return f"the articles never mention {', '.join(w for _, w in unknown)}"
            # With only the partners' names beside it ("Where is Xiaomi headquartered?"), an
            # unknown word is what is asked, however little it moves the embedding.
            alone = all(
                all(self.lexicon.is_background(t) for t in c) for c in question.concepts if c not in [u for u, _ in unknown]
            )
            for (concept, word), weight in zip(unknown, importance):
                if self._has_synonym(word, evidence):
                    synonyms.update(concept)
                elif weight >= CENTRAL_WORD or alone or word.lower() == question.asked_head:
                    return f"the articles never mention {word!r}"
                else:
                    incidental.update(concept)  # "handle", "built": the question stands without them
        else:
            synonyms.update(t for concept, _ in unknown for t in concept)
        coverage = self._coverage(question, passage_stems | synonyms, ignore=incidental)
        if coverage < MIN_COVERAGE:
            return f"the passage covers only {coverage:.0%} of the question"
        position = best.passage.sentences.index(best.sentence)
        local_stems = self._local_stems(best.row, position) | synonyms | title
        local = self._coverage(question, local_stems, ignore=incidental)
        if best.dense < STRONG_MATCH_COSINE:
            if local < MIN_COVERAGE:
                return f"the answer sentence covers only {local:.0%} of the question"
            missing = self._missing_focus(question, local_stems)
            if missing:
                return f"the answer sentence does not mention {missing!r}"
            # A value must be the value of the thing asked about: "the price of the Xiaomi laptop"
            # is not answered by the price of the Mi AI.
            subject = self._value_subject(question)
            if subject and not any(t in local_stems for t in subject[0]) and not self._has_synonym(subject[1], evidence):
                return f"the answer sentence does not mention {subject[1]!r}"
        return None

    def _vectors(self, words: Sequence[str]) -> np.ndarray:
        todo = [w for w in dict.fromkeys(words) if w not in self._word_vectors]
        if todo:
            self._word_vectors.update(zip(todo, self.embed(todo)))
        return np.stack([self._word_vectors[w] for w in words])

    @staticmethod
    def _evidence_sentences(best: Candidate) -> str:
        # The answer sentence and the one before it. Other articles' wording of the same fact is
        # too loose a net: "founded" met "previously-established partnership" there.
        position = best.passage.sentences.index(best.sentence)
        before = best.passage.sentences[position - 1].text if position else ""
        return f"{before} {best.sentence.text}"

    def _has_synonym(self, word: str, text: str) -> bool:
        candidates = [t.lower() for t in raw_tokens(text) if t.lower() not in STOPWORDS]
        if not candidates:
            return False
        similarity = self._vectors(candidates) @ self._vectors([word.lower()])[0]
        return float(similarity.max()) >= SYNONYM_COSINE

    def compose(self, question: Question, query_vector: np.ndarray, hits: list[Hit]) -> Composition:
        if question.about_publication:
            return self._publication_date(question, query_vector, hits)
        ranked = self.candidates(question, query_vector, hits)
        # A question that wants a value is answered by the best sentence holding one.
        best = next((c for c in ranked if c.typed), ranked[0] if ranked else None)
        if question.answer_type in _SOFT_TYPES and best is not None and best.score < ranked[0].score - 0.1:
            best = ranked[0]  # a reason sentence well below the best match is the wrong reason
        reason = self.abstention_reason(question, best, query_vector)
        if reason:
            return Composition(ABSTENTION, True, reason=reason)
        chosen = [best]
        disagreement = self._disagreeing(question, best, query_vector)
        if disagreement:
            chosen.append(disagreement)
        elif _ANAPHORIC.search(best.sentence.text):
            previous = self._previous_sentence(best)
            if previous and previous.words + best.words <= self.max_words:
                chosen.insert(0, previous)
        return self._cite(chosen, question, disagreement is not None)

    def _publication_date(self, question: Question, query_vector: np.ndarray, hits: list[Hit]) -> Composition:
        """ "When was it reported that…": the dateline of an article that reports it, with the report.

        What was reported is found like any other answer, from the question without its
        date words; the date then comes from that article's dateline, or from the dateline of
        another article stating the same thing. An article without one leaves nothing to cite.
        """
        topic = reported_topic(question)
        ranked = self.candidates(topic, query_vector, hits)
        best = ranked[0] if ranked else None
        reason = self.abstention_reason(topic, best, query_vector)
        if reason:
            return Composition(ABSTENTION, True, reason=reason)
        # The same fact in other articles, by their own sentence row.
        elsewhere = {p.article_id: row for p, row, _ in self._same_fact(best.row, set(), "")}
        dated = next((a for a in [best.passage.article_id, *elsewhere] if a in self.datelines), None)
        if dated is None:
            return Composition(ABSTENTION, True, reason="the articles that report it carry no date")
        dateline = self.datelines[dated]
        line = Candidate(self.rows[(dateline.id, 0)], dateline.sentences[0], dateline, 0.0, 0.0, 0.0, True)
        report = best
        if best.passage.article_id != dated:  # the dated article's own wording of the fact
            row = elsewhere[dated]
            passage = self.index.passages[int(self.index.sentence_owner[row])]
            report = Candidate(row, self._sentence(passage, row), passage, 0.0, 0.0, 0.0, True)
        cited = self._cite([line, report], topic, False)
        _, shown = self._fit(report.sentence.text, topic)
        marks = ["".join(f"[{n}]" for n in s.citations) for s in cited.sentences]
        text = f"{REPORTED_LEAD} {dateline.text} {marks[0]}: {shown} {marks[1]}"
        return replace(cited, text=text)

    def _previous_sentence(self, candidate: Candidate) -> Candidate | None:
        sentences = candidate.passage.sentences
        position = sentences.index(candidate.sentence)
        if position == 0:
            return None
        sentence = sentences[position - 1]
        row = self.rows[(candidate.passage.id, position - 1)]
        return Candidate(row, sentence, candidate.passage, 0.0, 0.0, 0.0, True)

    def _disagreeing(self, question: Question, best: Candidate, query_vector: np.ndarray) -> Candidate | None:
        # Only years are compared ("today" and "last month" differ without contradicting), and
        # the whole corpus is searched: a dissenting article may rank below the top passages.
        # The rival must answer the same question and speak of the same thing as the answer.
        asked = set(_YEAR.findall(question.text))
        years = set(_YEAR.findall(best.sentence.text)) - asked
        if question.answer_type != "date" or not years:
            return None
        vectors = self.index.sentence_vectors
        to_question = vectors @ query_vector
        to_answer = vectors @ vectors[best.row]
        for row in np.argsort(-to_question):
            if to_question[row] < DISAGREEMENT_COSINE:
                break
            passage = self.index.passages[int(self.index.sentence_owner[row])]
            if passage.id in self.dateline_ids:
                continue
            sentence = self._sentence(passage, row)
            other_years = set(_YEAR.findall(sentence.text)) - asked
            if (
                passage.article_id != best.passage.article_id
                and other_years
                and not (other_years & years)
                and to_answer[row] >= DISAGREEMENT_COSINE
            ):
                return Candidate(int(row), sentence, passage, float(to_question[row]), 0.0, 0.0, True, other_years)
        return None

    def _sentence(self, passage: Passage, row: int) -> Sentence:
        return passage.sentences[self.position[row]]

    def _same_fact(self, row: int, values: set[str], kind: str) -> list[tuple[Passage, int, float]]:
        # Close sentences in other articles that, for a value, state the same value.
        vectors = self.index.sentence_vectors
        similarity = vectors @ vectors[row]
        home = self.index.passages[int(self.index.sentence_owner[row])].article_id
        found: dict[str, tuple[Passage, int, float]] = {}
        for other in np.argsort(-similarity):
            if similarity[other] < 0.7:
                break
            passage = self.index.passages[int(self.index.sentence_owner[other])]
            if passage.article_id == home or passage.article_id in found or passage.id in self.dateline_ids:
                continue
            text = self._sentence(passage, int(other)).text
            if values and kind and not (typed_values(text, kind) & values):
                continue
            if not (values and kind) and similarity[other] < 0.8:
                continue
            found[passage.article_id] = (passage, int(other), float(similarity[other]))
        return list(found.values())

    def _fit(self, text: str, question: Question) -> tuple[str, str]:
        """A sentence short enough to speak: itself, or its most relevant run of clauses.

        Returns the verbatim text and how to show it ("…" marks a cut).
        """
        if len(text.split()) <= self.max_words:
            return text, text
        cuts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(text)] + [len(text)]
        in_list = [(m.start(), m.end()) for m in _LIST.finditer(text)]
        best, best_key = (0, len(text)), None
        for i in range(len(cuts) - 1):
            for j in range(i + 1, len(cuts)):
                span = text[cuts[i] : cuts[j]].strip()
                if len(span.split()) > self.max_words - 2:
                    break
                if any(start < cuts[j] < end for start, end in in_list):
                    continue
                stems = {stem(self.lexicon.canonical(t)) for t in raw_tokens(span)}
                key = (self._coverage(question, stems), len(span))
                if best_key is None or key > best_key:
                    best, best_key = (cuts[i], cuts[j]), key
        span = text[best[0] : best[1]].strip().rstrip(",;")
        if span == text:
            return text, text
        return span, ("… " if best[0] > 0 else "") + span + (" …" if best[1] < len(text) else "")

    def _attribution_clause(self, candidate: Candidate, question: Question) -> tuple[Passage, str] | None:
        """For "who said…", the verbatim clause naming the speaker when the quote itself does not."""
        said = self.attribution.get(candidate.row)
        if question.answer_type != "name" or said is None or said.row == candidate.row:
            return None
        if set(said.speaker) & self.sentence_stems[candidate.row]:
            return None
        passage = self.index.passages[int(self.index.sentence_owner[said.row])]
        text = passage.sentences[self.position[said.row]].text
        return passage, text[said.start :]

    def _cite(self, chosen: list[Candidate], question: Question, disagreement: bool) -> Composition:
        citations: list[Citation] = []
        numbers: dict[int, int] = {}

        def number_for(passage: Passage, score: float) -> int:
            if passage.id not in numbers:
                numbers[passage.id] = len(citations) + 1
                citations.append(
                    Citation(len(citations) + 1, passage.article_id, passage.title, passage.text,
                             passage.start, passage.end, round(score, 4))
                )
            return numbers[passage.id]

        sentences = []
        shown = []
        used_articles = {c.passage.article_id for c in chosen}
        attribution = self._attribution_clause(chosen[-1], question)
        if attribution is not None:
            quoted = sum(len(self._fit(c.sentence.text, question)[1].split()) for c in chosen)
            if quoted + len(attribution[1].split()) > self.max_words:
                # "Who is the head of Microsoft's AI group?": the clause naming the speaker answers
                # it; the quotation would make the answer too long to speak.
                passage, clause = attribution
                cited = AnswerSentence(clause, (number_for(passage, chosen[-1].score),))
                return Composition(f"{clause} {''.join(f'[{n}]' for n in cited.citations)}", False, (cited,),
                                   tuple(citations))
        for candidate in chosen:
            marks = [number_for(candidate.passage, candidate.score)]
            same = self._same_fact(candidate.row, candidate.values, question.answer_type)
            for passage, _, similarity in [f for f in same if f[0].article_id not in used_articles][:2]:
                used_articles.add(passage.article_id)
                marks.append(number_for(passage, similarity))
            text, display = self._fit(candidate.sentence.text, question)
            sentences.append(AnswerSentence(text, tuple(dict.fromkeys(marks))))
            shown.append(display)
        if attribution is not None:
            passage, clause = attribution
            sentences.append(AnswerSentence(clause, (number_for(passage, 0.0),)))
            shown.append("… " + clause)
        body = " ".join(d + " " + "".join(f"[{n}]" for n in s.citations) for d, s in zip(shown, sentences))
        text = f"{DISAGREEMENT_LEAD} {body}" if disagreement else body
        return Composition(text.strip(), False, tuple(sentences), tuple(citations), disagreement)
