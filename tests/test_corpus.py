"""Cleaning the seed articles, their metadata, and reading a corpus with bad files in it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO, SEEDS

from assistant.corpus.clean import (
    clean_article,
    import_articles,
    load_corpus,
    parse_date,
    read_article,
)
from assistant.errors import ArticleError, CorpusEmpty

BOILERPLATE = [
    "Skip to main content",
    "Editors' Recommendations",
    "Leave a Reply",
    "Your email address will not be published",
    "Post a Comment",
    "No comments",
    "Post Author",
    "Akismet",
    "enthusiastic programmer",  # the author bio
]


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_is_cleaned_of_boilerplate(seed: Path):
    article = read_article(seed)
    for phrase in BOILERPLATE:
        assert phrase.lower() not in article.text.lower()
    assert article.title not in article.text  # the headline is metadata, not body
    assert article.text.strip().endswith((".", "”"))


def test_seed_metadata():
    articles = {a.id: a for a in (read_article(p) for p in sorted(SEEDS.glob("*.txt")))}
    assert set(articles) == {
        "microsoft-xiaomi-announced-partnership-develop",
        "xiaomi-microsoft-team-ai-cloud",
        "microsoft-xiaomi-extend-partnership",
        "microsoft-xiaomi-team-produce-smart",
        "microsoft-partners-xiaomi-push-ai",
    }
    dated = articles["microsoft-xiaomi-extend-partnership"]
    assert dated.title == "Microsoft and Xiaomi to extend their partnership"
    assert dated.date == "2018-02-26"
    # The dateline opens the text, so it can be cited; the teaser above the headline is dropped.
    assert dated.text.startswith("Monday 26 February 2018\n\nXiaomi and Microsoft are all set to expand their partnership. They")
    assert sum(a.date is not None for a in articles.values()) == 1  # only one article states a date


def test_shipped_corpus_is_what_import_makes(tmp_path):
    written = import_articles(sorted(SEEDS.glob("*.txt")), tmp_path)
    for path in written:
        assert path.read_text("utf-8") == (REPO / "corpus" / path.name).read_text("utf-8")


def test_front_matter_round_trip():
    article = read_article(REPO / "corpus" / "microsoft-xiaomi-extend-partnership.md")
    assert article.date == "2018-02-26"
    assert article.source == "002_1786cc76dec43be7.txt"
    assert article.text.startswith("Monday 26 February 2018\n\nXiaomi and Microsoft are all set to expand")


def test_cleaning_a_new_raw_article():
    raw = (
        "Skip to main content\n\nMarch 3, 2018\n\nA Headline About Speakers\n\nFirst sentence here. "
        "Second  one\u00a0too.\n\nThis website uses cookies to improve your experience.\n\n"
        "Leave a Reply\n\nComment text that is not the article.\n"
    )
    article = clean_article(raw)
    assert article.title == "A Headline About Speakers"
    assert article.date == "2018-03-03"
    assert article.text == "March 3, 2018\n\nFirst sentence here. Second one too.\n"
    assert article.id == "headline-about-speakers"


@pytest.mark.parametrize(
    "line, iso",
    [("Monday 26 February 2018", "2018-02-26"), ("February 26, 2018", "2018-02-26"), ("2018-02-26", "2018-02-26"),
     ("Microsoft and Xiaomi", None), ("In 2015", None)],
)
def test_parse_date(line, iso):
    assert parse_date(line) == iso


def test_bad_files_are_named_and_the_rest_still_load(tmp_path):
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 headline\n\nBody text.".encode("latin-1"))
    (tmp_path / "binary.md").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "empty.txt").write_text("Skip to main content\n")
    unreadable = tmp_path / "locked.txt"
    unreadable.write_text("Headline\n\nText.")
    unreadable.chmod(0)
    articles, problems = load_corpus(tmp_path)
    unreadable.chmod(0o644)
    assert len(articles) == (3 if os.geteuid() == 0 else 2)
    joined = "\n".join(problems)
    assert "latin1.txt: not valid UTF-8" in joined and "iconv" in joined
    assert "binary.md: binary file" in joined
    assert "empty.txt: no article text" in joined
    if os.geteuid() != 0:  # root reads anything, so the permission case only bites users
        assert "locked.txt: cannot read" in joined


def test_single_bad_article_error_names_the_file(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa not utf8")
    with pytest.raises(ArticleError, match=r"bad\.txt: not valid UTF-8"):
        read_article(bad)


def test_empty_corpus_folder_says_so(tmp_path):
    with pytest.raises(CorpusEmpty, match="no readable"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusEmpty, match="no such folder"):
        load_corpus(tmp_path / "missing")
