"""Incremental build benchmark: a full build vs adding or changing one article, on synthetic corpora.

For each size the parent writes N synthetic articles into a temporary home: paragraphs of 2-4
sentences drawn (seeded) from the sentences of corpus/*.md, plus one sentence of their own
("Report 17 was filed by Kaoshan on 3 March."), so every article and most passages differ.
A child process per size then times, with the real MiniLM embedder loaded once beforehand
(its load is in no row), on the real `build_index`:

  full       a build into an empty index folder (everything embedded)
  unchanged  the same build again (everything reused)
  add one    one new article added to the corpus
  change one one article's text changed

and reports each as a ratio to the full build of the same run (these machines are noisy),
the peak RSS of the child (VmHWM, model included), and the recall@10 of an HNSW index
(`dense_index=hnsw`, same vectors) against the flat one, over sentence vectors as queries.

`--hash-sizes` runs the same four builds with vectors made from a hash of each text instead
of MiniLM (same dimension, one word piece per word): everything a build does except the
embedding, at sizes where a real full build would take hours here. Its "add one" row is the
part of an incremental build that grows with the corpus.

    .venv/bin/python benchmarks/bench_incremental.py --sizes 100,300,1000 --hash-sizes 3000,10000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_NAMES = "Kaoshan Miravel Tobrek Ulanti Zephora Quillon Brastow Idrena Volkary Semptra".split()
_MONTHS = "January February March April May June July August September October November December".split()


def _sentences() -> list[str]:
    from assistant.corpus.chunk import split_sentences

    pool = []
    for path in sorted((ROOT / "corpus").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        for paragraph in body.split("\n"):
            if len(paragraph.split()) > 12:
                pool.extend(s.text for s in split_sentences(paragraph))
    return pool


def _article(i: int, pool: list[str], rng: np.random.Generator) -> str:
    paragraphs = []
    for _ in range(int(rng.integers(3, 6))):
        picks = rng.choice(len(pool), size=int(rng.integers(2, 5)), replace=False)
        paragraphs.append(" ".join(pool[j] for j in picks))
    name, month = _NAMES[i % len(_NAMES)], _MONTHS[i % 12]
    paragraphs.insert(int(rng.integers(0, len(paragraphs))),
                      f"Report {i} was filed by {name} on {1 + i % 28} {month}, according to the desk.")
    return f'---\nid: synthetic-{i:06d}\ntitle: "Synthetic report {i}"\n---\n' + "\n\n".join(paragraphs) + "\n"


def _generate(corpus: Path, n: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    pool = _sentences()
    corpus.mkdir(parents=True)
    for i in range(n):
        (corpus / f"synthetic-{i:06d}.md").write_text(_article(i, pool, rng), encoding="utf-8")


def _peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


class _HashEmbedder:
    """Unit vectors from a hash of each text (and of each word, as its word pieces): no model."""

    dimension = 384

    @staticmethod
    def _rows(keys: list[str]) -> np.ndarray:
        seeds = [int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "little") for k in keys]
        rows = np.stack([np.random.default_rng(s).standard_normal(384, dtype=np.float32) for s in seeds])
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def encode(self, texts):
        return self._rows(list(texts)) if texts else np.zeros((0, 384), np.float32)

    def encode_tokens(self, texts):
        from assistant.index.embed import TokenVectors

        out = []
        for text in texts:
            words = text.lower().split()[:256] or ["."]
            out.append(TokenVectors(tuple(words), self._rows(words)))
        return out

    def encode_with_tokens(self, texts):
        return self.encode(texts), self.encode_tokens(texts)


def _worker(home: Path, n: int, hashed: bool = False) -> dict:
    from assistant.config import Settings
    from assistant.index import dense
    from assistant.index.embed import SentenceTransformerEmbedder
    from assistant.index.store import build_index, load_index

    settings = Settings(home=home)
    if hashed:
        embedder = _HashEmbedder()
    else:
        embedder = SentenceTransformerEmbedder(settings.embedding_model)
        embedder.encode(["warm up"])
        embedder.encode_tokens(["warm up"])
    rng = np.random.default_rng(99)
    pool = _sentences()

    def timed(label: str) -> dict:
        started = time.perf_counter()
        manifest = build_index(settings, embedder)
        return {"label": label, "s": time.perf_counter() - started, **manifest["build"],
                "passages": manifest["counts"]["passages"], "sentences": manifest["counts"]["sentences"]}

    rows = [timed("full")]
    rows.append(timed("unchanged"))
    (settings.corpus_path / "synthetic-new.md").write_text(_article(n, pool, rng), encoding="utf-8")
    rows.append(timed("add one"))
    middle = settings.corpus_path / f"synthetic-{n // 2:06d}.md"
    middle.write_text(middle.read_text(encoding="utf-8") + "\nA late correction was added to this report.\n")
    rows.append(timed("change one"))
    # HNSW recall@10 against flat, same vectors (real MiniLM passage vectors; sentence queries).
    flat = load_index(settings.index_path)
    queries = np.ascontiguousarray(flat.sentence_vectors[:: max(1, len(flat.sentence_vectors) // 300)])
    truth = flat.passage_index.search(queries, 10)[1]
    spec = dense.choose("hnsw", flat.passage_index.ntotal)
    vectors = dense.vectors_of(flat.passage_index, np.arange(flat.passage_index.ntotal))
    started = time.perf_counter()
    hnsw = dense.build(vectors, spec)
    hnsw_build = time.perf_counter() - started
    found = hnsw.search(queries, 10)[1]
    recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
    return {"articles": n, "hashed": hashed, "rows": rows, "rss_mb": _peak_rss_mb(), "hnsw_recall": recall,
            "hnsw_ef": spec["ef_search"], "hnsw_build_s": hnsw_build, "queries": len(queries)}


def _tables(results: list[dict]) -> None:
    print("| articles | vectors | passages | sentences | build | seconds | reused / embedded articles | ratio to full "
          "| peak RSS MB |")
    print("|---:|---|---:|---:|---|---:|---:|---:|---:|")
    for result in results:
        full = result["rows"][0]["s"]
        kind = "hash (no model)" if result.get("hashed") else "MiniLM"
        for row in result["rows"]:
            print(f"| {result['articles']:,} | {kind} | {row['passages']:,} | {row['sentences']:,} | {row['label']} | "
                  f"{row['s']:.2f} | {row['reused_articles']:,} / {row['embedded_articles']:,} | "
                  f"{row['s'] / full:.3f} | {result['rss_mb']:.0f} |")
    print("\n| articles | passages | HNSW M=32 efSearch | HNSW build s | recall@10 vs flat (sentence queries) |")
    print("|---:|---:|---:|---:|---:|")
    for result in results:
        if result.get("hashed"):
            continue  # random vectors: recall of those says nothing about news passages
        print(f"| {result['articles']:,} | {result['rows'][0]['passages']:,} | {result['hnsw_ef']} | "
              f"{result['hnsw_build_s']:.2f} | {result['hnsw_recall']:.3f} ({result['queries']} queries) |")
    print("\nmodel load excluded (loaded once per size before the first build); peak RSS is the child "
          "process's, model included; ratios are to the full build of the same run.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,300,1000", help="comma-separated numbers of articles (MiniLM)")
    parser.add_argument("--hash-sizes", default="", help="comma-separated numbers of articles (hash vectors)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--hashed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tables-from", type=Path, metavar="LOG",
                        help="print the tables from the per-size lines ('  N: {...}') a run wrote to stderr")
    args = parser.parse_args(argv)
    if args.tables_from:
        lines = args.tables_from.read_text().splitlines()
        _tables([json.loads(x.split(": ", 1)[1]) for x in lines if re.match(r"\s+\d+: \{", x)])
        return 0
    if args.worker:
        print("RESULT " + json.dumps(_worker(Path(args.worker), args.n, args.hashed)))
        return 0
    results = []
    runs = [(int(s), False) for s in args.sizes.split(",") if s] + [(int(s), True) for s in args.hash_sizes.split(",") if s]
    for n, hashed in runs:
        home = Path(tempfile.mkdtemp(prefix=f"bench-incremental-{n}-"))
        try:
            _generate(home / "corpus", n)
            proc = subprocess.run([sys.executable, __file__, "--worker", str(home), "--n", str(n)]
                                  + (["--hashed"] if hashed else []), capture_output=True, text=True)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                print(f"{n} articles failed: {(proc.stderr.strip().splitlines() or ['no output'])[-1]}", file=sys.stderr)
                continue
            results.append(json.loads(line[7:]))
            print(f"  {n}: {line[7:]}", file=sys.stderr)
        finally:
            shutil.rmtree(home, ignore_errors=True)
    _tables(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
