"""Choosing among whisper's beam hypotheses: corpus words win close calls, ordinary English is never touched."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

ORDINARY = Path(__file__).resolve().parent / "fixtures" / "ordinary_english.txt"


@pytest.fixture(scope="module")
def rescorer(assistant):
    pytest.importorskip("wordfreq")
    from assistant.voice.stt.rescore import DomainRescorer

    return DomainRescorer(assistant.corpus_text, assistant.vocabulary)


def test_corpus_words_are_those_the_articles_use_more_than_english_does(rescorer):
    for word in ("deal", "assistants", "binding", "xiaomi", "xiaomi's", "cortana", "memorandum"):
        assert rescorer.domain_word(word), word
    for word in ("the", "steel", "assistance", "bonding", "sky", "weather"):
        assert not rescorer.domain_word(word), word


def test_an_articles_misspelling_is_no_corpus_word(rescorer):
    """One article writes "Xiamio" beside 54 "Xiaomi": whisper copies it from the prompt, and nothing should reward that."""
    assert not rescorer.domain_word("xiamio")


def test_a_close_call_goes_to_the_corpus_words(rescorer):
    # Whisper base's beam on one Piper synthesis of a suite question, with its scores.
    beam = [
        ("Who is Xiaomi competing with for voice assistance in China?", -0.142),
        ("Who is Xiaomi competing with for voice assistants in China?", -0.281),
        ("Who is Xiaomi competing with for voice, assistance, and China?", -0.306),
    ]
    assert rescorer.choose(beam) == beam[1][0]
    # Another synthesis: whisper was surer of "assistance" (0.21 ahead), and that stands.
    beam = [(beam[0][0], -0.104), (beam[1][0], -0.318)]
    assert rescorer.choose(beam) == beam[0][0]
    beam = [("Is the memorandum of understanding legally bonding?", -0.102),
            ("Is the memorandum of understanding legally binding?", -0.145)]
    assert rescorer.choose(beam) == beam[1][0]


def test_a_clear_reading_is_kept(rescorer):
    beam = [("Is the memorandum of understanding legally bonding?", -0.10),
            ("Is the memorandum of understanding legally binding?", -0.90)]
    assert rescorer.choose(beam) == beam[0][0]
    assert rescorer.choose([]) == ""
    assert rescorer.choose(beam[:1]) == beam[0][0]


def test_a_question_not_about_the_corpus_keeps_whispers_reading(rescorer):
    """Seen in whisper's beam on Piper and espeak audio of the ordinary-English set."""
    for beam in (
        [("Show me the news headlines.", -0.30), ("Xiaomi the news headlines.", -0.31)],
        [("Why is the sky blue?", -0.20), ("Why is the Skype you?", -0.21)],
        [("How deep is the ocean?", -0.25), ("Harry is the ocean.", -0.26)],
    ):
        assert rescorer.choose(beam) == beam[0][0]


def test_no_ordinary_sentence_counts_as_about_the_corpus(rescorer):
    """So rescoring can change none of the ordinary-English set, whatever whisper's beam holds."""
    lines = [line for line in ORDINARY.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert [line for line in lines if rescorer.about_corpus(line)] == []



def test_function_words_and_contractions_earn_nothing(rescorer):
    """The articles use "what's" once in 2,039 words, 3.1 times English's rate: no reason to hear "What's assistant" for "Which assistant"."""
    for word in ("what's", "which", "will", "it's"):
        assert not rescorer.domain_word(word), word
    beam = [("What's assistant is Xiaomi talking to Microsoft about for its speaker?", -0.20),
            ("Which assistant is Xiaomi talking to Microsoft about for its speaker?", -0.19)]
    assert rescorer.choose(beam) == beam[1][0]
    beam.reverse()
    assert rescorer.choose(beam) == beam[0][0]
