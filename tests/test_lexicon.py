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


def test_a_word_of_the_language_needs_more_capitals_than_lower_cases_to_be_a_name():
    # One article writes "bigger Tech companies" twice as often as another writes "foreign tech
    # companies": "the two tech giants" in a question must not have to name "Tech". A name that is
    # also a word ("Invoke", "Windows") is written with its capital nearly always.
    texts = [
        "Speakers from bigger Tech companies. Bigger Tech companies like Google.",
        "China is hard for foreign tech companies. The Invoke costs $150. The Invoke is sold. Buy the Invoke.",
        "Office runs on Windows. Windows 10 and Windows phones. Apps that invoke Cortana.",
    ]
    lexicon = Lexicon.from_texts(texts, known_words={"tech", "invoke", "windows", "office"})
    assert "tech" not in lexicon.proper_nouns
    assert {"invoke", "windows", "google", "cortana"} <= set(lexicon.proper_nouns)
    # A word the language does not know is a name on a plain majority, as before.
    assert "xiaomi" in Lexicon.from_texts(["Xiaomi phones. Xiaomi laptops.", "xiaomi"]).proper_nouns


def test_ordinary_words_are_not_folded_onto_names():
    lexicon = Lexicon.from_texts(TEXTS, known_words={"want", "tell"})
    assert lexicon.canonical("want") == "want"  # not Wang
    assert lexicon.canonical("tell") == "tell"
    assert lexicon.canonical("wnag") == "wang"  # a word the language does not know may be a misspelt name
    assert lexicon.canonical("xiamoi") == "xiaomi"


def test_a_name_spelt_by_ear_folds_onto_the_name_it_sounds_like():
    lexicon = Lexicon.from_texts(TEXTS + ["China and the Group. China's Group."], known_words={"china", "group"})
    assert lexicon.canonical("shaomi") == lexicon.canonical("siaomi") == "xiaomi"  # pinyin's x, heard as sh or s
    assert lexicon.canonical("cardon") == "kardon"
    # A name that is also an English word draws nothing by sound ("shines" is no China), and a
    # short word is left as it is: too many names sound alike at five letters.
    assert lexicon.canonical("shines") == "shines" and lexicon.canonical("groupe") == "group"  # same first letter
    assert lexicon.canonical("shaom") == "shaom"


def test_a_misspelt_ordinary_word_folds_onto_the_corpus_word():
    lexicon = Lexicon.from_texts(["The agreement is not legally binding.", "Its leaders and their position."])
    assert lexicon.canonical("legaly") == "legally" and lexicon.canonical("agrement") == "agreement"
    assert lexicon.canonical("postion") == "position"
    assert lexicon.canonical("lenders") == "lenders"  # a word of English, however close to "leaders"
    assert lexicon.canonical("sell") == "sell"  # short words never trade places


def test_an_ordinary_word_spelt_by_ear_folds_onto_the_corpus_word_it_sounds_like():
    lexicon = Lexicon.from_texts(["Xiaomi sold phones and smartphones.", "It is shipping laptops."])
    assert lexicon.canonical("fones") == "phones" and lexicon.canonical("smartfones") == "smartphones"
    assert lexicon.canonical("shiping") == "shipping"
    assert lexicon.canonical("devises") == "devises"  # a word of English (to devise), not "devices"
    assert lexicon.canonical("fons") == "fons"  # under five letters: left as it is


def test_spelling_variants_of_one_name_fold_together():
    lexicon = Lexicon.from_texts(TEXTS)
    assert lexicon.canonical("Xiamio") == lexicon.canonical("Xiaomi") == "xiaomi"
    assert lexicon.canonical("Harman") == lexicon.canonical("Harmon")


def _pairwise_variants(lexicon: Lexicon) -> dict[str, str]:
    """The variant rule as first written: every later name tried against every earlier one."""
    from collections import Counter

    from assistant.text import nearest_name

    counts = Counter()
    for name in lexicon.proper_nouns:
        counts[name] = sum(text.count(lexicon.proper_nouns[name]) for text in NAMES)
    by_count = sorted(lexicon.proper_nouns, key=lambda w: -counts[w])
    canonical: dict[str, str] = {}
    for i, word in enumerate(by_count):
        if word in canonical or len(word) < 5:
            continue
        for other in by_count[i + 1 :]:
            if other not in canonical and nearest_name(other, [word]) == word:
                canonical[other] = word
    return canonical


# Names spelt more than one way, each spelling a known number of times.
NAMES = (
    ["Kaoshan met Miravel."] * 5 + ["Kaoshen met Miravell."] * 2 + ["Kaushan and Mirabel."]
    + ["Tobrek, Tobrak and Tobrekk."] + ["Ulanti with Ulantia."] * 3 + ["Zeph and Zepf went."]
)


def test_spelling_variants_are_found_as_by_trying_every_pair():
    lexicon = Lexicon.from_texts(NAMES)
    assert lexicon.variants == _pairwise_variants(lexicon)
    assert lexicon.variants["kaoshen"] == lexicon.variants["kaushan"] == "kaoshan"
    assert lexicon.variants["miravell"] == "miravel" and "zepf" not in lexicon.variants  # four letters: too short


def test_a_lexicon_counted_one_text_at_a_time_is_the_same():
    from assistant.text import LexiconCounts

    counts = LexiconCounts({"till", "hence"})
    for text in TEXTS + NAMES:
        counts.add(text)
    streamed, whole = counts.lexicon(), Lexicon.from_texts(TEXTS + NAMES, {"till", "hence"})
    assert (streamed.vocabulary, streamed.proper_nouns, streamed.variants) == (whole.vocabulary, whole.proper_nouns, whole.variants)
    assert streamed.document_frequency == whole.document_frequency and streamed.documents == whole.documents == len(TEXTS + NAMES)


def test_acronyms_the_corpus_defines_are_found_with_what_they_stand_for():
    lexicon = Lexicon.from_texts([
        "They signed a Strategic Framework Memorandum of Understanding (MoU) on AI.",
        "Xiaomi works on Artificial Intelligence (AI). It was shown at Redmond (Washington) and CES (2018).",
    ])
    assert lexicon.acronyms == {"mou": ("memorandum", "of", "understanding"), "ai": ("artificial", "intelligence")}
    assert lexicon.acronyms_spelt_out("It went with a memorandum of  understanding, not a contract.") == {"mou"}
    assert lexicon.acronyms_spelt_out("The MoU is not binding.") == set()  # the acronym itself is its own stem



def test_a_function_word_with_two_letters_swapped_or_one_left_out_is_put_right():
    lexicon = Lexicon.from_texts(TEXTS, known_words={"the", "where", "how", "dose", "form", "from", "for"})
    assert lexicon.mend_function_words("when did teh deal start") == "when did the deal start"
    assert lexicon.mend_function_words("Wher is it sold?") == "Where is it sold?"
    # A word the language knows stays ("dose", "form"), and so does one that mends two ways
    # ("fro": for, or from; "hwo": how, or who).
    assert lexicon.mend_function_words("hwo is it") == "hwo is it"
    assert lexicon.mend_function_words("what dose it form fro") == "what dose it form fro"
    assert lexicon.mend_function_words("Xiamio teh") == "Xiamio the"  # the articles' own spelling stays


def test_a_misspelt_ordinary_word_is_put_as_the_articles_spell_it_in_the_question():
    lexicon = Lexicon.from_texts(
        ["Wang Xiang, a Xiaomi executive, spoke. Xiaomi competes with bigger companies."],
        known_words={"who", "is", "the", "quoted", "which", "with"},
    )
    # "which compnies" must read as "which companies" wherever the question's words are read.
    assert lexicon.mend_ordinary_words("who is the Xiaomi exectuive quoted") == "who is the Xiaomi executive quoted"
    assert lexicon.mend_ordinary_words("Compnies") == "Companies"
    # A misspelt name is left to the name folding (shown under its own spelling), and a word
    # the language knows stays.
    assert lexicon.mend_ordinary_words("which Xiamoi quoted") == "which Xiamoi quoted"
