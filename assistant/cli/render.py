"""Rendering: answers as terminal text or JSON lines (no heavy imports)."""

from __future__ import annotations

import json
import textwrap

from assistant.types import Answer

_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(record: dict) -> str:
    """`record` as JSON on one line, even for readers that also break lines at U+0085/U+2028/U+2029."""
    text = json.dumps(record, ensure_ascii=False)
    for character, escape in _LINE_BREAKS.items():
        text = text.replace(character, escape)  # they can only stand inside strings: still valid JSON
    return text


def answer_json(answer: Answer, **extra: object) -> str:
    """One JSON object on one line, in the documented schema."""
    return json_line({**answer.to_dict(), **extra})


def answer_text(answer: Answer, width: int = 88, full_passages: bool = False, lead: str = "") -> str:
    """How a follow-up was understood, the answer (after `lead`), then its numbered sources with the cited passage."""
    lines = [f"(understood as: {answer.resolved_question})"] if answer.resolved_question else []
    lines.append(textwrap.fill(lead + answer.text, width))
    if answer.citations:
        lines += ["", sources_text(answer, width, full_passages)]
    return "\n".join(lines)


def sources_text(answer: Answer, width: int = 88, full_passages: bool = False) -> str:
    """The answer's numbered sources, each with its passage: what it rests on, or all of it."""
    lines = ["Sources:"]
    for citation in answer.citations:
        lines.append(f"  [{citation.n}] {citation.title}")
        lines.append(f"      {citation.article_id}, characters {citation.start}-{citation.end}")
        passage = citation.passage if full_passages else _preview(citation.passage, answer, evidence=citation.evidence)
        lines.append(textwrap.indent(textwrap.fill(_quoted(passage), width - 6), "      "))
    return "\n".join(lines)


def _quoted(passage: str) -> str:
    """The passage in quotation marks, without doubling a mark it already opens or closes with."""
    opening = "" if passage.startswith(("“", '"')) else "“"
    closing = "" if passage.endswith(("”", '"')) else "”"
    return f"{opening}{passage}{closing}"


def _preview(passage: str, answer: Answer, limit: int = 240, evidence: tuple[str, ...] = ()) -> str:
    """What the answer rests on in its passage (the quoted sentence, or a corroborating source's
    own wording of it), or the passage's start (/sources shows it all)."""
    quoted = [e for e in evidence if e in passage] or [s.text for s in answer.sentences if s.text in passage][:1]
    if not quoted or len(passage) <= limit:
        return textwrap.shorten(passage, limit, placeholder=" …")
    spans = sorted((passage.index(q), passage.index(q) + len(q)) for q in quoted)
    start, end = spans[0][0], max(e for _, e in spans)
    shown = passage[start:end] if end - start <= 2 * limit else " … ".join(passage[a:b] for a, b in spans)
    return ("… " if start else "") + shown + (" …" if end < len(passage) else "")
