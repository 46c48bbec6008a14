"""Everyday words for the articles' words (`assistant/data/everyday.tsv`): a question word no
article uses is met by the article word it stands for, and only that way."""

from __future__ import annotations

import pytest

from assistant.errors import AssistantError
from assistant.reading.everyday import DATA_FILE, everyday, parse, stands_for
from assistant.text import raw_tokens, stem


def test_a_line_maps_each_everyday_word_to_the_article_word():
    table = parse("# comment\n\ndevices\tgadget, gizmo\ncutting-edge\tadvanced\n")
    assert table == {"gadget": {("devic",)}, "gizmo": {("devic",)}, "advanc": {("cut", "edg")}}


def test_an_everyday_word_is_met_only_when_its_article_word_is_there():
    assert stands_for("gadgets", {"devic"}) and not stands_for("gadgets", {"phone"})
    assert not stands_for("revenue", {"sale", "sold", "revenu"})  # a near miss stands for nothing


@pytest.mark.parametrize("line", ["devices gadget", "devices\t", "devices\tgadget, two words", "\tgadget"])
def test_a_malformed_line_is_named_with_its_number_and_the_fix(tmp_path, line):
    path = tmp_path / "everyday.tsv"
    with pytest.raises(AssistantError, match=rf"{path}:2: expected an article word.*fix the line"):
        parse(f"devices\tgadget\n{line}\n", path)


def test_the_shipped_table_maps_only_words_no_article_uses(assistant):
    """The procedure's rule 4 (training/EVERYDAY.md): the table fills the gap between the words
    people ask with and the articles' words; a word the articles use keeps its own meaning."""
    assert everyday(), DATA_FILE
    used = assistant.lexicon.document_frequency
    assert [word for word in everyday() if used.get(word, 0)] == []
    article_words = {parts for articles in everyday().values() for parts in articles}
    assert all(any(used.get(part, 0) for part in parts) for parts in article_words)


def test_an_everyday_word_is_answered_where_the_article_says_it_its_way(assistant):
    answer = assistant.ask("What gadgets will Xiaomi create using Microsoft's cloud?")
    assert not answer.abstained and "smartphones, laptops" in answer.text
    assert answer.citations[0].article_id


@pytest.mark.parametrize("question, word", [("What is Xiaomi's revenue?", "revenue"), ("Who is the CEO of Xiaomi?", "CEO")])
def test_a_word_the_table_does_not_give_is_still_refused(assistant, question, word):
    answer = assistant.ask(question)
    assert answer.abstained and answer.abstention_check == "unknown-word" and f"“{word}”" in answer.text


def test_stems_are_what_the_tokenizer_makes():
    assert [stem(t) for t in raw_tokens("cutting-edge")] == ["cut", "edg"]
