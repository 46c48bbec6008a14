"""Articles the rules were not written for: two realistic news pages about a later event, written
by a new-user trial (`tests/fixtures/web/`), imported into a copy of the corpus and asked about
through the real model and a rebuilt index. Most of these were answered as first asked; three
("Which languages…", "…in the UK?", "…paying Xiaomi?") failed and were fixed by general rules,
so this guards those, not a measure of generalisation."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from assistant.corpus.clean import import_articles

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def newer(tmp_path_factory, repo_settings):
    import shutil

    from assistant.config import Settings
    from assistant.pipeline import Assistant

    home = tmp_path_factory.mktemp("newer")
    shutil.copytree(REPO / "corpus", home / "corpus")
    shutil.copytree(REPO / "index", home / "index", ignore=shutil.ignore_patterns(".lock", "milvus.db"))
    written = import_articles(sorted((REPO / "tests" / "fixtures" / "web").glob("*.txt")), home / "corpus")
    assert len(written) == 2
    return Assistant.load(Settings(home=home, cache_dir=repo_settings.cache_dir))  # rebuilds: the two are new


@pytest.mark.parametrize(
    "question, expected",
    [
        ("How much does the Mi AI Speaker Global cost in India?", r"Rs 3,999"),
        ("Which languages does the Mi AI Speaker Global understand?", r"English and Hindi"),
        ("Who is Javier Soltero?", r"corporate vice president for Cortana"),
        ("How many microphones does the speaker have?", r"six far-field microphones"),
        ("When will the speaker arrive in the UK?", r"early 2019"),
        ("Is Apple Music supported?", r"Apple Music is not"),
    ],
)
def test_questions_about_an_imported_article(newer, question, expected):
    answer = newer.ask(question)
    assert not answer.abstained and re.search(expected, answer.text), answer.text
    assert any(c.article_id in ("xiaomi-launches-cortana-powered-mi", "mi-ai-speaker-global-hands")
               for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    ["What is the battery life of the Mi AI Speaker Global?", "How much is Microsoft paying Xiaomi?"],
)
def test_what_the_imported_articles_do_not_say_is_refused(newer, question):
    assert newer.ask(question).abstained
