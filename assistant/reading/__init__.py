"""Reading: understand the question, pick verbatim answer spans from the hits, cite them.

Readers are interchangeable behind `reading.base.Reader`; `make_reader` picks one by name.
"""

from __future__ import annotations

from typing import Any

READERS = ("rules", "similarity")


def make_reader(
    name: str, lookup: Any, table: Any, lexicon: Any, embedder: Any, interaction: Any = None, max_words: int = 40,
    written: Any = None, origins: Any = None,
):
    """The reader called `name` (one of READERS), over the index's sentences."""
    if name == "rules":
        from assistant.reading.rules import RuleReader

        return RuleReader(lookup, table, lexicon, embedder, interaction, max_words, written, origins)
    if name == "similarity":
        from assistant.reading.similar import SimilarityReader

        return SimilarityReader(lookup)
    from assistant.errors import AssistantError

    raise AssistantError(f"unknown reader {name!r}; choose one of: {', '.join(READERS)}")
