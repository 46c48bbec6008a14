"""Dense index structure: FAISS flat below a size, HNSW above it, chosen per build and recorded.

The numbers come from benchmarks/bench_scale.py (docs/scale.md): exact search costs 0.5 ms at
10k passages, 6 ms at 100k and 63 ms at 1M; HNSW (M=32) stays under a millisecond but costs
recall and 20-35x the build time, and the efSearch it needs for recall@10 >= 0.95 rises with
size (16 at 10k, 64 at 100k, 128 at 1M). Below 50k passages flat search takes under 3 ms,
less than embedding the question, and is exact.
"""

from __future__ import annotations

import numpy as np

FLAT_BELOW = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40  # FAISS's default, as measured
# (largest size, efSearch): the smallest efSearch that gave recall@10 >= 0.95 at that size.
_EF_SEARCH = ((100_000, 64), (1_000_000, 128))
_EF_SEARCH_BEYOND = 256  # not measured: twice the 1M value


def choose(requested: str, count: int) -> dict:
    """The dense index for `count` passages: `requested` is "auto", "flat" or "hnsw"."""
    kind = requested if requested != "auto" else ("flat" if count < FLAT_BELOW else "hnsw")
    spec: dict = {"type": kind, "requested": requested, "flat_below": FLAT_BELOW}
    if kind == "hnsw":
        ef = next((ef for size, ef in _EF_SEARCH if count <= size), _EF_SEARCH_BEYOND)
        spec.update(M=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION, ef_search=ef)
    return spec


def faiss_name(spec: dict) -> str:
    return "IndexHNSWFlat" if spec["type"] == "hnsw" else "IndexFlatIP"


def build(vectors: np.ndarray, spec: dict, step: int = 100_000):
    """A FAISS index over unit vectors (inner product = cosine), as `spec` says."""
    import faiss

    dimension = vectors.shape[1]
    if spec["type"] == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, spec["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = spec["ef_construction"]
        index.hnsw.efSearch = spec["ef_search"]
    else:
        index = faiss.IndexFlatIP(dimension)  # exact: recall is total
    for start in range(0, len(vectors), step):
        index.add(np.ascontiguousarray(vectors[start : start + step], dtype=np.float32))
    return index


def configure(index, spec: dict) -> None:
    """Set what FAISS does not store in the file (efSearch is a search-time setting)."""
    if spec.get("type") == "hnsw" and hasattr(index, "hnsw"):
        index.hnsw.efSearch = int(spec["ef_search"])


def vectors_of(index, ids: np.ndarray) -> np.ndarray:
    """The stored vectors of passages `ids` (flat and HNSW both keep them whole)."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_batch(ids)
