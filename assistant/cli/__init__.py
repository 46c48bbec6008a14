"""The `assistant` command: parse, call one library function, print, map errors to exit codes."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Sequence, TextIO

from assistant import __version__
from assistant.cli.codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from assistant.errors import AssistantError
from assistant.reading import READERS

if TYPE_CHECKING:  # settings are imported once a command runs, never for --help
    from assistant.config import Settings
from assistant.voice import STT_ENGINES, TTS_ENGINES

_LOGGER = logging.getLogger("assistant")


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistake told in one line (and where to look) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _Joined(argparse.Action):
    """The words of a question typed without quotes ("assistant ask how much is the invoke") as
    one question; none given, None."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, " ".join(values) if values else None)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="assistant",
        description="Answers questions about the 2018 Microsoft–Xiaomi AI partnership, with sources.",
    )
    parser.add_argument("--version", action="version", version=f"deal-assistant {__version__}")
    _add_setting_arguments(parser)
    # The same settings may follow the command ("assistant ask --retriever dense …"); there they
    # default to nothing, so one given before the command is kept.
    settings = _Parser(add_help=False, argument_default=argparse.SUPPRESS)
    _add_setting_arguments(settings)
    # eval's own --retriever and --reader take "all" as well.
    eval_settings = _Parser(add_help=False, argument_default=argparse.SUPPRESS)
    _add_setting_arguments(eval_settings, skip=("--retriever", "--reader"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parser.commands = commands.choices  # type: ignore[attr-defined]

    ask = commands.add_parser("ask", parents=[settings], help="answer one question (or one per line of stdin with '-')")
    ask.add_argument(
        "question", nargs="*", action=_Joined, default=None,
        help="the question (quotes optional), or '-' to read one per line from stdin",
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    _add_voice_arguments(ask)
    ask.add_argument(
        "--audio-file", action="append", type=Path, default=[], metavar="WAV",
        help="answer a recorded question (WAV/FLAC/OGG/MP3/AIFF), one a file; repeatable",
    )
    ask.add_argument("--speak", action="store_true", help="also speak the answer")

    chat = commands.add_parser("chat", parents=[settings], help="typed conversation (or --voice for the smart-speaker loop)")
    chat.add_argument("--voice", action="store_true", help="listen on the microphone and speak answers")
    chat.add_argument("--wake", action="store_true", help="with --voice: wait for the wake phrase, not Enter")
    chat.add_argument(
        "--audio-file", action="append", type=Path, default=[], metavar="WAV",
        help="voice chat from recordings instead of the microphone: each file one spoken turn, in order; repeatable",
    )
    chat.add_argument("--wake-phrase", help="the wake phrase (default: 'hey assistant')")
    chat.add_argument("--no-speak", action="store_true", help="print answers without speaking them")
    _add_voice_arguments(chat)

    build = commands.add_parser("build", parents=[settings], help="(re)build the index from the corpus")
    build.add_argument(
        "--max-passage-chars", type=int, dest="max_passage_chars", metavar="N",
        help="passage size in characters, 50 to 2000 (default 480); recorded in the index, so it sticks",
    )
    build.add_argument(
        "--if-stale", action="store_true",
        help="only rebuild if the corpus or settings changed; also prepare the fast query encoder",
    )
    build.add_argument(
        "--dense-index", dest="dense_index", type=str.lower, choices=("auto", "flat", "hnsw"),
        help="passage vector index: auto (flat below 50,000 passages, HNSW above), flat or hnsw",
    )
    build.add_argument(
        "--word-pieces-max-passages", type=int, dest="word_pieces_max_passages", metavar="N",
        help="store word-piece vectors (about 40 KB a passage) only up to N passages (default 100,000; 0: never)",
    )
    build.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar on stderr")

    importer = commands.add_parser("import", parents=[settings], help="clean raw articles into the corpus folder")
    importer.add_argument(
        "paths", nargs="+", metavar="PATH",
        help=".txt/.md files, folders of them (searched recursively) or quoted glob patterns ('raw/**/*.txt')",
    )
    importer.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar on stderr")
    importer.add_argument(
        "--replace", action="store_true",
        help="replace an article already in the corpus with the same id or title (default: refuse)",
    )

    from assistant.cli.eval import add_eval_arguments

    add_eval_arguments(commands.add_parser("eval", parents=[eval_settings], help="run the Q&A evaluation suite and report metrics"))
    return parser


def _add_setting_arguments(parser: argparse.ArgumentParser, skip: Sequence[str] = ()) -> None:
    """The settings every command takes, before or after its name."""
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens (to stderr)")
    parser.add_argument("--home", type=Path, help="folder holding corpus/ and index/ (default: the checkout)")
    parser.add_argument("--corpus", type=Path, dest="corpus_dir", help="articles folder (default: HOME/corpus)")
    parser.add_argument("--index", type=Path, dest="index_dir", help="index folder (default: HOME/index)")
    parser.add_argument("--model", dest="embedding_model", help="embedding model name or path")
    if "--retriever" not in skip:
        parser.add_argument("--retriever", choices=("hybrid", "dense", "bm25"), type=str.lower, help="retrieval mode")
    if "--reader" not in skip:
        parser.add_argument("--reader", choices=READERS, type=str.lower, help="answer reader (default: rules)")
    parser.add_argument(
        "--store", help="where passages are searched: faiss (default), milvus-lite, or milvus://host:port"
    )


def _add_voice_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stt", dest="stt_engine", type=str.lower, choices=STT_ENGINES, help="speech-to-text engine")
    parser.add_argument("--no-bias", action="store_true", help="do not bias speech recognition towards the corpus")
    parser.add_argument("--save-audio", type=Path, dest="save_audio_dir", metavar="DIR", help="write each spoken answer as a WAV")
    parser.add_argument("--tts", dest="tts_engine", type=str.lower, choices=TTS_ENGINES, help="speech output (piper needs the [voice-test] extra)")
    parser.add_argument("--tts-voice", dest="tts_voice", help="text-to-speech voice id or name")
    parser.add_argument("--rate", type=int, dest="tts_rate", help="speech rate, words per minute")
    parser.add_argument("--volume", type=float, dest="tts_volume", help="speech volume, 0.0 to 1.0")


# Setting -> the flag that sets it, so a bad value is reported as the user typed it.
_FLAGS = {
    "home": "--home", "corpus_dir": "--corpus", "index_dir": "--index", "embedding_model": "--model",
    "retriever": "--retriever", "reader": "--reader", "stt_engine": "--stt", "tts_engine": "--tts", "save_audio_dir": "--save-audio",
    "tts_voice": "--tts-voice", "tts_rate": "--rate", "tts_volume": "--volume", "wake_phrase": "--wake-phrase",
    "max_passage_chars": "--max-passage-chars", "store": "--store", "dense_index": "--dense-index",
    "word_pieces_max_passages": "--word-pieces-max-passages",
}


def _settings(args: argparse.Namespace) -> Settings:
    from assistant.config import load_settings

    overrides = {n: getattr(args, n) for n in _FLAGS if getattr(args, n, None) is not None}
    if getattr(args, "no_bias", False):
        overrides["stt_bias"] = False
    if getattr(args, "no_speak", False):
        overrides["speak"] = False
    return load_settings(overrides=overrides, labels=_FLAGS)


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s" if not verbose else "%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("assistant").setLevel(logging.DEBUG if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 error, 2 bad input, 130 interrupted)."""
    if argv is None:  # the `assistant` process itself, not a caller's test
        from assistant.cli.interrupt import exit_on_interrupt, ignore_interrupts

        exit_on_interrupt()
        try:
            return _main(argv, stdin, stdout)
        finally:
            ignore_interrupts()
            # The process ends next: the collector's passes over every object during Python's
            # shutdown were about 60 ms of a cold `assistant ask` (docs/benchmarks.md). Objects are
            # still freed and exit handlers still run; only cycles go uncollected, as at any exit.
            gc.freeze()
    return _main(argv, stdin, stdout)


def _main(argv: Sequence[str] | None, stdin: TextIO | None, stdout: TextIO | None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    parser = _parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # said by the command's own parser: "see 'assistant ask --help'"
            command = parser.commands.get(getattr(args, "command", None) or "", parser)
            command.error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # argparse exits on --help and usage errors
        return int(exc.code or 0)
    _configure_logging(args.verbose)
    if args.command is None:
        parser.print_help(stdout)
        return EXIT_USAGE
    try:
        settings = _settings(args)
        from assistant.config import contain_library_caches, unknown_variables

        contain_library_caches(settings)
        for line in unknown_variables():
            _LOGGER.warning(line)
        if args.command == "ask":
            from assistant.cli import ask

            return ask.run(args, settings, stdin, stdout)
        if args.command == "chat":
            from assistant.cli import chat

            return chat.run(args, settings, stdin)
        if args.command == "build":
            from assistant.cli import build

            return build.run(settings, stdout, args.if_stale, args.progress)
        if args.command == "import":
            from assistant.cli import build

            return build.run_import(args, settings, stdout)
        if args.command == "eval":
            from assistant.cli.eval import eval_options, run_eval

            return run_eval(settings, **eval_options(args))
    except AssistantError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `assistant ask ... | head` closed early: not an error
        _discard_stdout()
        return EXIT_OK
    except Exception as exc:  # a bug: one line for the user, the traceback with -v
        _LOGGER.debug("unexpected error", exc_info=True)
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc} (run with -v for details)\n")
        return EXIT_ERROR
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


def _discard_stdout() -> None:
    # Python flushes stdout once more at exit; into a closed pipe that fails again and turns the
    # exit code into 120. Point the descriptor at /dev/null so the exit is quiet.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real descriptor (tests pass a StringIO)
        pass


if __name__ == "__main__":
    sys.exit(main())
