"""The assistant: validate → resolve → embed → retrieve → read → cite, one way down the stages."""

from __future__ import annotations

import logging
import time
from typing import Callable, Sequence

from assistant.config import Settings, load_settings
from assistant.corpus.clean import MONTHS, WEEKDAYS, require_articles
from assistant.errors import BadQuestion
from assistant.index.adapter import QueryAdapter
from assistant.index.embed import Embedder, loading_query_embedder, model_vocabulary
from assistant.index.store import LoadedIndex, ensure_index
from assistant.reading import make_reader
from assistant.reading.base import Query
from assistant.reading.cite import Cited, Citer
from assistant.reading.interaction import LateInteraction
from assistant.reading.epithets import Epithets
from assistant.reading.follow_up import asks_for_more, asks_who_said, dangling_pronoun, parties, resolve_follow_up
from assistant.reading.query import Question, analyse, validate, variants
from assistant.reading.quotes import people
from assistant.reading.sentences import SentenceTable
from assistant.reading.thesaurus import plain
from assistant.reading.written import WrittenQuestions
from assistant.retrieval.fuse import Retriever
from assistant.retrieval.lookups import SentenceLookup
from assistant.text import Lexicon
from assistant.types import Answer

_LOGGER = logging.getLogger(__name__)

_CALENDAR = frozenset(MONTHS + WEEKDAYS)
NOTHING_MORE = "The articles say nothing more on that."
MORE_ON = "more on: "
WHO_SAID = "who is quoted in the answer to: "
NOT_QUOTED = "No one is quoted there: “{title}” says it in its own words."
NOTHING_TO_GO_ON = "There is nothing to go on from: the articles did not answer the last question."
ASK_FIRST = "Ask me something about the deal first."
WHICH_ONE = "I'm not sure who or what “{pronoun}” is here: ask again with the name."


class Assistant:
    """`Assistant.load()` then `.ask(question) -> Answer`; `.conversation()` for follow-ups."""

    def __init__(self, settings: Settings, index: LoadedIndex, embedder: Embedder) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.lexicon = Lexicon.from_texts([p.text for p in index.passages], model_vocabulary(settings.embedding_model))
        self.retriever = Retriever(index, settings.retriever, settings.rrf_k)
        lookup = SentenceLookup(index)
        table = SentenceTable(lookup, self.lexicon)
        # Word-piece vectors of every sentence, when the index holds them, for late interaction.
        interaction = LateInteraction(index.sentence_tokens) if index.sentence_tokens is not None else None
        # What the corpus's training questions teach (assistant/index/adapter.py, reading/written.py):
        # both are fitted or kept with the index, and used unless the setting turns them off.
        learnt = settings.query_adapter and index.query_adapter is not None
        written = (
            WrittenQuestions(*index.training_questions, index.near_misses, lambda row: lookup.passage_of(row).article_id)
            if learnt and index.training_questions else None
        )
        self.parties = parties(self.lexicon)
        self.epithets = Epithets.from_sentences(
            (s.text for p in index.passages for s in p.sentences), self.lexicon, self.parties
        )
        self.reader = make_reader(
            settings.reader, lookup, table, self.lexicon, embedder, interaction, settings.max_answer_words, written,
            self.epithets.origins,
        )
        self.citer = Citer(lookup, table, self.lexicon, settings.max_answer_words)
        self.adapter = QueryAdapter(index.query_adapter) if learnt else None
        self._people: frozenset[str] | None = None

    @classmethod
    def load(cls, settings: Settings | None = None) -> "Assistant":
        """Open (building or rebuilding if needed) the index and the query encoder."""
        settings = settings or load_settings()
        require_articles(settings.corpus_path)  # a wrong --home is said before the encoder starts loading
        # Loading on a thread, it overlaps the index load and the reader's tables: about 0.2 s
        # off a cold answer.
        pending = loading_query_embedder(settings.embedding_model, settings.query_encoder, settings.cache_dir)
        assistant = cls(settings, ensure_index(settings), pending)
        assistant.embedder = pending.result()
        return assistant

    def people(self) -> frozenset[str]:
        """Stems of the names the articles introduce as persons, read on first need (about 0.2 s)."""
        if self._people is None:
            self._people = people([p.text for p in self.index.passages], self.lexicon)
        return self._people

    @property
    def vocabulary(self) -> list[str]:
        """The corpus's names as it spells them (Xiaomi, Cortana, DuerOS...), for speech biasing.

        Days and months (from a dateline) are capitalised but need no biasing: listed, they
        only crowd the prompt and pull transcripts toward them.
        """
        return sorted({name for name in self.lexicon.proper_nouns.values() if name.lower() not in _CALENDAR})

    @property
    def corpus_text(self) -> str:
        """The indexed text, for the recognisers' language model and transcript repair."""
        return "\n".join(p.text for p in self.index.passages)

    def ask(
        self, question: str, *, previous: str | None = None, answered: str | None = None,
        alternatives: Sequence[str] = (),
    ) -> Answer:
        """Answer one question; `previous` is the last question and `answered` its answer, for follow-ups.

        `alternatives` are other readings of a spoken question that the recogniser found about
        as likely: when the articles do not answer `question`, the first reading they answer is
        answered instead (its answer's `question` says which). Measured on spoken questions,
        this recovers a misheard word ("What kind of product is this?" for "…is Edge?") without
        answering more unanswerables; see docs/voice.md.
        """
        answer = self._answer(question, previous, answered)
        for reading in alternatives if answer.abstained else ():
            try:
                other = self._answer(reading, previous, answered)
            except BadQuestion:
                continue
            if not other.abstained:
                _LOGGER.info("answered the near-tied reading %r for %r", reading, question)
                return other
        return answer

    def _answer(self, question: str, previous: str | None, answered: str | None) -> Answer:
        started = time.perf_counter()
        text = validate(question, self.settings.max_question_chars)
        # "duer os" read as DuerOS, and shown as understood so.
        mended = self.lexicon.mend_ordinary_words(self.lexicon.mend_function_words(text))
        joined = self.lexicon.join_split_names(mended)
        resolved = resolve_follow_up(joined, previous, self.lexicon, answered, self.people)
        resolved = resolved or (joined if joined != text else None)
        if resolved is None and (pronoun := dangling_pronoun(text, self.lexicon, after_answer=answered is not None)):
            return Answer(question=text, text=WHICH_ONE.format(pronoun=pronoun), abstained=True,
                          abstention_check="no-antecedent", timings_ms={"total": (time.perf_counter() - started) * 1000})
        # "the Chinese firm" asked as the name the articles call a Chinese company.
        # (Read put plainly, as analysis reads it: "Baidu's voice assistant" is a digital one.)
        resolved = self.epithets.resolve(plain(resolved or text)) or resolved
        parsed = self.epithets.expand(analyse(resolved or text, self.lexicon), self.lexicon, self.parties)
        timings: dict[str, float] = {}

        mark = time.perf_counter()
        # One model call: the question, and the question without each word the articles never
        # use (the reader weighs how much each such word matters).
        ablations = variants(parsed, self.lexicon)
        vectors, tokens = self.embedder.encode_with_tokens([parsed.text, *ablations])
        ranking = self.adapter(vectors[0]) if self.adapter is not None else None
        query = Query(parsed, vectors[0], dict(zip(ablations, vectors[1:])), tokens[0], ranking)
        timings["embed"] = (time.perf_counter() - mark) * 1000

        mark = time.perf_counter()
        hits = self.retriever.search(query.vector, parsed.terms, self.settings.top_k)
        timings["retrieve"] = (time.perf_counter() - mark) * 1000

        mark = time.perf_counter()
        reading = self.reader.read(query, hits)
        cited = self.citer.cite(query, reading)
        timings["read"] = (time.perf_counter() - mark) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        if cited.abstained:
            _LOGGER.debug("abstained on %r (%s): %s", parsed.text, cited.check, cited.reason)
        return Answer(
            question=text,
            text=cited.text,
            abstained=cited.abstained,
            citations=cited.citations,
            sentences=cited.sentences,
            resolved_question=resolved,
            disagreement=cited.disagreement,
            timings_ms=timings,
            abstention_check=cited.check,
            retrieved=tuple("\n".join(p.text for p in (h.passage, *h.corroborating)) for h in hits),
            considered=reading.considered,
        )

    def more(self, question: str, last: Answer) -> Answer:
        """ "Tell me more" after `last`: the sentence that follows its last one in the article."""
        return self._about_last(
            question, last, MORE_ON, NOTHING_MORE, "nothing-more",
            lambda parsed: self.citer.continued(last.sentences[-1], last.citations, parsed) if last.sentences else None,
        )

    def who_said(self, question: str, last: Answer) -> Answer:
        """ "Who said that?" after `last`: the sentence naming whom its answer quotes, or that it
        quotes no one (the article says it in its own words)."""
        title = last.citations[0].title if last.citations else "the article"
        return self._about_last(
            question, last, WHO_SAID, NOT_QUOTED.format(title=title), "not-quoted",
            lambda parsed: next(
                (c for s in last.sentences if (c := self.citer.speaker(s, last.citations, parsed)) is not None), None
            ),
        )

    def _about_last(self, question: str, last: Answer, prefix: str, nothing: str, check: str,
                    cite: Callable[[Question], Cited | None]) -> Answer:
        """A turn about the last answer rather than the articles: `cite` finds its sentence from
        the last answer's topic, or there is `nothing` (an abstention named `check`)."""
        started = time.perf_counter()
        text = validate(question, self.settings.max_question_chars)
        topic = (last.resolved_question or last.question).removeprefix(MORE_ON).removeprefix(WHO_SAID)
        cited = cite(analyse(topic, self.lexicon))
        timings = {"total": (time.perf_counter() - started) * 1000}
        if cited is None:
            return Answer(question=text, text=nothing, abstained=True, abstention_check=check, timings_ms=timings)
        return Answer(question=text, text=cited.text, abstained=False, citations=cited.citations,
                      sentences=cited.sentences, resolved_question=prefix + topic, timings_ms=timings)

    def conversation(self) -> "Conversation":
        return Conversation(self)


class Conversation:
    """A session: each question may lean on the one before ("And the Mi AI speaker?")."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.previous: str | None = None
        self.last_answer: Answer | None = None
        self.answered: str | None = None  # what the last question's answer said, "more" included

    def ask(self, question: str, *, alternatives: Sequence[str] = ()) -> Answer:
        """Answer `question` in the light of the last turn; `alternatives` as for `Assistant.ask`."""
        last = self.last_answer if self.last_answer and not self.last_answer.abstained else None
        about_last = (
            self.assistant.more if asks_for_more(question) else self.assistant.who_said if asks_who_said(question) else None
        )
        if about_last is not None and last is None:
            # "tell me more" first, or after a refusal: there is nothing to go on from, and asked
            # as a question it would only be refused for its own words.
            text = NOTHING_TO_GO_ON if self.last_answer is not None else ASK_FIRST
            return Answer(question=question, text=text, abstained=True, abstention_check="nothing-to-go-on")
        if last is not None and about_last is not None:
            answer = about_last(question, last)
            self.last_answer = answer if not answer.abstained else last
            if not answer.abstained and self.answered:
                # "tell me more" goes on with the same answer: a pronoun after it may point
                # into either part ("what does Xiaomi use it for?" after Azure, then more).
                self.answered = f"{self.answered} {answer.text}"
            return answer
        answer = self.assistant.ask(question, previous=self.previous, answered=self.answered, alternatives=alternatives)
        self.previous = answer.resolved_question or answer.question
        self.last_answer = answer
        if not answer.abstained:
            # A refusal says nothing a pronoun could point into: "is it binding?" after one still
            # leans on the last answer given.
            self.answered = answer.text
        return answer
