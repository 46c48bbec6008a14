"""Evaluation: load a scripted question suite, ask it, and score answers, citations and abstentions."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.errors import AssistantError, SuiteError
from assistant.types import Answer, spoken_text

_LOGGER = logging.getLogger(__name__)

SUITE_VERSION = 1
DEFAULT_SUITE = Path("eval") / "suite.yaml"  # relative to Settings.home

_TOP_FIELDS = ("version", "name", "items")
_ITEM_FIELDS = ("id", "question", "category", "expect", "expect_all", "articles", "abstain", "follows", "note")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CATEGORY = re.compile(r"^[\w-]+$")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})

# Metric names a threshold may name, by direction.
HIGHER_IS_BETTER = (
    "accuracy",
    "citation_support",
    "hit_at_1",
    "hit_at_3",
    "mrr",
    "abstention_precision",
    "abstention_recall",
    "voice_accuracy",
)
LOWER_IS_BETTER = ("false_abstentions", "latency_p50_ms", "latency_p95_ms", "wer")


# --------------------------------------------------------------------------------------------
# The suite


@dataclass(frozen=True)
class SuiteItem:
    """One scripted question and what counts as a right answer to it."""

    id: str
    question: str
    categories: tuple[str, ...]
    expect: tuple[re.Pattern[str], ...] = ()
    expect_all: tuple[re.Pattern[str], ...] = ()
    articles: tuple[str, ...] = ()
    abstain: bool = False
    follows: str | None = None
    note: str | None = None
    line: int = 0  # 1-based line of the item in its file

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the JSON report."""
        return {
            "id": self.id,
            "question": self.question,
            "categories": list(self.categories),
            "expect": [p.pattern for p in self.expect],
            "expect_all": [p.pattern for p in self.expect_all],
            "articles": list(self.articles),
            "abstain": self.abstain,
            "follows": self.follows,
            "note": self.note,
            "line": self.line,
        }


@dataclass(frozen=True)
class Suite:
    """A validated suite file."""

    path: Path
    name: str
    items: tuple[SuiteItem, ...]

    def item(self, item_id: str) -> SuiteItem:
        """The item called `item_id` (KeyError if there is none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def chain(self, item: SuiteItem) -> tuple[SuiteItem, ...]:
        """The items a follow-up builds on, oldest first (empty for a stand-alone question)."""
        chain: list[SuiteItem] = []
        current = item
        while current.follows is not None:
            current = self.item(current.follows)
            chain.append(current)
        return tuple(reversed(chain))


def load_suite(path: str | Path, *, known_articles: Iterable[str] | None = None) -> Suite:
    """Read and validate a suite file; `known_articles` (ids) also checks each `articles` entry.

    Suite format (YAML; eval/suite.yaml is the shipped example and repeats this in its header)::

        version: 1                      # required; the only format version
        name: TEXT                      # optional; shown in reports
        items:                          # required; non-empty list, asked in order
          - id: TEXT                    # required, unique: letters, digits, '-', '_', '.'
            question: TEXT              # required; asked exactly as written
            category: NAME | [NAME...]  # required; tags for per-category accuracy
            expect: [REGEX, ...]        # right if ANY matches the answer (case-insensitive)
            expect_all: [REGEX, ...]    # ... and ALL of these match; answerable items need one of the two
            articles: [ARTICLE_ID, ...] # answerable items: the article(s) holding the fact
            abstain: true               # unanswerable: right only if the assistant abstains
            follows: ID                 # follow-up: asked in one conversation after item ID (earlier)
            note: TEXT                  # optional, for humans

    Unknown fields, duplicate ids or keys, wrong types, invalid regexes and follow-ups of unknown or
    later items raise `SuiteError` naming the file, the line, the item and the field.

    Scoring: patterns are matched with `re.search(pattern, text, re.IGNORECASE)` against the answer
    without its [n] marks, curly apostrophes straightened. An answerable item is *right* when the
    assistant answered and the patterns match; an `abstain` item when it abstained. An answer is
    *supported* when an expected pattern also occurs in a cited passage. The *source rank* is the
    position (1-based, citation order) of the first citation from one of the item's articles.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError(f"{path}: no such suite file. Pass an existing file with --suite.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read the suite file ({exc}).") from None
    return parse_suite(text, source=str(path), known_articles=known_articles)


def parse_suite(text: str, *, source: str = "<suite>", known_articles: Iterable[str] | None = None) -> Suite:
    """Validate suite YAML `text`; errors name `source` and the line at fault."""
    import yaml

    known = frozenset(known_articles) if known_articles is not None else None
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        reader = _NodeReader(loader, source)
        return reader.suite(root, known)
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed quote), the more
        # useful line; the problem mark is where the parser gave up.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if exc.context_mark is not None and exc.problem_mark is not None:
            problem += f" (line {exc.problem_mark.line + 1})"
        raise SuiteError(f"{source}:{line}: not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SuiteError(f"{source}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()


class _NodeReader:
    """Walks composed YAML nodes so that every error can name its line."""

    def __init__(self, loader: Any, source: str) -> None:
        self._loader = loader
        self._source = source

    def _error(self, node: Any, message: str, item: str | None = None) -> SuiteError:
        line = node.start_mark.line + 1 if node is not None else 1
        where = f"item '{item}': " if item else ""
        return SuiteError(f"{self._source}:{line}: {where}{message}")

    def _mapping(self, node: Any, allowed: Sequence[str], what: str, item: str | None = None) -> dict[str, Any]:
        import yaml

        if not isinstance(node, yaml.MappingNode):
            raise self._error(node, f"{what} must be a mapping of fields", item)
        fields: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                hint = f"; allowed: {', '.join(allowed)}"
                raise self._error(key_node, f"unknown field {key!r}{hint}", item)
            if key in fields:
                raise self._error(key_node, f"field '{key}' is given twice", item)
            fields[key] = (key_node, value_node)
        return fields

    def _value(self, node: Any) -> Any:
        return self._loader.construct_object(node, deep=True)

    def suite(self, root: Any, known: frozenset[str] | None) -> Suite:
        import yaml

        if root is None:
            raise SuiteError(f"{self._source}:1: the suite is empty; it needs 'version: 1' and 'items'")
        top = self._mapping(root, _TOP_FIELDS, "the suite")
        for name in ("version", "items"):
            if name not in top:
                raise self._error(root, f"missing field '{name}'")
        version_node = top["version"][1]
        if self._value(version_node) != SUITE_VERSION:
            raise self._error(version_node, f"field 'version' must be {SUITE_VERSION}")
        name = Path(self._source).stem
        if "name" in top:
            name = self._text(top["name"][1], "name", None)
        items_node = top["items"][1]
        if not isinstance(items_node, yaml.SequenceNode) or not items_node.value:
            raise self._error(items_node, "field 'items' must be a non-empty list of questions")
        items: list[SuiteItem] = []
        lines: dict[str, int] = {}
        all_ids = {self._peek_id(n) for n in items_node.value} - {None}
        for index, node in enumerate(items_node.value, start=1):
            item = self._item(node, index, known)
            if item.id in lines:
                raise self._error(node, f"duplicate id '{item.id}' (first at line {lines[item.id]})", item.id)
            if item.follows is not None and item.follows not in lines:
                follows_node = self._mapping(node, _ITEM_FIELDS, "an item")["follows"][1]
                if item.follows == item.id:
                    problem = "an item cannot follow itself"
                elif item.follows in all_ids:
                    problem = f"item '{item.follows}' comes later; a follow-up must come after it"
                else:
                    problem = f"no item '{item.follows}' in this suite"
                raise self._error(follows_node, f"field 'follows': {problem}", item.id)
            lines[item.id] = item.line
            items.append(item)
        return Suite(path=Path(self._source), name=name, items=tuple(items))

    @staticmethod
    def _peek_id(node: Any) -> str | None:
        import yaml

        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == "id" and isinstance(value_node, yaml.ScalarNode):
                    return str(value_node.value)
        return None

    def _item(self, node: Any, index: int, known: frozenset[str] | None) -> SuiteItem:
        label = self._peek_id(node) or f"#{index}"
        fields = self._mapping(node, _ITEM_FIELDS, f"item {index}", label)
        for name in ("id", "question", "category"):
            if name not in fields:
                raise self._error(node, f"missing field '{name}'", label)
        item_id = self._text(fields["id"][1], "id", label)
        if not _ID.match(item_id):
            raise self._error(fields["id"][1], "field 'id' must use only letters, digits, '-', '_' and '.'", label)
        question = self._text(fields["question"][1], "question", item_id)
        categories = self._categories(fields["category"][1], item_id)
        abstain = False
        if "abstain" in fields:
            abstain = self._value(fields["abstain"][1])
            if not isinstance(abstain, bool):
                raise self._error(fields["abstain"][1], "field 'abstain' must be true or false", item_id)
        expect = self._patterns(fields, "expect", item_id)
        expect_all = self._patterns(fields, "expect_all", item_id)
        articles = self._articles(fields, item_id, known)
        if abstain:
            for name in ("expect", "expect_all", "articles"):
                if name in fields:
                    raise self._error(
                        fields[name][0], f"field '{name}' is not allowed with 'abstain: true'", item_id
                    )
        else:
            if not expect and not expect_all:
                raise self._error(
                    node, "missing field 'expect' (or 'expect_all'; or 'abstain: true' if unanswerable)", item_id
                )
            if not articles:
                raise self._error(node, "missing field 'articles' (the article ids that hold the fact)", item_id)
        follows = self._text(fields["follows"][1], "follows", item_id) if "follows" in fields else None
        note = self._text(fields["note"][1], "note", item_id) if "note" in fields else None
        return SuiteItem(
            id=item_id,
            question=question,
            categories=categories,
            expect=expect,
            expect_all=expect_all,
            articles=articles,
            abstain=abstain,
            follows=follows,
            note=note,
            line=node.start_mark.line + 1,
        )

    def _text(self, node: Any, name: str, item: str | None) -> str:
        value = self._value(node)
        if not isinstance(value, str) or not value.strip():
            raise self._error(node, f"field '{name}' must be non-empty text", item)
        return value.strip()

    def _string_list(self, node: Any, name: str, item: str, what: str) -> list[tuple[Any, str]]:
        import yaml

        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self._error(node, f"field '{name}' must be a list of {what}", item)
        out = []
        for element in node.value:
            value = self._value(element)
            if not isinstance(value, str) or not value.strip():
                raise self._error(element, f"field '{name}' must be a list of {what}", item)
            out.append((element, value))
        return out

    def _categories(self, node: Any, item: str) -> tuple[str, ...]:
        import yaml

        elements = [(node, self._value(node))] if isinstance(node, yaml.ScalarNode) else None
        if elements is None:
            elements = self._string_list(node, "category", item, "category names")
        names = []
        for element, value in elements:
            if not isinstance(value, str) or not _CATEGORY.match(value.strip()):
                raise self._error(element, "field 'category' must be a name or a list of names", item)
            names.append(value.strip().lower())
        return tuple(dict.fromkeys(names))

    def _patterns(self, fields: Mapping[str, Any], name: str, item: str) -> tuple[re.Pattern[str], ...]:
        if name not in fields:
            return ()
        patterns = []
        for position, (element, value) in enumerate(
            self._string_list(fields[name][1], name, item, "regex strings"), start=1
        ):
            try:
                patterns.append(re.compile(value, re.IGNORECASE))
            except re.error as exc:
                raise self._error(
                    element, f"field '{name}': pattern {position} {value!r} is not a valid regex ({exc})", item
                ) from None
        return tuple(patterns)

    def _articles(self, fields: Mapping[str, Any], item: str, known: frozenset[str] | None) -> tuple[str, ...]:
        if "articles" not in fields:
            return ()
        ids = []
        for element, value in self._string_list(fields["articles"][1], "articles", item, "article ids"):
            if known is not None and value not in known:
                raise self._error(
                    element,
                    f"field 'articles': unknown article '{value}' (the corpus has: {', '.join(sorted(known))})",
                    item,
                )
            ids.append(value.strip())
        return tuple(dict.fromkeys(ids))


# --------------------------------------------------------------------------------------------
# Judging one answer


@dataclass(frozen=True)
class Judgement:
    """How one answer fares against its item."""

    right: bool
    supported: bool | None  # None unless an answerable item was answered
    source_rank: int | None  # 1-based; None when no citation comes from an expected article


def _normalise(text: str) -> str:
    return text.translate(_APOSTROPHES)


def _matches(item: SuiteItem, text: str) -> bool:
    any_ok = not item.expect or any(p.search(text) for p in item.expect)
    return any_ok and all(p.search(text) for p in item.expect_all)


def _supported(item: SuiteItem, passages: Sequence[str]) -> bool:
    any_ok = not item.expect or any(p.search(t) for p in item.expect for t in passages)
    return any_ok and all(any(p.search(t) for t in passages) for p in item.expect_all)


def judge(item: SuiteItem, answer: Answer) -> Judgement:
    """Score `answer` against `item` (the rules are in `load_suite`'s docstring)."""
    rank = None
    if item.articles:
        ordered = sorted(answer.citations, key=lambda c: c.n)
        rank = next((i for i, c in enumerate(ordered, start=1) if c.article_id in item.articles), None)
    if item.abstain:
        return Judgement(right=answer.abstained, supported=None, source_rank=rank)
    if answer.abstained:
        return Judgement(right=False, supported=None, source_rank=rank)
    right = _matches(item, _normalise(spoken_text(answer.text)))
    supported = _supported(item, [_normalise(c.passage) for c in answer.citations])
    return Judgement(right=right, supported=supported, source_rank=rank)


# --------------------------------------------------------------------------------------------
# Running a suite


class Conversation(Protocol):
    """A multi-turn session: `ask` resolves follow-ups against the previous turn."""

    def ask(self, question: str) -> Answer: ...


class AssistantLike(Protocol):
    """What `run_suite` needs of `assistant.engine.Assistant`."""

    def ask(self, question: str) -> Answer: ...

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
    cited_articles: tuple[str, ...] = ()
    resolved_question: str | None = None
    heard: str | None = None  # voice mode: the transcript that was asked instead of `question`
    error: str | None = None  # an AssistantError raised while asking

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
    mode: str  # "typed" or "voice"
    items: tuple[ItemResult, ...]

    @property
    def label(self) -> str:
        return f"{self.retriever}/{self.mode}"


def _ask(ask: Callable[[str], Answer], question: str) -> tuple[Answer | None, str | None, float]:
    start = time.perf_counter()
    try:
        answer = ask(question)
    except AssistantError as exc:
        # A bad transcript (e.g. empty) is a wrong answer, not the end of the run.
        _LOGGER.warning("asking %r failed: %s", question, exc)
        return None, str(exc), (time.perf_counter() - start) * 1000
    return answer, None, (time.perf_counter() - start) * 1000


def ask_item(
    suite: Suite, item: SuiteItem, assistant: AssistantLike, *, asked: Mapping[str, str] | None = None
) -> tuple[Answer | None, str | None, float]:
    """Ask one item; a follow-up replays its chain in a fresh conversation first.

    `asked` maps item ids to the text to ask instead of the question (voice transcripts).
    Returns the answer (None on error), the error message, and the item's own latency in ms.
    """
    text = (asked or {}).get(item.id, item.question)
    chain = suite.chain(item)
    if not chain:
        return _ask(assistant.ask, text)
    conversation = assistant.conversation()
    for earlier in chain:
        _ask(conversation.ask, (asked or {}).get(earlier.id, earlier.question))
    return _ask(conversation.ask, text)


def run_suite(
    suite: Suite,
    assistant: AssistantLike,
    *,
    retriever: str = "hybrid",
    mode: str = "typed",
    asked: Mapping[str, str] | None = None,
    progress: Callable[[ItemResult], None] | None = None,
) -> RunResult:
    """Ask every item of `suite` and judge the answers; `progress` is called after each item."""
    results = []
    for item in suite.items:
        answer, error, latency = ask_item(suite, item, assistant, asked=asked)
        heard = asked.get(item.id) if asked is not None else None
        result = _item_result(item, answer, error, latency, heard)
        results.append(result)
        _LOGGER.debug("%s %s: %s", item.id, "right" if result.right else "WRONG", result.answer)
        if progress is not None:
            progress(result)
    return RunResult(suite_name=suite.name, retriever=retriever, mode=mode, items=tuple(results))


def _item_result(
    item: SuiteItem, answer: Answer | None, error: str | None, latency_ms: float, heard: str | None
) -> ItemResult:
    if answer is None:
        judgement = Judgement(right=False, supported=None, source_rank=None)
        answer_text, abstained, cited, resolved = "", False, (), None
    else:
        judgement = judge(item, answer)
        answer_text, abstained = answer.text, answer.abstained
        cited = tuple(c.article_id for c in sorted(answer.citations, key=lambda c: c.n))
        resolved = answer.resolved_question
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
        cited_articles=cited,
        resolved_question=resolved,
        heard=heard,
        error=error,
    )


# --------------------------------------------------------------------------------------------
# Metrics


@dataclass(frozen=True)
class Score:
    """Right answers out of a total."""

    right: int
    total: int

    @property
    def accuracy(self) -> float | None:
        return self.right / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {"right": self.right, "total": self.total, "accuracy": _round(self.accuracy)}


@dataclass(frozen=True)
class Metrics:
    """Aggregate scores of one run; None where a metric has no items to be computed over."""

    label: str
    retriever: str
    mode: str
    items: int
    answerable: int
    unanswerable: int
    accuracy: float
    citation_support: float | None  # over answerable items that were answered
    hit_at_1: float | None  # over answerable items; an abstention is a miss
    hit_at_3: float | None
    mrr: float | None
    abstention_precision: float | None  # positive class: "should abstain"
    abstention_recall: float | None
    false_abstentions: int
    latency_p50_ms: float
    latency_p95_ms: float
    wer: float | None = None  # voice runs only: word error rate of the transcripts
    per_article: Mapping[str, Score] = field(default_factory=dict)
    per_category: Mapping[str, Score] = field(default_factory=dict)

    def value(self, name: str) -> float | None:
        """A metric by name (as used by thresholds)."""
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the JSON report."""
        data: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key in ("per_article", "per_category"):
                continue
            data[key] = _round(value) if isinstance(value, float) else value
        data["per_article"] = {k: s.to_dict() for k, s in self.per_article.items()}
        data["per_category"] = {k: s.to_dict() for k, s in self.per_category.items()}
        return data


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation, as numpy's default; 0.0 if empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float | None:
    """Corpus WER (jiwer) after lower-casing and dropping punctuation; None without pairs."""
    if not references:
        return None
    import jiwer

    refs = [_words(r) for r in references]
    hyps = [_words(h) for h in hypotheses]
    pairs = [(r, h) for r, h in zip(refs, hyps) if r]
    if not pairs:
        return None
    return float(jiwer.wer([r for r, _ in pairs], [h for _, h in pairs]))


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w$.']+|(?<!\d)\.|\.(?!\d)", " ", _normalise(text).lower()).split())


def summarise(run: RunResult) -> Metrics:
    """Aggregate metrics of `run` (definitions on the `Metrics` fields and in the README)."""
    items = run.items
    answerable = [r for r in items if not r.should_abstain]
    unanswerable = [r for r in items if r.should_abstain]
    answered = [r for r in answerable if not r.abstained]
    ranks = [r.source_rank for r in answerable]
    abstained = [r for r in items if r.abstained]

    per_article: dict[str, list[int]] = {}
    per_category: dict[str, list[int]] = {}
    for r in items:
        for article in r.articles:
            per_article.setdefault(article, [0, 0])
            per_article[article][0] += r.right
            per_article[article][1] += 1
        for category in r.categories:
            per_category.setdefault(category, [0, 0])
            per_category[category][0] += r.right
            per_category[category][1] += 1

    heard = [r for r in items if r.heard is not None]
    latencies = [r.latency_ms for r in items]
    return Metrics(
        label=run.label,
        retriever=run.retriever,
        mode=run.mode,
        items=len(items),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        accuracy=_ratio(sum(r.right for r in items), len(items)) or 0.0,
        citation_support=_ratio(sum(bool(r.supported) for r in answered), len(answered)),
        hit_at_1=_ratio(sum(k == 1 for k in ranks), len(ranks)),
        hit_at_3=_ratio(sum(k is not None and k <= 3 for k in ranks), len(ranks)),
        mrr=(sum(1 / k for k in ranks if k) / len(ranks)) if ranks else None,
        abstention_precision=_ratio(sum(r.should_abstain for r in abstained), len(abstained)),
        abstention_recall=_ratio(sum(r.abstained for r in unanswerable), len(unanswerable)),
        false_abstentions=sum(r.abstained for r in answerable),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        wer=word_error_rate([r.question for r in heard], [r.heard or "" for r in heard]),
        per_article={k: Score(*v) for k, v in sorted(per_article.items())},
        per_category={k: Score(*v) for k, v in sorted(per_category.items())},
    )


# --------------------------------------------------------------------------------------------
# Thresholds


@dataclass(frozen=True)
class Threshold:
    """A quality gate: `metric` must be >= value (or <= value when `upper`)."""

    metric: str
    value: float
    upper: bool = False

    def __str__(self) -> str:
        return f"{self.metric} {'<=' if self.upper else '>='} {self.value:g}"


def parse_threshold(spec: str, *, upper: bool = False) -> Threshold:
    """Parse `metric=value`; `upper` for a ceiling (wer, latency, false abstentions). ValueError if bad."""
    names = LOWER_IS_BETTER if upper else HIGHER_IS_BETTER
    metric, sep, raw = spec.partition("=")
    metric = metric.strip().replace("-", "_").replace("@", "_at_")
    if not sep or metric not in names:
        other = HIGHER_IS_BETTER if upper else LOWER_IS_BETTER
        hint = " (that one is a ceiling: use --fail-over)" if metric in other and not upper else ""
        hint = " (that one is a floor: use --fail-under)" if metric in other and upper else hint
        raise ValueError(f"{spec!r}: expected METRIC=VALUE with METRIC one of {', '.join(names)}{hint}")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{spec!r}: {raw.strip()!r} is not a number") from None
    return Threshold(metric=metric, value=value, upper=upper)


def check_thresholds(
    metrics: Metrics, thresholds: Iterable[Threshold], *, voice: Metrics | None = None
) -> list[str]:
    """The failed gates, one line each (empty when all pass).

    `voice_accuracy` and `wer` are read from `voice` (the voice run); other metrics from `metrics`.
    A metric that could not be computed (no items, no voice run) fails its gate.
    """
    failed = []
    for threshold in thresholds:
        name = threshold.metric
        if name in ("voice_accuracy", "wer"):
            source = voice
            actual = None if voice is None else voice.value("accuracy" if name == "voice_accuracy" else "wer")
        else:
            source = metrics
            actual = metrics.value(name)
        if actual is None:
            why = "no voice run (add --voice)" if source is None else "no items to compute it over"
            failed.append(f"{name} is undefined: {why} (required {threshold})")
        elif (actual > threshold.value) if threshold.upper else (actual < threshold.value):
            sign = ">" if threshold.upper else "<"
            failed.append(f"{name} {_fmt(actual)} {sign} {threshold.value:g}")
    return failed


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------------------------
# A whole evaluation (what the reports render)


@dataclass(frozen=True)
class Evaluation:
    """The runs of one `assistant eval`, their metrics, and the gates checked on them."""

    suite: Suite
    runs: tuple[RunResult, ...]
    metrics: tuple[Metrics, ...]
    primary: int = 0  # index of the run the gates are checked on
    thresholds: tuple[Threshold, ...] = ()
    failures: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    created: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON report."""
        return {
            "suite": {
                "path": str(self.suite.path),
                "name": self.suite.name,
                "items": [item.to_dict() for item in self.suite.items],
            },
            "created": self.created,
            "settings": dict(self.settings),
            "primary_run": self.runs[self.primary].label if self.runs else None,
            "thresholds": [str(t) for t in self.thresholds],
            "failed_thresholds": list(self.failures),
            "runs": [
                {
                    "label": run.label,
                    "retriever": run.retriever,
                    "mode": run.mode,
                    "metrics": metrics.to_dict(),
                    "items": [r.to_dict() for r in run.items],
                }
                for run, metrics in zip(self.runs, self.metrics)
            ],
        }
