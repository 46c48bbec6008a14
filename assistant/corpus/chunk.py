"""Chunking: split articles into sentence-aware passages with exact character offsets."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Iterator

from assistant.corpus.clean import parse_date
from assistant.types import Article, Passage, Sentence

# Bump when passage boundaries change for the same text, so built indexes are rebuilt.
CHUNKER_VERSION = 3
_PARAGRAPH = re.compile(r"[^\n]+")
# pysbd keeps a quoted speech whole, however many sentences it holds; inside a long quote a
# full stop before a capital still ends a sentence a listener would hear as one.
_INNER_END = re.compile(r"(?<=[A-Za-z0-9]{2}[.!?])\s+(?=[A-Z])")
_LONG_SENTENCE_WORDS = 45
# pysbd's abbreviation pass rewrites the whole text once per abbreviation it meets, so its cost
# grows with the square of a paragraph's length (a 300 KB one-paragraph article took minutes).
# A longer paragraph goes to it in blocks, cut where a sentence plainly ends.
_BLOCK_CHARS = 4000
_PLAIN_END = re.compile(r"(?<=[a-z0-9]{2}[.!?])\s+(?=[A-Z])")


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd  # a maintained rule-based splitter that knows "A.I." and "U.S." are not ends

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _is_heading(paragraph: str) -> bool:
    # Section headings ("Partnership", "Cortana is Just the Tip of the Iceberg") are not sentences.
    return len(paragraph.split()) <= 12 and not paragraph.rstrip().endswith((".", "!", "?", '"', "”", ":"))


def split_sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Sentences of one paragraph, trimmed of surrounding space, with absolute offsets."""
    sentences = []
    for block_start, block in _blocks(text):
        for span in _segmenter().segment(block):
            piece = block[span.start : span.end]
            lead = len(piece) - len(piece.lstrip())
            body = piece.strip()
            if not body:
                continue
            start = offset + block_start + span.start + lead
            sentences.extend(_split_long_quote(Sentence(start, start + len(body), body)))
    return sentences


def _blocks(text: str) -> Iterator[tuple[int, str]]:
    """`text` in pieces of at most _BLOCK_CHARS, cut at a plain sentence end where there is one."""
    start = 0
    while len(text) - start > _BLOCK_CHARS:
        low, high = start + _BLOCK_CHARS // 2, start + _BLOCK_CHARS
        ends = [m.end() for m in _PLAIN_END.finditer(text, low, high)]
        if ends:
            cut = ends[-1]
        else:  # no sentence end: cut at a space, or anywhere in a text with none
            space = text.rfind(" ", low, high)
            cut = space + 1 if space > low else high
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


def _split_long_quote(sentence: Sentence) -> list[Sentence]:
    text = sentence.text
    if len(text.split()) <= _LONG_SENTENCE_WORDS or not text.startswith(("“", '"')):
        return [sentence]
    pieces, cursor = [], 0
    for cut in _INNER_END.finditer(text):
        pieces.append((cursor, cut.start()))
        cursor = cut.end()
    pieces.append((cursor, len(text)))
    return [Sentence(sentence.start + a, sentence.start + b, text[a:b]) for a, b in pieces]


def _windows(sentences: list[Sentence], max_chars: int) -> Iterator[list[Sentence]]:
    # Greedy packing of whole sentences; a long paragraph splits with one sentence of overlap
    # so a fact that straddles the cut still has its context in one passage.
    i = 0
    while i < len(sentences):
        j = i + 1
        while j < len(sentences) and sentences[j].end - sentences[i].start <= max_chars:
            j += 1
        yield sentences[i:j]
        if j >= len(sentences):
            break
        i = j - 1 if j - 1 > i else j


def chunk_articles(articles: Iterable[Article], max_chars: int) -> list[Passage]:
    """All passages of all articles, numbered in order."""
    passages: list[Passage] = []
    for article in articles:
        for match in _PARAGRAPH.finditer(article.text):
            paragraph = match.group().rstrip()
            # A dateline is no sentence either, but it is the article's date: a passage of its own.
            if not paragraph.strip() or _is_heading(paragraph) and not parse_date(paragraph):
                continue
            sentences = split_sentences(paragraph, match.start())
            for window in _windows(sentences, max_chars):
                start, end = window[0].start, window[-1].end
                passages.append(
                    Passage(
                        id=len(passages),
                        article_id=article.id,
                        title=article.title,
                        start=start,
                        end=end,
                        text=article.text[start:end],
                        sentences=tuple(window),
                    )
                )
    return passages
