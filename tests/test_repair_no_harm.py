"""Transcript repair does no harm: ordinary English stays exactly as heard, and names are still repaired."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.engine, pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")]

ORDINARY = Path(__file__).resolve().parent / "fixtures" / "ordinary_english.txt"


@pytest.fixture(scope="module")
def repairer(assistant):
    from assistant.voice.stt.base import make_repairer, rank_vocabulary

    return make_repairer(rank_vocabulary(assistant.vocabulary, assistant.corpus_text), assistant.corpus_text)


def test_the_ordinary_english_set_is_large_enough():
    lines = [line for line in ORDINARY.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert len(lines) >= 100 and len(set(lines)) == len(lines)


def test_ordinary_english_is_never_changed(repairer):
    lines = [line for line in ORDINARY.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    changed = {line: repairer.repair(line) for line in lines}
    assert {k: v for k, v in changed.items() if k != v} == {}


def test_names_heard_as_non_words_are_still_repaired(repairer):
    text, fixes = repairer.apply("Which company is pushing Dueras in China?")
    assert text == "Which company is pushing DuerOS in China?"
    assert [(f.heard, f.term) for f in fixes] == [("Dueras", "DuerOS")]


def test_ordinary_words_beside_a_name_are_left_alone(repairer):
    """Context lets repair touch ordinary words, but only into distinctive names on a near-identical sound."""
    for line in (
        "Will Cortana play music in my room?",
        "Does Xiaomi sell a phone that can take good pictures?",
        "Tell me more about Xiaomi and its phones, take your time.",
        "How many people does Xiaomi employ?",
        "What did Xiaomi CEO say about the deal?",
        "Did Microsoft say when the speaker goes on sale?",
        "What is Harry Shum's position at Microsoft?",  # the articles write Shun; the data file knows Shum
    ):
        assert repairer.repair(line) == line


def test_many_readings_cost_one_espeak_process(monkeypatch):
    """espeak reads unpunctuated lines as one clause; each text gets its own line back all the same,
    from one process, not one process per text (~80 a question before)."""
    import subprocess

    from assistant.voice import repair

    calls = []
    run = subprocess.run
    monkeypatch.setattr(repair.subprocess, "run", lambda *a, **k: calls.append(a) or run(*a, **k))
    texts = ["what did microsoft", "and xiaomi sign", "hello world", "Harman Kardon Invoke"]
    phones = repair.espeak_phones(texts)
    assert len(calls) == 1 and len(phones) == len(texts)
    assert phones == [repair.espeak_phones([t])[0] for t in texts]


def test_sound_alikes_are_proposals_of_distinctive_names_only(repairer):
    """Where repair leaves ordinary words alone, sound_alikes proposes the name they may have been
    (for whisper to score against the audio); only distinctive names, never the corpus's own words."""
    heard = "Tell me about the Naomi Smart speaker."
    assert repairer.repair(heard) == heard  # repair itself never touches it
    proposals = repairer.sound_alikes(heard)
    assert proposals[0][0] == "Tell me about the Xiaomi Smart speaker."
    assert (proposals[0][1].heard, proposals[0][1].term) == ("Naomi", "Xiaomi")
    assert [r for r, _ in repairer.sound_alikes("What a system platform is baby pushing in China.")][0] \
        == "What a system platform is Baidu pushing in China."
    assert len(repairer.sound_alikes(heard, limit=1)) == 1
    assert repairer.sound_alikes("Does Microsoft sell the speaker?") == []  # every word is the articles' own
    assert all(fix.term not in {"Office", "Windows", "Apple"} for _, fix in repairer.sound_alikes("Open my office windows, apple."))
