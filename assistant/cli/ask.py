"""`assistant ask`: one question, a batch on stdin, or recorded questions; optionally spoken."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

from assistant.cli.codes import EXIT_OK, EXIT_USAGE
from assistant.cli.lines import check_text, numbered_lines, printable
from assistant.cli.speaking import speaker_for
from assistant.config import Settings
from assistant.errors import BadQuestion

_LOGGER = logging.getLogger(__name__)
# A question given as a file of these is a recording meant for --audio-file.
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aiff", ".aif"})


def run(args: argparse.Namespace, settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    if args.audio_file:
        if args.question is not None:
            raise BadQuestion(
                "Give either a typed question or --audio-file, not both: the recording is the question "
                f"(drop {printable(args.question)[:60]!r}, or drop --audio-file)."
            )
        return _ask_audio(args, settings, stdout, _wants_speech(args, settings))
    if args.question is None:
        raise BadQuestion("Give a question, e.g. assistant ask \"How much does the Invoke cost?\", or '-' for stdin.")
    if args.question == "-":
        from assistant.pipeline import Assistant

        if args.speak or settings.save_audio_dir is not None:
            _LOGGER.warning("ask - does not speak its answers: --speak and --save-audio are ignored.")
        return _ask_batch(Assistant.load(settings), args.json, stdin, stdout)

    _not_a_file(args.question)
    from assistant.corpus.clean import require_articles
    from assistant.index.embed import start_loading_query_embedder
    from assistant.reading.query import validate

    # Reject bad input before loading models; --json gets the error as a record too, as batch does.
    try:
        validate(check_text(args.question), settings.max_question_chars)
    except BadQuestion as exc:
        if args.json:
            from assistant.cli.render import json_line

            stdout.write(json_line({"question": printable(args.question)[:200], "error": str(exc)}) + "\n")
        raise
    require_articles(settings.corpus_path)  # a wrong --home is said before the encoder starts loading
    start_loading_query_embedder(settings.embedding_model, settings.query_encoder, settings.cache_dir)
    # Everything else is imported while the encoder loads.
    from assistant.cli.render import answer_json, answer_text
    from assistant.pipeline import Assistant

    answer = Assistant.load(settings).ask(args.question)
    stdout.write((answer_json(answer) if args.json else answer_text(answer)) + "\n")
    if _wants_speech(args, settings):
        speaker_for(settings)(answer.spoken)
    return EXIT_OK


def _not_a_file(question: str) -> None:
    """A file's name given as the question ("assistant ask questions.txt") is a mistake to name,
    not a question to refuse."""
    path = Path(question)
    if not any(c.isspace() for c in question) and (path.suffix or os.sep in question) and path.is_file():
        how = (
            f"to answer the recording, use --audio-file {question}" if path.suffix.lower() in AUDIO_SUFFIXES
            else f"to ask each of its lines, use: assistant ask - < {question}"
        )
        raise BadQuestion(f"{question!r} is a file, not a question: {how}.")


def _ask_batch(assistant, as_json: bool, stdin: TextIO, stdout: TextIO) -> int:
    """One answer per stdin line, in order, models loaded once; a bad line is named, the rest answered.

    Blank lines are skipped; every object carries the number of the `line` it answers. Without
    --json, each answer is text on stdout headed "Q<line>: <question>", and errors are one line
    each on stderr.
    """
    from assistant.cli.render import answer_json, answer_text, json_line

    failures = 0
    for number, line in numbered_lines(stdin):
        if not line.strip():
            continue
        try:
            answer = assistant.ask(check_text(line))
        except BadQuestion as exc:
            failures += 1
            sys.stderr.write(f"line {number}: error: {exc}\n")  # with --json, the record says it too
            if as_json:
                record = {"line": number, "question": printable(line)[:200], "error": str(exc)}
                stdout.write(json_line(record) + "\n")
            continue
        # In text, each answer is headed by its line's question, so a long batch reads as Q and A.
        text = f"Q{number}: {printable(line.strip())}\n{answer_text(answer)}\n"
        stdout.write((answer_json(answer, line=number) if as_json else text) + "\n")
        stdout.flush()
    return EXIT_USAGE if failures else EXIT_OK


def _wants_speech(args: argparse.Namespace, settings: Settings) -> bool:
    """--speak, or --save-audio alone: saving the spoken answer means speaking it (said once)."""
    if args.speak:
        return True
    if settings.save_audio_dir is not None:
        _LOGGER.warning("--save-audio: speaking the answers to save them (as with --speak).")
        return True
    return False


def _ask_audio(args: argparse.Namespace, settings: Settings, stdout: TextIO, speak: bool) -> int:
    """One answer per recorded question, in order; a file that fails is named and skipped (exit 2: bad input)."""
    from assistant.cli.render import answer_json, answer_text
    from assistant.errors import HeardNothing
    from assistant.pipeline import Assistant
    from assistant.voice.audio import Listener, check_audio_file
    from assistant.voice.loop import answer_audio_files, heard_as
    from assistant.voice.stt import make_transcriber

    failures = 0

    def say_failed(exc: Exception) -> None:
        nonlocal failures
        failures += 1
        sys.stderr.write(f"error: {exc}\n")

    def record_failed(path: Path, exc: Exception) -> None:
        if args.json:
            stdout.write(json.dumps({"audio_file": str(path), "error": str(exc)}) + "\n")

    # A missing or unreadable file is named before the models load; its JSON record comes in its
    # place among the others, so a script can pair records and files by position.
    unreadable: dict[int, BadQuestion] = {}
    for i, path in enumerate(args.audio_file):
        try:
            check_audio_file(path)
        except BadQuestion as exc:
            unreadable[i] = exc
            say_failed(exc)
    if len(unreadable) < len(args.audio_file):  # the models load only for a file they can hear
        assistant = Assistant.load(settings)
        transcriber = make_transcriber(settings, assistant.vocabulary, assistant.corpus_text)
        listener = Listener.from_settings(settings)
        say = speaker_for(settings) if speak else None
    for i, path in enumerate(args.audio_file):
        if i in unreadable:
            record_failed(path, unreadable[i])
            continue
        try:
            [(transcript, answer)] = answer_audio_files(assistant.ask, [path], transcriber, listener)
        except (HeardNothing, BadQuestion) as exc:
            say_failed(exc)
            record_failed(path, exc)
            continue
        if args.json:
            stdout.write(answer_json(answer, audio_file=str(path), transcript=transcript.to_dict()) + "\n")
        else:
            stdout.write(f"You said: {heard_as(transcript, answer)}\n{answer_text(answer)}\n\n")
        stdout.flush()
        if say is not None:
            say(answer.spoken)
    return EXIT_USAGE if failures else EXIT_OK
