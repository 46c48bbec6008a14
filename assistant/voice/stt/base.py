"""What every speech-to-text engine shares: the Transcriber protocol, the Transcript it returns, and word normalisation."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol, Sequence

from assistant.voice.audio import SAMPLE_RATE, AudioInput

if TYPE_CHECKING:
    from assistant.voice.repair import Repair, TranscriptRepairer

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transcript:
    """What was heard: repaired text, the recogniser's raw text, and what it cost."""

    text: str
    engine: str
    seconds: float  # compute time
    audio_seconds: float
    raw_text: str = ""
    repairs: tuple["Repair", ...] = ()
    # Other readings the recogniser found about as likely (whisper's beam), repaired the same way:
    # the assistant answers the first of them the articles answer when they don't answer `text`.
    alternatives: tuple[str, ...] = ()

    @property
    def real_time_factor(self) -> float:
        return self.seconds / self.audio_seconds if self.audio_seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "raw_text": self.raw_text,
            "engine": self.engine,
            "stt_seconds": round(self.seconds, 3),
            "audio_seconds": round(self.audio_seconds, 3),
            "repairs": [{"heard": r.heard, "term": r.term, "score": r.score} for r in self.repairs],
            "alternatives": list(self.alternatives),
        }


class Transcriber(Protocol):
    """Turns audio (sr.AudioData, a file path, or 16 kHz float32 samples) into a Transcript."""

    name: str

    def transcribe(self, audio: AudioInput) -> Transcript: ...


def timed_transcript(
    name: str,
    audio: AudioInput,
    decode: Callable[[Any], "str | Sequence[str]"],
    repairer: "TranscriptRepairer | None",
    convert: Callable[[AudioInput], Any],
) -> Transcript:
    """One code path for every engine: convert, decode, repair (one espeak call a reading), time.

    `decode` gives the text, or its readings best first (whisper's near-tied beam hypotheses);
    each is repaired and cleaned alike, and the others become the transcript's `alternatives`.
    """
    data = convert(audio)
    samples = len(data) // 2 if isinstance(data, bytes) else len(data)
    start = time.perf_counter()
    decoded = decode(data)
    readings = [" ".join(r.split()) for r in ([decoded] if isinstance(decoded, str) else decoded)] or [""]
    raw = readings[0]
    text, fixes = repairer.apply(raw) if repairer and raw else (raw, [])
    text = drop_pause_commas(text)
    others = (drop_pause_commas(repairer.apply(r)[0] if repairer else r) for r in readings[1:] if r)
    alternatives = tuple(dict.fromkeys(r for r in others if r and r != text))
    seconds = time.perf_counter() - start
    _LOGGER.info("%s heard %r in %.2f s%s", name, text, seconds, f" (or {alternatives})" if alternatives else "")
    return Transcript(text, name, seconds, samples / SAMPLE_RATE, raw, tuple(fixes), alternatives)


def drop_pause_commas(text: str) -> str:
    """The text without the commas a recogniser writes where the speaker paused.

    whisper puts them between names ("How many Harmon, Kardon, Invoke speakers…", "Which other
    Microsoft, apps…"), where a typed question has none, and the reader takes such a comma for a
    list. Commas inside numbers ("92,400") stay. Measured on three Piper syntheses of the suite,
    held-out and dev questions: 3 more answers right, 0 fewer; espeak-us 1 fewer (a garbled question).
    """
    return _PAUSE_COMMA.sub("", text)


_PAUSE_COMMA = re.compile(r",(?=\s)")


def corpus_words(corpus_text: str) -> set[str]:
    """Lower-case words of the corpus: the transcript words repair must leave alone."""
    return set(corpus_word_list(corpus_text))


def corpus_word_list(text: str) -> list[str]:
    """A text's lower-case words, apostrophes straightened ("Xiaomi’s" -> "xiaomi's"), in order."""
    return re.findall(r"[a-z][a-z']*", text.lower().replace("’", "'"))


def rank_vocabulary(vocabulary: Iterable[str], corpus_text: str = "") -> list[str]:
    """Unique terms, most frequent in the corpus first: the prompt keeps the head, repair uses it as a prior."""
    terms = [t for t in dict.fromkeys(v.strip() for v in vocabulary) if t]
    if not corpus_text:
        return terms
    counts = {t: len(re.findall(rf"\b{re.escape(t)}\b", corpus_text)) for t in terms}
    return sorted(terms, key=lambda t: -counts[t])


def name_phrases(vocabulary: Iterable[str], corpus_text: str) -> list[str]:
    """Two corpus names the articles write side by side ("Harry Shum", "Harman Kardon"), most frequent first.

    Derived from the corpus at run time, so imported articles bring their own full names.
    """
    names = {v for v in vocabulary if v and " " not in v}
    counts: dict[str, int] = {}
    for first, second in re.findall(r"\b([A-Z][\w]+)\s+(?=([A-Z][\w]+)\b)", corpus_text):
        if first in names and second in names:
            counts[f"{first} {second}"] = counts.get(f"{first} {second}", 0) + 1
    return sorted(counts, key=lambda p: -counts[p])


def make_repairer(vocabulary: list[str], corpus_text: str) -> "TranscriptRepairer | None":
    """The corpus repairer (names and the full names they form), or None when there is no vocabulary."""
    from assistant.voice.repair import TranscriptRepairer

    if not vocabulary:
        return None
    return TranscriptRepairer(list(vocabulary) + name_phrases(vocabulary, corpus_text), corpus_words(corpus_text))


# -- words as a recogniser says them --------------------------------------------------------

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
        "sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _say_int(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + (" " + _say_int(rest) if rest else "")
    if 1900 <= n < 2100 and n % 100 and n // 100 != 20 or 2010 <= n < 2100:
        return _say_int(n // 100) + " " + (_say_int(n % 100) if n % 100 >= 10 else "oh " + _say_int(n % 100))
    if n < 1_000_000:
        rest = n % 1000
        return _say_int(n // 1000) + " thousand" + (" " + _say_int(rest) if rest else "")
    return " ".join(_ONES[int(d)] for d in str(n))


def _say_number(match: re.Match[str]) -> str:
    digits = match.group().replace(",", "")
    whole, _, frac = digits.partition(".")
    spoken = _say_int(int(whole))
    if frac:
        spoken += " point " + " ".join(_ONES[int(d)] for d in frac)
    return f" {spoken} "


def normalize_words(text: str) -> str:
    """Lower-case words with numbers spelled out and punctuation dropped: for LMs and WER alike."""
    text = text.replace("’", "'").replace("$", " ").replace("%", " percent ")
    text = re.sub(r"\d[\d,]*(?:\.\d+)?", _say_number, text)
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text.lower())
    return " ".join(re.findall(r"[a-z][a-z']*", text))
