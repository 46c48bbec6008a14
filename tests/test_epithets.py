"""Epithets: a question's "the Chinese firm" read as the name the articles call a Chinese company."""

from __future__ import annotations

import pytest

from assistant.reading.epithets import Epithets
from assistant.reading.follow_up import parties
from assistant.reading.query import analyse
from assistant.text import Lexicon

# Small articles written the way news varies a name after its first mention.
ARTICLES = [
    "Microsoft has decided to partner with the Chinese company, Xiaomi, to work on AI products.",
    "Here's the thing, the software giant has agreed to allow Xiaomi to use its cloud services.",
    "Now, the giant from Redmond did not go into details about Xiaomi's plans.",
    "Xiaomi's Mi AI is a budget-conscious smart speaker. Microsoft offers the Bing search engine.",
    "Xiaomi is the fifth largest selling company. Microsoft and Xiaomi signed a memorandum.",
    "Microsoft sells Windows. Xiaomi makes phones. Microsoft and Xiaomi met in Beijing.",
    "Xiaomi may ship the digital assistant, Cortana, made by Microsoft.",
    "An integration with Cortana may also help Xiaomi compete locally with Baidu, which is pushing its own "
    "DuerOS virtual assistant.",
]


@pytest.fixture(scope="module")
def epithets() -> Epithets:
    lexicon = Lexicon.from_texts(ARTICLES)
    return Epithets.from_sentences(ARTICLES, lexicon, parties(lexicon))


@pytest.mark.parametrize(
    "question, asked",
    [
        # An apposition names the Chinese company; a demonym meets its place ("Chinese firm").
        ("What is the Chinese firm's mission?", "What is Xiaomi's mission?"),
        ("which markets could the chinese phone maker enter", "which markets could Xiaomi enter"),
        # A company's epithet beside the other party stands for the first.
        ("Which town does the software giant come from?", "Which town does Microsoft come from?"),
        ("What did the giant from Redmond say?", "What did Microsoft say?"),
        # "Xiaomi is the fifth…" describes Xiaomi, though the sentence names Xiaomi alone.
        ("What did the fifth largest selling company say?", "What did Xiaomi say?"),
        # A question asking only what the epithet is asks what its name is.
        ("What is Xiaomi's budget speaker called?", "What is Mi AI?"),
        ("Who is the Chinese company?", "Who is Xiaomi?"),
        ("what is the name of the search engine", "What is Bing?"),
        # An owner's thing is one the articles put beside that owner: Baidu's is DuerOS.
        ("What is Baidu's digital assistant called?", "What is DuerOS?"),
        ("What is Microsoft's digital assistant called?", "What is Cortana?"),
        # A product's description, with its owner kept.
        ("Where is Xiaomi's budget speaker sold?", "Where is Xiaomi's Mi AI speaker sold?"),
        ("where is xiaomis budget speaker sold", "where is xiaomis Mi AI speaker sold"),  # no apostrophe
        ("What's the search engine Xiaomi will get?", "What's the Bing engine Xiaomi will get?"),
    ],
)
def test_an_epithet_is_asked_as_the_name_it_means(epithets, question, asked):
    assert epithets.resolve(question) == asked


@pytest.mark.parametrize(
    "question",
    [
        "What is the phone maker's best-selling phone?",  # no article calls anyone a phone maker
        "How much does the Mi AI speaker cost?",  # named already
        "Which company did Microsoft partner with?",  # a kind asked for, not an epithet
        "What's the news?",  # a contraction is no owner
        "Who makes phones for the Chinese market?",  # "makes" is no possessive
        "How does Microsoft's cloud business gain?",  # a company's business is its own
        "What is Xiaomi's rank among smartphone makers?",  # "rank among" describes no phone (a trial's)
    ],
)
def test_what_is_not_an_epithet_for_one_name_is_left_as_asked(epithets, question):
    assert epithets.resolve(question) is None


def test_the_real_articles_describe_the_parties(assistant):
    """On the shipped corpus: the epithets the articles use, and the answer they lead to."""
    assert assistant.epithets.resolve("What is the American giant letting the Chinese firm use?") == (
        "What is Microsoft letting Xiaomi use?"
    )
    answer = assistant.ask("What is the American giant letting the Chinese firm use?")
    assert not answer.abstained and "cloud" in answer.text
    assert answer.resolved_question == "What is Microsoft letting Xiaomi use?"


def test_a_kind_the_articles_barely_use_is_met_by_the_names_they_give(epithets):
    """"Which search engine…": the articles call Bing a search engine once, and list it elsewhere."""
    lexicon = Lexicon.from_texts(ARTICLES)
    question = epithets.expand(analyse("Which search engine will Xiaomi phones get?", lexicon), lexicon, parties(lexicon))
    engine = next(c for c, w in zip(question.concepts, question.concept_words) if w == "engine")
    search = next(c for c, w in zip(question.concepts, question.concept_words) if w == "search")
    assert "bing" in engine and "bing" in search and "bing" in question.terms


def test_asked_what_an_epithet_is_the_name_is_the_answer(assistant):
    # A trial's: rewritten to "What is Microsoft's Cortana assistant called?", it was refused.
    answer = assistant.ask("What is Microsoft's digital assistant called?")
    assert not answer.abstained and "Cortana" in answer.text
    assert answer.resolved_question == "What is Cortana?"


def test_an_owner_s_thing_asked_in_everyday_words_is_the_owner_s(assistant):
    # "voice assistant" is put as the articles' "digital assistant" first; Baidu's is DuerOS.
    answer = assistant.ask("What is Baidu's voice assistant called?")
    assert answer.resolved_question == "What is DuerOS?" and "DuerOS" in answer.text


def test_a_listed_product_answers_a_question_about_its_kind(assistant):
    answer = assistant.ask("which browser will xiaomi get")
    assert not answer.abstained and "Edge" in answer.text
    # A kind the articles use often ("speaker", in 12 passages) finds its sentences by its own word.
    plain = analyse("Which speaker is cheaper?", assistant.lexicon)
    assert assistant.epithets.expand(plain, assistant.lexicon, assistant.parties) == plain


def test_a_company_beside_a_kind_owns_it_and_a_name_is_its_whole_capitalised_run(assistant):
    # "Microsoft services" are Microsoft's, not a service called Microsoft; "its Mi Cloud service"
    # names Mi Cloud, not "Mi". A trial's follow-up "and microsoft's?" after "what is xiaomi's
    # cloud service called" had become "What is Mi?", and the question itself "What is Microsoft?".
    described = {(d.name, d.kind) for d in assistant.epithets.descriptions}
    assert ("Mi Cloud", "service") in described and ("Mi", "service") not in described
    assert ("Microsoft", "service") not in described and ("Microsoft", "company") in described
    assert assistant.epithets.resolve("what is xiaomi's cloud service called") is None
    assert assistant.epithets.resolve("what is microsoft's cloud service called") is None


def test_a_name_that_only_qualifies_a_kind_is_not_that_kind(assistant):
    # "one smart Cortana speaker, Harmon Kardon Invoke": the speaker is the Invoke (one spelling
    # of it), and Cortana stays the assistant the articles call it.
    described = {(d.name, d.kind) for d in assistant.epithets.descriptions}
    assert ("Harmon Kardon Invoke", "speaker") in described and ("Harman Kardon Invoke", "speaker") not in described
    assert ("Cortana", "speaker") not in described and ("Cortana", "assistant") in described
    answer = assistant.ask("How much does the Cortana speaker cost?")
    assert not answer.abstained and "$150" in answer.text
    # A name the articles say is a thing of that kind still names it.
    assert assistant.epithets.resolve("how much is the Mi AI speaker") is None


def test_a_name_beside_a_plural_kind_qualifies_it(assistant):
    # "Xiaomi's Android smartphones" are phones running Android, not phones called Android: a
    # trial's "What was Xiaomi's smartphone market share?" had become "…Xiaomi's Android smartphone…".
    described = {(d.name, d.kind) for d in assistant.epithets.descriptions}
    assert ("Android", "smartphone") not in described and ("Bing", "engine") in described
    assert assistant.epithets.resolve("What was Xiaomi's smartphone market share in 2017?") is None


def test_a_product_asked_by_its_maker_and_kind_is_the_maker_s(assistant):
    # A maker among the describing words owns the thing ("the xiaomi smart speaker" is Xiaomi's),
    # and the articles' "Mi AI Speaker" is the Mi AI written with its kind, not a second speaker
    # of Xiaomi's: both had been refused.
    assert assistant.epithets.resolve("how much is the xiaomi smart speaker") == "how much is the Mi AI speaker"
    answer = assistant.ask("how much is the xiaomi smart speaker")
    assert not answer.abstained and "third" in answer.text
    # A maker's name opens its product's: Harmon Kardon Invoke is Kardon's, and the owner of two
    # words is taken whole, not left before the name.
    assert assistant.epithets.resolve("What does Harman Kardon's speaker cost?") == (
        "What does the Harmon Kardon Invoke speaker cost?"
    )
    answer = assistant.ask("What does Harman Kardon's speaker cost?")
    assert not answer.abstained and "$150" in answer.text
    # A company never owns another company, and a name said to be of the kind still names it.
    assert assistant.epithets.resolve("what is the xiaomi company") is None
    assert assistant.epithets.resolve("how much is the Mi AI speaker") is None


def test_a_name_given_in_part_beside_its_kind_is_the_whole_name(assistant):
    # "the harman kardon speaker" names the maker's part of "Harmon Kardon Invoke": it had been
    # read as naming the speaker already, and the price refused for want of "Kardon" beside it.
    assert assistant.epithets.resolve("how much is the harman kardon speaker") == (
        "how much is the Harmon Kardon Invoke speaker"
    )
    answer = assistant.ask("how much is the harman kardon speaker")
    assert not answer.abstained and "$150" in answer.text
    # A whole name stays as it is; a part of no name of that kind is left alone.
    assert assistant.epithets.resolve("where is the Mi AI speaker sold") is None
    assert assistant.epithets.resolve("where is the mi speaker sold") == "where is the Mi AI speaker sold"
    assert assistant.epithets.resolve("what is the Mi assistant") is None


def test_a_thing_the_articles_say_is_another_s_is_not_the_owner_s(assistant):
    # "Xiaomi's cheap smart speaker, Mi AI" is Xiaomi's, though Microsoft stands four words from
    # it in "…talking to Microsoft about integrating Cortana into the Mi AI Speaker".
    assert assistant.epithets.resolve("what is microsoft's speaker called") is None
    assert assistant.epithets.resolve("what is xiaomi's smart speaker called") == "What is Mi AI?"
    # Described as asked, a thing later in a sentence that names the owner is the owner's:
    # "Microsoft has successfully created one smart Cortana speaker, Harmon Kardon Invoke".
    assert assistant.epithets.resolve("How much cheaper is Xiaomi's speaker than Microsoft's Cortana speaker?") == (
        "How much cheaper is Xiaomi's Mi AI speaker than Microsoft's Harmon Kardon Invoke speaker?"
    )
    # "a Bluetooth smart speaker" is a kind of speaker, not one named Bluetooth.
    assert "Bluetooth" not in {d.name for d in assistant.epithets.descriptions}
    # Another company's thing, described in words the articles use of the story's, is not read
    # as the story's.
    assert assistant.epithets.resolve("what is samsung's cheap speaker") is None


def test_an_owner_s_one_thing_is_not_meant_by_a_word_naming_another(assistant):
    # Microsoft's one app the articles describe is Skype, but "translation" is the Translator's
    # word: a trial's "microsoft's translation app" had been asked as "microsoft's Skype app".
    assert assistant.epithets.resolve("what's the name of microsoft's translation app in the list") is None
    # Words said of such things, standing beside the name, or in no article still find it.
    assert assistant.epithets.resolve("what is microsoft's video app") == "What is Skype?"
    assert assistant.epithets.resolve("what is xiaomi's cheap speaker called") == "What is Mi AI?"
    assert assistant.epithets.resolve("what is xiaomi's inexpensive speaker called") == "What is Mi AI?"


@pytest.mark.parametrize("question, said", [
    ("Where is Microsoft based?", "the giant from Redmond"),
    ("which town does the software giant come from", "the giant from Redmond"),
    ("which country is microsoft from", "the American giant"),
    ("wher is xiaomi from", "the Chinese company, Xiaomi"),
    # ...and whether it is from a country (the ninth trial's had got "the American giant…",
    # Microsoft's epithet, for Xiaomi).
    ("is xiaomi an american company", "the Chinese company, Xiaomi"),
    ("Is Microsoft an American company?", "the American giant"),
])
def test_where_a_company_is_from_is_read_from_the_epithet_that_says_it(assistant, question, said):
    # The articles never say "Microsoft is based in Redmond"; they call it "the giant from
    # Redmond". Both dev questions had been refused, and "where is xiaomi from" (the ninth trial)
    # answered with Microsoft's foothold in China.
    answer = assistant.ask(question)
    assert not answer.abstained and said in answer.text


def test_a_place_of_the_kind_the_articles_do_not_give_is_still_refused(assistant):
    # "the Chinese company" says Xiaomi's country, not its city.
    assert assistant.ask("Which city is Xiaomi headquartered in?").abstained
    assert assistant.ask("Where is Xiaomi's CEO from?").abstained
