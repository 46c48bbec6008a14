"""Index: passages, their FAISS vectors and a manifest, written atomically and checked on load."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant import __version__
from assistant.config import (
    DEFAULT_PASSAGE_CHARS,
    MAX_PASSAGE_CHARS,
    MIN_PASSAGE_CHARS,
    Settings,
)
from assistant.corpus.chunk import CHUNKER_VERSION, chunk_articles
from assistant.corpus.clean import corpus_fingerprint, load_corpus
from assistant.errors import IndexCorrupt, IndexMissing, IndexUnwritable
from assistant.index.bm25 import BM25Index
from assistant.index.embed import (
    SentenceTransformerEmbedder,
    TokenVectors,
    model_fingerprint,
)
from assistant.text import Lexicon
from assistant.types import Passage

_LOGGER = logging.getLogger(__name__)

INDEX_FORMAT = 3  # 3: word-piece vectors of every sentence (sentence_tokens, token_vectors)
MANIFEST = "manifest.json"
_DATA_FILES = ("passages", "passage_vectors", "sentence_vectors", "bm25", "sentence_tokens", "token_vectors")
_SUFFIX = {
    "passages": "jsonl", "passage_vectors": "faiss", "sentence_vectors": "faiss", "bm25": "json",
    "sentence_tokens": "json", "token_vectors": "npy",
}
# Builds this large say what they are doing, stage by stage, and embed in steps that report.
_LONG_BUILD_TEXTS = 2000
_EMBED_STEP = 1024


class _FileEntry(BaseModel):
    """One data file of the manifest: a plain name inside index/, its checksum and size."""

    model_config = ConfigDict(strict=True)

    # A plain file name as build_index writes it: never a path, never hidden, never "..".
    name: str = Field(
        pattern=r"^(passages|passage_vectors|sentence_vectors|bm25|sentence_tokens|token_vectors)-[0-9a-f]{12}"
        r"\.(jsonl|faiss|json|npy)$"
    )
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)


class _Chunking(BaseModel):
    max_passage_chars: int = Field(ge=1)


class _Manifest(BaseModel):
    """The parts of manifest.json that loading relies on, with their types."""

    model_config = ConfigDict(strict=True, extra="allow")

    dimension: int = Field(gt=0)
    chunking: _Chunking
    counts: dict[str, int]
    files: dict[str, _FileEntry]


@dataclass
class LoadedIndex:
    """A verified index in memory: passages plus unit-length passage and sentence vectors."""

    manifest: dict
    passages: list[Passage]
    passage_index: object  # faiss.IndexFlatIP over passages
    sentence_vectors: np.ndarray  # one row per sentence, in passage order
    sentence_owner: np.ndarray  # passage id of each sentence row
    bm25: BM25Index
    sentence_tokens: list[TokenVectors] | None = None  # word pieces of each sentence row, in context

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])


def passage_chars(settings: Settings, manifest: dict | None = None) -> int:
    """The passage size to build or check with: the setting if given, else the index's own.

    `build --max-passage-chars N` records N in the manifest; later runs that do not ask for a
    size keep it (a rebuild after a corpus change too), so the size sticks until changed.
    """
    if settings.max_passage_chars is not None:
        return settings.max_passage_chars
    chunking = manifest.get("chunking") if isinstance(manifest, dict) else None
    recorded = chunking.get("max_passage_chars") if isinstance(chunking, dict) else None
    if isinstance(recorded, int) and MIN_PASSAGE_CHARS <= recorded <= MAX_PASSAGE_CHARS:
        return recorded
    return DEFAULT_PASSAGE_CHARS


def expected_parameters(settings: Settings, manifest: dict | None = None) -> dict:
    """What the index must have been built with to serve these settings (`manifest`: the current one)."""
    return {
        "format": INDEX_FORMAT,
        "model": settings.embedding_model,
        "model_fingerprint": model_fingerprint(settings.embedding_model),
        "chunking": {
            "splitter": "pysbd",
            "chunker_version": CHUNKER_VERSION,
            "max_passage_chars": passage_chars(settings, manifest),
        },
        "corpus_sha256": corpus_fingerprint(settings.corpus_path),
    }


def staleness(manifest: dict, settings: Settings) -> str | None:
    """Why an index no longer fits the corpus and settings, or None if it fits."""
    expected = expected_parameters(settings, manifest)
    reasons = {
        "format": "it was written by another version of the index format",
        "model": "the embedding model changed",
        "model_fingerprint": "the embedding model's files changed",
        "chunking": "the chunking parameters changed",
        "corpus_sha256": "the articles in the corpus changed",
    }
    for key, reason in reasons.items():
        if manifest.get(key) != expected[key]:
            return reason
    return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _faiss_bytes(vectors: np.ndarray) -> bytes:
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])  # exact search: the corpus is small, recall is total
    index.add(vectors)
    return faiss.serialize_index(index).tobytes()


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    # Two processes rebuilding at once must not delete each other's fresh files.
    with _writing(index_dir), open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _LOGGER.warning("Another process is building the index in %s; waiting for it.", index_dir)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _writing(index_dir: Path) -> Iterator[None]:
    """Turn a failed write into one line naming the folder and the fix (exit code 2)."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise IndexUnwritable(
            f"{index_dir}: cannot write the index there ({reason}); point --index or "
            "DEAL_ASSISTANT_INDEX_DIR at a writable folder"
        ) from None


def _prepare(settings: Settings) -> Path:
    """The index folder, made only once the corpus is known to exist (a bad path creates nothing)."""
    from assistant.corpus.clean import corpus_files

    corpus_files(settings.corpus_path)  # raises for a missing corpus folder before anything is made
    index_dir = settings.index_path
    with _writing(index_dir):
        index_dir.mkdir(parents=True, exist_ok=True)
    return index_dir


def build_index(settings: Settings, embedder: SentenceTransformerEmbedder | None = None) -> dict:
    """Clean, chunk and embed the corpus, then commit the new index by replacing its manifest."""
    index_dir = _prepare(settings)
    with _build_lock(index_dir):
        return _build_locked(settings, index_dir, embedder)


def _current_manifest(index_dir: Path) -> dict | None:
    try:
        return read_manifest(index_dir)
    except (IndexMissing, IndexCorrupt):
        return None


def _build_locked(settings: Settings, index_dir: Path, embedder: SentenceTransformerEmbedder | None) -> dict:
    started = time.perf_counter()
    parameters = expected_parameters(settings, _current_manifest(index_dir))
    max_chars = parameters["chunking"]["max_passage_chars"]
    articles, problems = load_corpus(settings.corpus_path)
    for problem in problems:
        _LOGGER.warning("Skipped %s", problem)
    passages = chunk_articles(articles, max_chars)
    sentences = [s.text for p in passages for s in p.sentences]
    long_build = len(passages) + len(sentences) > _LONG_BUILD_TEXTS
    if long_build:
        _LOGGER.warning(
            "Indexing %d articles: %d passages and %d sentences (chunked in %.1f s); this takes a while.",
            len(articles), len(passages), len(sentences), time.perf_counter() - started,
        )
    embedder = embedder or SentenceTransformerEmbedder(settings.embedding_model)
    passage_vectors = _embed(embedder, [p.text for p in passages], "passages", long_build)
    sentence_vectors = _embed(embedder, sentences, "sentences", long_build)
    tokens = _embed_tokens(embedder, sentences, long_build)  # for late interaction at question time

    bm25 = BM25Index.build([p.text for p in passages], Lexicon.from_texts([p.text for p in passages]))
    payloads = {
        "passages": "".join(json.dumps(p.to_json(), ensure_ascii=False) + "\n" for p in passages).encode(),
        "passage_vectors": _faiss_bytes(passage_vectors),
        "sentence_vectors": _faiss_bytes(sentence_vectors),
        "bm25": json.dumps(bm25.to_json(), separators=(",", ":")).encode(),
        "sentence_tokens": json.dumps([list(t.tokens) for t in tokens], ensure_ascii=False, separators=(",", ":")).encode(),
        "token_vectors": _npy_bytes(np.concatenate([t.vectors for t in tokens]).astype(np.float16)),
    }
    files = {}
    with _writing(index_dir):
        for name, data in payloads.items():
            digest = hashlib.sha256(data).hexdigest()
            filename = f"{name}-{digest[:12]}.{_SUFFIX[name]}"
            _write_atomic(index_dir / filename, data)  # new names: the old index stays whole
            files[name] = {"name": filename, "sha256": digest, "bytes": len(data)}

        manifest = {
            **parameters,
            "package_version": __version__,
            "dimension": embedder.dimension,
            "normalized": True,
            "metric": "inner_product",
            "faiss_index": "IndexFlatIP",
            "counts": {
                "articles": len(articles),
                "passages": len(passages),
                "sentences": int(sentence_vectors.shape[0]),
            },
            "articles": [{"id": a.id, "title": a.title, "date": a.date, "source": a.source} for a in articles],
            "skipped_articles": problems,
            "bm25": {"library": "bm25s", "variant": "lucene", "k1": 1.5, "b": 0.75},
            "files": files,
        }
        # The manifest swap is the commit point: a build killed before it leaves the old one in force.
        _write_atomic(index_dir / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
        _remove_unreferenced(index_dir, manifest)
    _LOGGER.info("built %s: %d passages in %.1f s", index_dir, len(passages), time.perf_counter() - started)
    return manifest  # no timings inside: a rebuild of the same corpus writes the same bytes


def _embed(embedder, texts: list[str], what: str, report: bool) -> np.ndarray:
    """Vectors of `texts`, in steps that log progress when the build is a long one."""
    if not report or len(texts) <= _EMBED_STEP:
        return embedder.encode(texts)
    parts = []
    for start in range(0, len(texts), _EMBED_STEP):
        parts.append(embedder.encode(texts[start : start + _EMBED_STEP]))
        _LOGGER.warning("Embedded %d/%d %s", min(start + _EMBED_STEP, len(texts)), len(texts), what)
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def _embed_tokens(embedder, texts: list[str], report: bool) -> list[TokenVectors]:
    """Word-piece vectors of `texts`, in steps (and logged) like `_embed`."""
    out: list[TokenVectors] = []
    for start in range(0, len(texts), _EMBED_STEP):
        out.extend(embedder.encode_tokens(texts[start : start + _EMBED_STEP]))
        if report:
            _LOGGER.warning("Word pieces of %d/%d sentences embedded", len(out), len(texts))
    return out


def _remove_unreferenced(index_dir: Path, manifest: dict) -> None:
    keep = {MANIFEST, ".lock", ".gitattributes"} | {f["name"] for f in manifest["files"].values()}
    for path in index_dir.iterdir():
        if path.is_file() and path.name not in keep and (path.name.startswith(_DATA_FILES) or path.name.endswith(".tmp")):
            path.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict:
    """The manifest, checked for the types loading relies on; IndexMissing / IndexCorrupt naming the file."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissing(f"{path}: no index built yet; run `assistant build`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{path}: unreadable manifest ({exc}); run `assistant build`") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexCorrupt(f"{path}: manifest lacks its file list; run `assistant build`")
    try:
        checked = _Manifest.model_validate(manifest)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        raise IndexCorrupt(f"{path}: manifest field {where!r} is wrong ({error['msg']}); run `assistant build`") from None
    missing = [name for name in _DATA_FILES if name not in checked.files]
    if missing:
        raise IndexCorrupt(f"{path}: manifest names no {missing[0]} file; run `assistant build`")
    return manifest


def load_index(index_dir: Path) -> LoadedIndex:
    """Read and verify every file the manifest names; IndexCorrupt on any mismatch."""
    import faiss

    manifest = read_manifest(index_dir)
    paths = {}
    for name in _DATA_FILES:
        entry = manifest["files"][name]
        path = index_dir / entry["name"]  # a plain name (checked): it cannot leave index/
        if path.is_symlink() or not path.is_file():
            raise IndexCorrupt(f"{path}: missing; run `assistant build`")
        if _sha256(path) != entry["sha256"]:
            raise IndexCorrupt(f"{path}: checksum mismatch (truncated or edited); run `assistant build`")
        paths[name] = path
    try:
        passages = [Passage.from_json(json.loads(line)) for line in paths["passages"].read_text("utf-8").splitlines()]
        passage_index = faiss.read_index(str(paths["passage_vectors"]))
        sentence_index = faiss.read_index(str(paths["sentence_vectors"]))
        sentence_vectors = sentence_index.reconstruct_n(0, sentence_index.ntotal)
        bm25 = BM25Index.from_json(json.loads(paths["bm25"].read_text("utf-8")))
        pieces = json.loads(paths["sentence_tokens"].read_text("utf-8"))
        # Memory-mapped: only the rows a question looks at are read.
        token_vectors = np.load(paths["token_vectors"], mmap_mode="r", allow_pickle=False)
    except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
        raise IndexCorrupt(f"{index_dir}: unreadable index data ({exc}); run `assistant build`") from None
    owner = np.array([p.id for p in passages for _ in p.sentences], dtype=np.int64)
    if (
        passage_index.ntotal != len(passages)
        or len(owner) != sentence_vectors.shape[0]
        or len(pieces) != len(owner)
        or sum(len(p) for p in pieces) != token_vectors.shape[0]
    ):
        raise IndexCorrupt(f"{index_dir}: vectors and passages disagree in number; run `assistant build`")
    ends = np.cumsum([len(p) for p in pieces])
    tokens = [TokenVectors(tuple(p), token_vectors[end - len(p) : end]) for p, end in zip(pieces, ends)]
    return LoadedIndex(manifest, passages, passage_index, np.ascontiguousarray(sentence_vectors), owner, bm25, tokens)


def _usable(settings: Settings) -> tuple[LoadedIndex | None, str]:
    """The index if it fits the settings and verifies, else None and what to say about it."""
    index_dir = settings.index_path
    try:
        reason = staleness(read_manifest(index_dir), settings)
        if reason is None:
            return load_index(index_dir), ""
        return None, f"Rebuilding the index in {index_dir}: {reason}."
    except IndexMissing:
        return None, f"Building the index in {index_dir} (first run)."
    except IndexCorrupt as exc:
        return None, f"Index is damaged ({str(exc).split('; run')[0]}); rebuilding it."


def ensure_index(settings: Settings) -> LoadedIndex:
    """Load the index, rebuilding first when it is missing, stale or corrupt (said in one line).

    Many processes may find the index stale at once: each takes the build lock, then looks
    again, so only the first rebuilds and the others load what it built.
    """
    loaded, _ = _usable(settings)
    if loaded is not None:
        return loaded
    index_dir = _prepare(settings)
    with _build_lock(index_dir):
        loaded, message = _usable(settings)
        if loaded is not None:
            _LOGGER.info("another process rebuilt %s meanwhile", index_dir)
            return loaded
        _LOGGER.warning("%s", message)
        _build_locked(settings, index_dir, None)
    return load_index(index_dir)
