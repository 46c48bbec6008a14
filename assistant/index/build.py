"""Building the index: reuse unchanged articles' vectors, embed the rest in steps, stream the files out.

Each article's content hash is recorded in the manifest. A rebuild takes the passages, passage
and sentence vectors and word-piece vectors of every article whose hash is unchanged from the
previous index (which must verify and have the same model and chunking), and embeds only the
others. Articles are written in corpus order as they come, so memory holds one embedding step
of new text, not the corpus's vectors; only the FAISS passage index (in memory by nature) and
the BM25 statistics (corpus-wide) are built whole. Files get content-hashed names and the
manifest swap commits them (see `store`), so a build killed midway leaves the old index whole.
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
from assistant.corpus.clean import load_corpus
from assistant.errors import IndexCorrupt, IndexMissing
from assistant.index import dense, store
from assistant.index.bm25 import FILES as BM25_FILES
from assistant.index.bm25 import BM25Index, passage_terms
from assistant.index.embed import Embedder, SentenceTransformerEmbedder
from assistant.types import Article, Passage

_LOGGER = logging.getLogger(__name__)

# Builds with this many new texts say what they are doing, stage by stage, and report each step.
_LONG_BUILD_TEXTS = 2000
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
    token_rows: np.ndarray  # first word-piece row of every sentence, and one past the last


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
    lengths = [len(t.tokens) for t in loaded.sentence_tokens or ()]
    return _Previous(loaded, articles, np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]))


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

    def __init__(self, index_dir: Path, dimension: int, passages: int) -> None:
        tag = f"{os.getpid()}.tmp"
        self.dir = index_dir
        self.tmp = {
            "passages": index_dir / f".passages.{tag}",
            "sentence_vectors": index_dir / f".sentence_vectors.{tag}",
            "token_vectors": index_dir / f".token_vectors.{tag}",
            "sentence_tokens": index_dir / f".sentence_tokens.{tag}",
            "passage_vectors": index_dir / f".passage_vectors.{tag}",
            "bm25": index_dir / f".bm25.{tag}",
        }
        self.passages: TextIO = open(self.tmp["passages"], "w", encoding="utf-8", newline="\n")
        self.sentence_vectors = _NpyWriter(self.tmp["sentence_vectors"], "float32", dimension)
        self.token_vectors = _NpyWriter(self.tmp["token_vectors"], "float16", dimension)
        self.sentence_tokens: TextIO = open(self.tmp["sentence_tokens"], "w", encoding="utf-8", newline="\n")
        self.sentence_tokens.write("[")
        self.passage_vectors = np.empty((passages, dimension), dtype=np.float32)
        self.texts: list[str] = []  # for BM25, which needs the whole corpus's statistics
        self.sentences = 0

    def add(self, passages: list[Passage], passage_vectors: np.ndarray, sentence_vectors: np.ndarray,
            tokens: list[tuple[tuple[str, ...], np.ndarray]]) -> list[Passage]:
        """Append one article's rows; its passages renumbered to their place in the index."""
        first = len(self.texts)
        passages = [dataclasses.replace(p, id=first + i) for i, p in enumerate(passages)]
        for passage in passages:
            self.passages.write(json.dumps(passage.to_json(), ensure_ascii=False) + "\n")
            self.texts.append(passage.text)
        self.passage_vectors[first : first + len(passages)] = passage_vectors
        self.sentence_vectors.append(sentence_vectors)
        for pieces, vectors in tokens:
            self.sentence_tokens.write(("," if self.sentences else "")
                                       + json.dumps(list(pieces), ensure_ascii=False, separators=(",", ":")))
            self.token_vectors.append(vectors)
            self.sentences += 1
        return passages

    def finish(self, spec: dict) -> dict:
        """Close every file, build FAISS and BM25, and give each its content-hashed name."""
        _close(self.passages)
        self.sentence_tokens.write("]")
        _close(self.sentence_tokens)
        self.sentence_vectors.close()
        self.token_vectors.close()
        import faiss

        faiss.write_index(dense.build(self.passage_vectors, spec), str(self.tmp["passage_vectors"]))
        BM25Index.write(passage_terms(self.texts), self.tmp["bm25"])
        files = {}
        for name in store.DATA_FILES:
            files[name] = _commit_file(self.tmp[name], name)
        return files

    def discard(self) -> None:
        for path in self.tmp.values():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _commit_file(tmp: Path, name: str) -> dict:
    """Move a finished file (or the bm25s folder) to its content-hashed name; its manifest entry."""
    if tmp.is_dir():
        parts = {part: store.sha256_of(tmp / part) for part in BM25_FILES}
        digest = store.folder_digest(parts)
        size = sum((tmp / part).stat().st_size for part in BM25_FILES)
        for extra in set(os.listdir(tmp)) - set(BM25_FILES):
            (tmp / extra).unlink()
        target = tmp.parent / f"{name}-{digest[:12]}"
        if target.is_dir():  # the same data is there already (an unchanged rebuild)
            shutil.rmtree(tmp)
        else:
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
    articles, problems = load_corpus(settings.corpus_path)
    for problem in problems:
        _LOGGER.warning("Skipped %s", problem)
    previous = _previous(index_dir, current, parameters)
    if previous is not None and embedder is not None and embedder.dimension != previous.index.dimension:
        previous = None  # another embedder than the one the index was built with: embed everything
    digests = [article_digest(a) for a in articles]
    plan: list[tuple[Article, str, list[Passage], _Old | None]] = []
    for article, digest in zip(articles, digests):
        old = previous.articles.get(article.id) if previous else None
        if old is not None and old[0] == digest:
            plan.append((article, digest, old[1].passages, old[1]))
        else:
            plan.append((article, digest, chunk_articles([article], max_chars), None))
    new = [(a, p) for a, _, p, old in plan if old is None]
    new_texts = sum(len(p) + sum(len(x.sentences) for x in p) for _, p in new)
    long_build = new_texts > _LONG_BUILD_TEXTS
    if long_build:
        _LOGGER.warning(
            "Indexing %d articles (%d unchanged): %d new passages and sentences (chunked in %.1f s); "
            "this takes a while.", len(articles), len(articles) - len(new), new_texts, time.perf_counter() - started,
        )
    if new and embedder is None:
        embedder = SentenceTransformerEmbedder(settings.embedding_model)
    dimension = embedder.dimension if embedder is not None else int(current["dimension"])
    total_passages = sum(len(p) for _, _, p, _ in plan)
    output = _Output(index_dir, dimension, total_passages)
    counter = _Counter(new, long_build)
    entries = []
    try:
        pending: list[tuple[Article, str, list[Passage]]] = []
        for done, (article, digest, passages, old) in enumerate(plan, 1):
            if old is None:
                pending.append((article, digest, passages))
                if counter.texts_of(pending) >= _EMBED_STEP:
                    entries += _embed_and_add(pending, embedder, output, counter)
                    pending = []
            else:
                if pending:
                    entries += _embed_and_add(pending, embedder, output, counter)
                    pending = []
                entries.append(_reuse(article, digest, old, previous, output))
            if progress is not None:
                progress(done - len(pending), len(plan))
        if pending:
            entries += _embed_and_add(pending, embedder, output, counter)
        if progress is not None:
            progress(len(plan), len(plan))
        spec = dense.choose(settings.dense_index, total_passages)
        files = output.finish(spec)
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
        "counts": {"articles": len(articles), "passages": total_passages, "sentences": output.sentences},
        "articles": entries,
        "skipped_articles": problems,
        "bm25": {"library": "bm25s", "variant": "lucene", "k1": 1.5, "b": 0.75, "storage": "bm25s.BM25.save folder"},
        "files": files,
    }
    store.commit(index_dir, manifest)
    reused = len(articles) - len(new)
    _LOGGER.info("built %s: %d passages in %.1f s (%d articles reused, %d embedded)",
                 index_dir, total_passages, time.perf_counter() - started, reused, len(new))
    return {**manifest, "build": {"reused_articles": reused, "embedded_articles": len(new)}}


def _entry(article: Article, digest: str, passages: list[Passage]) -> dict:
    return {"id": article.id, "title": article.title, "date": article.date, "source": article.source,
            "sha256": digest, "passages": len(passages)}


def _reuse(article: Article, digest: str, old: _Old, previous: _Previous, output: _Output) -> dict:
    loaded = previous.index
    first, count = old.passages[0].id, len(old.passages)
    rows = sum(len(p.sentences) for p in old.passages)
    start, end = old.first_sentence, old.first_sentence + rows
    pieces = loaded.sentence_tokens[start:end]
    output.add(
        old.passages,
        dense.vectors_of(loaded.passage_index, np.arange(first, first + count)),
        loaded.sentence_vectors[start:end],
        [(t.tokens, t.vectors) for t in pieces],
    )
    return _entry(article, digest, old.passages)


class _Counter:
    """Texts embedded so far, for the log lines of a long build."""

    def __init__(self, new: list[tuple[Article, list[Passage]]], report: bool) -> None:
        self.report = report
        self.total_passages = sum(len(p) for _, p in new)
        self.total_sentences = sum(len(x.sentences) for _, p in new for x in p)
        self.passages = self.sentences = 0

    @staticmethod
    def texts_of(pending) -> int:
        return sum(len(p) + sum(len(x.sentences) for x in p) for _, _, p in pending)

    def step(self, passages: int, sentences: int) -> None:
        self.passages += passages
        self.sentences += sentences
        if self.report:
            _LOGGER.warning("Embedded %d/%d passages", self.passages, self.total_passages)
            _LOGGER.warning("Embedded %d/%d sentences", self.sentences, self.total_sentences)


def _embed_and_add(pending, embedder: Embedder, output: _Output, counter: _Counter) -> list[dict]:
    """Embed a step's worth of new articles and append them in order."""
    passages = [p for _, _, ps in pending for p in ps]
    sentences = [s.text for p in passages for s in p.sentences]
    passage_vectors = _encode(embedder.encode, passages and [p.text for p in passages], embedder.dimension)
    sentence_vectors = _encode(embedder.encode, sentences, embedder.dimension)
    tokens = []
    for start in range(0, len(sentences), _EMBED_STEP):
        tokens.extend(embedder.encode_tokens(sentences[start : start + _EMBED_STEP]))
    counter.step(len(passages), len(sentences))
    entries, p, s = [], 0, 0
    for article, digest, article_passages in pending:
        rows = sum(len(x.sentences) for x in article_passages)
        n = len(article_passages)
        output.add(article_passages, passage_vectors[p : p + n], sentence_vectors[s : s + rows],
                   [(t.tokens, t.vectors) for t in tokens[s : s + rows]])
        entries.append(_entry(article, digest, article_passages))
        p, s = p + n, s + rows
    return entries


def _encode(encode, texts: list[str], dimension: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    parts = [encode(texts[start : start + _EMBED_STEP]) for start in range(0, len(texts), _EMBED_STEP)]
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)
