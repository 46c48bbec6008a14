"""The lexicon: which words are names, and which question words fold onto them."""

from assistant.text import Lexicon

TEXTS = [
    "Till date, Wang Xiang said Xiaomi will ship it. Hence the deal.",
    "According to Wang Xiang, Xiaomi sells phones. Xiaomi is in China.",
    "The Xiamio phones and the Harmon Kardon Invoke. The Harman Kardon speaker.",
]


def test_a_capital_that_only_opens_a_sentence_is_no_name():
    lexicon = Lexicon.from_texts(TEXTS, known_words={"till", "hence", "according", "the"})
    assert {"wang", "xiang", "xiaomi", "china", "kardon", "invoke"} <= set(lexicon.proper_nouns)
    assert not {"till", "hence", "according", "the"} & set(lexicon.proper_nouns)


def test_ordinary_words_are_not_folded_onto_names():
    lexicon = Lexicon.from_texts(TEXTS, known_words={"want", "tell"})
    assert lexicon.canonical("want") == "want"  # not Wang
    assert lexicon.canonical("tell") == "tell"
    assert lexicon.canonical("wnag") == "wang"  # a word the language does not know may be a misspelt name
    assert lexicon.canonical("xiamoi") == "xiaomi"


def test_spelling_variants_of_one_name_fold_together():
    lexicon = Lexicon.from_texts(TEXTS)
    assert lexicon.canonical("Xiamio") == lexicon.canonical("Xiaomi") == "xiaomi"
    assert lexicon.canonical("Harman") == lexicon.canonical("Harmon")
