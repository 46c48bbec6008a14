"""Everyday question words meet the articles' words; idioms are put plainly."""

from __future__ import annotations

import pytest

from assistant.reading.thesaurus import GROUPS, equivalents, plain
from assistant.text import stem


def test_a_word_brings_its_equivalents_itself_first():
    assert equivalents("money") == ("money", "financi", "financ", "fund")
    assert equivalents(stem("chief"))[0] == "chief" and stem("executive") in equivalents("chief")


def test_words_outside_the_groups_stand_alone():
    assert equivalents("revenu") == ("revenu",)
    assert equivalents("ceo") == ("ceo",)  # a specific title is not any "head"


def test_no_word_sits_in_two_groups():
    stems = [term for group in GROUPS for term in dict.fromkeys(stem(word) for word in group)]
    assert len(stems) == len(set(stems))


def test_idioms_are_put_plainly():
    assert plain("What's in it for Xiaomi?") == "how does Xiaomi benefit?"
    assert plain("what does microsoft get out of the deal") == "how does microsoft benefit from the deal"
    assert plain("What is in the deal for Xiaomi?") == "What is in the deal for Xiaomi?"
    # "what" as chat types it (a trial's "wat is cortana"), with or without its "'s"
    assert plain("wat is cortana") == "what is cortana" and plain("wats the price") == "what's the price"
    assert plain("Watson said so") == "Watson said so"  # whole words only


@pytest.mark.parametrize(
    "spoken, plainly",
    [
        ("hey, so can you tell me who Wang Xiang is", "who Wang Xiang is"),
        ("ok assistant what cloud will Xiaomi use", "what cloud will Xiaomi use"),
        ("tell me about harry shum", "harry shum"),
        ("How much does the Invoke cost, please?", "How much does the Invoke cost"),
        ("whats new with xiaomi", "what's new with xiaomi"),
        ("hey", "hey"),  # nothing would be left: unchanged
        # A wrapper that would leave nothing is what is asked about (the wake word "Cortana"
        # had taken the topic away, and the question was refused).
        ("hey so what's the deal with cortana", "cortana"),
        ("cortana, what is xiaoice", "what is xiaoice"),
        # Another speaker's wake word, said from habit (a trial's "ok google, …" was refused and
        # "alexa, …" answered with the sentence naming Alexa); Google itself stays a topic.
        ("ok google, how much is the invoke", "how much is the invoke"),
        ("hey google who is wang xiang", "who is wang xiang"),
        ("alexa, what did microsoft and xiaomi agree on?", "what did microsoft and xiaomi agree on?"),
        ("Hey Siri when was the deal announced", "when was the deal announced"),
        ("Google Home is similar to which speaker?", "Google Home is similar to which speaker?"),
        # A name is a wake word only before a pause or a question (the ninth trial's "…deal with
        # cortana and the mi speaker?" had become "and the mi speaker?").
        ("hey so what's the deal with cortana and the mi speaker?", "cortana and the mi speaker?"),
        ("cortana what is the price of the invoke", "what is the price of the invoke"),
        ("alexa and cortana, which is better", "alexa and cortana, which is better"),
    ],
)
def test_speaker_wrappers_are_taken_off(spoken, plainly):
    assert plain(spoken) == plainly


@pytest.mark.parametrize(
    "asked, plainly",
    [
        # What is traded "in return" is what is given (a failure kind of dev and of the seventh
        # outside check: "return" is no word of the articles).
        ("What does Xiaomi give Microsoft in return?", "What does Xiaomi give Microsoft?"),
        ("what does microsoft get in exchange for that", "what does microsoft get"),
        ("how did the market return", "how did the market return"),
        # To put pen to paper is to sign.
        ("what did they put pen to paper on", "what did they sign"),
        ("when did microsoft put pen to paper", "when did microsoft sign"),
        # Included in nothing is included in the deal.
        ("will microsoft translator be included", "will microsoft translator be included in the deal"),
        ("will cortana be covered?", "will cortana be covered in the deal?"),
        ("which products are included in the first phase", "which products are included in the first phase"),
    ],
)
def test_idioms_are_put_as_the_articles_would_say_them(asked, plainly):
    assert plain(asked) == plainly


def test_a_voice_assistant_is_put_as_the_articles_say_it():
    from assistant.reading.thesaurus import plain

    assert plain("which voice helper will xiaomi use") == "which digital assistant will xiaomi use"
    assert plain("what's baidu doing with voice assistants") .endswith("digital assistants")
    assert plain("does it take voice commands") == "does it take voice commands"


@pytest.mark.parametrize(
    "asked, plainly",
    [
        # Partnering put as the articles say it (a trial's "…first team up?" was refused for "team").
        ("When did the two firms first team up?", "When did the two firms first work together?"),
        ("they teamed up in 2015", "they worked together in 2015"),
        ("Why are they joining forces?", "Why are they working together?"),
        # An opinion is what someone said.
        ("What does Microsoft think of Xiaomi?", "what did Microsoft say about Xiaomi?"),
        ("how does wang xiang feel about microsoft", "what did wang xiang say about microsoft"),
        # A party's motive is its gain.
        ("why does microsoft want xiaomi", "how does microsoft benefit from xiaomi"),
        ("Why does Xiaomi want to partner with Microsoft?", "how does Xiaomi benefit from Microsoft?"),
        ("what does xiamio want from microsoft", "how does xiamio benefit from microsoft"),  # a trial's
        ("What does Microsoft want?", "What does Microsoft want?"),  # what it wants, not from whom
        # Someone's job is asked as who they are, but "his job" waits for "he" to be resolved.
        ("What is Harry Shum's job?", "who is Harry Shum?"),
        ("what is his job?", "what is his job?"),
        # So is where, or for whom, someone works; a pronoun waits for its name.
        ("Where does Harry Shum work?", "who is Harry Shum?"),
        ("who does wang xiang work for", "who is wang xiang?"),
        ("where does he work?", "where does he work?"),
        # A country by its letters, as news writes it out; "us" stays a pronoun.
        ("When will the speaker arrive in the UK?", "When will the speaker arrive in the United Kingdom?"),
        ("is it sold in the U.S.?", "is it sold in the United States?"),
        ("does it work for us", "does it work for us"),
        # "let X use" as the articles put it; "let me" stays.
        ("What will Microsoft let Xiaomi use?", "What will Microsoft allow Xiaomi to use?"),
        ("let me know who Harry Shum is", "who Harry Shum is"),
        ("let us talk", "let us talk"),
    ],
)
def test_everyday_phrasings_are_put_as_the_articles_say_them(asked, plainly):
    assert plain(asked) == plainly
