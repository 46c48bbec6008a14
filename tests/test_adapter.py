"""The query adapter: fitted at build time on the corpus's training questions, stored with the index."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.errors import ArticleError
from assistant.index import adapter
from assistant.index.store import build_index, load_index, read_manifest, staleness


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_the_fit_moves_questions_to_their_own_sentences():
    # Questions that are their sentence seen through a fixed distortion (a rotation of the
    # space): before the fit most land elsewhere, after it most land on their own, including
    # the questions held out of the fit that the report measures.
    rng = np.random.default_rng(0)
    sentences = _unit(rng.normal(size=(40, 32)))
    distortion = np.linalg.qr(rng.normal(size=(32, 32)))[0]
    gold = np.repeat(np.arange(40), 4)
    questions = _unit(sentences[gold] @ (0.35 * distortion + 0.65 * np.eye(32)).T + 0.25 * rng.normal(size=(160, 32)))
    matrix, report = adapter.fit(questions, sentences, gold)
    assert matrix.shape == (32, 32) and matrix.dtype == np.float32
    assert report["hit_at_1_after"] > report["hit_at_1_before"]
    assert report["held_out_hit_at_1_after"] > report["held_out_hit_at_1_before"]
    assert report["questions"] == 160 and report["held_out_questions"] == 40
    moved = adapter.QueryAdapter(matrix)(questions[0])
    assert moved.shape == (32,) and moved.dtype == np.float32


def test_no_adapter_changes_nothing():
    vector = _unit(np.ones((1, 8)))[0]
    assert np.allclose(adapter.QueryAdapter(np.zeros((8, 8)))(vector), vector)


def test_a_malformed_training_line_is_named(tmp_path):
    (tmp_path / adapter.TRAINING_FILE).write_text('{"sentence": "A.", "questions": ["Q?"]}\nnot json\n')
    with pytest.raises(ArticleError, match=r"training-questions\.jsonl:2: each line must be"):
        adapter.read_training(tmp_path)
    (tmp_path / adapter.TRAINING_FILE).write_text('{"sentence": "A.", "questions": "Q?"}\n')
    with pytest.raises(ArticleError, match=":1:"):
        adapter.read_training(tmp_path)
    assert adapter.read_training(tmp_path / "nowhere") is None


@pytest.mark.engine
def test_the_shipped_index_carries_its_adapter_and_its_report(repo_settings):
    manifest = read_manifest(repo_settings.index_path)
    record = manifest["query_adapter"]
    assert record["stored"] is True and record["skipped_questions"] == 0
    assert record["held_out_hit_at_1_after"] > record["held_out_hit_at_1_before"]
    index = load_index(repo_settings.index_path)
    assert index.query_adapter.shape == (index.dimension, index.dimension)
    # ...and the questions it was fitted on, each with the sentence row it was written for.
    vectors, rows = index.training_questions
    assert vectors.shape == (record["questions"], index.dimension) and rows.shape == (record["questions"],)
    assert 0 <= rows.min() and rows.max() < len(index.sentence_owner)
    # ...and the near misses, the questions about the corpus that no article answers, each with
    # the row of the sentence it was written beside.
    near = index.near_misses
    assert record["near_misses"] > 100 and near.vectors.shape == (record["near_misses"], index.dimension)
    assert len(near.texts) == len(near.rows) == record["near_misses"] and near.texts[0].endswith("?")
    assert 0 <= near.rows.min() and near.rows.max() < len(index.sentence_owner)


@pytest.mark.engine
def test_new_training_questions_refit_the_adapter_and_reuse_every_vector(home):
    path = home.corpus_path / adapter.TRAINING_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    assert staleness(read_manifest(home.index_path), home) == (
        "the query adapter's training questions changed"
    )
    previous = read_manifest(home.index_path)
    before = previous["files"]["query_adapter"]["sha256"]
    manifest = build_index(home)
    assert manifest["build"]["embedded_articles"] == 0  # only the questions were embedded
    assert manifest["query_adapter"]["questions"] < previous["query_adapter"]["questions"]
    assert manifest["files"]["query_adapter"]["sha256"] != before
    assert len([p for p in home.index_path.iterdir() if p.name.startswith("query_adapter")]) == 1


@pytest.mark.engine
def test_a_bad_training_file_builds_without_the_adapter(home, caplog):
    from assistant.pipeline import Assistant

    (home.corpus_path / adapter.TRAINING_FILE).write_text("{broken\n", encoding="utf-8")
    assistant = Assistant.load(home)  # stale (the file changed): rebuilt, with a warning, no adapter
    assert "training-questions.jsonl:1" in caplog.text
    record = read_manifest(home.index_path)["query_adapter"]
    assert record["stored"] is False and "training-questions.jsonl:1" in record["why"]
    assert assistant.adapter is None and not list(home.index_path.glob("query_adapter-*"))
    assert "150" in assistant.ask("How much does the Invoke cost?").text


@pytest.mark.engine
def test_the_setting_turns_it_off(home):
    from assistant.pipeline import Assistant

    assistant = Assistant.load(home.replace(query_adapter=False))  # no rebuild: the index keeps it
    assert assistant.adapter is None and assistant.index.query_adapter is not None
    assert assistant.reader.written is None  # nothing learnt from the training questions is used
    on = Assistant.load(home)
    assert on.adapter is not None and on.reader.written is not None


def test_a_question_written_for_a_sentence_in_other_words_is_answered_by_it():
    """The coverage checks see few of its words in "…the Chinese company, Xiaomi…"; the training
    questions hold "Which country is Xiaomi from?" for that sentence."""
    import numpy as np

    from assistant.reading.written import WRITTEN_FOR, WrittenQuestions

    vectors = np.eye(4, dtype=np.float32)[[0, 1, 2]]
    written = WrittenQuestions(vectors, np.array([7, 7, 9]))
    near = np.array([0.9, 0.1, 0.0, 0.0], dtype=np.float32)
    near /= np.linalg.norm(near)
    assert written.closeness(7, near) >= WRITTEN_FOR and written.answers(7, near)
    assert not written.answers(9, near) and written.closeness(3, near) == 0.0  # another sentence's, or none


def test_a_question_nearer_a_near_miss_than_any_answered_one_is_unanswered():
    from assistant.index.store import NearMisses
    from assistant.reading.written import WrittenQuestions

    def unit(*values):
        vector = np.array(values, dtype=np.float32)
        return vector / np.linalg.norm(vector)

    def written(answered, missed=unit(0, 1, 0), text="Who is Xiaomi's CEO?"):
        near = NearMisses(np.stack([missed]), np.array([5]), (text,))
        return WrittenQuestions(np.stack([answered]), np.array([3]), near, article_of=lambda row: f"article-{row}")

    asked = unit(0.1, 1, 0)  # "Who runs Xiaomi?", say: a near miss in other words
    assert written(unit(1, 0, 0)).unanswered(asked, "name", "article-5") is not None
    assert written(unit(1, 0, 0)).unanswered(asked, "entity", "article-5") is not None  # "What's the name of…"
    assert written(unit(1, 0, 0)).unanswered(unit(0, 1, 1), "name", "article-5") is None  # near nothing
    # As near a question that is answered: not refused for it.
    assert written(unit(0.05, 1, 0)).unanswered(unit(0, 1, 0.1), "name", "article-5") is None
    # A number asked is not the thing the near miss asks for ("How many…" is not "Which…").
    assert written(unit(1, 0, 0)).unanswered(asked, "number", "article-5") is None
    # An answer from an article the near misses were not checked against (imported since) stands.
    assert written(unit(1, 0, 0)).unanswered(asked, "name", "article-9") is None
    assert WrittenQuestions(np.stack([unit(1, 0, 0)]), np.array([3])).unanswered(asked, "name", "article-5") is None


@pytest.mark.engine
def test_the_shipped_near_misses_refuse_a_question_the_articles_leave_open(repo_settings):
    from assistant.pipeline import Assistant

    # "According to Harry Shun, the executive vice President…" matches its words, not its question.
    answer = Assistant.load(repo_settings).ask("Who is Microsoft's top boss?")
    assert answer.abstained and answer.abstention_check == "near-miss"
    assert not Assistant.load(repo_settings).ask("Who is Wang Xiang?").abstained
    # A question that is only a name asks what the articles say of it: never a near miss, however
    # close "Who does Harry Shum report to?" comes (a dev question had been refused for it).
    assert not Assistant.load(repo_settings).ask("tell me about harry shum").abstained


def test_a_training_line_may_hold_near_misses_alone(tmp_path):
    path = tmp_path / adapter.TRAINING_FILE
    path.write_text(
        '{"sentence": "S one.", "questions": ["Q?"]}\n{"sentence": "S two.", "near_misses": ["N?", " "]}\n',
        encoding="utf-8",
    )
    training = adapter.read_training(tmp_path)
    assert training.questions == ("Q?",) and training.near_misses == ("N?",)
    path.write_text('{"sentence": "S one."}\n', encoding="utf-8")
    with pytest.raises(ArticleError, match="training-questions.jsonl:1"):
        adapter.read_training(tmp_path)


@pytest.mark.engine
def test_the_shipped_training_questions_let_an_everyday_question_through(repo_settings):
    from assistant.pipeline import Assistant

    # (It had been "which country is xiaomi from", now read from the epithet "the Chinese company".)
    answer = Assistant.load(repo_settings).ask("will bing come to xiaomi phones")
    assert not answer.abstained and "Bing" in answer.text
    off = Assistant.load(repo_settings.replace(query_adapter=False)).ask("will bing come to xiaomi phones")
    assert off.abstained and off.abstention_check == "passage-coverage"


def test_training_questions_name_only_sentences_of_the_corpus(repo_settings):
    # Every question was written for a sentence that the shipped index holds, verbatim.
    training = adapter.read_training(repo_settings.corpus_path)
    passages = read_manifest(repo_settings.index_path)["files"]["passages"]["name"]
    texts = set()
    for line in (repo_settings.index_path / passages).read_text(encoding="utf-8").splitlines():
        passage = json.loads(line)
        texts |= {passage["text"][a - passage["start"] : b - passage["start"]] for a, b in passage["sentences"]}
    assert training is not None and set(training.sentences) <= texts
