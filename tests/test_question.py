"""Validating questions, reading the wanted answer type, and rewriting follow-ups."""

from __future__ import annotations

import pytest

from assistant.errors import BadQuestion
from assistant.reading.follow_up import asks_for_more, resolve_follow_up
from assistant.reading.query import analyse, answer_type, validate
from assistant.text import Lexicon

LEXICON = Lexicon.from_texts(
    [
        "The Harmon Kardon Invoke costs $150. Xiaomi sells the Mi AI Speaker in China.",
        "Harman Kardon Invoke uses Cortana. Wang Xiang and Harry Shun spoke. Xiamio products get Bing.",
        "Microsoft and Xiaomi signed a deal. Microsoft makes Cortana. Xiaomi makes phones.",
    ]
)


@pytest.mark.parametrize(
    "question, message",
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("?!?", "no words"),
        ("x" * 100_000, "100,000 characters"),
        ("what\x00is\x07this", "control characters"),
        ("who is \udc80 wang", "control characters"),  # a lone surrogate (undecodable bytes)
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_bad_questions_are_rejected_with_a_reason(question, message):
    with pytest.raises(BadQuestion, match=message):
        validate(question, max_chars=1000)


def test_question_is_tidied():
    assert validate("  How much\n does   it cost? ", 1000) == "How much does it cost?"


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How much does the Invoke cost?", "money"),
        ("how pricey is the invoke", "money"),
        ("How much is Microsoft paying Xiaomi?", "money"),
        # "How much is <a thing>?" asks its price, whatever the thing (a trial's "how much is the
        # mi ai?" was read as a count and refused); a weight, a worth or a share is no price.
        ("how much is the mi ai?", "money"),
        ("How much does the Invoke go for?", "money"),
        ("What does the Invoke sell for?", "money"),
        ("what did microsoft pay", "money"),
        # What a company sells is a thing, not a price (a trial's "what does xiaomi sell" had
        # been refused for holding no sum of money).
        ("what does xiaomi sell", "other"),
        ("What kind of phones has Xiaomi sold?", "other"),
        ("how much does the mi ai speaker weigh", "number"),
        ("How much is Xiaomi's market share?", "number"),
        ("What percentage of the smart speaker market does Amazon have?", "percent"),  # not any number  # not a count ("two billion citizens" had answered)
        ("How many smartphones did Xiaomi sell?", "number"),
        ("When did they start working together?", "date"),
        ("What year was the deal?", "date"),
        # "the date of" asks a date as "what date" does (it had been read as any kind of answer).
        ("what is the date of the announcement", "date"),
        ("What's the day the deal was reported?", "date"),
        ("Which day did they sign?", "date"),
        ("How long have Xiaomi and Microsoft been working together?", "date"),  # since when
        ("How long is the memorandum?", "duration"),  # its term: no article gives one
        ("Who is Wang Xiang?", "definition"),
        ("Who founded Xiaomi?", "name"),
        ("Which company pushes DuerOS?", "name"),
        ("Where is the Mi AI speaker sold?", "place"),
        ("What country is Xiaomi from?", "place"),  # as "which country"
        ("What will Xiaomi use Azure for?", "other"),
    ],
)
def test_answer_type(question, kind):
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    "question, kind",
    [("What is Cortana?", "definition"), ("what kind of product is bing", "definition"),
     ("What is the price?", "money"), ("What is the deal about?", "other")],
)
def test_what_a_named_thing_is_asks_for_its_definition(question, kind):
    assert analyse(question, LEXICON).answer_type == kind


def test_misspelt_names_fold_onto_the_corpus_spelling():
    assert LEXICON.variants == {"harman": "harmon", "xiamio": "xiaomi"}
    assert LEXICON.canonical("Shum") == "shun"  # only "Shun" is in the corpus
    assert LEXICON.canonical("harman") == "harmon"
    parsed = analyse("who is harry shum", LEXICON)
    assert ("harri", "shun") in parsed.concepts


def test_a_year_is_as_specific_as_a_name():
    assert "2016" in analyse("How many phones did Xiaomi sell in 2016?", LEXICON).heads


def test_a_name_counts_once_however_many_words():
    parsed = analyse("How much does the Harman Kardon Invoke cost?", LEXICON)
    assert ("harmon", "kardon", "invok") in parsed.concepts
    assert ("cost",) in parsed.concepts


@pytest.mark.parametrize(
    "previous, follow_up, rewritten",
    [
        ("How much does the Invoke cost?", "And the Mi AI speaker?", "How much does the Mi AI speaker cost?"),
        ("Who is Harry Shun?", "and wang xiang", "Who is wang xiang?"),
        ("What is the Harman Kardon Invoke?", "How much does it cost?", "How much does the Harman Kardon Invoke cost?"),
        ("How much does the Invoke cost?", "who makes it?", "who makes the Invoke?"),  # "the" kept: a trial's was refused without
        ("How much does the Invoke cost?", "What about the Mi AI Speaker?", "How much does the Mi AI Speaker cost?"),
        # The fragment takes the place of what it is like: "and what about" is all lead.
        ("How much does the Invoke cost?", "and what about the speaker?", "How much does the speaker cost?"),
        ("How many smartphones did Xiaomi sell in 2017?", "and in 2016?",
         "How many smartphones did Xiaomi sell in 2016?"),
        ("What did Xiaomi agree to ship in 2016?", "what about 2015?", "What did Xiaomi agree to ship in 2015?"),
        ("How much does the Invoke cost?", "and in China?", "How much does the Invoke cost in China?"),
        # A question of its own after "and" resolves its pronoun like any other.
        ("Who is Harry Shun?", "and what is his job?", "what is Harry Shun’s job?"),
        ("what is Harry Shun’s job?", "what did he say?", "what did Harry Shun say?"),
        # A bare question word asks the previous question again with it.
        ("Is the agreement legally binding?", "and why?", "Why is the agreement legally binding or not?"),
        ("What did Tencent and Samsung announce?", "when?", "When did Tencent and Samsung announce it?"),
        ("what did he say?", "when?", "When did he say it?"),  # a trial's was "When did he say?"
        ("Does Xiaomi sell phones in the US?", "why not?", "Why does Xiaomi sell phones in the US or not?"),
        ("What did Xiaomi agree to ship in 2016?", "on which phones?",
         "On which phones did Xiaomi agree to ship in 2016?"),
        # A language for a language, a place for a place.
        ("Does the Mi AI speaker understand English?", "and Chinese?", "Does the Mi AI speaker understand Chinese?"),
        ("Is the Mi AI speaker sold in China?", "and the US?", "Is the Mi AI speaker sold in the US?"),
        # The same place with another preposition is replaced, not added.
        ("Is the Mi AI speaker available outside China?", "and in China?", "Is the Mi AI speaker available in China?"),
        # A kind of value is asked of the topic (a trial's had become "who makes the price?").
        # A possessive fragment is the topic's (a trial's "and his job?" had become "who is his job").
        ("who is harry shum", "and his job?", "What is harry shum’s job?"),
        ("who is harry shum", "what is his job?", "what is harry shum’s job?"),
        # A question word asked again keeps the preposition's object: a trial's "why?" after
        # "who are they competing with?" became "Why are Xiaomi competing with?".
        ("Who is Xiaomi competing with?", "why?", "Why is Xiaomi competing with them?"),
        ("What will Xiaomi use Azure for?", "when?", "When will Xiaomi use Azure?"),
        ("What does Xiaomi get out of it?", "why?", "Why does Xiaomi get out of it?"),  # not "…of it it?"
        # What was asked about stands before the phrase the verb governs: a trial's "When does the
        # deal mean for cortana it?".
        ("What did Microsoft sign with Xiaomi?", "when?", "When did Microsoft sign it with Xiaomi?"),
        ("What did Wang Xiang say?", "when?", "When did Wang Xiang say it?"),
        # "when was that?" is the bare question word asked of the last question's event (a
        # trial's "and when was that?", "when did that happen?" were asked as they stood).
        ("What did Microsoft and Xiaomi sign?", "and when was that?", "When did Microsoft and Xiaomi sign it?"),
        ("What did Tencent and Samsung announce?", "when did that happen?", "When did Tencent and Samsung announce it?"),
        ("Why is Xiaomi partnering with Microsoft?", "why was that?", "Why is Xiaomi partnering with Microsoft?"),
    ],
)
def test_follow_ups_resolve_against_the_previous_question(previous, follow_up, rewritten):
    assert resolve_follow_up(follow_up, previous, LEXICON) == rewritten


@pytest.mark.parametrize(
    "previous, answered, follow_up, rewritten",
    [
        # A pronoun for what the previous question asked for points into its answer...
        ("Which is the only Cortana-powered speaker?",
         "Currently, the only Cortana-powered smart speaker on the market is the Harmon Kardon Invoke. [1]",
         "who makes it?", "who makes the Harmon Kardon Invoke?"),
        # A job title is not a person: "he" is Wang Xiang, not "Global Senior Vice President".
        ("Who is the head of international business at Xiaomi?",
         "… according to Wang Xiang, Global Senior Vice President and Head of International Business, Xiaomi.",
         "what did he say?", "what did Wang Xiang say?"),
        # "Who is X?" asks what X is: "he" is still X, whatever the answer names.
        ("Who is Harry Shun?", "According to Harry Shun, the executive vice President of Artificial Intelligence "
         "and Research Group of Microsoft, …", "what did he say?", "what did Harry Shun say?"),
    ],
)
def test_a_pronoun_can_point_into_the_previous_answer(previous, answered, follow_up, rewritten):
    assert resolve_follow_up(follow_up, previous, LEXICON, answered) == rewritten


@pytest.mark.engine
@pytest.mark.parametrize(
    "previous, answered, rewritten",
    [
        # "He" is the one the answer introduces as a person, not the group in his title (a
        # trial's had become "what is Research Group's job?").
        ("Which Microsoft executive commented on the deal?", "According to Harry Shun, the executive vice President "
         "of Artificial Intelligence and Research Group of Microsoft, Xiaomi is …", "what is Harry Shun’s job?"),
        # An answer that names no one gives "he" nothing to point at ("what is Chinese's job?").
        ("Who commented on the partnership for Microsoft?", "This partnership of Microsoft with Xiaomi will have a "
         "major role in allowing access of Microsoft in Chinese market. [1]", None),
    ],
)
def test_he_is_a_person_the_answer_names(assistant, previous, answered, rewritten):
    assert resolve_follow_up("what is his job?", previous, assistant.lexicon, answered) == rewritten


@pytest.mark.parametrize(
    "turn, more",
    [("tell me more", True), ("Hey, tell me more about that please", True), ("go on", True), ("what else?", True),
     ("Tell me more about the Invoke", False), ("What else does Xiaomi make?", False), ("more money?", False)],
)
def test_asking_for_more_is_told_apart(turn, more):
    assert asks_for_more(turn) is more


def test_standalone_questions_are_left_alone():
    assert resolve_follow_up("Who is Wang Xiang?", "How much does the Invoke cost?", LEXICON) is None
    # Nothing in the previous question the fragment could stand for: it is asked as it is.
    assert resolve_follow_up("and the laptop?", "which one is cheaper?", LEXICON) is None
    assert resolve_follow_up("why?", "Who founded Xiaomi?", LEXICON) is None  # no auxiliary to ask it with
    # A question word with a verb after it is a question of its own, not a bare "why?".
    assert resolve_follow_up("Who founded Xiaomi?", "How much does the Invoke cost?", LEXICON) is None
    assert resolve_follow_up("Who makes Cortana?", "How much does the Invoke cost?", LEXICON) is None
    # An "it" that points at nothing is left alone.
    assert resolve_follow_up("Is it true that Xiaomi sells phones?", "How much does the Invoke cost?", LEXICON) is None
    # "he" is not one of the partner companies.
    assert resolve_follow_up("and what is his job?", "who said xiaomi is innovative", LEXICON) is None
    assert resolve_follow_up("And the Mi AI speaker?", None, LEXICON) is None
    # "its" after a name of the question's own is that name's.
    assert resolve_follow_up(
        "Which Microsoft services will Xiaomi build into its products?", "Where is the Mi AI speaker sold?", LEXICON
    ) is None


def test_everyday_words_carry_their_news_equivalents():
    parsed = analyse("Is any money changing hands?", LEXICON)
    assert ("money", "financi", "financ", "fund") in parsed.concepts
    parsed = analyse("What kind of deal had they done before this one?", LEXICON)
    assert ("befor", "earlier", "previous", "prior") in parsed.concepts  # a stopword kept for its meaning
    assert parsed.asked_head == "deal"


def test_a_job_title_is_a_role_not_a_name():
    # The articles capitalise "Head of International Business"; asking for "the head" names no one.
    parsed = analyse("Who is the head of Microsoft's AI group?", LEXICON)
    assert "head" not in parsed.heads
    assert any("head" in c and "execut" in c for c in parsed.concepts)


@pytest.mark.parametrize(
    "question, party",
    [
        ("What's in it for Xiaomi?", "Xiaomi"),
        ("How does Microsoft benefit from the deal?", "Microsoft"),
        ("what does microsoft get out of the deal", "microsoft"),
        ("Why does Xiaomi want this partnership?", "Xiaomi"),  # a motive is a gain
        ("why is microsoft doing this", "microsoft"),
        ("Why is Cortana behind?", None),
        ("How much does the Invoke cost?", None),
    ],
)
def test_whose_benefit_is_asked(question, party):
    assert analyse(question, LEXICON).beneficiary == party


def test_a_question_about_the_reporting_asks_for_the_article_date():
    assert analyse("On what date was it reported that they would expand?", LEXICON).about_publication
    assert not analyse("When did Microsoft test Windows 10 on Xiaomi phones?", LEXICON).about_publication


@pytest.mark.parametrize(
    "question, broad",
    [
        ("Summarise the deal for me", True),
        ("What is this partnership about?", True),
        ("What's going on between Microsoft and Xiaomi?", False),  # here they are not in every text
        ("the Xiaomi agreement", True),  # "tell me about …" taken off; Xiaomi is in every text here
        ("What about the Mi AI speaker?", False),
        ("How much does the Invoke cost?", False),
        ("the Harman Kardon Invoke", False),  # a topic, but not the story as a whole
        ("who are the companies involved", True),
        ("who are the two companies in this story", True),  # a trial's, refused for "story"
        ("Who's behind the deal?", True),
        ("Who are the companies involved in the Tencent deal?", False),  # one fact in it
        ("Who is Wang Xiang?", False),
        ("what is the xiaomi deal", True),  # "what is" the story itself
        ("What's the partnership?", True),
        ("What is Xiaomi?", False),  # a partner alone: what Xiaomi is
        ("What is the deal with Tencent?", False),  # another deal
        ("What is a memorandum?", False),  # what such a thing is, not what this one is about
        ("what's new with the deal", True),
        ("what's happening with cortana and the speaker", False),  # one thing in the story
        ("so what's up with Bing", False),
    ],
)
def test_questions_about_the_whole_story_are_told_apart(question, broad):
    assert analyse(question, LEXICON).broad is broad


def test_a_year_is_no_count():
    # "How many Windows 10 devices has Xiaomi sold?" is not answered by "In 2015, they signed…".
    from assistant.reading.values import typed_values

    # ...nor is a name's number, nor "the two" that points back at firms already named.
    assert typed_values("In 2015, they signed a deal to test Windows 10.", "number") == set()
    assert typed_values("…an agreement between the two firms.", "number") == set()
    assert typed_values("Ten companies joined; two more may.", "number") == {"ten", "two"}
    assert typed_values("it did state that one of the first products would be a speaker", "number") == set()  # picks, not counts
    assert typed_values("Amazon holds 70 percent; Google 24%.", "percent") == {"70percent", "24%"}
    assert typed_values("It sold 92.4 million smartphones in 2017.", "number") == {"92.4million"}
    assert typed_values("In 2015, they signed a deal.", "date") == {"2015"}


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How long does the MoU last?", "duration"),
        ("how long will the partnership run", "duration"),
        ("How long have they worked together?", "date"),  # since when
        ("How long ago did they first team up?", "date"),
    ],
)
def test_how_long_asks_for_a_span_of_time_unless_it_asks_since_when(question, kind):
    from assistant.reading.values import typed_values

    assert analyse(question, LEXICON).answer_type == kind
    assert typed_values("The MoU runs for three years, until 2021.", "duration") == {"threeyears", "until2021"}
    assert typed_values("Xiaomi and Microsoft signed the MoU in 2018.", "duration") == set()


@pytest.mark.parametrize(
    "previous, follow_up",
    [
        # "they" who say are the reporters (a trial's had become "did DuerOS say…").
        ("Which company is pushing DuerOS?", "did they say when the speaker ships"),
        # An idiom's "it" points at nothing (a trial's had become "whats in Azure for microsoft").
        ("Which Microsoft cloud platform is Xiaomi going to use?", "whats in it for microsoft"),
    ],
)
def test_questions_that_point_back_at_nothing_stand_alone(previous, follow_up):
    assert resolve_follow_up(follow_up, previous, LEXICON) is None


@pytest.mark.engine
@pytest.mark.parametrize(
    "previous, follow_up, rewritten",
    [
        # One party for the other, not for a place (a trial's had become "…reach in Xiaomi?").
        ("How many citizens could Microsoft reach in China?", "What about Xiaomi?",
         "How many citizens could Xiaomi reach in China?"),
        ("What does Microsoft give Xiaomi?", "and Xiaomi?", "What does Xiaomi give Microsoft?"),
        ("How will the deal help Microsoft?", "and Xiaomi?", "How will the deal help Xiaomi?"),
        # ...and never a product's: "How much does the Xiaomi cost?" is no question (a trial's).
        ("How much does the Mi AI speaker cost?", "What about Xiaomi?", None),
        # A kind of value is asked of the topic ("and the price?" had become "who makes the
        # price?"), a time as "when", and nothing of a party ("What is the price of Xiaomi?").
        ("Who makes the Invoke?", "and the price?", "What is the price of the Invoke?"),
        # (the "what" was what "for" governed: the date asks when it will use Azure)
        ("What will Xiaomi use Azure for?", "and the date?", "When will Xiaomi use Azure?"),
        ("What is Xiaomi's mission?", "and the price?", None),
        # A new name takes the old one's words with it, and a phrase the phrase (the ninth
        # trial's had become "the fancy the Mi AI speaker", "the boss of the big boss of…").
        ("How much does the fancy Invoke cost?", "and the Mi AI speaker?", "How much does the Mi AI speaker cost?"),
        ("Who is the boss of Xiaomi?", "and the big boss of microsoft?", "Who is the big boss of microsoft?"),
        ("What did the head of AI at Microsoft say about the deal?", "and the head of business at Xiaomi?",
         "What did the head of business at Xiaomi say about the deal?"),
    ],
)
def test_one_party_takes_the_other_s_place(assistant, previous, follow_up, rewritten):
    assert resolve_follow_up(follow_up, previous, assistant.lexicon) == rewritten


@pytest.mark.parametrize("question, person, organisation", [
    ("Which Microsoft executive commented on the deal?", True, "microsoft"),
    ("Who spoke for Xiaomi?", True, "xiaomi"),
    ("who is xiaomi's vice president", True, "xiaomi"),
    ("Which company is Xiaomi working with?", False, None),  # a company, not a person
    ("Who founded Xiaomi?", False, None),  # no title and no speaking: who may be anyone
    ("which official from xiaomi commented", True, "xiaomi"),
])
def test_a_who_question_with_a_title_or_a_way_of_speaking_asks_for_a_person(question, person, organisation):
    asked = analyse(question, LEXICON)
    assert asked.asks_person is person
    assert (organisation in asked.organisation) if organisation else not asked.organisation


def test_mentioned_frames_a_question_and_asks_nothing():
    # "Which phones are mentioned?" asks which phones; "mentioned" is about the articles.
    asked = analyse("Which phones are mentioned in the articles?", LEXICON)
    assert not any("mention" in word for word in asked.concept_words)


@pytest.mark.parametrize(
    "question, kind",
    [("tell me about Wang Xiang", "definition"), ("Cortana?", "definition"), ("the phones Xiaomi sells", "other")],
)
def test_a_name_alone_asks_who_or_what_it_is(question, kind):
    # "the phones Xiaomi sells" has words beside the name: a topic, read as any other question.
    assert analyse(question, LEXICON).answer_type == kind


def test_who_are_someone_s_things_asks_for_names_not_what_a_name_is():
    assert analyse("Who is Wang Xiang?", LEXICON).answer_type == "definition"
    assert analyse("who are xiaomis rivals", LEXICON).answer_type == "name"


def test_the_one_helped_is_the_beneficiary_only_when_it_is_a_name():
    assert analyse("How will the deal help Microsoft?", LEXICON).beneficiary.lower() == "microsoft"
    assert analyse("How does the deal help the company?", LEXICON).beneficiary is None


def test_a_noun_in_nsion_is_met_by_its_verb_when_only_the_verb_is_used():
    # The articles say "expand", never "expansion": "When was the expansion announced?" had
    # met nothing of them, and "what day of the week was the expansion reported" was refused.
    lexicon = Lexicon.from_texts(["Xiaomi and Microsoft are all set to expand their partnership."])
    concepts = analyse("When was the expansion of the partnership announced?", lexicon).concepts
    assert ("expans", "expand") in concepts
    # Only a verb the articles use, and only for a noun they do not.
    assert ("extens",) in analyse("When was the extension announced?", lexicon).concepts
    with_noun = Lexicon.from_texts(["They expand it.", "The expansion was announced."])
    assert ("expans",) in analyse("When was the expansion announced?", with_noun).concepts


@pytest.mark.parametrize("previous", ["Who is Harry Shun?", "What's the Invoke?"])
def test_when_was_that_after_a_question_about_no_event_stands_alone(previous):
    assert resolve_follow_up("when did that happen?", previous, LEXICON) is None  # not "When is Harry Shun?"


def test_when_was_that_asked_first_asks_what_that_is(assistant):
    answer = assistant.ask("when was that?")
    assert answer.abstained and answer.abstention_check == "no-antecedent" and "“that”" in answer.text
