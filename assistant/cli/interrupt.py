"""Ctrl-C in a command: "Interrupted." and exit code 130 at once, never a traceback or a hang.

Python turns Ctrl-C into a KeyboardInterrupt wherever the main thread happens to be. While the
assistant loads, that can be inside the import machinery, with the query encoder loading on its
own thread: the interrupt can then leave the import lock held, and the loading thread (and the
interpreter's exit, which waits for it) wait on it for ever. So until a command says it handles
Ctrl-C itself (the chat's "Bye."), Ctrl-C ends the process at once. Nothing is lost by that:
index and corpus writes are atomic (a file is written whole beside its target, then renamed).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from assistant.cli.codes import EXIT_INTERRUPTED


def _exit_now(signum: int, frame: object) -> None:
    for stream in (sys.stdout, sys.stderr):  # what was printed before Ctrl-C stays printed
        try:
            stream.flush()
        except (OSError, RuntimeError, ValueError):  # a closed pipe, or a write cut in half
            pass
    os.write(2, b"Interrupted.\n")
    os._exit(EXIT_INTERRUPTED)


def exit_on_interrupt() -> None:
    """From now on, Ctrl-C ends the process at once with "Interrupted." and code 130."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _exit_now)


def ignore_interrupts() -> None:
    """Once the command's work is done: Python resets a handler to the default as it shuts down,
    and Ctrl-C in those last milliseconds would kill the process before its output is flushed."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def interrupt_as_exception() -> None:
    """Ctrl-C raises KeyboardInterrupt again, for a loop that answers it itself (chat's "Bye.")."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
