"""Building the index: reuse unchanged articles' vectors, embed the rest in steps, stream the files out.

Each article's content hash is recorded in the manifest. A rebuild takes the passages, passage
and sentence vectors and word-piece vectors of every article whose hash is unchanged from the
previous index (which must verify and have the same model and chunking), and embeds only the
others. The corpus is read twice, one article at a time: once for the hashes (what is new),
once to chunk, embed and write each article in corpus order. Memory holds one embedding step
of new text and the corpus's vocabulary (the lexicon's counts, BM25's term ids), not its texts
or vectors: passage vectors go to a temporary file that FAISS reads in steps, BM25's postings
are compact integer arrays, and word-piece vectors (about 40 KB a passage) are streamed to disk
or, past `word_pieces_max_passages`, left out. Only the FAISS index is whole in memory, by
nature. Files get content-hashed names and the manifest swap commits them (see `store`), so a
build killed midway leaves the old index whole.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

import numpy as np

from assistant import __version__
from assistant.config import Settings
from assistant.corpus.chunk import chunk_articles
from assistant.corpus.clean import iter_corpus
from assistant.errors import ArticleError, CorpusEmpty, IndexCorrupt, IndexMissing
from assistant.index import adapter, dense, store
from assistant.index.bm25 import FILES as BM25_FILES
from assistant.index.bm25 import BM25Writer, terms_of
from assistant.index.embed import Embedder, SentenceTransformerEmbedder, TokenVectors
from assistant.text import LexiconCounts
from assistant.types import Article, Passage

_LOGGER = logging.getLogger(__name__)

# Builds with this many new articles (about 20 texts each) say what they are doing, step by step.
_LONG_BUILD_ARTICLES = 100
_EMBED_STEP = 1024
# Keys of the manifest that must match for the previous index's vectors to be reused.
_REUSE_KEYS = ("format", "model", "model_fingerprint", "chunking")

Progress = Callable[[int, int], None]  # (articles done, articles in all)


def article_digest(article: Article) -> str:
    """What an article's passages and vectors depend on: its id, title and text."""
    return hashlib.sha256(json.dumps([article.id, article.title, article.text], ensure_ascii=False).encode()).hexdigest()


@dataclass
class _Old:
    """One article of the previous index: its passages and where its rows are."""

    passages: list[Passage]
    first_sentence: int  # row of its first sentence in the previous sentence arrays


@dataclass
class _Previous:
    index: store.LoadedIndex
    articles: dict[str, tuple[str, _Old]]  # article id -> (content hash, rows)


def _previous(index_dir: Path, manifest: dict | None, parameters: dict) -> _Previous | None:
    """The previous index if its vectors can be reused, else None (a full build)."""
    if manifest is None or any(manifest.get(key) != parameters[key] for key in _REUSE_KEYS):
        return None
    try:
        loaded = store.load_index(index_dir)
    except (IndexCorrupt, IndexMissing) as exc:
        _LOGGER.info("not reusing the previous index: %s", exc)
        return None
    hashes = {a.get("id"): a.get("sha256") for a in manifest.get("articles", []) if isinstance(a, dict)}
    articles: dict[str, tuple[str, _Old]] = {}
    row = 0
    for passage in loaded.passages:
        digest = hashes.get(passage.article_id)
        if isinstance(digest, str):
            entry = articles.setdefault(passage.article_id, (digest, _Old([], row)))[1]
            entry.passages.append(passage)
        row += len(passage.sentences)
    return _Previous(loaded, articles)


class _NpyWriter:
    """A 2-D .npy file written row block by row block; the header is filled in at the end."""

    _HEADER = 128  # bytes, room for any shape; numpy reads any header length

    def __init__(self, path: Path, dtype: str, width: int) -> None:
        self.path, self.dtype, self.width, self.rows = path, np.dtype(dtype), width, 0
        self.handle = open(path, "wb")
        self.handle.write(b"\0" * self._HEADER)

    def append(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=self.dtype).reshape(-1, self.width)
        self.handle.write(rows.tobytes())
        self.rows += len(rows)

    def close(self) -> None:
        header = repr({"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                       "shape": (self.rows, self.width)})
        text = header.ljust(self._HEADER - 10 - 1) + "\n"
        self.handle.seek(0)
        self.handle.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1"))
        _close(self.handle)


def _close(handle) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()


class _Output:
    """The new index's files, written under temporary names as articles come."""

    def __init__(self, index_dir: Path, dimension: int, max_pieces: int) -> None:
        tag = f"{os.getpid()}.tmp"
        self.tmp = {
            "passages": index_dir / f".passages.{tag}",
            "sentence_vectors": index_dir / f".sentence_vectors.{tag}",
            "token_vectors": index_dir / f".token_vectors.{tag}",
            "sentence_tokens": index_dir / f".sentence_tokens.{tag}",
            "passage_rows": index_dir / f".passage_rows.{tag}",  # read by FAISS at the end
            "passage_vectors": index_dir / f".passage_vectors.{tag}",
            "bm25": index_dir / f".bm25.{tag}",
        }
        self.passages: TextIO = open(self.tmp["passages"], "w", encoding="utf-8", newline="\n")
        self.sentence_vectors = _NpyWriter(self.tmp["sentence_vectors"], "float32", dimension)
        self.passage_rows = _NpyWriter(self.tmp["passage_rows"], "float32", dimension)
        self.max_pieces = max_pieces
        self.pieces = True  # word pieces still stored; False once the passages pass max_pieces
        self.token_vectors = _NpyWriter(self.tmp["token_vectors"], "float16", dimension)
        self.sentence_tokens: TextIO = open(self.tmp["sentence_tokens"], "w", encoding="utf-8", newline="\n")
        self.sentence_tokens.write("[")
        self.lexicon = LexiconCounts()  # BM25's terms need the whole corpus's names and spellings
        self.count = self.sentences = 0

    def wants_pieces(self, more_passages: int) -> bool:
        """Whether word pieces are kept with `more_passages` added; past the limit they are dropped."""
        if self.pieces and self.count + more_passages > self.max_pieces:
            _LOGGER.info("more than %d passages: word-piece vectors left out", self.max_pieces)
            self.pieces = False
            for name, handle in (("token_vectors", self.token_vectors.handle), ("sentence_tokens", self.sentence_tokens)):
                handle.close()
                self.tmp[name].unlink(missing_ok=True)
        return self.pieces

    def add(self, passages: list[Passage], passage_vectors: np.ndarray, sentence_vectors: np.ndarray,
            tokens: list[TokenVectors] | None) -> list[Passage]:
        """Append one article's rows; its passages renumbered to their place in the index."""
        first = self.count
        passages = [dataclasses.replace(p, id=first + i) for i, p in enumerate(passages)]
        for passage in passages:
            self.passages.write(json.dumps(passage.to_json(), ensure_ascii=False) + "\n")
            self.lexicon.add(passage.text)
        self.count += len(passages)
        self.passage_rows.append(passage_vectors)
        self.sentence_vectors.append(sentence_vectors)
        if self.pieces:
            for token in tokens:
                self.sentence_tokens.write(("," if self.sentences else "")
                                           + json.dumps(list(token.tokens), ensure_ascii=False, separators=(",", ":")))
                self.token_vectors.append(token.vectors)
                self.sentences += 1
        else:
            self.sentences += len(sentence_vectors)
        return passages

    def finish(self, spec: dict) -> dict:
        """Close every file, build FAISS and BM25, and give each its content-hashed name."""
        _close(self.passages)
        self.sentence_vectors.close()
        self.passage_rows.close()
        if self.pieces:
            self.sentence_tokens.write("]")
            _close(self.sentence_tokens)
            self.token_vectors.close()
        import faiss

        rows = np.load(self.tmp["passage_rows"], mmap_mode="r")
        faiss.write_index(dense.build(rows, spec), str(self.tmp["passage_vectors"]))
        del rows
        self.tmp["passage_rows"].unlink()
        self._write_bm25()
        files = {}
        for name in store.DATA_FILES:
            if self.pieces or name not in store.WORD_PIECE_FILES:
                files[name] = _commit_file(self.tmp[name], name)
        return files

    def _write_bm25(self) -> None:
        # Second pass over the passages just written: their terms fold spellings by the lexicon
        # of the whole corpus, which is known only now.
        lexicon = self.lexicon.lexicon()
        writer = BM25Writer()
        with open(self.tmp["passages"], encoding="utf-8") as handle:
            for line in handle:
                writer.add(terms_of(lexicon, json.loads(line)["text"]))
        writer.finish(self.tmp["bm25"])

    def discard(self) -> None:
        for handle in (self.passages, self.sentence_tokens, self.token_vectors.handle, self.sentence_vectors.handle,
                       self.passage_rows.handle):
            handle.close()
        for path in self.tmp.values():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _same_parts(folder: Path, parts: dict[str, str]) -> bool:
    """Whether a bm25s folder holds exactly these files with these checksums."""
    try:
        return all(store.sha256_of(folder / part) == digest for part, digest in parts.items())
    except OSError:  # a part is missing or unreadable
        return False


def _commit_file(tmp: Path, name: str) -> dict:
    """Move a finished file (or the bm25s folder) to its content-hashed name; its manifest entry."""
    if tmp.is_dir():
        parts = {part: store.sha256_of(tmp / part) for part in BM25_FILES}
        digest = store.folder_digest(parts)
        size = sum((tmp / part).stat().st_size for part in BM25_FILES)
        for extra in set(os.listdir(tmp)) - set(BM25_FILES):
            (tmp / extra).unlink()
        target = tmp.parent / f"{name}-{digest[:12]}"
        if target.is_dir() and _same_parts(target, parts):  # the same data is there (an unchanged rebuild)
            shutil.rmtree(tmp)
        else:
            if target.is_dir():  # the same name but damaged contents: the fresh copy replaces it
                aside = target.with_name(f"{target.name}.damaged-{os.getpid()}")
                os.replace(target, aside)
                shutil.rmtree(aside, ignore_errors=True)
            os.replace(tmp, target)
        return {"name": target.name, "sha256": digest, "bytes": size, "parts": parts}
    digest = store.sha256_of(tmp)
    target = tmp.parent / f"{name}-{digest[:12]}.{store.SUFFIX[name]}"
    size = tmp.stat().st_size
    os.replace(tmp, target)
    return {"name": target.name, "sha256": digest, "bytes": size}


def build(settings: Settings, index_dir: Path, embedder: Embedder | None = None,
          progress: Progress | None = None) -> dict:
    """Build the index in `index_dir` (the caller holds the build lock); the manifest written.

    The returned manifest also carries `build`: how many articles were reused and embedded
    (not written to disk: a rebuild of the same corpus writes the same bytes).
    """
    started = time.perf_counter()
    current = store.current_manifest(index_dir)
    parameters = store.expected_parameters(settings, current)
    max_chars = parameters["chunking"]["max_passage_chars"]
    problems: list[str] = []
    # First pass: each article's hash, to know what is new before anything is embedded.
    hashes = [(article.id, article_digest(article)) for article in iter_corpus(settings.corpus_path, problems)]
    for problem in problems:
        _LOGGER.warning("Skipped %s", problem)
    previous = _previous(index_dir, current, parameters)
    if previous is not None and embedder is not None and embedder.dimension != previous.index.dimension:
        previous = None  # another embedder than the one the index was built with: embed everything
    old = previous.articles if previous else {}
    new = sum(1 for article_id, digest in hashes if old.get(article_id, ("",))[0] != digest)
    counter = _Counter(new, new >= _LONG_BUILD_ARTICLES)
    if counter.report:
        _LOGGER.warning("Indexing %d articles (%d unchanged): %d to chunk and embed; this takes a while.",
                        len(hashes), len(hashes) - new, new)
    models = _Models(settings, embedder)
    if new:
        models.get()
    dimension = models.dimension if models.loaded else int(current["dimension"])
    output = _Output(index_dir, dimension, settings.word_pieces_max_passages)
    if progress is not None:  # the index folder is writable and the model loaded: work starts
        progress(0, len(hashes))
    entries: list[dict] = []
    try:
        pending: list[tuple[Article, str, list[Passage]]] = []
        # Second pass: articles in corpus order, new ones embedded a step at a time.
        for done, article in enumerate(iter_corpus(settings.corpus_path, []), 1):
            digest = article_digest(article)
            reuse = old.get(article.id)
            if reuse is not None and reuse[0] == digest:
                if pending:
                    entries += _embed_and_add(pending, models.get(), output, counter)
                    pending = []
                entries.append(_reuse(article, digest, reuse[1], previous, output, models))
            else:
                pending.append((article, digest, _chunk(article, max_chars)))
                if counter.texts_of(pending) >= _EMBED_STEP:
                    entries += _embed_and_add(pending, models.get(), output, counter)
                    pending = []
            if progress is not None:
                progress(done - len(pending), len(hashes))
        if pending:
            entries += _embed_and_add(pending, models.get(), output, counter)
        if progress is not None:
            progress(len(hashes), len(hashes))
        if output.count == 0:
            raise CorpusEmpty(f"{settings.corpus_path}: the articles hold no sentences to index; add article text")
        spec = dense.choose(settings.dense_index, output.count)
        files = output.finish(spec)
        # The previous questions' vectors are reusable where the previous articles' were.
        fitted, adapter_file = _query_adapter(
            settings, index_dir, files, output.sentences, models, current if previous else None
        )
        if adapter_file is not None:
            files[store.ADAPTER_FILE] = adapter_file
    except BaseException:
        output.discard()
        raise
    manifest = {
        **parameters,
        "package_version": __version__,
        "dimension": dimension,
        "normalized": True,
        "metric": "inner_product",
        "faiss_index": dense.faiss_name(spec),
        "dense_index": spec,
        "word_pieces": {"stored": output.pieces, "max_passages": settings.word_pieces_max_passages},
        "counts": {"articles": len(entries), "passages": output.count, "sentences": output.sentences},
        "articles": entries,
        # Named from the articles folder, so the manifest says nothing of where the project lives.
        "skipped_articles": [p.replace(f"{settings.corpus_path}{os.sep}", "") for p in problems],
        "bm25": {"library": "bm25s", "variant": "lucene", "k1": 1.5, "b": 0.75, "storage": "bm25s.BM25.save folder"},
        "query_adapter": fitted,
        "files": files,
    }
    store.commit(index_dir, manifest)
    reused = len(entries) - counter.articles
    _LOGGER.info("built %s: %d passages in %.1f s (%d articles reused, %d embedded)",
                 index_dir, output.count, time.perf_counter() - started, reused, counter.articles)
    return {**manifest, "build": {"reused_articles": reused, "embedded_articles": counter.articles}}


def _query_adapter(settings: Settings, index_dir: Path, files: dict, sentence_rows: int, models: "_Models",
                   current: dict | None) -> tuple[dict, dict | None]:
    """The query adapter's manifest record and file entry: fitted on the corpus's training
    questions, or absent (and why). Unchanged questions and sentence vectors reuse the previous
    file; unchanged questions alone reuse their vectors, so a rebuild embeds no question twice."""
    try:
        training = adapter.read_training(settings.corpus_path)
    except ArticleError as exc:
        _LOGGER.warning("No query adapter: %s", exc)
        return {"stored": False, "why": str(exc)}, None
    if training is None:
        return {"stored": False, "why": f"no {adapter.TRAINING_FILE} in the corpus folder"}, None
    vectors_sha = files["sentence_vectors"]["sha256"]
    before = (current or {}).get("query_adapter")
    old_file = (current or {}).get("files", {}).get(store.ADAPTER_FILE)
    old_path = index_dir / str(old_file.get("name")) if isinstance(old_file, dict) else None
    # `current` is given only when the previous index's vectors are reusable (same model).
    same_questions = (
        isinstance(before, dict) and before.get("stored") is True and old_path is not None and old_path.is_file()
        and before.get("training_sha256") == training.sha256
    )
    if same_questions and before.get("sentence_vectors_sha256") == vectors_sha:
        return before, old_file  # nothing it was fitted on changed
    gold, unique = _training_rows(
        index_dir / files["passages"]["name"], set(training.sentences) | set(training.near_miss_sentences), sentence_rows
    )
    kept = [i for i, sentence in enumerate(training.sentences) if sentence in gold]
    if not kept:
        why = f"none of the sentences in {adapter.TRAINING_FILE} is in the index"
        _LOGGER.warning("No query adapter: %s", why)
        return {"stored": False, "why": why}, None
    gold_rows = [gold[training.sentences[i]] for i in kept]
    place = {row: i for i, row in enumerate(unique)}
    sentence_vectors = np.load(index_dir / files["sentence_vectors"]["name"], mmap_mode="r")[unique]
    questions = near_misses = None  # every training question's vector, and every near miss's, in file order
    if same_questions:
        with np.load(old_path, allow_pickle=False) as previous:
            dimension = sentence_vectors.shape[1]
            if previous["questions"].shape == (len(training.questions), dimension) and "near_misses" in previous.files:
                if previous["near_misses"].shape == (len(training.near_misses), dimension):
                    questions, near_misses = np.array(previous["questions"]), np.array(previous["near_misses"])
    if questions is None or near_misses is None:
        embedder = models.get()
        questions = _encode(embedder.encode, [adapter.as_asked(q) for q in training.questions], embedder.dimension)
        near_misses = _encode(embedder.encode, [adapter.as_asked(q) for q in training.near_misses], embedder.dimension)
    matrix, report = adapter.fit(questions[kept], sentence_vectors, [place[row] for row in gold_rows])
    tmp = index_dir / f".{store.ADAPTER_FILE}.{os.getpid()}.tmp"
    # The sentence row each question was written for (-1: its sentence is not in the index), so a
    # reader can tell when a question is one of them in other words.
    rows = np.array([gold.get(sentence, -1) for sentence in training.sentences], dtype=np.int64)
    # Each near miss with its text (the reader reads the kind of answer it asks for) and the row
    # of the sentence it was written beside (its article was one of those it was checked against).
    near_rows = np.array([gold.get(sentence, -1) for sentence in training.near_miss_sentences], dtype=np.int64)
    near_texts = np.array(training.near_misses, dtype=str)
    with open(tmp, "wb") as handle:
        np.savez(handle, matrix=matrix, questions=questions, rows=rows, near_misses=near_misses,
                 near_miss_rows=near_rows, near_miss_texts=near_texts)
        _close(handle)
    record = {"stored": True, "training_sha256": training.sha256, "sentence_vectors_sha256": vectors_sha,
              "blend": adapter.BLEND, "skipped_questions": len(training.questions) - len(kept),
              "near_misses": len(training.near_misses), **report}
    _LOGGER.info("query adapter fitted on %d questions: hit@1 %.3f -> %.3f (held out %.3f -> %.3f)",
                 report["questions"], report["hit_at_1_before"], report["hit_at_1_after"],
                 report["held_out_hit_at_1_before"], report["held_out_hit_at_1_after"])
    return record, _commit_file(tmp, store.ADAPTER_FILE)


def _training_rows(passages: Path, wanted: set[str], count: int) -> tuple[dict[str, int], list[int]]:
    """The first row of each wanted sentence, and the distinct sentences a fit weighs questions
    against: every one on a corpus of up to `adapter.MAX_SENTENCES` rows, else an even sample
    (with the wanted ones). Memory holds those, never every sentence of a large corpus."""
    sample = None
    if count > adapter.MAX_SENTENCES:
        sample = set(np.linspace(0, count - 1, adapter.MAX_SENTENCES, dtype=np.int64).tolist())
    gold: dict[str, int] = {}
    seen: dict[str, int] = {}  # sentence text -> its first row, among the rows weighed
    row = 0
    with open(passages, encoding="utf-8") as handle:
        for line in handle:
            for sentence in Passage.from_json(json.loads(line)).sentences:
                if sentence.text in wanted:
                    gold.setdefault(sentence.text, row)
                if sample is None or row in sample:
                    seen.setdefault(sentence.text, row)
                row += 1
    return gold, sorted(set(seen.values()) | set(gold.values()))


def _chunk(article: Article, max_chars: int) -> list[Passage]:
    return chunk_articles([article], max_chars)


class _Models:
    """The embedder, loaded the first time one is needed (an unchanged rebuild loads none)."""

    def __init__(self, settings: Settings, embedder: Embedder | None) -> None:
        self.settings, self.embedder = settings, embedder

    @property
    def loaded(self) -> bool:
        return self.embedder is not None

    @property
    def dimension(self) -> int:
        return self.get().dimension

    def get(self) -> Embedder:
        if self.embedder is None:
            self.embedder = SentenceTransformerEmbedder(self.settings.embedding_model)
        return self.embedder


def _entry(article: Article, digest: str, passages: list[Passage]) -> dict:
    return {"id": article.id, "title": article.title, "date": article.date, "source": article.source,
            "sha256": digest, "passages": len(passages)}


def _reuse(article: Article, digest: str, old: _Old, previous: _Previous, output: _Output, models: _Models) -> dict:
    loaded = previous.index
    first, count = old.passages[0].id, len(old.passages)
    rows = sum(len(p.sentences) for p in old.passages)
    start, end = old.first_sentence, old.first_sentence + rows
    tokens = None
    if output.wants_pieces(count):
        if loaded.sentence_tokens is not None:
            tokens = loaded.sentence_tokens[start:end]
        else:  # the previous index left them out (it was larger): these articles' pieces are made now
            texts = [s.text for p in old.passages for s in p.sentences]
            tokens = _encode_tokens(models.get(), texts)
    output.add(
        old.passages,
        dense.vectors_of(loaded.passage_index, np.arange(first, first + count)),
        loaded.sentence_vectors[start:end],
        tokens,
    )
    return _entry(article, digest, old.passages)


class _Counter:
    """Texts embedded so far, for the log lines of a long build."""

    def __init__(self, new_articles: int, report: bool) -> None:
        self.report = report
        self.new_articles = new_articles
        self.articles = self.passages = self.sentences = 0

    @staticmethod
    def texts_of(pending) -> int:
        return sum(len(p) + sum(len(x.sentences) for x in p) for _, _, p in pending)

    def step(self, articles: int, passages: int, sentences: int) -> None:
        self.articles += articles
        self.passages += passages
        self.sentences += sentences
        if self.report:
            _LOGGER.warning("Embedded %d/%d new articles: %d passages, %d sentences",
                            self.articles, self.new_articles, self.passages, self.sentences)


def _embed_and_add(pending, embedder: Embedder, output: _Output, counter: _Counter) -> list[dict]:
    """Embed a step's worth of new articles and append them in order."""
    passages = [p for _, _, ps in pending for p in ps]
    sentences = [s.text for p in passages for s in p.sentences]
    passage_vectors = _encode(embedder.encode, [p.text for p in passages], embedder.dimension)
    tokens = None
    if output.wants_pieces(len(passages)):
        # One model run per sentence gives its vector and its word pieces.
        parts = [embedder.encode_with_tokens(sentences[start : start + _EMBED_STEP])
                 for start in range(0, len(sentences), _EMBED_STEP)]
        sentence_vectors = _stack([vectors for vectors, _ in parts], embedder.dimension)
        tokens = [t for _, pieces in parts for t in pieces]
    else:
        sentence_vectors = _encode(embedder.encode, sentences, embedder.dimension)
    counter.step(len(pending), len(passages), len(sentences))
    entries, p, s = [], 0, 0
    for article, digest, article_passages in pending:
        rows = sum(len(x.sentences) for x in article_passages)
        n = len(article_passages)
        output.add(article_passages, passage_vectors[p : p + n], sentence_vectors[s : s + rows],
                   tokens[s : s + rows] if tokens is not None else None)
        entries.append(_entry(article, digest, article_passages))
        p, s = p + n, s + rows
    return entries


def _encode_tokens(embedder: Embedder, texts: list[str]) -> list[TokenVectors]:
    return [t for start in range(0, len(texts), _EMBED_STEP) for t in embedder.encode_tokens(texts[start : start + _EMBED_STEP])]


def _encode(encode, texts: list[str], dimension: int) -> np.ndarray:
    return _stack([encode(texts[start : start + _EMBED_STEP]) for start in range(0, len(texts), _EMBED_STEP)], dimension)


def _stack(parts: list[np.ndarray], dimension: int) -> np.ndarray:
    if not parts:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)
