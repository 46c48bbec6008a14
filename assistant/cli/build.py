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
    # Skipped articles were named once on stderr as they were met; they are not listed again.
    return EXIT_OK


def run_import(args: argparse.Namespace, settings: Settings, stdout: TextIO) -> int:
    from assistant.corpus.clean import import_articles

    written = import_articles(args.paths, settings.corpus_path, replace=args.replace)
    for path in written:
        stdout.write(f"wrote {path}\n")
    if written:
        stdout.write("Run `assistant build` (or just ask: the index rebuilds itself).\n")
    else:
        stdout.write("Nothing to write: the corpus already holds these articles unchanged.\n")
    return EXIT_OK
