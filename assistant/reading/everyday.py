"""Everyday words for the articles' words: what a question may say instead ("gadgets" for "devices").

`assistant/data/everyday.tsv` lists, for words the articles use, the everyday words that mean the
same in the articles' sense of them ("memo" for "memorandum"), or name a kind they are an instance
of ("gadget" for "devices"). It was written by a fixed procedure from the articles' words alone
(`training/EVERYDAY.md`), never from questions. A question word that no article uses is met when
an article word it stands for is in the answer sentence or the one before it, so the unknown-word
check does not refuse it (`reading.checks`); nothing else reads it, and a word the articles use is
never mapped.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from assistant.errors import AssistantError
from assistant.text import raw_tokens, stem

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "everyday.tsv"


def parse(text: str, path: Path = DATA_FILE) -> dict[str, frozenset[tuple[str, ...]]]:
    """Everyday word's stem -> the article words it may stand for, each as the stems of its parts
    ("cutting-edge" is the words "cutting" and "edge" to the tokenizer).

    One line per article word: the word, a tab, then its everyday words separated by commas;
    blank lines and lines starting with "#" are skipped."""
    table: dict[str, set[tuple[str, ...]]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        article, tab, everyday = line.partition("\t")
        words = [w.strip().lower() for w in everyday.split(",")]
        if not tab or not article.strip() or not all(w and w.isalpha() for w in words):
            raise AssistantError(
                f"{path}:{number}: expected an article word, a tab, then everyday words separated by "
                f"commas (one word each), not {line.strip()!r}; fix the line or restore the file from git."
            )
        parts = tuple(stem(part) for part in raw_tokens(article.lower()))
        for word in words:
            table.setdefault(stem(word), set()).add(parts)
    return {word: frozenset(articles) for word, articles in table.items()}


@lru_cache(maxsize=1)
def everyday() -> dict[str, frozenset[tuple[str, ...]]]:
    """The shipped table, read on first use."""
    try:
        text = DATA_FILE.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssistantError(f"{DATA_FILE}: cannot read the everyday words ({exc}); restore it from git.") from None
    return parse(text)


def stands_for(word: str, stems: set[str] | frozenset[str]) -> bool:
    """Whether `word` is an everyday word for an article word whose stems are all among `stems`."""
    return any(all(part in stems for part in article) for article in everyday().get(stem(word.lower()), ()))
