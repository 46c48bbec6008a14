"""Readers are interchangeable behind one protocol; the citer works on any reader's output."""

from __future__ import annotations

import pytest

from assistant.reading import READERS, make_reader
from assistant.reading.base import Reader
from assistant.reading.checks import CHECKS

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def parts(assistant):
    return assistant.reader.lookup, assistant.reader.table, assistant.lexicon, assistant.embedder


def _query(assistant, text):
    from assistant.reading.base import Query
    from assistant.reading.query import analyse, variants

    question = analyse(text, assistant.lexicon)
    ablations = variants(question, assistant.lexicon)
    vectors = assistant.embedder.encode([question.text, *ablations])
    return Query(question, vectors[0], dict(zip(ablations, vectors[1:])))


@pytest.mark.parametrize("name", READERS)
def test_every_reader_finds_a_plain_fact_with_exact_offsets(assistant, parts, name):
    reader = make_reader(name, *parts)
    assert isinstance(reader, Reader) and reader.name == name
    query = _query(assistant, "What is the price of the Invoke?")
    hits = assistant.retriever.search(query.vector, query.question.terms, assistant.settings.top_k)
    reading = reader.read(query, hits)
    assert not reading.abstained and 0 < reading.answerable <= 1
    extract = reading.extracts[0]
    assert "$150" in extract.sentence.text
    # Offsets point into the cleaned article: the passage holds the sentence where it says.
    assert extract.passage.text[extract.start - extract.passage.start : extract.end - extract.passage.start] == (
        extract.sentence.text
    )
    cited = assistant.citer.cite(query, reading)
    assert "$150" in cited.text and cited.citations[0].passage == extract.passage.text


@pytest.mark.parametrize("name", READERS)
def test_every_reader_abstains_off_topic(assistant, parts, name):
    reader = make_reader(name, *parts)
    query = _query(assistant, "What was the score of the Manchester United game last night?")
    hits = assistant.retriever.search(query.vector, query.question.terms, assistant.settings.top_k)
    reading = reader.read(query, hits)
    assert reading.abstained and reading.check and reading.reason
    assert assistant.citer.cite(query, reading).abstained


def test_the_rule_reader_names_the_check_that_made_it_abstain(assistant):
    answer = assistant.ask("Who is the CEO of Xiaomi?")
    assert answer.abstained and answer.abstention_check in {check.name for check in CHECKS}


def test_an_unknown_reader_is_a_clear_error(parts):
    from assistant.errors import AssistantError

    with pytest.raises(AssistantError, match="unknown reader 'oracle'.*rules"):
        make_reader("oracle", *parts)


@pytest.mark.parametrize(
    "question, subject",
    [
        ("how many smart speakers run microsofts assistant right now", "speakers"),  # not the rare "run"
        ("How many Windows 10 devices has Xiaomi sold?", "devices"),  # a name is not what is counted
        ("How many people could Microsoft reach in China?", "people"),
        ("How much does the Harman Kardon Invoke cost?", "Harman Kardon Invoke"),  # not a count: the rarest
    ],
)
def test_a_count_is_of_the_thing_after_how_many(assistant, question, subject):
    from assistant.reading.query import analyse

    assert assistant.reader.value_subject(analyse(question, assistant.lexicon))[1] == subject


def test_a_count_of_the_asked_thing_answers(assistant):
    answer = assistant.ask("how many smart speakers run microsofts assistant right now")
    assert not answer.abstained and "one smart Cortana" in answer.text
