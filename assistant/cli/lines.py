"""Text from argv and stdin: bytes that are not UTF-8 become a named bad line, never a crash."""

from __future__ import annotations

import re
from typing import Iterator, TextIO

from assistant.errors import BadQuestion

# Python hands undecodable argv and stdin bytes over as lone surrogates (surrogateescape):
# byte 0xff arrives as U+DCFF. Nothing downstream can encode them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(text: str) -> str:
    """`text` unchanged, or BadQuestion naming the first byte that was not UTF-8."""
    match = _SURROGATE.search(text)
    if match is None:
        return text
    code = ord(match.group())
    byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"code point U+{code:04X}"
    raise BadQuestion(
        f"The question is not valid UTF-8 text ({byte} at character {match.start() + 1}); "
        "type it again or re-save the file as UTF-8."
    )


def printable(text: str) -> str:
    """`text` safe to print or put in JSON: undecodable bytes shown as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if _SURROGATE.search(text) else text


def numbered_lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its end) for each line; undecodable bytes kept as surrogates.

    Reads the underlying bytes when there are any, so a strict text decoder cannot stop the
    loop at a bad line: each line is decoded on its own and checked with `check_text`.
    """
    raw = getattr(stream, "buffer", None)
    if raw is None:
        for number, line in enumerate(stream, start=1):
            yield number, line.rstrip("\r\n")
        return
    for number, data in enumerate(raw, start=1):
        line = data.decode("utf-8", "surrogateescape").rstrip("\r\n")
        yield number, line.removeprefix("\ufeff") if number == 1 else line
