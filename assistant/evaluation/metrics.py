"""Metrics of a run, quality thresholds, and the whole evaluation the reports render."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.evaluation import HIGHER_IS_BETTER, LOWER_IS_BETTER
from assistant.evaluation.run import RunResult
from assistant.evaluation.suite import Suite, straighten

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
    recall_at_1: float | None = None  # answerable items whose fact is in the top retrieved hit
    recall_at_3: float | None = None
    recall_at_8: float | None = None  # ... in any of the 8 hits the reader sees
    sentence_at_1: float | None = None  # answerable items whose fact is in the reader's best-ranked sentence
    sentence_at_3: float | None = None  # ... in one of its three best, abstaining or not
    wer: float | None = None  # voice runs only: word error rate of the transcripts
    per_article: Mapping[str, Score] = field(default_factory=dict)
    per_category: Mapping[str, Score] = field(default_factory=dict)
    abstention_checks: Mapping[str, int] = field(default_factory=dict)  # which reader check abstained, how often

    def value(self, name: str) -> float | None:
        """A metric by name (as used by thresholds)."""
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the JSON report."""
        data: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key in ("per_article", "per_category", "abstention_checks"):
                continue
            data[key] = _round(value) if isinstance(value, float) else value
        data["per_article"] = {k: s.to_dict() for k, s in self.per_article.items()}
        data["per_category"] = {k: s.to_dict() for k, s in self.per_category.items()}
        data["abstention_checks"] = dict(self.abstention_checks)
        return data


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation, as numpy's default; 0.0 if empty."""
    if not values:
        return 0.0
    import numpy as np

    return float(np.percentile(values, q))


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
    return " ".join(re.sub(r"[^\w$.']+|(?<!\d)\.|\.(?!\d)", " ", straighten(text).lower()).split())


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
        recall_at_1=_ratio(sum(r.evidence_rank is not None and r.evidence_rank <= 1 for r in answerable), len(answerable)),
        recall_at_3=_ratio(sum(r.evidence_rank is not None and r.evidence_rank <= 3 for r in answerable), len(answerable)),
        recall_at_8=_ratio(sum(r.evidence_rank is not None for r in answerable), len(answerable)),
        sentence_at_1=_ratio(sum(r.sentence_rank == 1 for r in answerable), len(answerable)),
        sentence_at_3=_ratio(sum(r.sentence_rank is not None and r.sentence_rank <= 3 for r in answerable), len(answerable)),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        wer=word_error_rate([r.question for r in heard], [r.heard or "" for r in heard]),
        per_article={k: Score(*v) for k, v in sorted(per_article.items())},
        per_category={k: Score(*v) for k, v in sorted(per_category.items())},
        abstention_checks=dict(Counter(r.abstention_check for r in abstained if r.abstention_check).most_common()),
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
    if metric not in _COUNTS_AND_TIMES and not 0.0 <= value <= 1.0:
        # "accuracy=80" would fail every run: a ratio is between 0 and 1. A whole percentage is
        # read as one ("80": 0.8); "1.5" is no likely percentage for a floor, and gets no guess.
        hint = f" (did you mean {value / 100:g}?)" if 10.0 <= value <= 100.0 else ""
        raise ValueError(f"{spec!r}: {metric} is a ratio between 0 and 1{hint}")
    return Threshold(metric=metric, value=value, upper=upper)


# Metrics that are counts or times, not ratios.
_COUNTS_AND_TIMES = ("false_abstentions", "latency_p50_ms", "latency_p95_ms")


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
