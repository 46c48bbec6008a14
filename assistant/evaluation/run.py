"""Running a suite: ask every item (follow-ups in one conversation) and judge each answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from assistant.errors import AssistantError, SuiteError
from assistant.evaluation.suite import Suite, SuiteItem, straighten
from assistant.types import Answer, spoken_text

_LOGGER = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# Judging one answer


@dataclass(frozen=True)
class Judgement:
    """How one answer fares against its item."""

    right: bool
    supported: bool | None  # None unless an answerable item was answered
    source_rank: int | None  # 1-based; None when no citation comes from an expected article
    evidence_rank: int | None = None  # 1-based: first retrieved hit holding the expected fact
    sentence_rank: int | None = None  # 1-based: first sentence the reader weighed that holds it


# An item's pattern gets this long to match one text; the suites' take microseconds.
PATTERN_SECONDS = 2.0


def _found(pattern, text: str) -> bool:
    return pattern.search(text, timeout=PATTERN_SECONDS) is not None  # TimeoutError past it


def _matches(item: SuiteItem, text: str) -> bool:
    any_ok = not item.expect or any(_found(p, text) for p in item.expect)
    return any_ok and all(_found(p, text) for p in item.expect_all)


def _supported(item: SuiteItem, passages: Sequence[str]) -> bool:
    any_ok = not item.expect or any(_found(p, t) for p in item.expect for t in passages)
    return any_ok and all(any(_found(p, t) for t in passages) for p in item.expect_all)


def judge(item: SuiteItem, answer: Answer) -> Judgement:
    """Score `answer` against `item` (the rules are in `load_suite`'s docstring)."""
    rank = None
    if item.articles:
        ordered = sorted(answer.citations, key=lambda c: c.n)
        rank = next((i for i, c in enumerate(ordered, start=1) if c.article_id in item.articles), None)
    if item.abstain:
        return Judgement(right=answer.abstained, supported=None, source_rank=rank)
    # Recall before reading: could the reader have found it among the retrieved passages?
    retrieved = [straighten(text) for text in answer.retrieved]
    evidence = next((k for k in range(1, len(retrieved) + 1) if _supported(item, retrieved[:k])), None)
    # ... and choosing the sentence, apart from abstaining: where the first one holding it stood.
    chosen = next((k for k, text in enumerate(answer.considered, 1) if _supported(item, [straighten(text)])), None)
    if answer.abstained:
        return Judgement(right=False, supported=None, source_rank=rank, evidence_rank=evidence, sentence_rank=chosen)
    right = _matches(item, straighten(spoken_text(answer.text)))
    supported = _supported(item, [straighten(c.passage) for c in answer.citations])
    return Judgement(right=right, supported=supported, source_rank=rank, evidence_rank=evidence, sentence_rank=chosen)


# --------------------------------------------------------------------------------------------
# Running a suite


class Conversation(Protocol):
    """A multi-turn session: `ask` resolves follow-ups against the previous turn."""

    def ask(self, question: str, *, alternatives: Sequence[str] = ...) -> Answer: ...


class AssistantLike(Protocol):
    """What `run_suite` needs of `assistant.pipeline.Assistant`."""

    def ask(self, question: str, *, alternatives: Sequence[str] = ...) -> Answer: ...

    def conversation(self) -> Conversation: ...


@dataclass(frozen=True)
class ItemResult:
    """One question asked: the answer and its scores."""

    id: str
    question: str  # the suite's question
    categories: tuple[str, ...]
    articles: tuple[str, ...]
    should_abstain: bool
    answer: str
    abstained: bool
    right: bool
    supported: bool | None
    source_rank: int | None
    latency_ms: float
    evidence_rank: int | None = None  # first retrieved hit holding the expected fact (recall)
    sentence_rank: int | None = None  # first sentence the reader weighed holding it (choice)
    cited_articles: tuple[str, ...] = ()
    resolved_question: str | None = None
    heard: str | None = None  # voice mode: the transcript that was asked instead of `question`
    error: str | None = None  # an AssistantError raised while asking
    abstention_check: str | None = None  # the reader's check that made it abstain

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the JSON report."""
        data = asdict(self)
        data["latency_ms"] = round(self.latency_ms, 2)
        return data


@dataclass(frozen=True)
class RunResult:
    """Every item of a suite asked once, in one mode with one retriever."""

    suite_name: str
    retriever: str
    mode: str  # "typed", or "voice-<test voice>" (voice-espeak, voice-piper)
    items: tuple[ItemResult, ...]
    reader: str | None = None  # named in the label when readers are compared

    @property
    def label(self) -> str:
        return "/".join(part for part in (self.reader, self.retriever, self.mode) if part)


def _ask(
    ask: Callable[..., Answer], question: str, alternatives: Sequence[str] = ()
) -> tuple[Answer | None, str | None, float]:
    start = time.perf_counter()
    try:
        answer = ask(question, alternatives=alternatives) if alternatives else ask(question)
    except AssistantError as exc:
        # A bad transcript (e.g. empty) is a wrong answer, not the end of the run.
        _LOGGER.warning("asking %r failed: %s", question, exc)
        return None, str(exc), (time.perf_counter() - start) * 1000
    return answer, None, (time.perf_counter() - start) * 1000


def ask_item(
    suite: Suite, item: SuiteItem, assistant: AssistantLike, *, asked: Mapping[str, str] | None = None,
    alternatives: Mapping[str, Sequence[str]] | None = None,
) -> tuple[Answer | None, str | None, float]:
    """Ask one item; a follow-up replays its chain in a fresh conversation first.

    `asked` maps item ids to the text to ask instead of the question (voice transcripts), and
    `alternatives` to the transcript's near-tied readings, asked as a voice turn asks them.
    Returns the answer (None on error), the error message, and the item's own latency in ms.
    """
    others = alternatives or {}
    text = (asked or {}).get(item.id, item.question)
    chain = suite.chain(item)
    if not chain:
        return _ask(assistant.ask, text, others.get(item.id, ()))
    conversation = assistant.conversation()
    for earlier in chain:
        _ask(conversation.ask, (asked or {}).get(earlier.id, earlier.question), others.get(earlier.id, ()))
    return _ask(conversation.ask, text, others.get(item.id, ()))


def run_suite(
    suite: Suite,
    assistant: AssistantLike,
    *,
    retriever: str = "hybrid",
    mode: str = "typed",
    reader: str | None = None,
    asked: Mapping[str, str] | None = None,
    alternatives: Mapping[str, Sequence[str]] | None = None,
    progress: Callable[[ItemResult], None] | None = None,
) -> RunResult:
    """Ask every item of `suite` and judge the answers; `progress` is called after each item.

    `asked` and `alternatives` are what was heard, as for `ask_item`; an item's `heard` is the
    reading its answer answers."""
    results = []
    for item in suite.items:
        answer, error, latency = ask_item(suite, item, assistant, asked=asked, alternatives=alternatives)
        heard = asked.get(item.id) if asked is not None else None
        if answer is not None and answer.question in (alternatives or {}).get(item.id, ()):
            heard = answer.question
        try:
            result = _item_result(item, answer, error, latency, heard)
        except TimeoutError:
            raise SuiteError(
                f"{suite.path}:{item.line}: item '{item.id}': a pattern took over {PATTERN_SECONDS:g} s to match "
                "one answer (nested repeats such as (\\w+\\s?)+ backtrack without end); simplify it"
            ) from None
        results.append(result)
        _LOGGER.debug("%s %s: %s", item.id, "right" if result.right else "WRONG", result.answer)
        if progress is not None:
            progress(result)
    return RunResult(suite_name=suite.name, retriever=retriever, mode=mode, items=tuple(results), reader=reader)


def _item_result(
    item: SuiteItem, answer: Answer | None, error: str | None, latency_ms: float, heard: str | None
) -> ItemResult:
    if answer is None:
        judgement = Judgement(right=False, supported=None, source_rank=None)
        answer_text, abstained, cited, resolved, check = "", False, (), None, None
    else:
        judgement = judge(item, answer)
        answer_text, abstained = answer.text, answer.abstained
        cited = tuple(c.article_id for c in sorted(answer.citations, key=lambda c: c.n))
        resolved, check = answer.resolved_question, answer.abstention_check
    return ItemResult(
        id=item.id,
        question=item.question,
        categories=item.categories,
        articles=item.articles,
        should_abstain=item.abstain,
        answer=answer_text,
        abstained=abstained,
        right=judgement.right,
        supported=judgement.supported,
        source_rank=judgement.source_rank,
        latency_ms=latency_ms,
        evidence_rank=judgement.evidence_rank,
        sentence_rank=judgement.sentence_rank,
        cited_articles=cited,
        resolved_question=resolved,
        abstention_check=check,
        heard=heard,
        error=error,
    )
