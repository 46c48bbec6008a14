"""Scaling benchmark: FAISS flat (baseline), FAISS HNSW and milvus-lite on synthetic news passages.

For each size (10k, 100k, 1M passages) the parent process generates passages once into a
temporary folder: 384-dim unit vectors from a mixture of topic Gaussians in a low-rank space
(real sentence embeddings are far from isotropic, so ANN recall means something), and text of
15-40 words drawn Zipf-wise from the words of corpus/*.md plus generated names, with a topic's
own words over-represented so that text and vectors agree. Each query is a perturbed passage
vector plus a few words of that passage.

Every backend then runs in its own subprocess, so its peak RSS (the process tree, sampled with
psutil when it is installed, and VmHWM) is its own: bm25s (the lexical half), FAISS
IndexFlatIP (exact, the ground truth), FAISS IndexHNSWFlat (M=32, efSearch raised until
recall@10 >= 0.95 on a tuning half of the queries) and milvus-lite (HNSW with the same M and
efSearch as FAISS's, plus its built-in BM25 function) when pymilvus and milvus-lite are
installed, and the assistant's own query path ("assistant": the dense index `dense_index=auto`
picks for the size, flat below 50k and HNSW above, and BM25Index scoring bm25s's saved folder
memory-mapped, top-k in numpy). Latencies are warm, one query at a time, on the other half of the queries. Hybrid is reciprocal-rank fusion (k=60)
of dense and BM25 top-50; Milvus does it server-side with its RRFRanker.

    .venv/bin/python benchmarks/bench_scale.py                  # 10k and 100k
    .venv/bin/python benchmarks/bench_scale.py --max-size 10000 # CI-sized
    .venv/bin/python benchmarks/bench_scale.py --sizes 1000000 --backends flat,hnsw
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DIM = 384
LATENT = 48
K = 10
DEPTH = 50  # candidates per half for the hybrid
RRF_K = 60
QUERIES = 400  # first half tunes efSearch, second half is measured
WARMUP = 20
BACKENDS = ("bm25s", "flat", "hnsw", "milvus", "assistant")
HNSW_EFS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


# ---------------------------------------------------------------- synthetic data


def _vocabulary(rng: np.random.Generator) -> list[str]:
    words: list[str] = []
    seen: set[str] = set()
    for path in sorted((ROOT / "corpus").glob("*.md")):
        for word in re.findall(r"[A-Za-z][A-Za-z'-]+", path.read_text(encoding="utf-8").split("---", 2)[-1]):
            key = word.lower()
            if key not in seen:
                seen.add(key)
                words.append(word)
    onsets = "b c d f g h j k l m n p r s t v w z ch sh th br cr dr gr kr pr st tr".split()
    vowels = "a e i o u ai ao ei ia ou".split()
    codas = ["", "", "n", "ng", "r", "s", "l", "m", "k", "t"]
    names: list[str] = []
    while len(names) < 30_000:
        syllables = rng.integers(2, 4)
        name = "".join(
            onsets[rng.integers(len(onsets))] + vowels[rng.integers(len(vowels))] + codas[rng.integers(len(codas))]
            for _ in range(syllables)
        ).capitalize()
        if name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    # Corpus words first: they take the head of the Zipf curve, names the long tail.
    rng.shuffle(words)
    return words + names


def _generate(n: int, folder: Path, seed: int = 12) -> None:
    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng)
    v = len(vocab)
    n_topics = max(20, n // 250)
    # Vectors: topic centroids in a low-rank space, lifted to 384 dims, a little isotropic noise.
    lift = rng.standard_normal((LATENT, DIM)).astype(np.float32) / np.sqrt(LATENT)
    centroids = rng.standard_normal((n_topics, LATENT)).astype(np.float32)
    topic = rng.integers(n_topics, size=n)
    vectors = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        latent = centroids[topic[start:stop]] + 0.6 * rng.standard_normal((stop - start, LATENT)).astype(np.float32)
        block = latent @ lift + 0.15 * rng.standard_normal((stop - start, DIM)).astype(np.float32)
        vectors[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    np.save(folder / "vectors.npy", vectors)
    # Text: Zipf over the vocabulary, 30% of words from the topic's own 40 words.
    ranks = np.arange(1, v + 1, dtype=np.float64)
    p = 1.0 / ranks**1.07
    cdf = np.cumsum(p / p.sum())
    topic_words = rng.integers(200, v, size=(n_topics, 40))
    lengths = rng.integers(15, 41, size=n)
    total = int(lengths.sum())
    ids = np.searchsorted(cdf, rng.random(total))
    own = rng.random(total) < 0.3
    owner = np.repeat(topic, lengths)
    ids[own] = topic_words[owner[own], rng.integers(40, size=int(own.sum()))]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    vocab_arr = np.array(vocab, dtype=object)
    words = vocab_arr[ids]
    with open(folder / "texts.txt", "w", encoding="utf-8") as out:
        for i in range(n):
            out.write(" ".join(words[offsets[i] : offsets[i + 1]]) + ".\n")
    # Queries: a passage's vector, perturbed, and 3-6 of its less common words.
    source = rng.choice(n, size=QUERIES, replace=False)
    noisy = vectors[source] + 0.35 * rng.standard_normal((QUERIES, DIM)).astype(np.float32) / np.sqrt(DIM) * 4
    np.save(folder / "queries.npy", (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32))
    with open(folder / "queries.txt", "w", encoding="utf-8") as out:
        for s in source:
            own_ids = ids[offsets[s] : offsets[s + 1]]
            rare = own_ids[own_ids > 100]
            pool = rare if len(rare) >= 3 else own_ids
            pick = rng.choice(pool, size=min(len(pool), int(rng.integers(3, 7))), replace=False)
            out.write(" ".join(vocab_arr[pick]) + "\n")


# ---------------------------------------------------------------- measuring


class _PeakRss:
    """Peak resident memory of this process and its children (milvus-lite runs a server child)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        try:
            import psutil

            self._proc = psutil.Process()
        except ImportError:
            self._proc = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> int:
        total = self._proc.memory_info().rss
        for child in self._proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except Exception:  # a child that just exited
                pass
        return total

    def _run(self) -> None:
        while self._proc is not None and not self._stop.wait(0.05):
            self.peak = max(self.peak, self._sample())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child would report the
        # parent's peak (the data generation) instead of its own.
        status = Path("/proc/self/status").read_text()
        own = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024
        return max(self.peak, own)


def _disk(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _timed(function, items) -> tuple[list, list[float]]:
    for item in items[:WARMUP]:
        function(item)
    results, times = [], []
    for item in items:
        started = time.perf_counter()
        results.append(function(item))
        times.append((time.perf_counter() - started) * 1000)
    return results, times


def _pcts(times: list[float]) -> list[float]:
    return [float(np.percentile(times, 50)), float(np.percentile(times, 95))]


def _rrf(*rankings) -> list[int]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking):
            if doc >= 0:
                scores[int(doc)] = scores.get(int(doc), 0.0) + 1.0 / (RRF_K + rank + 1)
    return [d for d, _ in sorted(scores.items(), key=lambda kv: -kv[1])[:K]]


def _recall(found, truth) -> float:
    return float(np.mean([len(set(map(int, f[:K])) & set(map(int, t[:K]))) / K for f, t in zip(found, truth)]))


def _bm25_tokens(texts):
    import bm25s

    try:
        import Stemmer

        stemmer = Stemmer.Stemmer("english")
    except ImportError:
        stemmer = None
    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False)


# ---------------------------------------------------------------- backends (one per subprocess)


def _worker_bm25s(data: Path) -> dict:
    import bm25s

    texts = (data / "texts.txt").read_text(encoding="utf-8").splitlines()
    started = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(_bm25_tokens(texts), show_progress=False)
    retriever.save(data / "bm25s")
    build = time.perf_counter() - started
    del retriever, texts
    retriever = bm25s.BM25.load(data / "bm25s", mmap=True)
    queries = (data / "queries.txt").read_text(encoding="utf-8").splitlines()[QUERIES // 2 :]

    def search(q):
        docs, _ = retriever.retrieve(_bm25_tokens([q]), k=DEPTH, show_progress=False, n_threads=1)
        return docs[0]

    found, times = _timed(search, queries)
    np.save(data / "bm25_top.npy", np.array(found))
    return {"build_s": build, "disk": _disk(data / "bm25s"), "bm25_ms": _pcts(times)}


def _faiss_worker(data: Path, kind: str) -> dict:
    import bm25s
    import faiss

    vectors = np.load(data / "vectors.npy", mmap_mode="r")
    queries = np.load(data / "queries.npy")
    tune, measure = queries[: QUERIES // 2], queries[QUERIES // 2 :]
    build_threads = faiss.omp_get_max_threads()
    texts = (data / "queries.txt").read_text(encoding="utf-8").splitlines()[QUERIES // 2 :]
    started = time.perf_counter()
    if kind == "flat":
        index = faiss.IndexFlatIP(DIM)
    else:
        index = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    for start in range(0, vectors.shape[0], 100_000):
        index.add(np.ascontiguousarray(vectors[start : start + 100_000]))
    faiss.write_index(index, str(data / f"{kind}.faiss"))
    build = time.perf_counter() - started
    result: dict = {"build_s": build, "disk": _disk(data / f"{kind}.faiss"), "build_threads": build_threads}
    if kind == "hnsw":
        truth_tune = np.load(data / "gt_tune.npy")
        for ef in HNSW_EFS:
            index.hnsw.efSearch = ef
            _, ids = index.search(tune, K)
            if _recall(ids, truth_tune) >= 0.95:
                break
        result["ef"] = ef
        (data / "hnsw_ef.txt").write_text(str(ef))
    else:
        _, ids = index.search(tune, K)
        np.save(data / "gt_tune.npy", ids)
    # Queries on one thread, as in one serving process per core; OpenMP's spinning threads
    # otherwise fight bm25s and the other process for the two cores (p95 of 24 ms at 10k).
    faiss.omp_set_num_threads(1)

    def dense(q):
        return index.search(q[None, :], DEPTH)[1][0]

    found, times = _timed(dense, list(measure))
    result["dense_ms"] = _pcts(times)
    retriever = bm25s.BM25.load(data / "bm25s", mmap=True)

    def hybrid(pair):
        q, text = pair
        d = index.search(q[None, :], DEPTH)[1][0]
        b, _ = retriever.retrieve(_bm25_tokens([text]), k=DEPTH, show_progress=False, n_threads=1)
        return _rrf(d, b[0])

    fused, htimes = _timed(hybrid, list(zip(measure, texts)))
    result["hybrid_ms"] = _pcts(htimes)
    if kind == "flat":
        np.save(data / "gt_dense.npy", np.array(found))
        np.save(data / "gt_hybrid.npy", np.array(fused))
    result["recall"] = _recall(found, np.load(data / "gt_dense.npy"))
    result["hybrid_recall"] = _recall(fused, np.load(data / "gt_hybrid.npy"))
    return result


def _worker_flat(data: Path) -> dict:
    return _faiss_worker(data, "flat")


def _worker_hnsw(data: Path) -> dict:
    return _faiss_worker(data, "hnsw")


def _worker_assistant(data: Path) -> dict:
    """The assistant's own query path: the dense index `dense_index=auto` picks for this size, and
    BM25Index reading bm25s's saved folder memory-mapped (no bm25s retrieve, no scipy)."""
    sys.path.insert(0, str(ROOT))
    import faiss

    from assistant.index import dense
    from assistant.index.bm25 import BM25Index

    vectors = np.load(data / "vectors.npy", mmap_mode="r")
    queries = np.load(data / "queries.npy")[QUERIES // 2 :]
    texts = (data / "queries.txt").read_text(encoding="utf-8").splitlines()[QUERIES // 2 :]
    spec = dense.choose("auto", vectors.shape[0])
    started = time.perf_counter()
    index = dense.build(vectors, spec)
    faiss.write_index(index, str(data / "assistant.faiss"))
    build = time.perf_counter() - started
    faiss.omp_set_num_threads(1)
    bm25 = BM25Index.open(data / "bm25s")
    result: dict = {"build_s": build, "disk": _disk(data / "assistant.faiss") + _disk(data / "bm25s"),
                    "kind": spec["type"], "ef": spec.get("ef_search")}

    def dense_search(q):
        return index.search(q[None, :], DEPTH)[1][0]

    def lexical(text):
        return bm25.top(_bm25_tokens([text])[0], DEPTH)[0]

    found, times = _timed(dense_search, list(queries))
    result["dense_ms"] = _pcts(times)
    _, btimes = _timed(lexical, texts)
    result["bm25_ms"] = _pcts(btimes)

    def hybrid(pair):
        q, text = pair
        return _rrf(dense_search(q), lexical(text))

    fused, htimes = _timed(hybrid, list(zip(queries, texts)))
    result["hybrid_ms"] = _pcts(htimes)
    result["recall"] = _recall(found, np.load(data / "gt_dense.npy"))
    result["hybrid_recall"] = _recall(fused, np.load(data / "gt_hybrid.npy"))
    return result


def _worker_milvus(data: Path) -> dict:
    from pymilvus import AnnSearchRequest, DataType, Function, FunctionType, MilvusClient, RRFRanker

    vectors = np.load(data / "vectors.npy", mmap_mode="r")
    queries = np.load(data / "queries.npy")[QUERIES // 2 :]
    qtexts = (data / "queries.txt").read_text(encoding="utf-8").splitlines()[QUERIES // 2 :]
    folder = data / "milvus"
    folder.mkdir()
    started = time.perf_counter()
    client = MilvusClient(str(folder / "bench.db"))
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=2048, enable_analyzer=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"])
    )
    params = client.prepare_index_params()
    # The same graph as the FAISS HNSW row (M=32, FAISS's default efConstruction of 40) and the
    # efSearch FAISS needed for recall@10 >= 0.95, so the two rows differ by engine, not setting.
    ef_file = data / "hnsw_ef.txt"
    ef = int(ef_file.read_text()) if ef_file.exists() else 64
    params.add_index(
        field_name="dense", index_type="HNSW", metric_type="IP", params={"M": 32, "efConstruction": 40}
    )
    params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection("passages", schema=schema, index_params=params)
    with open(data / "texts.txt", encoding="utf-8") as texts:
        batch: list[dict] = []
        for i, line in enumerate(texts):
            batch.append({"id": i, "text": line.rstrip("\n"), "dense": vectors[i].tolist()})
            if len(batch) == 5000:
                client.insert("passages", batch)
                batch = []
        if batch:
            client.insert("passages", batch)
    client.flush("passages")
    # Index building is asynchronous: until it is done, searches scan the raw segments.
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        states = [client.describe_index("passages", name) for name in ("dense", "sparse")]
        if all(s.get("pending_index_rows", 0) == 0 and s.get("indexed_rows") == s.get("total_rows") for s in states):
            break
        time.sleep(0.5)
    # A collection created with its indexes is loaded at once, and milvus-lite builds segment
    # indexes only on load: without a release and reload every segment is searched by brute force.
    client.release_collection("passages")
    client.load_collection("passages")
    build = time.perf_counter() - started
    result: dict = {"build_s": build, "ef": ef}
    dense_params = {"metric_type": "IP", "params": {"ef": max(ef, DEPTH)}}
    # Ask for the id alone: by default a hit carries its whole 384-float vector back.
    only_id = ["id"]

    def dense(q):
        hits = client.search(
            "passages", data=[q.tolist()], anns_field="dense", limit=K, search_params=dense_params, output_fields=only_id
        )
        return [h["id"] for h in hits[0]]

    def lexical(text):
        hits = client.search(
            "passages", data=[text], anns_field="sparse", limit=K, search_params={"metric_type": "BM25"}, output_fields=only_id
        )
        return [h["id"] for h in hits[0]]

    def hybrid(pair):
        q, text = pair
        reqs = [
            AnnSearchRequest(data=[q.tolist()], anns_field="dense", param=dense_params, limit=DEPTH),
            AnnSearchRequest(data=[text], anns_field="sparse", param={"metric_type": "BM25"}, limit=DEPTH),
        ]
        hits = client.hybrid_search("passages", reqs=reqs, ranker=RRFRanker(RRF_K), limit=K, output_fields=only_id)
        return [h["id"] for h in hits[0]]

    found, times = _timed(dense, list(queries))
    result["dense_ms"] = _pcts(times)
    result["recall"] = _recall(found, np.load(data / "gt_dense.npy"))
    _, btimes = _timed(lexical, qtexts)
    result["bm25_ms"] = _pcts(btimes)
    fused, htimes = _timed(hybrid, list(zip(queries, qtexts)))
    result["hybrid_ms"] = _pcts(htimes)
    result["hybrid_recall"] = _recall(fused, np.load(data / "gt_hybrid.npy"))
    client.close()
    result["disk"] = _disk(folder)
    return result


def _worker(backend: str, data: Path) -> int:
    rss = _PeakRss()
    result = globals()[f"_worker_{backend}"](data)
    result["rss"] = rss.stop()
    print("RESULT " + json.dumps(result))
    return 0


# ---------------------------------------------------------------- driver and table


def _run(backend: str, data: Path, timeout: float) -> dict:
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", backend, "--data", str(data)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
            result["wall_s"] = time.perf_counter() - started
            return result
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": tail[:120]}


def _milvus_available() -> str | None:
    try:
        import importlib.util

        for name in ("pymilvus", "milvus_lite"):
            if importlib.util.find_spec(name) is None:
                return f"{name} not installed (pip install -e '.[milvus]')"
    except Exception as error:  # a broken install
        return str(error)
    return None


def _x(ratio: float) -> str:
    if ratio >= 10:
        return f" ({ratio:.0f}x)"
    return f" ({ratio:.1f}x)" if ratio >= 1 else f" ({ratio:.2f}x)" if ratio >= 0.1 else f" ({ratio:.3f}x)"


def _ms(pair, base=None) -> str:
    if not pair:
        return "-"
    text = f"{pair[0]:.2f} / {pair[1]:.2f}"
    return text + (_x(pair[0] / base[0]) if base else "")


def _ratio(value, base, fmt: str) -> str:
    if value is None:
        return "-"
    return format(value, fmt) + (_x(value / base) if base else "")


def _table(rows: list[tuple[int, str, dict]]) -> str:
    lines = [
        "| passages | backend | build s | disk MB | peak RSS MB | dense p50 / p95 ms | BM25 p50 / p95 ms "
        "| hybrid p50 / p95 ms | dense recall@10 | hybrid overlap@10 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    flats = {n: r for n, b, r in rows if b == "flat" and "error" not in r}
    for n, backend, r in rows:
        if "error" in r:
            lines.append(f"| {n:,} | {backend} | failed: {r['error']} | | | | | | | |")
            continue
        base = flats.get(n) if backend in ("hnsw", "milvus", "assistant") else None
        name = {
            "flat": "FAISS flat (baseline)",
            "hnsw": f"FAISS HNSW M=32 ef={r.get('ef')}",
            "bm25s": "bm25s (BM25 half of both FAISS rows)",
            "milvus": f"milvus-lite, HNSW M=32 ef={r.get('ef')} asked, + BM25 function",
            "assistant": f"assistant: auto = {r.get('kind')}" + (f" ef={r.get('ef')}" if r.get("ef") else "")
            + " + BM25 memmap",
        }[backend]
        lines.append(_row(n, name, r, base))
    return "\n".join(lines)


def _row(n: int, name: str, r: dict, base: dict | None) -> str:
    cells = [
        f"{n:,}",
        name,
        _ratio(r["build_s"], base and base["build_s"], ".1f"),
        _ratio(r["disk"] / 1e6, base and base["disk"] / 1e6, ".0f"),
        _ratio(r["rss"] / 1e6, base and base["rss"] / 1e6, ".0f"),
        _ms(r.get("dense_ms"), base and base["dense_ms"]),
        _ms(r.get("bm25_ms")),
        _ms(r.get("hybrid_ms"), base and base["hybrid_ms"]),
        f"{r['recall']:.3f}" if "recall" in r else "-",
        f"{r['hybrid_recall']:.3f}" if "hybrid_recall" in r else "-",
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-size", type=int, default=100_000, help="largest of 10k, 100k, 1M to run")
    parser.add_argument("--sizes", help="comma-separated sizes instead, e.g. 10000,1000000")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="subset of " + ",".join(BACKENDS))
    parser.add_argument(
        "--milvus-max-size",
        type=int,
        default=100_000,
        help="largest size milvus-lite runs at (at 1M it needs ~20 GB and a quarter of an hour here)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per backend and size")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args.worker, args.data)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [s for s in (10_000, 100_000, 1_000_000) if s <= args.max_size]
    backends = [b for b in args.backends.split(",") if b]
    if unknown := set(backends) - set(BACKENDS):
        parser.error(f"unknown backend(s) {sorted(unknown)}; choose from {','.join(BACKENDS)}")
    # The flat index is the ground truth and bm25s the lexical half: both always run first.
    backends = ["bm25s", "flat"] + [b for b in backends if b not in ("bm25s", "flat")]
    skipped = _milvus_available() if "milvus" in backends else None
    if skipped:
        backends.remove("milvus")
    rows: list[tuple[int, str, dict]] = []
    for n in sizes:
        data = Path(tempfile.mkdtemp(prefix=f"bench-scale-{n}-"))
        try:
            started = time.perf_counter()
            _generate(n, data)
            print(f"{n:,} passages generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for backend in backends:
                if backend == "milvus" and n > args.milvus_max_size:
                    rows.append((n, backend, {"error": f"not run above --milvus-max-size {args.milvus_max_size:,}"}))
                    continue
                result = _run(backend, data, args.timeout)
                print(f"  {backend}: {json.dumps(result)}", file=sys.stderr)
                rows.append((n, backend, result))
        finally:
            shutil.rmtree(data, ignore_errors=True)
    print(_table(rows))
    print(
        "\nwarm, one query at a time, 200 queries after 20 warm-up; ratios are to FAISS flat of the same size and run; "
        "hybrid = RRF(k=60) of dense and BM25 top-50; recall and overlap are against flat dense / flat hybrid top-10; "
        "peak RSS includes the loaded passages."
    )
    if skipped:
        print(f"milvus-lite skipped: {skipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
