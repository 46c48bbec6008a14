"""How often the rule reader's top-ranked sentence holds the expected fact, per question set.

Reads each answerable question as the assistant does (analysis, retrieval, the reader's ranking
with the query adapter unless DEAL_ASSISTANT_QUERY_ADAPTER=false), takes the best-ranked candidate
sentence before any abstention check, and counts those an `expect` pattern matches. Totals only:
the blind set may be measured, never read item by item.

    .venv/bin/python eval/sentence_choice.py [suite heldout dev blind]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(names: list[str]) -> None:
    from assistant.evaluation.suite import load_suite
    from assistant.pipeline import Assistant
    from assistant.reading.query import analyse

    assistant = Assistant.load()
    reader = assistant.reader
    for name in names or ["suite", "heldout", "dev", "blind"]:
        chosen = total = 0
        for item in load_suite(ROOT / "eval" / f"{name}.yaml").items:
            if item.abstain or item.follows:
                continue
            question = analyse(item.question, assistant.lexicon)
            vector = assistant.embedder.encode([question.text])[0]
            hits = assistant.retriever.search(vector, question.terms, assistant.settings.top_k)
            ranking = assistant.adapter(vector) if assistant.adapter is not None else None
            ranked = reader.candidates(question, vector, hits, ranking)
            text = ranked[0].sentence.text.replace("’", "'").replace("“", '"').replace("”", '"') if ranked else ""
            chosen += any(pattern.search(text) for pattern in item.expect)
            total += 1
        print(f"{name}: top-ranked sentence holds the fact for {chosen} of {total} answerable ({chosen / total:.3f})")


if __name__ == "__main__":
    main(sys.argv[1:])
