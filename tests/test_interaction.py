"""Late interaction: question concepts meet a text's word pieces in other words."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.embed import TokenVectors
from assistant.reading.interaction import LateInteraction, _words

pytestmark = pytest.mark.engine


def test_word_pieces_are_joined_back_into_words():
    tokens = TokenVectors(("xiao", "##mi", "'", "s", "boss"), np.eye(5, dtype=np.float32))
    assert [w for w, _ in _words(tokens)] == ["xiaomi", "'", "s", "boss"]
    assert _words(tokens)[0][1] == [0, 1]


def test_an_everyday_word_meets_the_articles_word_for_it(assistant):
    embedder = assistant.embedder
    sentences = embedder.encode_tokens([
        "Wang Xiang is the head of international business at Xiaomi.",
        "The speaker costs about a third of the price of the Invoke.",
    ])
    interaction = LateInteraction(sentences)
    question = embedder.encode_tokens(["Who is Xiaomi's international boss?"])[0]
    concepts = interaction.concept_vectors(["boss", "Xiaomi's", "unicorns"], question)
    assert concepts[2] is None  # not in the question: nothing to match
    on_topic = interaction.coverage(concepts, [0])
    off_topic = interaction.coverage(concepts, [1])
    assert on_topic[0] > off_topic[0] + 0.1  # "boss" finds "head", not "price"
    assert on_topic[1] > 0.8  # the same name matches itself closely
    assert on_topic[2] == 0.0
