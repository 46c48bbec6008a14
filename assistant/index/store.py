"""Index: passages, their FAISS vectors and a manifest, written atomically and checked on load."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from assistant import __version__
from assistant.config import Settings
from assistant.corpus.chunk import CHUNKER_VERSION, chunk_articles
from assistant.corpus.clean import corpus_fingerprint, load_corpus
from assistant.errors import IndexCorrupt, IndexMissing
from assistant.index.bm25 import BM25Index
from assistant.index.embed import SentenceTransformerEmbedder, model_fingerprint
from assistant.text import Lexicon
from assistant.types import Passage

_LOGGER = logging.getLogger(__name__)

INDEX_FORMAT = 2
MANIFEST = "manifest.json"
_DATA_FILES = ("passages", "passage_vectors", "sentence_vectors", "bm25")


@dataclass
class LoadedIndex:
    """A verified index in memory: passages plus unit-length passage and sentence vectors."""

    manifest: dict
    passages: list[Passage]
    passage_index: object  # faiss.IndexFlatIP over passages
    sentence_vectors: np.ndarray  # one row per sentence, in passage order
    sentence_owner: np.ndarray  # passage id of each sentence row
    bm25: BM25Index

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])


def expected_parameters(settings: Settings) -> dict:
    """What the index must have been built with to serve these settings."""
    return {
        "format": INDEX_FORMAT,
        "model": settings.embedding_model,
        "model_fingerprint": model_fingerprint(settings.embedding_model),
        "chunking": {
            "splitter": "pysbd",
            "chunker_version": CHUNKER_VERSION,
            "max_passage_chars": settings.max_passage_chars,
        },
        "corpus_sha256": corpus_fingerprint(settings.corpus_path),
    }


def staleness(manifest: dict, settings: Settings) -> str | None:
    """Why an index no longer fits the corpus and settings, or None if it fits."""
    expected = expected_parameters(settings)
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


def _faiss_bytes(vectors: np.ndarray) -> bytes:
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])  # exact search: the corpus is small, recall is total
    index.add(vectors)
    return faiss.serialize_index(index).tobytes()


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    # Two processes rebuilding at once must not delete each other's fresh files.
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_index(settings: Settings, embedder: SentenceTransformerEmbedder | None = None) -> dict:
    """Clean, chunk and embed the corpus, then commit the new index by replacing its manifest."""
    started = time.perf_counter()
    index_dir = settings.index_path
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        parameters = expected_parameters(settings)
        articles, problems = load_corpus(settings.corpus_path)
        passages = chunk_articles(articles, settings.max_passage_chars)
        embedder = embedder or SentenceTransformerEmbedder(settings.embedding_model)
        passage_vectors = embedder.encode([p.text for p in passages])
        sentence_vectors = embedder.encode([s.text for p in passages for s in p.sentences])

        bm25 = BM25Index.build([p.text for p in passages], Lexicon.from_texts([p.text for p in passages]))
        payloads = {
            "passages": "".join(json.dumps(p.to_json(), ensure_ascii=False) + "\n" for p in passages).encode(),
            "passage_vectors": _faiss_bytes(passage_vectors),
            "sentence_vectors": _faiss_bytes(sentence_vectors),
            "bm25": json.dumps(bm25.to_json(), separators=(",", ":")).encode(),
        }
        suffix = {"passages": "jsonl", "passage_vectors": "faiss", "sentence_vectors": "faiss", "bm25": "json"}
        files = {}
        for name, data in payloads.items():
            digest = hashlib.sha256(data).hexdigest()
            filename = f"{name}-{digest[:12]}.{suffix[name]}"
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


def _remove_unreferenced(index_dir: Path, manifest: dict) -> None:
    keep = {MANIFEST, ".lock", ".gitattributes"} | {f["name"] for f in manifest["files"].values()}
    for path in index_dir.iterdir():
        if path.is_file() and path.name not in keep and (path.name.startswith(_DATA_FILES) or path.name.endswith(".tmp")):
            path.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict:
    """The manifest, or IndexMissing / IndexCorrupt naming the file."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissing(f"{path}: no index built yet; run `assistant build`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{path}: unreadable manifest ({exc}); run `assistant build`") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexCorrupt(f"{path}: manifest lacks its file list; run `assistant build`")
    return manifest


def load_index(index_dir: Path) -> LoadedIndex:
    """Read and verify every file the manifest names; IndexCorrupt on any mismatch."""
    import faiss

    manifest = read_manifest(index_dir)
    paths = {}
    for name in _DATA_FILES:
        entry = manifest["files"].get(name)
        path = index_dir / entry["name"] if entry else index_dir / f"{name}.?"
        if not entry or not path.is_file():
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
    except (ValueError, KeyError, RuntimeError, OSError) as exc:
        raise IndexCorrupt(f"{index_dir}: unreadable index data ({exc}); run `assistant build`") from None
    owner = np.array([p.id for p in passages for _ in p.sentences], dtype=np.int64)
    if passage_index.ntotal != len(passages) or len(owner) != sentence_vectors.shape[0]:
        raise IndexCorrupt(f"{index_dir}: vectors and passages disagree in number; run `assistant build`")
    return LoadedIndex(manifest, passages, passage_index, np.ascontiguousarray(sentence_vectors), owner, bm25)


def ensure_index(settings: Settings) -> LoadedIndex:
    """Load the index, rebuilding first when it is missing, stale or corrupt (said in one line)."""
    index_dir = settings.index_path
    try:
        manifest = read_manifest(index_dir)
        reason = staleness(manifest, settings)
        if reason is None:
            return load_index(index_dir)
        _LOGGER.warning("Rebuilding the index in %s: %s.", index_dir, reason)
    except IndexMissing:
        _LOGGER.warning("Building the index in %s (first run).", index_dir)
    except IndexCorrupt as exc:
        _LOGGER.warning("Index is damaged (%s); rebuilding it.", str(exc).split("; run")[0])
    build_index(settings)
    return load_index(index_dir)
