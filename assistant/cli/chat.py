"""Chat: the typed REPL (prompt_toolkit history, rich output) over one conversation."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Callable, TextIO

from assistant.cli.codes import EXIT_OK, EXIT_USAGE
from assistant.cli.lines import check_text, numbered_lines, printable
from assistant.cli.render import answer_text, sources_text
from assistant.config import Settings
from assistant.errors import AssistantError, BadQuestion
from assistant.reading.follow_up import told
from assistant.types import Answer

_LOGGER = logging.getLogger(__name__)

HELP = """Ask anything about the 2018 Microsoft–Xiaomi AI partnership, e.g.
  How much does the Invoke cost?      then      And the Mi AI speaker?
  What cloud platform will Xiaomi use?      then      tell me more
Say "tell me more", "who said that?" or "say that again" about the last answer, "goodbye" to leave.
Commands:
  /sources   the full cited passages of the last answer
  /help      this help
  /quit      leave (Ctrl-D and Ctrl-C work too)"""


def _line_reader(history_file: Path | None, stdin: TextIO) -> Callable[[str], str]:
    """prompt_toolkit on a terminal (history, editing); plain lines when piped."""
    if stdin.isatty() and sys.stdout.isatty():
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory

        history = InMemoryHistory()
        if history_file is not None:
            try:
                history_file.parent.mkdir(parents=True, exist_ok=True)
                history = FileHistory(str(history_file))
            except OSError as exc:  # a read-only home still gets a working prompt
                _LOGGER.warning("no prompt history (%s)", exc)
        session = PromptSession(history=history)
        return lambda prompt: session.prompt(prompt)

    lines = numbered_lines(stdin)  # bytes decoded line by line: a bad line cannot end the chat

    def read(prompt: str) -> str:
        for _number, line in lines:
            # Piped questions are echoed after the prompt, so the output reads as a session.
            print(f"{prompt}{printable(line)}", flush=True)
            return line
        raise EOFError

    return read


def _console():
    """rich's Console, except that a closed pipe (`chat | head -1`) ends the chat quietly.

    rich exits with code 1 on a broken pipe; raising BrokenPipeError lets main() exit 0.
    """
    from rich.console import Console

    class QuietConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return QuietConsole(highlight=False, soft_wrap=True)  # the text comes wrapped already


class ChatCommands:
    """What a typed line does; shared by the typed REPL and the voice loop."""

    def __init__(self, conversation, show: Callable[[str], None]) -> None:
        self.conversation = conversation
        self.show = show

    def handle(self, line: str) -> Answer | None | bool:
        """Run a line: an Answer for a question, None for a command, False to quit."""
        command = line.strip().lower()
        if command in ("/quit", "/exit", "/q"):
            return False
        if command in ("/help", "/?"):
            self.show(HELP)
            return None
        if command == "/sources":
            last = self.conversation.last_answer
            if last is None:
                self.show("No sources yet: ask a question first.")
            elif not last.citations and last.abstention_check == "no-antecedent":
                self.show("The last reply has no sources: it asked which thing you meant.")
            elif not last.citations:
                self.show("The last answer has no sources: the articles did not hold it.")
            else:
                self.show(sources_text(last, full_passages=True))  # the answer is on screen already
            return None
        if command.startswith("/"):
            self.show(f"Unknown command {line.strip()!r}; try /help.")
            return None
        said = told(line)  # "goodbye", "say that again": typed as a speaker is told them
        if said == "quit":
            return False
        if said == "repeat":
            last = self.conversation.last_answer
            self.show(answer_text(last, lead="(again) ") if last is not None else "Nothing to repeat yet.")
            return None
        try:
            answer = self.conversation.ask(check_text(line))
        except BadQuestion as exc:
            self.show(str(exc))
            return None
        self.show(answer_text(answer))
        return answer


def run_chat(
    conversation,
    *,
    history_file: Path | None = None,
    stdin: TextIO | None = None,
    on_answer: Callable[[Answer], None] | None = None,
) -> int:
    """The typed REPL; returns an exit code. Ctrl-D, Ctrl-C and /quit all end it cleanly.

    A line that is not UTF-8 text is named and skipped; the exit code is then 2, as for batch mode.
    """
    console = _console()
    commands = ChatCommands(conversation, lambda text: console.print(text, markup=False))
    read = _line_reader(history_file, stdin or sys.stdin)
    console.print("deal-assistant: ask about the Microsoft–Xiaomi deal. /help for commands, /quit to leave.")
    code = EXIT_OK
    number = 0
    while True:
        try:
            line = read("you> ")
        except (EOFError, KeyboardInterrupt):
            try:
                console.print("Bye.")
            except KeyboardInterrupt:
                # A piped chat's read returns at Ctrl-C and Python raises it at the next call,
                # this print's (a trial's "Interrupted." and 130 while the chat waited on a pipe).
                console.print("Bye.")
            return code
        number += 1
        if not line.strip():
            continue
        try:
            check_text(line)
        except BadQuestion as exc:
            console.print(f"error: line {number}: {exc}", markup=False)
            code = EXIT_USAGE
            continue
        try:
            result = commands.handle(line)
        except KeyboardInterrupt:
            console.print("(interrupted)")
            continue
        except AssistantError as exc:
            console.print(f"error: {exc}", markup=False)
            continue
        if result is False:
            console.print("Bye.")
            return code
        if isinstance(result, Answer) and on_answer is not None:
            on_answer(result)


def run(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    from assistant.pipeline import Assistant

    from assistant.cli.interrupt import interrupt_as_exception

    unheard = 0
    if args.audio_file:  # recorded turns: voice chat without a microphone
        from assistant.voice.audio import check_audio_file

        if args.wake:
            raise BadQuestion("--wake listens on the microphone; with --audio-file each file is one turn "
                              "(drop --wake, or drop --audio-file)")
        good = []
        for path in args.audio_file:  # a bad file is named before any model loads, then skipped, as by `ask`
            try:
                check_audio_file(path)
                good.append(path)
            except BadQuestion as exc:
                sys.stderr.write(f"error: {exc}\n")
                unheard += 1
        if not good:
            return EXIT_USAGE
        args.audio_file, args.voice = good, True
    assistant = Assistant.load(settings)
    interrupt_as_exception()  # loaded: from here Ctrl-C is the chat's own "Bye."
    conversation = assistant.conversation()
    history = settings.cache_dir / "chat_history"
    on_answer: Callable[[Answer], None] | None = None
    if settings.save_audio_dir is not None and not args.voice:
        _LOGGER.warning("--save-audio applies to chat --voice; the typed chat does not speak.")
    if args.wake and not args.voice:
        _LOGGER.warning("--wake applies to chat --voice; the typed chat has no wake word.")
    if args.voice:
        from assistant.voice.loop import (
            LoopEnd,
            run_voice_chat,
            show_turn,
        )

        typed = numbered_lines(stdin)

        def read_line(prompt: str) -> str:
            print(prompt, end="", flush=True)
            for _number, line in typed:
                return printable(line)  # an undecodable byte shows as U+FFFD, never a crash
            raise EOFError

        end = run_voice_chat(
            conversation.ask, settings, assistant.vocabulary, assistant.corpus_text, wake=args.wake,
            output=print, read_line=read_line, command=ChatCommands(conversation, print).handle,
            show=lambda output, turn: show_turn(output, turn, render=answer_text),
            recordings=args.audio_file,
        )
        if end is not LoopEnd.NO_MICROPHONE:  # whose one line said it carries on typed
            return EXIT_USAGE if unheard else EXIT_OK
        if settings.speak or settings.save_audio_dir is not None:  # a speaker may work without a microphone
            from assistant.cli.speaking import speaker_for

            say = speaker_for(settings)

            def say_answer(answer: Answer) -> None:
                say(answer.spoken)

            on_answer = say_answer
    return run_chat(conversation, history_file=history, stdin=stdin, on_answer=on_answer)
