"""The `assistant` command: parse, call one library function, print, map errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Sequence, TextIO

from assistant import __version__
from assistant.config import Settings, load_settings
from assistant.errors import AssistantError, BadQuestion

_LOGGER = logging.getLogger("assistant")
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Answers questions about the 2018 Microsoft–Xiaomi AI partnership, with sources.",
    )
    parser.add_argument("--version", action="version", version=f"deal-assistant {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens (to stderr)")
    parser.add_argument("--home", type=Path, help="folder holding corpus/ and index/ (default: the checkout)")
    parser.add_argument("--corpus", type=Path, dest="corpus_dir", help="articles folder (default: HOME/corpus)")
    parser.add_argument("--index", type=Path, dest="index_dir", help="index folder (default: HOME/index)")
    parser.add_argument("--model", dest="embedding_model", help="embedding model name or path")
    parser.add_argument("--retriever", choices=("hybrid", "dense", "bm25"), help="retrieval mode")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer one question (or one per line of stdin with '-')")
    ask.add_argument("question", nargs="?", help="the question, or '-' to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    _add_voice_arguments(ask)
    ask.add_argument(
        "--audio-file", action="append", type=Path, default=[], metavar="WAV",
        help="answer a recorded question (WAV/FLAC/AIFF); repeatable",
    )
    ask.add_argument("--speak", action="store_true", help="also speak the answer")

    chat = commands.add_parser("chat", help="typed conversation (or --voice for the smart-speaker loop)")
    chat.add_argument("--voice", action="store_true", help="listen on the microphone and speak answers")
    chat.add_argument("--wake", action="store_true", help="with --voice: wait for the wake phrase, not Enter")
    chat.add_argument("--wake-phrase", help="the wake phrase (default: 'hey assistant')")
    chat.add_argument("--no-speak", action="store_true", help="print answers without speaking them")
    _add_voice_arguments(chat)

    build = commands.add_parser("build", help="(re)build the index from the corpus")
    build.add_argument("--max-passage-chars", type=int, dest="max_passage_chars", help="passage size")
    build.add_argument(
        "--if-stale", action="store_true",
        help="only rebuild if the corpus or settings changed; also prepare the fast query encoder",
    )

    importer = commands.add_parser("import", help="clean raw articles into the corpus folder")
    importer.add_argument("paths", nargs="+", type=Path, help=".txt/.md files to clean and add")

    from assistant.cli.eval import add_eval_arguments

    add_eval_arguments(commands.add_parser("eval", help="run the Q&A evaluation suite and report metrics"))
    return parser


def _add_voice_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stt", dest="stt_engine", choices=("faster-whisper", "pocketsphinx"), help="speech-to-text engine")
    parser.add_argument("--no-bias", action="store_true", help="do not bias speech recognition towards the corpus")
    parser.add_argument("--save-audio", type=Path, dest="save_audio_dir", metavar="DIR", help="write each spoken answer as a WAV")
    parser.add_argument("--tts-voice", dest="tts_voice", help="text-to-speech voice id or name")
    parser.add_argument("--rate", type=int, dest="tts_rate", help="speech rate, words per minute")
    parser.add_argument("--volume", type=float, dest="tts_volume", help="speech volume, 0.0 to 1.0")


def _settings(args: argparse.Namespace) -> Settings:
    names = (
        "home", "corpus_dir", "index_dir", "embedding_model", "retriever", "stt_engine", "save_audio_dir",
        "tts_voice", "tts_rate", "tts_volume", "wake_phrase", "max_passage_chars",
    )
    overrides = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    if getattr(args, "no_bias", False):
        overrides["stt_bias"] = False
    if getattr(args, "no_speak", False):
        overrides["speak"] = False
    return load_settings(overrides=overrides)


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s" if not verbose else "%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("assistant").setLevel(logging.DEBUG if verbose else logging.WARNING)


def _ask(args: argparse.Namespace, settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    from assistant.cli.render import answer_json, answer_text

    if args.audio_file:
        return _ask_audio(args, settings, stdout)
    if args.question is None:
        raise BadQuestion("Give a question, e.g. assistant ask \"How much does the Invoke cost?\", or '-' for stdin.")
    from assistant.pipeline import Assistant

    if args.question == "-":
        assistant = Assistant.load(settings)  # once for every line: batch mode loads models once
        failures = 0
        for number, line in enumerate(stdin, start=1):
            if not line.strip():
                continue
            try:
                answer = assistant.ask(line.rstrip("\n"))
            except BadQuestion as exc:
                failures += 1
                record = {"line": number, "question": line.rstrip("\n")[:200], "error": str(exc)}
                stdout.write(__import__("json").dumps(record, ensure_ascii=False) + "\n")
                continue
            stdout.write((answer_json(answer) if args.json else answer_text(answer) + "\n") + "\n")
            stdout.flush()
        return EXIT_USAGE if failures else EXIT_OK

    from assistant.reading.query import validate

    validate(args.question, settings.max_question_chars)  # reject bad input before loading models
    answer = Assistant.load(settings).ask(args.question)
    stdout.write((answer_json(answer) if args.json else answer_text(answer)) + "\n")
    if args.speak:
        _speaker(settings)(answer.spoken)
    return EXIT_OK


def _speaker(settings: Settings):
    """A say(text) callable; a missing engine or sound device is one line and then silence."""
    from assistant.errors import DeviceUnavailable
    from assistant.voice.tts import make_speaker

    try:
        speaker = make_speaker(settings.replace(speak=True))
    except DeviceUnavailable as exc:
        sys.stderr.write(f"{exc}\n")
        return lambda text: None

    def say(text: str) -> None:
        nonlocal speaker
        try:
            speaker.say(text)
        except DeviceUnavailable as exc:
            sys.stderr.write(f"{exc}\n")
            speaker = None
            return

    return lambda text: say(text) if speaker is not None else None


def _ask_audio(args: argparse.Namespace, settings: Settings, stdout: TextIO) -> int:
    """One answer per recorded question, in order; a file that fails is named and skipped."""
    from assistant.cli.render import answer_json, answer_text
    from assistant.errors import HeardNothing
    from assistant.pipeline import Assistant
    from assistant.voice.audio import Listener
    from assistant.voice.loop import answer_audio_files, corpus_text_of
    from assistant.voice.stt import make_transcriber

    assistant = Assistant.load(settings)
    transcriber = make_transcriber(settings, assistant.vocabulary, corpus_text_of(assistant))
    listener = Listener.from_settings(settings)
    say = _speaker(settings) if args.speak else None
    failures = 0
    for path in args.audio_file:
        try:
            [(transcript, answer)] = answer_audio_files(assistant.ask, [path], transcriber, listener)
        except (HeardNothing, BadQuestion) as exc:
            failures += 1
            sys.stderr.write(f"error: {exc}\n")
            if args.json:
                stdout.write(__import__("json").dumps({"audio_file": str(path), "error": str(exc)}) + "\n")
            continue
        if args.json:
            stdout.write(answer_json(answer, audio_file=str(path), transcript=transcript.to_dict()) + "\n")
        else:
            stdout.write(f"You said: {transcript.text}\n{answer_text(answer)}\n\n")
        stdout.flush()
        if say is not None:
            say(answer.spoken)
    return EXIT_ERROR if failures else EXIT_OK


def _chat(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    from assistant.cli.chat import run_chat
    from assistant.pipeline import Assistant

    assistant = Assistant.load(settings)
    conversation = assistant.conversation()
    history = settings.cache_dir / "chat_history"
    if args.voice:
        from assistant.cli.chat import ChatCommands
        from assistant.cli.render import answer_text
        from assistant.voice.loop import (
            LoopEnd,
            corpus_text_of,
            run_voice_chat,
            show_turn,
        )

        def read_line(prompt: str) -> str:
            print(prompt, end="", flush=True)
            line = stdin.readline()
            if not line:
                raise EOFError
            return line.rstrip("\n")

        end = run_voice_chat(
            conversation.ask, settings, assistant.vocabulary, corpus_text_of(assistant), wake=args.wake,
            output=print, read_line=read_line, command=ChatCommands(conversation, print).handle,
            show=lambda output, turn: show_turn(output, turn, render=answer_text),
        )
        if end is not LoopEnd.NO_MICROPHONE:
            return EXIT_OK
        print("Carrying on with typed questions.")
    return run_chat(conversation, history_file=history, stdin=stdin)


def _build(settings: Settings, stdout: TextIO, if_stale: bool) -> int:
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


def _import(args: argparse.Namespace, settings: Settings, stdout: TextIO) -> int:
    from assistant.corpus.clean import import_articles

    for path in import_articles(args.paths, settings.corpus_path):
        stdout.write(f"wrote {path}\n")
    stdout.write("Run `assistant build` (or just ask: the index rebuilds itself).\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 error, 2 bad input, 130 interrupted)."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and usage errors
        return int(exc.code or 0)
    _configure_logging(args.verbose)
    if args.command is None:
        parser.print_help(stdout)
        return EXIT_USAGE
    try:
        settings = _settings(args)
        if args.command == "ask":
            return _ask(args, settings, stdin, stdout)
        if args.command == "chat":
            return _chat(args, settings, stdin)
        if args.command == "build":
            return _build(settings, stdout, args.if_stale)
        if args.command == "import":
            return _import(args, settings, stdout)
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
        return EXIT_OK
    except Exception as exc:  # a bug: one line for the user, the traceback with -v
        _LOGGER.debug("unexpected error", exc_info=True)
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc} (run with -v for details)\n")
        return EXIT_ERROR
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
