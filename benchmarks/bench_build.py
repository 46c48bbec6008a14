"""Build benchmark: sentence splitting of one long paragraph, whole (pysbd alone, the baseline) vs in blocks.

A 300 KB article that is one paragraph used to take minutes to build: pysbd's abbreviation pass
rewrites the whole text once per abbreviation, so its cost grows with the square of the length.
The chunker now hands it blocks of a few thousand characters. This prints both, per size, from
the same run (these machines are noisy), and the growth factor for each doubling.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.corpus import chunk  # noqa: E402


def _paragraph(size: int) -> str:
    text = (ROOT / "corpus" / "microsoft-xiaomi-extend-partnership.md").read_text(encoding="utf-8")
    sentences = [s.strip() for s in text.split("---\n", 2)[-1].replace("\n", " ").split(". ") if s.strip()]
    out, i = [], 0
    while sum(map(len, out)) + 2 * len(out) < size:
        out.append(sentences[i % len(sentences)])
        i += 1
    return ". ".join(out)[:size]


def _seconds(function, *args) -> float:
    started = time.process_time()
    function(*args)
    return time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-max", type=int, default=80_000, help="largest size run through pysbd whole")
    args = parser.parse_args(argv)
    whole = chunk._segmenter()
    print(f"{'one paragraph':>14} {'pysbd whole s':>14} {'x prev':>7} {'in blocks s':>12} {'x prev':>7}")
    previous: tuple[float | None, float] | None = None
    for size in (10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000):
        text = _paragraph(size)
        base = _seconds(whole.segment, text) if size <= args.baseline_max else None
        blocks = _seconds(chunk.split_sentences, text)
        base_growth = f"{base / previous[0]:7.2f}" if previous and previous[0] and base else "      -"
        block_growth = f"{blocks / previous[1]:7.2f}" if previous and previous[1] else "      -"
        base_text = f"{base:14.2f}" if base is not None else "             -"
        print(f"{size:>14,} {base_text} {base_growth} {blocks:12.2f} {block_growth}")
        previous = (base, blocks)
    print("linear cost doubles with each row (x prev ~2); quadratic quadruples (~4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
