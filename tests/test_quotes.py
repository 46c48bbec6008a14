"""Who said what: quotations across sentences, reported speech, and sentences no one is named for."""

from __future__ import annotations

import pytest

from assistant.corpus.chunk import chunk_articles
from assistant.reading.quotes import attribute
from assistant.text import Lexicon
from assistant.types import Article

TEXT = (
    "Xiaomi and Microsoft signed a deal. Wang Xiang spoke for Xiaomi at the event.\n"
    "“Microsoft has been a great partner to us for many years and we are delighted to deepen it. "
    "Our mission is to deliver innovation to everyone around the world with our partners. "
    "We will move faster and bring more exciting products and services to all of our users,” "
    "according to Wang Xiang, Senior Vice President, Xiaomi.\n"
    "According to Harry Shun, Xiaomi is very innovative. He further said, “Azure will help Xiaomi grow.”\n"
    "In a press release, Xiaomi also said, “Microsoft leads in cloud computing.” The Invoke costs $150.\n"
)


@pytest.fixture()
def attributed():
    article = Article("a", "A", TEXT)
    passages = chunk_articles([article], max_chars=120)  # small windows: quotes cross passages
    rows, texts = {}, []
    for passage in passages:
        for position, sentence in enumerate(passage.sentences):
            rows[(passage.id, position)] = len(texts)
            texts.append(sentence.text)
    # Many passages name the two partners, few name a person: as in the real corpus.
    lexicon = Lexicon.from_texts([TEXT] + ["Microsoft and Xiaomi work together."] * 10)
    found = attribute(passages, rows, lexicon)
    speakers = {texts[row]: said.speaker for row, said in found.items()}
    return speakers, texts, {texts[row]: said.role for row, said in found.items()}, {
        texts[row]: said.affiliation for row, said in found.items()
    }


def test_every_sentence_of_a_quotation_belongs_to_its_speaker(attributed):
    speakers, *_ = attributed
    opening = next(t for t in speakers if t.startswith("“Microsoft has been"))
    middle = next(t for t in speakers if t.startswith("Our mission"))
    assert speakers[opening] == speakers[middle] == ("wang", "xiang")  # named only in the last sentence


def test_reported_speech_and_he_continue_the_speaker(attributed):
    speakers, *_ = attributed
    assert speakers["According to Harry Shun, Xiaomi is very innovative."] == ("harri", "shun")
    assert speakers["He further said, “Azure will help Xiaomi grow.”"] == ("harri", "shun")


def test_unnamed_speakers_and_plain_sentences_belong_to_no_one(attributed):
    speakers, texts, *_ = attributed
    assert not any("press release" in t for t in speakers)  # "Xiaomi also said": no person
    assert "The Invoke costs $150." not in speakers
    assert "Xiaomi and Microsoft signed a deal." not in speakers


def test_a_title_set_off_after_the_name_describes_the_speaker(attributed):
    _, _, roles, _ = attributed
    middle = next(t for t in roles if t.startswith("Our mission"))
    assert {"senior", "vice", "presid"} <= set(roles[middle])  # "Wang Xiang, Senior Vice President"
    # "According to Harry Shun, Xiaomi is very innovative": what follows the comma is no title.
    assert roles["According to Harry Shun, Xiaomi is very innovative."] == ()


def test_the_organisation_is_read_from_the_title(attributed):
    *_, affiliation = attributed
    middle = next(t for t in affiliation if t.startswith("Our mission"))
    assert affiliation[middle] == ("xiaomi",)  # "…, Senior Vice President, Xiaomi": the lone name after it
    # No title, no organisation: "Xiaomi is very innovative" is what was said.
    assert affiliation["According to Harry Shun, Xiaomi is very innovative."] == ()
