"""`assistant build` and `assistant import`: (re)build the index, clean articles into the corpus."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import Callable, Iterator, TextIO

from assistant.cli.codes import EXIT_OK
from assistant.config import Settings


def run(settings: Settings, stdout: TextIO, if_stale: bool, progress: bool = True) -> int:
    from assistant.index.store import build_index

    if if_stale:
        from assistant.pipeline import Assistant

        assistant = Assistant.load(settings)  # rebuilds only when stale; exports the encoder once
        stdout.write(f"Index ready: {len(assistant.index.passages)} passages in {settings.index_path}.\n")
        return EXIT_OK
    started = time.perf_counter()
    with _bar("Indexing articles", progress, said_when_piped=True) as advance:
        manifest = build_index(settings, progress=advance)
    counts = manifest["counts"]
    reused = manifest.get("build", {}).get("reused_articles", 0)
    stdout.write(
        f"Built {settings.index_path}: {counts['articles']} articles "
        f"({counts['articles'] - reused} embedded, {reused} unchanged and reused), "
        f"{counts['passages']} passages, {counts['sentences']} sentences, "
        f"{manifest['dense_index']['type']} dense index, in {time.perf_counter() - started:.1f} s.\n"
    )
    # Skipped articles were named once on stderr as they were met; they are not listed again.
    return EXIT_OK


# An article shorter than this is likely the wrong file (a news story runs to hundreds of words).
_FEW_WORDS = 30


def run_import(args: argparse.Namespace, settings: Settings, stdout: TextIO) -> int:
    from assistant.corpus.clean import import_articles, import_sources, read_article

    sources = import_sources(args.paths)
    with _bar("Reading articles", args.progress) as advance:
        written = import_articles(sources, settings.corpus_path, replace=args.replace, progress=advance)
    for path in written:
        stdout.write(f"wrote {path}\n")
        words = len(read_article(path).text.split())
        if words < _FEW_WORDS:  # imported as asked, but said: a one-word file is seldom meant
            sys.stderr.write(
                f"warning: {path} holds only {words} word{'s' if words != 1 else ''} of text; if that is not an "
                "article, delete the file (the index rebuilds itself).\n"
            )
    if written:
        stdout.write(f"Imported {len(written)} of {len(sources)} files. "
                     "Run `assistant build` (or just ask: the index rebuilds itself).\n")
    else:
        stdout.write("Nothing to write: the corpus already holds these articles unchanged.\n")
    return EXIT_OK


@contextlib.contextmanager
def _bar(label: str, wanted: bool, said_when_piped: bool = False) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal (and not turned off); yields its update.

    Elsewhere (a log, a pipe) a build, which can take a minute, says the label once, so the quiet
    is not taken for a hang; a quick import says nothing.
    """
    from rich.console import Console

    console = Console(stderr=True)
    if not wanted or not console.is_terminal:
        if not (wanted and said_when_piped):
            yield None
            return
        said = []

        def say_once(done: int, total: int) -> None:  # when the work starts, not before its checks
            if not said:
                said.append(True)
                sys.stderr.write(f"{label}…\n")
                sys.stderr.flush()

        yield say_once
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
