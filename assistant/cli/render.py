"""Rendering: answers as terminal text or JSON lines (no heavy imports)."""

from __future__ import annotations

import json
import textwrap

from assistant.types import Answer


def answer_json(answer: Answer, **extra: object) -> str:
    """One JSON object on one line, in the documented schema."""
    return json.dumps({**answer.to_dict(), **extra}, ensure_ascii=False)


def answer_text(answer: Answer, width: int = 88, full_passages: bool = False) -> str:
    """The answer, then its numbered sources with the cited passage."""
    lines = [textwrap.fill(answer.text, width)]
    if answer.resolved_question:
        lines.append(f"(understood as: {answer.resolved_question})")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
    for citation in answer.citations:
        lines.append(f"  [{citation.n}] {citation.title}")
        lines.append(f"      {citation.article_id}, characters {citation.start}-{citation.end}")
        passage = citation.passage if full_passages else _preview(citation.passage, answer)
        lines.append(textwrap.indent(textwrap.fill(f"“{passage}”", width - 6), "      "))
    return "\n".join(lines)


def _preview(passage: str, answer: Answer, limit: int = 240) -> str:
    """The quoted sentence in its passage, or the passage's start (/sources shows it all)."""
    quoted = next((s.text for s in answer.sentences if s.text in passage), None)
    if quoted is None or len(passage) <= limit:
        return textwrap.shorten(passage, limit, placeholder=" …")
    at = passage.index(quoted)
    return ("… " if at else "") + quoted + (" …" if at + len(quoted) < len(passage) else "")
