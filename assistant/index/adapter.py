"""A query adapter learnt from questions written for the corpus's own sentences.

`corpus/training-questions.jsonl` holds questions for each sentence of the articles, written by
a local language model (`training/generate.py`) and by a fixed procedure (`training/PROCEDURE.md`);
no eval question is among them. At build time
a linear map W is fitted so that a question's vector, moved to q + Wq, lands nearest its own
sentence among all the corpus's sentences (softmax cross-entropy, L2 on W). The reader chooses
sentences by a blend of the moved and the plain vector; everything else keeps the plain one.

The map is data: a 384 x 384 float32 array in the index, its fit and training report in the
manifest. Applying it costs one small matrix product per question.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.errors import ArticleError

TRAINING_FILE = "training-questions.jsonl"
# Chosen on eval/dev.yaml (the adapter's section of the README has the sweep): L2 0.003-0.03,
# 30-100 steps and a blend of 0.3-0.5 all did about as well; more steps overfit the generated
# questions (training hit@1 0.92, dev worse than none).
FIT = {"l2": 0.01, "steps": 50, "learning_rate": 1e-3, "temperature": 0.05}
BLEND = 0.5
# Sentences a fit weighs each question against, at most: on a large corpus, the questions' own
# sentences and a fixed sample of the others.
MAX_SENTENCES = 20_000


@dataclass(frozen=True)
class TrainingQuestions:
    """Questions for sentences, as read from the training file."""

    questions: tuple[str, ...]
    sentences: tuple[str, ...]  # the sentence each question was written for, verbatim
    sha256: str
    # Questions about the sentence's people and things that no article answers (near misses,
    # `training/NEARMISS.md`): what the articles leave unanswered, by example; and the sentence
    # each was written beside, which says which articles it was checked against.
    near_misses: tuple[str, ...] = ()
    near_miss_sentences: tuple[str, ...] = ()


def training_path(corpus_dir: Path) -> Path:
    return corpus_dir / TRAINING_FILE


def training_fingerprint(corpus_dir: Path) -> str | None:
    """The training file's hash (the adapter is refitted when it changes), or None if absent."""
    path = training_path(corpus_dir)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def read_training(corpus_dir: Path) -> TrainingQuestions | None:
    """The training questions, or None without a file; a malformed line is an error naming it."""
    path = training_path(corpus_dir)
    if not path.is_file():
        return None
    raw = path.read_bytes()
    questions, sentences, near_misses, near_sentences = [], [], [], []
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            sentence = record["sentence"]
            if "questions" not in record and "near_misses" not in record:
                raise KeyError
            asked, missed = record.get("questions", []), record.get("near_misses", [])
            if not isinstance(sentence, str) or not all(
                isinstance(texts, list) and all(isinstance(q, str) for q in texts) for texts in (asked, missed)
            ):
                raise TypeError
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ArticleError(
                f"{path}:{number}: each line must be a JSON object with \"sentence\" (text) and "
                "\"questions\" or \"near_misses\" (lists of texts); fix the line or delete the file"
            ) from None
        for question in asked:
            if question.strip():
                questions.append(question.strip())
                sentences.append(sentence)
        for question in missed:
            if question.strip():
                near_misses.append(question.strip())
                near_sentences.append(sentence)
    return TrainingQuestions(
        tuple(questions), tuple(sentences), hashlib.sha256(raw).hexdigest(), tuple(near_misses), tuple(near_sentences)
    )


def as_asked(question: str) -> str:
    """A question as the assistant reads one: ending in a single "?"."""
    return re.sub(r"[\s?.!…]*$", "", question) + "?"


def _fit(queries: np.ndarray, sentences: np.ndarray, gold: np.ndarray) -> np.ndarray:
    import torch

    torch.manual_seed(2018)
    q = torch.tensor(queries)
    s = torch.tensor(sentences)
    target = torch.tensor(gold, dtype=torch.long)
    weights = torch.zeros(q.shape[1], q.shape[1], requires_grad=True)
    optimiser = torch.optim.Adam([weights], lr=FIT["learning_rate"])
    for _ in range(FIT["steps"]):
        moved = torch.nn.functional.normalize(q + q @ weights.T, dim=1)
        loss = torch.nn.functional.cross_entropy(moved @ s.T / FIT["temperature"], target)
        loss = loss + FIT["l2"] * (weights**2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return weights.detach().numpy().astype(np.float32)


def _hits(matrix: np.ndarray | None, queries: np.ndarray, sentences: np.ndarray, gold: np.ndarray) -> float | None:
    if not len(gold):
        return None
    if matrix is not None:
        queries = queries + queries @ matrix.T
        queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    return round(float(((queries @ sentences.T).argmax(axis=1) == gold).mean()), 3)


def fit(question_vectors: np.ndarray, sentence_vectors: np.ndarray, gold: Sequence[int]) -> tuple[np.ndarray, dict]:
    """W (dimension x dimension) fitted on every question, and a report of how well it learnt:
    hit@1 (is the question's own sentence the nearest?) before and after, on the questions it
    was fitted on and, from a second fit without them, on every fourth question held out."""
    queries = np.ascontiguousarray(question_vectors, dtype=np.float32)
    sentences = np.ascontiguousarray(sentence_vectors, dtype=np.float32)
    gold = np.asarray(gold, dtype=np.int64)
    held = np.arange(len(gold)) % 4 == 3
    partial = _fit(queries[~held], sentences, gold[~held])
    matrix = _fit(queries, sentences, gold)
    report = {
        "questions": int(len(gold)),
        "sentences": int(len(sentences)),
        "fit": dict(FIT),
        "hit_at_1_before": _hits(None, queries, sentences, gold),
        "hit_at_1_after": _hits(matrix, queries, sentences, gold),
        "held_out_questions": int(held.sum()),
        "held_out_hit_at_1_before": _hits(None, queries[held], sentences, gold[held]),
        "held_out_hit_at_1_after": _hits(partial, queries[held], sentences, gold[held]),
    }
    return matrix, report


class QueryAdapter:
    """Moves a question's vector toward the sentences that answer such questions."""

    def __init__(self, matrix: np.ndarray, blend: float = BLEND) -> None:
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.blend = blend

    def __call__(self, vector: np.ndarray) -> np.ndarray:
        moved = vector + self.matrix @ vector
        moved /= np.linalg.norm(moved)
        blended = self.blend * moved + (1 - self.blend) * vector
        return (blended / np.linalg.norm(blended)).astype(np.float32)
