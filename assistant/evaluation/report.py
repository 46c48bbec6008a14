"""Evaluation reports: a rich table for the terminal, a JSON file, and Markdown with PNG charts."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import Evaluation, Metrics, Score
from assistant.evaluation.run import ItemResult, RunResult
from assistant.evaluation.suite import SuiteItem

_LOGGER = logging.getLogger(__name__)

# (attribute, label, kind) for the summary rows; kind picks the formatting.
_SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("accuracy", "answer accuracy", "ratio"),
    ("citation_support", "citation support", "ratio"),
    ("recall_at_1", "evidence recall@1 (retrieved)", "ratio"),
    ("recall_at_3", "evidence recall@3", "ratio"),
    ("recall_at_8", "evidence recall@8", "ratio"),
    ("sentence_at_1", "sentence choice@1 (reader)", "ratio"),
    ("sentence_at_3", "sentence choice@3", "ratio"),
    ("hit_at_1", "source hit@1", "ratio"),
    ("hit_at_3", "source hit@3", "ratio"),
    ("mrr", "source MRR", "ratio"),
    ("abstention_precision", "abstention precision", "ratio"),
    ("abstention_recall", "abstention recall", "ratio"),
    ("false_abstentions", "false abstentions", "count"),
    ("latency_p50_ms", "latency p50 (ms)", "ms"),
    ("latency_p95_ms", "latency p95 (ms)", "ms"),
    ("wer", "word error rate", "ratio"),
)


def why_wrong(result: ItemResult) -> str:
    """A short reason a result is wrong ("" when it is right)."""
    if result.right:
        return ""
    if result.error:
        return f"error: {result.error}"
    if result.should_abstain:
        return "answered, should have abstained"
    if result.abstained:
        return "abstained, the articles hold the answer"
    return "no expected pattern in the answer"


def _format(value: Any, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "count":
        return str(value)
    if kind == "ms":
        return f"{value:.0f}"
    return f"{value:.3f}"


def _score(score: Score | None) -> str:
    if score is None or not score.total:
        return "–"
    return f"{score.right}/{score.total} ({score.accuracy:.2f})"


def _summary_rows(evaluation: Evaluation) -> list[tuple[str, list[str]]]:
    rows = [("items (answerable/unanswerable)", [f"{m.items} ({m.answerable}/{m.unanswerable})" for m in evaluation.metrics])]
    for attribute, label, kind in _SUMMARY_ROWS:
        values = [getattr(m, attribute) for m in evaluation.metrics]
        if attribute == "wer" and all(v is None for v in values):
            continue
        rows.append((label, [_format(v, kind) for v in values]))
    return rows


def _breakdown_rows(evaluation: Evaluation, attribute: str) -> list[tuple[str, list[str]]]:
    keys: dict[str, None] = {}
    for metrics in evaluation.metrics:
        keys.update(dict.fromkeys(getattr(metrics, attribute)))
    return [(key, [_score(getattr(m, attribute).get(key)) for m in evaluation.metrics]) for key in keys]


def _check_rows(evaluation: Evaluation) -> list[tuple[str, list[str]]]:
    keys: dict[str, None] = {}
    for metrics in evaluation.metrics:
        keys.update(dict.fromkeys(metrics.abstention_checks))
    return [(key, [str(m.abstention_checks.get(key, 0)) for m in evaluation.metrics]) for key in keys]


def _wrong_runs(evaluation: Evaluation) -> list[RunResult]:
    """The primary run and any voice run with the same retriever: the ones whose misses we list."""
    primary = evaluation.runs[evaluation.primary]
    return [primary] + [
        r for r in evaluation.runs if r is not primary and r.retriever == primary.retriever and r.mode.startswith("voice")
    ]


def _as_put(result: Any, gap: str) -> str:
    """The question, with how it was heard and how a follow-up was understood, when they differ."""
    text = result.question
    if result.heard is not None:
        text += f"{gap}(heard: {result.heard})"
    if result.resolved_question and result.resolved_question != result.question:
        text += f"{gap}(understood as: {result.resolved_question})"
    return text


# --------------------------------------------------------------------------------------------
# Terminal


def render_table(evaluation: Evaluation, *, items: bool = True) -> Any:
    """A rich renderable: summary side by side, breakdowns, wrong answers (unless not `items`:
    a blind set is looked at only in totals), failed gates."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    labels = [m.label for m in evaluation.metrics]

    def table(title: str, first: str, rows: list[tuple[str, list[str]]]) -> Table:
        out = Table(title=title, title_justify="left", show_lines=False)
        out.add_column(first)
        for label in labels:
            out.add_column(label, justify="right")
        for name, cells in rows:
            out.add_row(name, *cells)
        return out

    parts: list[Any] = [
        table(f"Evaluation of {evaluation.suite.path}", "metric", _summary_rows(evaluation)),
        table("Accuracy by category", "category", _breakdown_rows(evaluation, "per_category")),
        table("Accuracy by article", "article", _breakdown_rows(evaluation, "per_article")),
        table("Abstentions by the reader's check", "check", _check_rows(evaluation)),
    ]
    for run in _wrong_runs(evaluation) if items else ():
        wrong = [r for r in run.items if not r.right]
        misses = Table(title=f"Wrong answers ({run.label}): {len(wrong)}", title_justify="left", show_lines=True)
        for column in ("id", "question", "answer", "why"):
            misses.add_column(column, overflow="fold")
        for r in wrong:
            misses.add_row(r.id, _as_put(r, "\n"), r.answer, why_wrong(r))
        parts.append(misses)
    if evaluation.thresholds:
        if evaluation.failures:
            parts.append(Text("Failed thresholds: " + "; ".join(evaluation.failures), style="bold red"))
        else:
            gates = ", ".join(str(t) for t in evaluation.thresholds)
            parts.append(Text(f"All thresholds met ({gates})", style="bold green"))
    return Group(*parts)


# --------------------------------------------------------------------------------------------
# JSON


def write_json(evaluation: Evaluation, path: str | Path, items: bool = True) -> Path:
    """Write the evaluation (settings, metrics and, unless `items` is off, every answer) as JSON;
    returns the path. A blind test set is written without its items, as it is printed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = evaluation.to_dict()
    if not items:
        for run in data.get("runs", []):
            run.pop("items", None)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _LOGGER.info("wrote %s", path)
    return path


# --------------------------------------------------------------------------------------------
# Markdown + charts


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def write_markdown_report(evaluation: Evaluation, path: str | Path, items: bool = True) -> list[Path]:
    """Write a Markdown report and its PNG charts beside it; returns every file written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    charts = write_charts(evaluation, path.parent, path.stem)
    labels = [m.label for m in evaluation.metrics]
    suite = evaluation.suite
    answerable = sum(not i.abstain for i in suite.items)

    lines = [f"# Evaluation: {suite.name}", ""]
    lines.append(
        f"Suite `{suite.path}`: {len(suite.items)} questions ({answerable} answerable, "
        f"{len(suite.items) - answerable} unanswerable)."
    )
    if evaluation.created:
        lines.append(f"Run {evaluation.created}.")
    if evaluation.settings:
        lines.append("Settings: " + ", ".join(f"`{k}={v}`" for k, v in evaluation.settings.items()) + ".")
    lines.append("")
    if evaluation.thresholds:
        lines += ["## Thresholds", ""]
        primary = evaluation.runs[evaluation.primary].label
        lines.append(f"Checked on `{primary}`: " + ", ".join(f"`{t}`" for t in evaluation.thresholds) + ".")
        lines.append("")
        lines += [f"- **FAILED** {f}" for f in evaluation.failures] or ["All thresholds met."]
        lines.append("")

    lines += ["## Summary", ""]
    lines += _md_table(["metric", *labels], [(name, *cells) for name, cells in _summary_rows(evaluation)])
    lines += [
        "Accuracy: right answers over all questions (an unanswerable one is right when the assistant "
        "abstains). Citation support: answered answerable questions whose expected pattern occurs in a "
        "cited passage. Source hit@k / MRR: rank of the first citation from an expected article, over "
        "answerable questions. Abstention precision/recall: the positive class is “should abstain”.",
        "",
    ]
    for chart in charts:
        lines += [f"![{chart.stem}]({chart.name})", ""]

    lines += ["## Accuracy by article", ""]
    lines += _md_table(["article", *labels], [(k, *c) for k, c in _breakdown_rows(evaluation, "per_article")])
    lines += ["## Accuracy by category", ""]
    lines += _md_table(["category", *labels], [(k, *c) for k, c in _breakdown_rows(evaluation, "per_category")])
    lines += ["## Abstentions by the reader's check", ""]
    lines += _md_table(["check", *labels], [(k, *c) for k, c in _check_rows(evaluation)])

    if not items:  # a blind test set: totals and breakdowns only, as printed
        path.write_text("\n".join(lines), encoding="utf-8")
        return [path, *charts]
    for run in _wrong_runs(evaluation):
        wrong = [r for r in run.items if not r.right]
        lines += [f"## Wrong answers ({run.label}): {len(wrong)}", ""]
        rows = [(r.id, _as_put(r, " "), r.answer, why_wrong(r)) for r in wrong]
        lines += _md_table(["id", "question", "answer", "why"], rows) if rows else ["None.", ""]

    lines += ["## All questions", ""]
    by_run = [{r.id: r for r in run.items} for run in evaluation.runs]
    rows = []
    for item in suite.items:
        expected = "abstain" if item.abstain else _expected(item)
        marks = ["✓" if results[item.id].right else "✗" for results in by_run]
        rows.append((item.id, item.question, ", ".join(item.categories), expected, *marks))
    lines += _md_table(["id", "question", "category", "expected", *labels], rows)

    primary_run = evaluation.runs[evaluation.primary]
    lines += [f"## Answers ({primary_run.label})", ""]
    rows = [
        (
            r.id,
            "✓" if r.right else "✗",
            {True: "yes", False: "no", None: "–"}[r.supported],
            r.source_rank or "–",
            f"{r.latency_ms:.0f}",
            r.answer,
        )
        for r in primary_run.items
    ]
    lines += _md_table(["id", "right", "supported", "source rank", "ms", "answer"], rows)

    path.write_text("\n".join(lines), encoding="utf-8")
    _LOGGER.info("wrote %s and %d charts", path, len(charts))
    return [path, *charts]


def _expected(item: SuiteItem) -> str:
    parts = []
    if item.expect:
        parts.append(" / ".join(f"`{p.pattern}`" for p in item.expect))
    if item.expect_all:
        parts.append("all of " + ", ".join(f"`{p.pattern}`" for p in item.expect_all))
    return "; ".join(parts)


def write_charts(evaluation: Evaluation, directory: Path, stem: str) -> list[Path]:
    """PNG charts: accuracy by article and by category (runs side by side), latency histogram."""
    import matplotlib

    matplotlib.use("Agg")  # no display: reports are written by CI and over SSH
    import matplotlib.pyplot as plt

    written = []
    for name, draw in (
        ("accuracy-by-article", lambda ax: _grouped_bars(ax, evaluation.metrics, "per_article")),
        ("accuracy-by-category", lambda ax: _grouped_bars(ax, evaluation.metrics, "per_category")),
        ("latency", lambda ax: _latency_histogram(ax, evaluation.runs)),
    ):
        figure, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
        try:
            draw(ax)
            target = directory / f"{stem}-{name}.png"
            figure.savefig(target, dpi=110)
            written.append(target)
        finally:
            plt.close(figure)
    return written


def _grouped_bars(ax: Any, metrics: Sequence[Metrics], attribute: str) -> None:
    # Horizontal bars: article ids are long and must stay readable in full.
    keys: dict[str, None] = {}
    for m in metrics:
        keys.update(dict.fromkeys(getattr(m, attribute)))
    names = list(keys)
    height = 0.8 / max(len(metrics), 1)
    for index, m in enumerate(metrics):
        scores = getattr(m, attribute)
        widths = [(scores[k].accuracy or 0.0) if k in scores else 0.0 for k in names]
        positions = [i + (index - (len(metrics) - 1) / 2) * height for i in range(len(names))]
        ax.barh(positions, widths, height=height, label=m.label)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.0)
    ax.set_xlabel("answer accuracy")
    ax.set_title("Answer accuracy by " + ("article" if attribute == "per_article" else "category"))
    ax.axvline(0.9, color="grey", linewidth=0.8, linestyle="--")
    ax.legend(fontsize=8, loc="lower right")


def _latency_histogram(ax: Any, runs: Sequence[RunResult]) -> None:
    all_latencies = [r.latency_ms for run in runs for r in run.items]
    bins = 20 if all_latencies else 1
    # Outlines, not filled bars, once there are several runs: overlapping fills hide each other.
    style = {"histtype": "step", "linewidth": 1.6} if len(runs) > 1 else {"alpha": 0.8}
    for run in runs:
        ax.hist([r.latency_ms for r in run.items], bins=bins, label=run.label,
                range=(0, max(all_latencies, default=1.0)), **style)
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Answer latency")
    ax.legend(fontsize=8)
