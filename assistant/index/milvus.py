"""Milvus store: the passages' dense vectors and Milvus's own BM25 function, searched through pymilvus.

`store = "milvus-lite"` runs Milvus embedded in index/milvus.db; `store = "milvus://host:port"`
points the same code at a Milvus standalone or cluster. The local index stays the source of
truth: its passages, sentence vectors and word-piece vectors serve the reader, and a
collection named after the index's content is loaded from it (no re-embedding) whenever it is
missing or incomplete. Only passage retrieval (dense and BM25) goes to Milvus.

BM25 indexes the same canonical stemmed terms as the local bm25s index: each term is sent as an
opaque word token (a hash), so Milvus's analyzer cannot split "92.4" or fold case differently.
Milvus computes BM25 with the same k1, b and Lucene IDF (scores scaled by k1 + 1, which keeps
the ranking); the fusion and grouping stay in `Retriever`, the same code for both stores.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Sequence

import numpy as np

from assistant.config import Settings, milvus_address
from assistant.errors import StoreUnavailable
from assistant.index import dense
from assistant.index.bm25 import passage_terms

_LOGGER = logging.getLogger(__name__)

MILVUS_LITE_FILE = "milvus.db"
BM25_K1, BM25_B = 1.5, 0.75
_INSERT_STEP = 1000
_CONNECT_SECONDS = 10
_INDEX_WAIT_SECONDS = 900


def uri(settings: Settings) -> str:
    """Where the store lives: the embedded file under index/, or the server's http address."""
    if settings.store == "milvus-lite":
        return str(settings.index_path / MILVUS_LITE_FILE)
    address = milvus_address(settings.store)
    if address is None:
        raise StoreUnavailable(f"store {settings.store!r} is not Milvus; use milvus-lite or milvus://host:port")
    return address


def term_text(terms: Sequence[str]) -> str:
    """Terms as text Milvus's standard analyzer keeps whole: one hex word per term."""
    return " ".join("t" + hashlib.blake2b(t.encode(), digest_size=8).hexdigest() for t in terms if t)


def collection_name(manifest: dict, settings: Settings) -> str:
    """The collection of this index's content (passages, vectors, BM25 terms, dense structure)."""
    files = manifest["files"]
    content = "|".join([files["passages"]["sha256"], files["passage_vectors"]["sha256"], files["bm25"]["sha256"]])
    return f"{_prefix(settings)}{hashlib.sha256(content.encode()).hexdigest()[:16]}"


def _prefix(settings: Settings) -> str:
    # One prefix per index folder, so that two homes sharing a Milvus server leave each other be.
    return f"deal_{hashlib.sha256(str(settings.index_path.resolve()).encode()).hexdigest()[:8]}_"


def connect(settings: Settings):
    """A pymilvus client for the store; StoreUnavailable (exit code 2) naming the fix."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise StoreUnavailable(
            f"--store {settings.store} needs pymilvus and milvus-lite: pip install -e '.[milvus]' "
            "(or use --store faiss)"
        ) from None
    address = uri(settings)
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # it logs a traceback per failed connect
    # milvus-lite serves gRPC in this process and logs a traceback for every call it does not
    # implement (AllocTimestamp, which pymilvus tries after an insert and then does without).
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    try:
        return MilvusClient(address, timeout=_CONNECT_SECONDS)
    except Exception as exc:  # pymilvus raises MilvusException, grpc errors, OSError...
        reason = " ".join(str(getattr(exc, "message", None) or exc).split())[:160]
        raise StoreUnavailable(
            f"{address}: cannot reach Milvus ({reason}); start Milvus there, fix --store / "
            "DEAL_ASSISTANT_STORE, or use --store faiss"
        ) from None


class MilvusSearch:
    """Dense and BM25 search of one collection; ids are the local index's passage ids."""

    name = "milvus"

    def __init__(self, client, collection: str, spec: dict, address: str) -> None:
        self.client, self.collection, self.address = client, collection, address
        self.ef = int(spec.get("ef_search", 0))

    def dense(self, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        params = {"metric_type": "IP", "params": {"ef": max(self.ef, depth)} if self.ef else {}}
        return self._search([np.asarray(vector, np.float32).reshape(-1).tolist()], "dense", depth, params)

    def lexical(self, terms: Sequence[str], depth: int) -> tuple[np.ndarray, np.ndarray]:
        text = term_text(terms)
        if not text:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids, scores = self._search([text], "sparse", depth, {"metric_type": "BM25"})
        # Best first either way, but milvus-lite 3.2 reports the score negated (as a distance)
        # where Milvus reports it as is; and Milvus scales BM25 by k1 + 1, bm25s does not.
        scores = np.abs(scores) / (1.0 + BM25_K1)
        keep = scores > 0
        ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -np.round(scores, 5)))  # equal scores by passage id, as bm25s's ranking
        return ids[order], scores[order]

    def _search(self, data: list, field: str, depth: int, params: dict) -> tuple[np.ndarray, np.ndarray]:
        try:
            hits = self.client.search(self.collection, data=data, anns_field=field, limit=depth,
                                      search_params=params, output_fields=["id"])[0]
        except Exception as exc:
            reason = " ".join(str(getattr(exc, "message", None) or exc).split())[:160]
            raise StoreUnavailable(f"{self.address}: Milvus search failed ({reason}); check the server "
                                   "or use --store faiss") from None
        ids = np.array([int(h["id"]) for h in hits], dtype=np.int64)
        scores = np.array([float(h["distance"]) for h in hits], dtype=np.float32)
        return ids, scores


def attach(loaded, settings: Settings) -> MilvusSearch:
    """Point `loaded`'s passage search at Milvus, loading the collection first if it is not whole."""
    client = connect(settings)
    address = uri(settings)
    name = collection_name(loaded.manifest, settings)
    spec = loaded.manifest.get("dense_index") or {"type": "flat"}
    try:
        if not _complete(client, name, len(loaded.passages)):
            _LOGGER.warning("Loading %d passages into Milvus at %s (collection %s).", len(loaded.passages), address, name)
            _fill(client, name, loaded, spec)
        for old in client.list_collections():
            if old.startswith(_prefix(settings)) and old != name:
                client.drop_collection(old)  # an earlier build of this index
    except StoreUnavailable:
        raise
    except Exception as exc:
        reason = " ".join(str(getattr(exc, "message", None) or exc).split())[:160]
        raise StoreUnavailable(f"{address}: cannot load the passages into Milvus ({reason}); "
                               "check the server or use --store faiss") from None
    loaded.search = MilvusSearch(client, name, spec, address)
    return loaded.search


def _complete(client, name: str, count: int) -> bool:
    if not client.has_collection(name):
        return False
    rows = int(client.get_collection_stats(name).get("row_count", -1))
    if rows == count:
        client.load_collection(name)
        return True
    client.drop_collection(name)  # an insert that was cut short: start again
    return False


def _fill(client, name: str, loaded, spec: dict) -> None:
    from pymilvus import DataType, Function, FunctionType

    started = time.perf_counter()
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("terms", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=loaded.dimension)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                 output_field_names=["sparse"]))
    params = client.prepare_index_params()
    if spec.get("type") == "hnsw":
        params.add_index(field_name="dense", index_type="HNSW", metric_type="IP",
                         params={"M": spec["M"], "efConstruction": spec["ef_construction"]})
    else:
        params.add_index(field_name="dense", index_type="FLAT", metric_type="IP")
    params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})  # bm25s's defaults, as the local index
    client.create_collection(name, schema=schema, index_params=params)
    terms = passage_terms([p.text for p in loaded.passages])
    for start in range(0, len(loaded.passages), _INSERT_STEP):
        ids = np.arange(start, min(start + _INSERT_STEP, len(loaded.passages)))
        vectors = dense.vectors_of(loaded.passage_index, ids)
        client.insert(name, [
            {"id": int(i), "terms": term_text(terms[i]) or "t", "dense": vectors[j].tolist()}
            for j, i in enumerate(ids)
        ])
    client.flush(name)
    deadline = time.monotonic() + _INDEX_WAIT_SECONDS
    while time.monotonic() < deadline:  # index building is asynchronous
        states = [client.describe_index(name, field) for field in ("dense", "sparse")]
        if all(s.get("pending_index_rows", 0) == 0 for s in states):
            break
        time.sleep(0.2)
    # milvus-lite builds a segment's index when the collection is loaded, not after an insert.
    client.release_collection(name)
    client.load_collection(name)
    _LOGGER.info("loaded %d passages into %s in %.1f s", len(loaded.passages), name, time.perf_counter() - started)
