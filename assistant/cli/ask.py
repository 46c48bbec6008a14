"""`assistant ask`: one question, a batch on stdin, or recorded questions; optionally spoken."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from assistant.cli.codes import EXIT_OK, EXIT_USAGE
from assistant.config import Settings
from assistant.errors import BadQuestion


def run(args: argparse.Namespace, settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
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
                stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
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
    """One answer per recorded question, in order; a file that fails is named and skipped (exit 2: bad input)."""
    from assistant.cli.render import answer_json, answer_text
    from assistant.errors import HeardNothing
    from assistant.pipeline import Assistant
    from assistant.voice.audio import Listener
    from assistant.voice.loop import answer_audio_files
    from assistant.voice.stt import make_transcriber

    assistant = Assistant.load(settings)
    transcriber = make_transcriber(settings, assistant.vocabulary, assistant.corpus_text)
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
                stdout.write(json.dumps({"audio_file": str(path), "error": str(exc)}) + "\n")
            continue
        if args.json:
            stdout.write(answer_json(answer, audio_file=str(path), transcript=transcript.to_dict()) + "\n")
        else:
            stdout.write(f"You said: {transcript.text}\n{answer_text(answer)}\n\n")
        stdout.flush()
        if say is not None:
            say(answer.spoken)
    return EXIT_USAGE if failures else EXIT_OK
