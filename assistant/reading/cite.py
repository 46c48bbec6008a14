"""Citing: turn any reader's extracts into a short, speakable answer with numbered sources.

Works on a `Reading`, whichever reader made it: numbers the passages, adds other articles that
state the same fact, states a disagreement with both sides cited, lends a pronoun-led sentence
the one before it, and cuts an over-long sentence to its most relevant clauses (verbatim, "…").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from assistant.reading.base import Extract, Query, Reading
from assistant.reading.checks import UNKNOWN_WORD
from assistant.reading.coverage import Coverage
from assistant.reading.query import Question, reported_topic
from assistant.reading.sentences import DEMONYMS, SentenceTable
from assistant.reading.values import YEAR, names_before, typed_values
from assistant.retrieval.lookups import SentenceLookup
from assistant.text import STOPWORDS, Lexicon, raw_tokens, stem
from assistant.types import ABSTENTION, AnswerSentence, Citation, Passage

DISAGREEMENT_LEAD = "The articles disagree."
REPORTED_LEAD = "Reported on"
DISAGREEMENT_COSINE = 0.55
# A sentence that opens like this leans on the one before it for its subject.
_ANAPHORIC = re.compile(r"^(?:\W*\w+\W+){0,3}?(it|this|these|they|he|she|its|their)\b", re.I)
# "…a third of that price": the price before is needed only when a price or count is asked.
_VALUE_ANAPHOR = re.compile(r"\bthat (price|value|amount)\b", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+(?=“)")
# A cut must not end inside a list: "products and services, such as Bing, Edge, Cortana…"
# cut after "services" or after "Cortana" drops names that were asked for. A list runs from
# its lead-in to the next semicolon or the sentence's end.
_LIST = re.compile(r"\b(?:such as|like|including|namely|for example)\b[^;]*", re.I)


@dataclass(frozen=True)
class Cited:
    """A finished answer before timing is attached: text with [n] marks, or the abstention."""

    text: str
    abstained: bool
    sentences: tuple[AnswerSentence, ...] = ()
    citations: tuple[Citation, ...] = ()
    disagreement: bool = False
    reason: str = ""
    check: str | None = None


def _words(extract: Extract) -> int:
    return len(extract.sentence.text.split())


def _opened(shown: str) -> str:
    """A quotation carried over from the sentence before opens with its mark when shown
    ("“… reach more users,” according to Wang Xiang"), not with a stray closing one."""
    closing, opening = shown.find("”"), shown.find("“")
    if closing != -1 and (opening == -1 or closing < opening):
        return "“… " + shown.removeprefix("… ")
    return shown


def _closed(shown: str) -> str:
    """A quotation that goes on past the sentence shown closes with its mark ("“Microsoft has been
    a great partner … strategic MoU. …”"), so the answer does not open one it never closes."""
    if shown.rfind("“") > shown.rfind("”"):
        return shown + " …”"
    return shown


_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)


class Citer:
    """Numbered, corroborated, speakable answers from readings."""

    def __init__(self, lookup: SentenceLookup, table: SentenceTable, lexicon: Lexicon, max_words: int = 40) -> None:
        self.lookup = lookup
        self.table = table
        self.lexicon = lexicon
        self.max_words = max_words
        self.coverage = Coverage(lexicon, len(lookup.passages))

    def cite(self, query: Query, reading: Reading) -> Cited:
        if reading.abstained:
            # Words no article uses are worth telling: a user can ask another way.
            text = f"{ABSTENTION} {reading.reason}" if reading.check == UNKNOWN_WORD else ABSTENTION
            return Cited(text, True, reason=reading.reason, check=reading.check)
        if reading.dateline is not None:
            return self._dated(query, reading)
        question = query.question
        best = reading.extracts[0]
        chosen = list(reading.extracts)
        # The answer's value may be in its second sentence ("This is not the first time… In
        # 2015, they signed…"): that is the one another article may contradict.
        valued = next((e for e in chosen if YEAR.search(e.sentence.text)), best)
        disagreement = self._disagreeing(question, valued, query)
        if disagreement:
            chosen.append(disagreement)
        else:
            # Names asked for that the sentence gives only as "the two countries" are in the one
            # before: without it the answer names nobody, so it comes however long the two are.
            named_before = question.answer_type in ("name", "entity", "place") and names_before(
                best.sentence.text, {t for c in question.concepts for t in c}
            )
            if named_before or _ANAPHORIC.search(best.sentence.text) or (
                question.answer_type in ("money", "number") and _VALUE_ANAPHOR.search(best.sentence.text)
            ):
                previous = self._previous_sentence(best)
                if previous and (named_before or _words(previous) + _words(best) <= self.max_words):
                    chosen.insert(0, previous)
        return self._cite(chosen, question, disagreement is not None)

    def continued(self, said: AnswerSentence, citations: Sequence[Citation], question: Question) -> Cited | None:
        """The sentence after an answer sentence in its article ("tell me more"), cited like any
        answer; None when the article ends there or the sentence cannot be found again."""
        found = self._row_of(said, citations)
        if found is None:
            return None
        row = found + 1
        if row >= len(self.lookup) or self.lookup.passage_of(row).article_id != self.lookup.passage_of(found).article_id:
            return None
        following = self.lookup.passage_of(row)
        extract = Extract(row, following, self.lookup.sentence(row), 0.0)
        return self._cite([extract], question, False)

    def speaker(self, said: AnswerSentence, citations: Sequence[Citation], question: Question) -> Cited | None:
        """"Who said that?" of an answer sentence: the sentence naming whom it quotes ("…,”
        according to Wang Xiang, …"), cited like any answer; None when it quotes no one."""
        row = self._row_of(said, citations)
        attribution = self.table.attribution.get(row) if row is not None else None
        if attribution is None:
            return None
        extract = Extract(attribution.row, self.lookup.passage_of(attribution.row), self.lookup.sentence(attribution.row), 0.0)
        return self._cite([extract], question, False)

    def _row_of(self, said: AnswerSentence, citations: Sequence[Citation]) -> int | None:
        """The sentence row an answer sentence was taken from, found through its first citation."""
        first = next((c for c in citations if c.n == said.citations[0]), None) if said.citations else None
        passage = next(
            (p for p in self.lookup.passages if first and p.article_id == first.article_id and p.start == first.start),
            None,
        )
        position = next(
            (i for i, s in enumerate(passage.sentences) if said.text in s.text), None
        ) if passage is not None else None
        return None if position is None else self.lookup.rows[(passage.id, position)]

    def _dated(self, query: Query, reading: Reading) -> Cited:
        """ "Reported on Monday 26 February 2018 [1]: <the report> [2]"."""
        topic = reported_topic(query.question)
        line, report = reading.dateline, reading.extracts[0]
        # Only the dated article supports its date: other articles' restatements of its lead
        # are not sources for when it was reported.
        cited = self._cite([line, report], topic, False, corroborate=False)
        _, shown = self.fit(report.sentence.text, topic)
        marks = ["".join(f"[{n}]" for n in s.citations) for s in cited.sentences]
        text = f"{REPORTED_LEAD} {line.passage.text} {marks[0]}: {shown} {marks[1]}"
        return Cited(text, False, cited.sentences, cited.citations)

    def _previous_sentence(self, extract: Extract) -> Extract | None:
        position = self.lookup.position[extract.row]
        if position == 0:
            return None
        sentence = extract.passage.sentences[position - 1]
        return Extract(self.lookup.rows[(extract.passage.id, position - 1)], extract.passage, sentence, 0.0)

    def _disagreeing(self, question: Question, best: Extract, query: Query) -> Extract | None:
        # Only years are compared ("today" and "last month" differ without contradicting), and
        # the whole corpus is searched: a dissenting article may rank below the top passages.
        # The rival must answer the same question and speak of the same thing as the answer.
        asked = set(YEAR.findall(question.text))
        years = set(YEAR.findall(best.sentence.text)) - asked
        if question.answer_type != "date" or not years:
            return None
        to_answer = self.lookup.similarity_to(best.row)
        # The names the question is about that the answer names, the rival must name too: a 2015
        # test of Windows 10 is no rival to "the 2016 deal to ship Office" for when Office was agreed.
        said = [h for h in question.heads if h in self.table.local_stems(best.row)]
        # As close to the question as the answer is will do: "When did they first work together?"
        # is far from both, its "they" being the story's partners.
        floor = min(DISAGREEMENT_COSINE, float(self.lookup.vectors[best.row] @ query.vector))
        for row, _ in self.lookup.nearest(query.vector, floor):
            passage = self.lookup.passage_of(row)
            if passage.id in self.lookup.dateline_ids:
                continue
            sentence = self.lookup.sentence(row)
            other_years = set(YEAR.findall(sentence.text)) - asked
            if (
                passage.article_id != best.passage.article_id
                and other_years
                and not (other_years & years)
                and to_answer[row] >= DISAGREEMENT_COSINE
                and all(h in self.table.local_stems(row) for h in said)
            ):
                return Extract(row, passage, sentence, 0.0, frozenset(other_years))
        return None

    def _same_fact(self, extract: Extract, question: Question) -> list[tuple[Passage, float, str]]:
        # Close sentences in other articles that, for a value, state the same value, and name
        # whom the question names ("Who is Wang Xiang?" is not corroborated by a sentence
        # without him). The story's partners may go by "the company".
        kind, values = question.answer_type, extract.values
        agrees = (lambda text: bool(typed_values(text, kind) & values)) if values and kind else None
        named = {n for n in question.names if not self.lexicon.is_background(stem(n))}
        named &= self.table.local_names(extract.row)
        # A close sentence restates a fact only if it says it in some of the same words: two
        # short sentences naming both partners and "partnership" are close whatever they say
        # ("…all set to expand their partnership" and "…leverage its partnership with Xiaomi").
        # A shared value is enough; otherwise two of its words, or half of them.
        said = self._content(extract.row) if agrees is None else set()
        return [(self.lookup.passage_of(row), similarity, self.lookup.sentence(row).text) for row, similarity in
                self.lookup.restatements(extract.row, agrees)
                if named <= self.table.local_names(row)
                and (not said or len(shared := said & self._content(row)) >= 2 or 2 * len(shared) >= len(said))]

    def _content(self, row: int) -> set[str]:
        """A sentence's own words that say something: not function words, not the story's partners,
        a place and its adjective as one ("China", "Chinese")."""
        return {
            min(t, DEMONYMS.get(t, t)) for t in self.table.stems[row]
            if t not in _STOP_STEMS and not self.lexicon.is_background(t)
        }

    def fit(self, text: str, question: Question) -> tuple[str, str]:
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
                key = (self.coverage(question, stems), len(span))
                if best_key is None or key > best_key:
                    best, best_key = (cuts[i], cuts[j]), key
        span = text[best[0] : best[1]].strip().rstrip(",;")
        if span == text:
            return text, text
        return span, ("… " if best[0] > 0 else "") + span + (" …" if best[1] < len(text) else "")

    def _attribution_clause(self, extract: Extract, question: Question) -> tuple[Passage, str] | None:
        """For "who said…", the verbatim clause naming the speaker when the quote itself does not;
        for "Who is Wang Xiang?", the clause that says who he is ("according to Wang Xiang, Global
        Senior Vice President…"), not the end of his quotation before it."""
        said = self.table.attribution.get(extract.row)
        if said is None:
            return None
        if question.answer_type == "definition":
            if said.row != extract.row or not set(said.speaker) & set(question.heads):
                return None
        elif question.answer_type != "name" or said.row == extract.row or set(said.speaker) & self.table.stems[extract.row]:
            return None
        clause = self.lookup.sentence(said.row).text[said.start :]
        if question.answer_type == "definition" and said.start > 0:
            # A clause closing a quotation says who he is from his name on: "Wang Xiang, Global
            # Senior Vice President…", not "according to Wang Xiang, …", which is no answer alone.
            # One opening the sentence goes on into what was said, and keeps its lead-in.
            name = next((m for m in re.finditer(r"[A-Z][\w’'-]*", clause) if stem(m.group()) in said.speaker), None)
            clause = clause[name.start() :] if name else clause
        return self.lookup.passage_of(said.row), clause

    def _cite(self, chosen: list[Extract], question: Question, disagreement: bool, corroborate: bool = True) -> Cited:
        citations: list[Citation] = []
        numbers: dict[int, int] = {}
        evidence: dict[int, list[str]] = {}

        def number_for(passage: Passage, score: float, said: str) -> int:
            if passage.id not in numbers:
                numbers[passage.id] = len(citations) + 1
                citations.append(
                    Citation(len(citations) + 1, passage.article_id, passage.title, passage.text,
                             passage.start, passage.end, round(score, 4))
                )
            evidence.setdefault(numbers[passage.id], []).append(said)
            return numbers[passage.id]

        def sourced() -> tuple[Citation, ...]:
            return tuple(replace(c, evidence=tuple(dict.fromkeys(evidence[c.n]))) for c in citations)

        sentences = []
        shown = []
        used_articles = {c.passage.article_id for c in chosen}
        attribution = self._attribution_clause(chosen[-1], question)
        if attribution is not None:
            quoted = sum(len(self.fit(c.sentence.text, question)[1].split()) for c in chosen)
            if question.answer_type == "definition" or quoted + len(attribution[1].split()) > self.max_words:
                # "Who is Wang Xiang?" is answered by the clause saying who he is; "Who is the head
                # of Microsoft's AI group?" by the clause naming the speaker, when the quotation
                # would make the answer too long to speak.
                passage, clause = attribution
                cited = AnswerSentence(clause, (number_for(passage, chosen[-1].score, clause),))
                return Cited(f"{clause} {''.join(f'[{n}]' for n in cited.citations)}", False, (cited,), sourced())
        for extract in chosen:
            marks = [number_for(extract.passage, extract.score, extract.sentence.text)]
            same = self._same_fact(extract, question) if corroborate else []
            for passage, similarity, restated in [f for f in same if f[0].article_id not in used_articles][:2]:
                used_articles.add(passage.article_id)
                marks.append(number_for(passage, similarity, restated))
            text, display = self.fit(extract.sentence.text, question)
            sentences.append(AnswerSentence(text, tuple(dict.fromkeys(marks))))
            shown.append(_closed(_opened(display)))
        if attribution is not None:
            passage, clause = attribution
            sentences.append(AnswerSentence(clause, (number_for(passage, 0.0, clause),)))
            shown.append("… " + clause)
        body = " ".join(d + " " + "".join(f"[{n}]" for n in s.citations) for d, s in zip(shown, sentences))
        text = f"{DISAGREEMENT_LEAD} {body}" if disagreement else body
        return Cited(text.strip(), False, tuple(sentences), sourced(), disagreement)
