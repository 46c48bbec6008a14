"""Index: passages, their FAISS vectors, BM25 and a manifest, written atomically and checked on load."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from assistant.config import (
    DEFAULT_PASSAGE_CHARS,
    MAX_PASSAGE_CHARS,
    MIN_PASSAGE_CHARS,
    Settings,
)
from assistant.corpus.chunk import CHUNKER_VERSION
from assistant.corpus.clean import corpus_fingerprint
from assistant.errors import IndexCorrupt, IndexMissing, IndexUnwritable
from assistant.index import dense
from assistant.index.adapter import training_fingerprint
from assistant.index.bm25 import FILES as BM25_FILES
from assistant.index.bm25 import BM25Index, terms_fingerprint
from assistant.index.embed import Embedder, TokenVectors, model_fingerprint
from assistant.index.search import LocalSearch, PassageSearch
from assistant.types import Passage

_LOGGER = logging.getLogger(__name__)

# 3: word-piece vectors of every sentence (sentence_tokens, token_vectors).
# 4: BM25 in bm25s's own folder format (memory-mapped), sentence vectors as .npy (memory-mapped),
#    each article's content hash (incremental builds), flat or HNSW passage index by size.
INDEX_FORMAT = 5  # 5: the adapter file keeps each training question's sentence row
MANIFEST = "manifest.json"
DATA_FILES = ("passages", "passage_vectors", "sentence_vectors", "bm25", "sentence_tokens", "token_vectors")
# Late interaction's word pieces and their vectors: left out of indexes larger than the setting
# `word_pieces_max_passages` (the manifest's "word_pieces"); the reader then matches stems only.
WORD_PIECE_FILES = ("sentence_tokens", "token_vectors")
# The query adapter (assistant/index/adapter.py): fitted when the corpus has training questions.
ADAPTER_FILE = "query_adapter"
SUFFIX = {
    "passages": "jsonl", "passage_vectors": "faiss", "sentence_vectors": "npy", "sentence_tokens": "json",
    "token_vectors": "npy", ADAPTER_FILE: "npz",
}  # bm25 is a folder of bm25s's files


# A data file's plain name as build_index writes it: never a path, never hidden, never "..".
_FILE_NAME = re.compile(
    r"((passages|passage_vectors|sentence_vectors|sentence_tokens|token_vectors|query_adapter)-[0-9a-f]{12}"
    r"\.(jsonl|faiss|json|npy|npz)|bm25-[0-9a-f]{12})"
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _manifest_problem(manifest: dict) -> tuple[str, str] | None:
    """The first field of manifest.json that loading relies on and is wrong, with what is wrong.

    Each file entry is {name, sha256, bytes, parts (a folder's files and checksums) or none}."""

    def count(value: Any, least: int) -> str | None:
        if type(value) is not int:
            return "must be a whole number"
        return None if value >= least else f"must be at least {least}"

    if (problem := count(manifest.get("dimension"), 1)) is not None:
        return "dimension", problem
    chunking = manifest.get("chunking")
    if not isinstance(chunking, dict):
        return "chunking", "must be an object"
    if (problem := count(chunking.get("max_passage_chars"), 1)) is not None:
        return "chunking.max_passage_chars", problem
    counts = manifest.get("counts")
    if not isinstance(counts, dict):
        return "counts", "must be an object"
    for key, value in counts.items():
        if type(value) is not int:
            return f"counts.{key}", "must be a whole number"
    for key, entry in manifest["files"].items():
        if not isinstance(entry, dict):
            return f"files.{key}", "must be an object"
        if not isinstance(entry.get("name"), str) or not _FILE_NAME.fullmatch(entry["name"]):
            return f"files.{key}.name", "must be a data file's plain name"
        if not isinstance(entry.get("sha256"), str) or not _SHA256.fullmatch(entry["sha256"]):
            return f"files.{key}.sha256", "must be 64 hexadecimal digits"
        if (problem := count(entry.get("bytes"), 0)) is not None:
            return f"files.{key}.bytes", problem
        parts = entry.get("parts")
        if parts is not None and not (isinstance(parts, dict) and all(isinstance(v, str) for v in parts.values())):
            return f"files.{key}.parts", "must map file names to checksums"
    return None


@dataclass(frozen=True)
class NearMisses:
    """Questions about the corpus that no article answers (`training/NEARMISS.md`): their unit
    vectors, their texts, and the sentence row each was written beside (-1 if not indexed)."""

    vectors: np.ndarray
    rows: np.ndarray
    texts: tuple[str, ...]


@dataclass
class LoadedIndex:
    """A verified index in memory: passages plus unit-length passage and sentence vectors."""

    manifest: dict
    passages: list[Passage]
    passage_index: object  # faiss IndexFlatIP or IndexHNSWFlat over passages (manifest "dense_index")
    sentence_vectors: np.ndarray  # one row per sentence, in passage order (memory-mapped)
    sentence_owner: np.ndarray  # passage id of each sentence row
    bm25: BM25Index
    sentence_tokens: list[TokenVectors] | None = None  # word pieces of each sentence row, in context
    search: PassageSearch | None = None  # passage retrieval: these files, or a Milvus collection
    query_adapter: np.ndarray | None = None  # dimension x dimension, when the index has one
    # The training questions' vectors and the sentence row each was written for, with the adapter.
    training_questions: tuple[np.ndarray, np.ndarray] | None = None
    # Questions about the corpus that no article answers: vectors, texts and the row each was
    # written beside (empty for an index built before they were kept).
    near_misses: NearMisses | None = None

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
        "terms": terms_fingerprint(),
        "query_adapter_training": training_fingerprint(settings.corpus_path),
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
        "terms": "the stopword list that makes BM25 terms changed",
        "query_adapter_training": "the query adapter's training questions changed",
    }
    for key, reason in reasons.items():
        if manifest.get(key) != expected[key]:
            return reason
    pieces = word_pieces_stored(manifest)
    passages_now = manifest.get("counts", {}).get("passages", 0) if isinstance(manifest.get("counts"), dict) else 0
    if isinstance(passages_now, int) and pieces != (passages_now <= settings.word_pieces_max_passages):
        verb = "stored" if not pieces else "left out"
        return f"word-piece vectors should be {verb} (word_pieces_max_passages={settings.word_pieces_max_passages})"
    recorded = manifest.get("dense_index")
    passages = manifest.get("counts", {}).get("passages", 0) if isinstance(manifest.get("counts"), dict) else 0
    wanted = dense.choose(settings.dense_index, passages if isinstance(passages, int) else 0)
    shape = ("type", "M", "ef_construction", "ef_search")  # not "requested": auto and flat may agree
    if not isinstance(recorded, dict) or any(recorded.get(k) != wanted.get(k) for k in shape):
        return f"the dense index should be {wanted['type']} (dense_index={settings.dense_index})"
    return None


def word_pieces_stored(manifest: dict) -> bool:
    """Whether the index holds word-piece vectors (indexes from before the setting always do)."""
    recorded = manifest.get("word_pieces")
    return not isinstance(recorded, dict) or recorded.get("stored") is not False


def adapter_stored(manifest: dict) -> bool:
    recorded = manifest.get("query_adapter")
    return isinstance(recorded, dict) and recorded.get("stored") is True


def _data_files(manifest: dict) -> tuple[str, ...]:
    """The data files this manifest must name."""
    names = DATA_FILES if word_pieces_stored(manifest) else tuple(n for n in DATA_FILES if n not in WORD_PIECE_FILES)
    return names + ((ADAPTER_FILE,) if adapter_stored(manifest) else ())


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:  # in blocks: token vectors run to gigabytes at scale
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    return _sha256(path)


def folder_digest(parts: dict[str, str]) -> str:
    """One checksum for a folder: of its files' names and checksums."""
    return hashlib.sha256("".join(f"{name}:{parts[name]}\n" for name in sorted(parts)).encode()).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


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


def build_index(settings: Settings, embedder: Embedder | None = None, progress=None) -> dict:
    """Build the index, re-embedding only changed articles, then commit it by replacing its manifest.

    `progress(done, total)` is called as articles are indexed. With a Milvus store the
    collection is brought up to date too.
    """
    index_dir = _prepare(settings)
    with _build_lock(index_dir):
        manifest = _build_locked(settings, index_dir, embedder, progress)
    if settings.store != "faiss":
        from assistant.index.milvus import attach

        attach(load_index(index_dir), settings)
    return manifest


def current_manifest(index_dir: Path) -> dict | None:
    """The manifest in force, or None if there is none or it is unreadable."""
    try:
        return read_manifest(index_dir)
    except (IndexMissing, IndexCorrupt):
        return None


def _build_locked(settings: Settings, index_dir: Path, embedder: Embedder | None, progress=None) -> dict:
    from assistant.index.build import build

    return build(settings, index_dir, embedder, progress)


def commit(index_dir: Path, manifest: dict) -> None:
    """Swap in the new manifest (the commit point), then remove files it no longer names."""
    with _writing(index_dir):
        # A build killed before this line leaves the old manifest, and its files, in force.
        _write_atomic(index_dir / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
        _remove_unreferenced(index_dir, manifest)


def _remove_unreferenced(index_dir: Path, manifest: dict) -> None:
    keep = {MANIFEST, ".lock", ".gitattributes"} | {f["name"] for f in manifest["files"].values()}
    for path in index_dir.iterdir():
        if path.name in keep or not (path.name.startswith((*DATA_FILES, ADAPTER_FILE)) or path.name.endswith(".tmp")):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
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
    wrong = _manifest_problem(manifest)
    if wrong is not None:
        raise IndexCorrupt(f"{path}: manifest field {wrong[0]!r} is wrong ({wrong[1]}); run `assistant build`")
    missing = [name for name in _data_files(manifest) if name not in manifest["files"]]
    if missing:
        raise IndexCorrupt(f"{path}: manifest names no {missing[0]} file; run `assistant build`")
    return manifest


def _verified(index_dir: Path, name: str, entry: dict) -> Path:
    """The path of one data file (or the bm25s folder), checked against its manifest entry."""
    path = index_dir / entry["name"]  # a plain name (checked): it cannot leave index/
    if name == "bm25":
        parts = entry.get("parts")
        if not isinstance(parts, dict) or set(parts) != set(BM25_FILES) or folder_digest(parts) != entry["sha256"]:
            raise IndexCorrupt(f"{path}: manifest lists the wrong bm25 files; run `assistant build`")
        if path.is_symlink() or not path.is_dir():
            raise IndexCorrupt(f"{path}: missing; run `assistant build`")
        for part, digest in parts.items():
            if (path / part).is_symlink() or not (path / part).is_file():
                raise IndexCorrupt(f"{path / part}: missing; run `assistant build`")
            if _sha256(path / part) != digest:
                raise IndexCorrupt(f"{path / part}: checksum mismatch (truncated or edited); run `assistant build`")
        return path
    if path.is_symlink() or not path.is_file():
        raise IndexCorrupt(f"{path}: missing; run `assistant build`")
    if _sha256(path) != entry["sha256"]:
        raise IndexCorrupt(f"{path}: checksum mismatch (truncated or edited); run `assistant build`")
    return path


def load_index(index_dir: Path) -> LoadedIndex:
    """Read and verify every file the manifest names; IndexCorrupt on any mismatch."""
    import faiss

    manifest = read_manifest(index_dir)
    paths = {name: _verified(index_dir, name, manifest["files"][name]) for name in _data_files(manifest)}
    try:
        passages = [Passage.from_json(json.loads(line)) for line in paths["passages"].read_text("utf-8").splitlines()]
        passage_index = faiss.read_index(str(paths["passage_vectors"]))
        dense.configure(passage_index, manifest.get("dense_index") or {})
        # Memory-mapped: only the rows a question looks at are read.
        sentence_vectors = np.load(paths["sentence_vectors"], mmap_mode="r", allow_pickle=False)
        bm25 = BM25Index.open(paths["bm25"])
        pieces = token_vectors = None
        if "sentence_tokens" in paths:
            pieces = json.loads(paths["sentence_tokens"].read_text("utf-8"))
            token_vectors = np.load(paths["token_vectors"], mmap_mode="r", allow_pickle=False)
        adapter = asked = missed = None
        if ADAPTER_FILE in paths:  # the fitted matrix, and the questions it was fitted on
            with np.load(paths[ADAPTER_FILE], allow_pickle=False) as fitted:
                adapter = np.array(fitted["matrix"])
                asked = (np.array(fitted["questions"]), np.array(fitted["rows"]))
                if "near_misses" in fitted.files:
                    missed = NearMisses(np.array(fitted["near_misses"]), np.array(fitted["near_miss_rows"]),
                                        tuple(str(t) for t in fitted["near_miss_texts"]))
    except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
        raise IndexCorrupt(f"{index_dir}: unreadable index data ({exc}); run `assistant build`") from None
    owner = np.array([p.id for p in passages for _ in p.sentences], dtype=np.int64)
    if (
        passage_index.ntotal != len(passages)
        or bm25.num_docs != len(passages)
        or sentence_vectors.ndim != 2
        or len(owner) != sentence_vectors.shape[0]
        or pieces is not None and (len(pieces) != len(owner) or sum(len(p) for p in pieces) != token_vectors.shape[0])
        or adapter is not None and adapter.shape != (sentence_vectors.shape[1],) * 2
        or asked is not None and (
            asked[0].shape[0] != asked[1].shape[0] or asked[0].shape[1:] != sentence_vectors.shape[1:]
            or int(asked[1].max(initial=-1)) >= len(owner)
        )
        or missed is not None and (
            missed.vectors.shape[1:] != sentence_vectors.shape[1:] or len(missed.rows) != len(missed.vectors)
            or len(missed.texts) != len(missed.vectors) or int(missed.rows.max(initial=-1)) >= len(owner)
        )
    ):
        raise IndexCorrupt(f"{index_dir}: vectors and passages disagree in number; run `assistant build`")
    tokens = None
    if pieces is not None:
        ends = np.cumsum([len(p) for p in pieces])
        tokens = [TokenVectors(tuple(p), token_vectors[end - len(p) : end]) for p, end in zip(pieces, ends)]
    return LoadedIndex(manifest, passages, passage_index, sentence_vectors, owner, bm25, tokens,
                       LocalSearch(passage_index, bm25), adapter, asked, missed)


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
    if loaded is None:
        loaded = _rebuilt(settings)
    if settings.store != "faiss":
        from assistant.index.milvus import attach

        attach(loaded, settings)  # passage search goes to Milvus (loaded into it first if needed)
    return loaded


def _rebuilt(settings: Settings) -> LoadedIndex:
    index_dir = _prepare(settings)
    with _build_lock(index_dir):
        loaded, message = _usable(settings)
        if loaded is not None:
            _LOGGER.info("another process rebuilt %s meanwhile", index_dir)
            return loaded
        _LOGGER.warning("%s", message)
        _build_locked(settings, index_dir, None)
    return load_index(index_dir)
