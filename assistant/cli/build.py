"""`assistant build` and `assistant import`: (re)build the index, clean articles into the corpus."""

from __future__ import annotations

import argparse
import time
from typing import TextIO

from assistant.cli.codes import EXIT_OK
from assistant.config import Settings


def run(settings: Settings, stdout: TextIO, if_stale: bool) -> int:
    from assistant.index.store import build_index

    if if_stale:
        from assistant.pipeline import Assistant

        assistant = Assistant.load(settings)  # rebuilds only when stale; exports the encoder once
        stdout.write(f"Index ready: {len(assistant.index.passages)} passages in {settings.index_path}.\n")
        return EXIT_OK
    started = time.perf_counter()
    manifest = build_index(settings)
    counts = manifest["counts"]
    stdout.write(
        f"Built {settings.index_path}: {counts['articles']} articles, {counts['passages']} passages, "
        f"{counts['sentences']} sentences in {time.perf_counter() - started:.1f} s.\n"
    )
    for problem in manifest["skipped_articles"]:
        stdout.write(f"skipped: {problem}\n")
    return EXIT_OK


def run_import(args: argparse.Namespace, settings: Settings, stdout: TextIO) -> int:
    from assistant.corpus.clean import import_articles

    for path in import_articles(args.paths, settings.corpus_path):
        stdout.write(f"wrote {path}\n")
    stdout.write("Run `assistant build` (or just ask: the index rebuilds itself).\n")
    return EXIT_OK
