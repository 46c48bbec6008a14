"""Memory of the assistant's own build at 10k, 100k and 1M passages: `build_index`, the real code path.

For each size the parent writes synthetic news articles into a temporary home until they chunk
to about N passages: paragraphs of 2-4 sentences of 8-28 words. Words are English by their
frequency (wordfreq's top 30,000, from the [eval] extra), one in eight a name from the 30,000
generated names bench_scale.py uses (Zipf-distributed: the lexicon meets a newsroom's many names
and their near-spellings), and 30% of each article's words from its story's own 40; a capital
opens each sentence. A child process then runs the real
`build_index` (corpus read twice, pysbd chunking, lexicon and BM25, FAISS flat or HNSW as `auto`
picks, word pieces streamed or left out, checksums, manifest) with one substitution: vectors
come from a hash embedder (a fixed low-rank projection of hashed words, unit length; one word
piece per word), because MiniLM would take days for a million passages on two cores. Its
embedding is a small part of the time; everything else is the build as shipped.

The child samples its own resident memory every 0.1 s: `peak anon` is the anonymous memory
(heap, arrays, the FAISS index: what can run a machine out of memory), `VmHWM` the kernel's
high-water mark, which also counts file pages it touched through memory maps (reclaimable).

    .venv/bin/python benchmarks/bench_build_scale.py --sizes 10000,100000,1000000
    .venv/bin/python benchmarks/bench_build_scale.py --sizes 100000 --word-pieces-max-passages 1000000000
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
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

_PASSAGES_PER_ARTICLE = 5.5  # measured on these articles with 480-character passages; the target is approximate


def _vocabularies(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """English words with their cumulative frequencies (wordfreq's top 30,000), and 30,000
    generated names (those bench_scale.py uses) with a Zipf curve of their own."""
    from bench_scale import _vocabulary
    from wordfreq import top_n_list, word_frequency

    english = [w for w in top_n_list("en", 40_000) if w.isalpha()][:30_000]
    frequency = np.array([word_frequency(w, "en") for w in english])
    names = _vocabulary(rng)[-30_000:]
    name_weights = 1.0 / np.arange(1, len(names) + 1, dtype=np.float64)
    return (np.array(english, dtype=object), np.cumsum(frequency) / frequency.sum(),
            np.array(names, dtype=object), np.cumsum(name_weights) / name_weights.sum())


def _generate(corpus: Path, passages: int, seed: int = 21) -> int:
    """Write about `passages` passages' worth of articles; the number of articles."""
    rng = np.random.default_rng(seed)
    english, english_cdf, names, names_cdf = _vocabularies(rng)
    articles = max(1, round(passages / _PASSAGES_PER_ARTICLE))
    corpus.mkdir(parents=True)
    for i in range(articles):
        # A story's own words: 30 of middling frequency and 10 names, 30% of its text.
        topic = np.concatenate([english[rng.integers(300, len(english), size=30)],
                                names[np.searchsorted(names_cdf, rng.random(10))]])
        paragraphs = []
        for _ in range(int(rng.integers(3, 7))):
            sentences = []
            for _ in range(int(rng.integers(2, 5))):
                n = int(rng.integers(8, 29))
                words = english[np.searchsorted(english_cdf, rng.random(n))]
                named = rng.random(n) < 0.12  # about one word in eight names someone or something
                words[named] = names[np.searchsorted(names_cdf, rng.random(int(named.sum())))]
                own = rng.random(n) < 0.3
                words[own] = topic[rng.integers(40, size=int(own.sum()))]
                words = list(words)
                words[0] = words[0][:1].upper() + words[0][1:]
                sentences.append(" ".join(words) + ".")
            paragraphs.append(" ".join(sentences))
        text = "\n\n".join(paragraphs)
        (corpus / f"news-{i:07d}.md").write_text(
            f'---\nid: news-{i:07d}\ntitle: "Report {i}"\ndate: 2018-{1 + i % 12:02d}-{1 + i % 28:02d}\n---\n{text}\n',
            encoding="utf-8",
        )
    return articles


class _HashEmbedder:
    """Unit vectors from hashed words through a fixed low-rank projection: no model, close texts close."""

    dimension = 384
    _BUCKETS = 1 << 16

    def __init__(self) -> None:
        rng = np.random.default_rng(5)
        latent = rng.standard_normal((self._BUCKETS, 48)).astype(np.float32)
        self.table = latent @ (rng.standard_normal((48, 384)).astype(np.float32) / np.sqrt(48))
        self.table += 0.3 * rng.standard_normal(self.table.shape).astype(np.float32)
        self.table /= np.linalg.norm(self.table, axis=1, keepdims=True)

    def _buckets(self, words: list[str]) -> np.ndarray:
        return np.array([int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little") % self._BUCKETS
                         for w in words], dtype=np.int64)

    def encode(self, texts):
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self.table[self._buckets(text.lower().split()[:256] or ["."])].sum(axis=0)
        return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)

    def encode_tokens(self, texts):
        from assistant.index.embed import TokenVectors

        out = []
        for text in texts:
            words = text.lower().split()[:254] or ["."]
            out.append(TokenVectors(tuple(words), self.table[self._buckets(words)]))
        return out

    def encode_with_tokens(self, texts):
        return self.encode(texts), self.encode_tokens(texts)


class _Memory:
    """Peak anonymous and total resident memory of this process, sampled on a thread."""

    def __init__(self) -> None:
        self.anon = self.rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        status = Path("/proc/self/status").read_text()
        self.anon = max(self.anon, int(re.search(r"RssAnon:\s+(\d+) kB", status).group(1)) // 1024)
        self.rss = max(self.rss, int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) // 1024)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.sample()

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        self.sample()
        hwm = int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024
        return {"peak_anon_mb": self.anon, "peak_rss_mb": self.rss, "vmhwm_mb": hwm}


def _worker(home: Path, max_pieces: int | None) -> dict:
    from assistant.config import Settings
    from assistant.index.store import build_index

    embedder = _HashEmbedder()
    settings = Settings(home=home, **({"word_pieces_max_passages": max_pieces} if max_pieces is not None else {}))
    memory = _Memory()
    started = time.perf_counter()
    manifest = build_index(settings, embedder)
    seconds = time.perf_counter() - started
    peaks = memory.stop()
    disk = sum(p.stat().st_size for p in settings.index_path.rglob("*") if p.is_file())
    return {"articles": manifest["counts"]["articles"], "passages": manifest["counts"]["passages"],
            "sentences": manifest["counts"]["sentences"], "word_pieces": manifest["word_pieces"]["stored"],
            "dense": manifest["dense_index"]["type"], "build_s": seconds, "disk_mb": disk / 2**20, **peaks}


def _table(results: list[dict]) -> None:
    print("| target passages | articles | passages | sentences | word pieces | dense index | build s | index on disk MB "
          "| peak anon MB | peak RSS MB | VmHWM MB | anon bytes / passage |")
    print("|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['target']:,} | {r['articles']:,} | {r['passages']:,} | {r['sentences']:,} | "
              f"{'stored' if r['word_pieces'] else 'left out'} | {r['dense']} | {r['build_s']:.0f} | {r['disk_mb']:,.0f} | "
              f"{r['peak_anon_mb']:,} | {r['peak_rss_mb']:,} | {r['vmhwm_mb']:,} | "
              f"{r['peak_anon_mb'] * 2**20 / r['passages']:,.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated target numbers of passages")
    parser.add_argument("--word-pieces-max-passages", type=int, default=None,
                        help="the build setting (default: the assistant's default)")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it (reused if present)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(_worker(args.worker, args.word_pieces_max_passages)), flush=True)
        return 0
    results = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        home = (args.keep / str(size)) if args.keep else Path(tempfile.mkdtemp(prefix=f"bench-build-{size}-"))
        try:
            started = time.perf_counter()
            if not (home / "corpus").is_dir():
                home.mkdir(parents=True, exist_ok=True)
                _generate(home / "corpus", size)
            shutil.rmtree(home / "index", ignore_errors=True)
            print(f"  {size}: corpus ready in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            command = [sys.executable, __file__, "--worker", str(home)]
            if args.word_pieces_max_passages is not None:
                command += ["--word-pieces-max-passages", str(args.word_pieces_max_passages)]
            proc = subprocess.run(command, capture_output=True, text=True)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                print(f"{size} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}", file=sys.stderr)
                continue
            result = {"target": size, **json.loads(line[7:])}
            results.append(result)
            print(f"  {size}: {json.dumps(result)}", file=sys.stderr, flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(home, ignore_errors=True)
    _table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
