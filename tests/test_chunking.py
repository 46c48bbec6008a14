"""Passages and sentences point at the exact text of their article."""

from __future__ import annotations

import re
from collections import Counter

from conftest import REPO

from assistant.corpus.chunk import _is_heading, chunk_articles, split_sentences
from assistant.corpus.clean import parse_date, read_article


def _articles():
    return [read_article(p) for p in sorted((REPO / "corpus").glob("*.md"))]


def test_offsets_slice_the_article_exactly():
    articles = {a.id: a for a in _articles()}
    passages = chunk_articles(articles.values(), max_chars=480)
    assert len(passages) > 40
    for passage in passages:
        text = articles[passage.article_id].text
        assert text[passage.start : passage.end] == passage.text
        for sentence in passage.sentences:
            assert text[sentence.start : sentence.end] == sentence.text
            assert sentence.text == sentence.text.strip()


def test_every_article_sentence_is_indexed_once_headings_excluded():
    articles = _articles()
    passages = chunk_articles(articles, max_chars=480)
    sentences = [s.text for p in passages for s in p.sentences]
    assert "Partnership" not in sentences and "Statements by both the companies" not in sentences
    assert "Cortana Could Finally Get a Big Break" not in " ".join(sentences)
    # Once: a sentence sits in two passages only as the one-sentence overlap of neighbours.
    spans = Counter((p.article_id, s.start, s.end) for p in passages for s in p.sentences)
    overlaps = {
        (a.article_id, a.sentences[-1].start, a.sentences[-1].end)
        for a, b in zip(passages, passages[1:])
        if a.article_id == b.article_id and a.sentences[-1] == b.sentences[0]
    }
    assert all(count == 1 or (count == 2 and span in overlaps) for span, count in spans.items())
    # Indexed: every character of every paragraph that is not a heading lies in some passage.
    for article in articles:
        covered = [False] * len(article.text)
        for p in (p for p in passages if p.article_id == article.id):
            covered[p.start : p.end] = [True] * (p.end - p.start)
        for paragraph in re.finditer(r"[^\n]+", article.text):
            if _is_heading(paragraph.group()) and not parse_date(paragraph.group()):
                continue
            missed = [i for i in range(*paragraph.span()) if not covered[i] and not article.text[i].isspace()]
            assert not missed, (article.id, paragraph.group()[:60])


def test_a_dateline_is_a_passage_of_its_own():
    passages = chunk_articles(_articles(), max_chars=480)
    dated = [p for p in passages if p.article_id == "microsoft-xiaomi-extend-partnership"]
    assert dated[0].text == "Monday 26 February 2018" and dated[0].start == 0
    assert dated[1].text.startswith("Xiaomi and Microsoft are all set to expand")


def test_splitter_keeps_abbreviations_and_splits_long_quotes():
    text = "Both firms work on A.I. products in the U.S. market. They said so."
    assert [s.text for s in split_sentences(text)] == [
        "Both firms work on A.I. products in the U.S. market.",
        "They said so.",
    ]
    quote = "“" + " ".join(["We are delighted with this strategic MoU."] * 8) + "” according to Wang Xiang."
    pieces = split_sentences(quote)
    assert len(pieces) == 8 and all(len(p.text.split()) < 45 for p in pieces)
    assert pieces[-1].text.endswith("according to Wang Xiang.")


def test_small_window_splits_paragraphs_with_overlap():
    passages = chunk_articles(_articles(), max_chars=150)
    assert all(len(p.text) <= 150 or len(p.sentences) == 1 for p in passages)
    pairs = zip(passages, passages[1:])
    assert any(a.sentences[-1] == b.sentences[0] for a, b in pairs)  # one sentence of overlap
