"""pocketsphinx en-us: the light fallback, biased with a corpus language model and names added to its dictionary."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

from assistant.errors import ModelUnavailable
from assistant.voice.audio import SAMPLE_RATE, AudioInput, to_pcm16
from assistant.voice.data import voice_data
from assistant.voice.repair import espeak_phones
from assistant.voice.stt.base import (
    Transcript,
    make_repairer,
    normalize_words,
    rank_vocabulary,
    timed_transcript,
)

_LOGGER = logging.getLogger(__name__)


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
                words |= set(normalize_words(corpus_text + " " + " ".join(voice_data().question_frames)).split())
            added = add_pronunciations(self._decoder, words)
            _LOGGER.debug("added %d pronunciations", added)
        self.repairer = make_repairer(vocabulary, corpus_text) if (bias if repair is None else repair) else None

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
        return timed_transcript(self.name, audio, self._decode, self.repairer, to_pcm16)


def add_pronunciations(decoder: Any, words: Iterable[str]) -> int:
    """Give the decoder a pronunciation for each word it lacks (hand table, else espeak-ng)."""
    missing = sorted(w for w in words if decoder.lookup_word(w) is None)
    if not missing:
        return 0
    guessed = dict(zip(missing, espeak_phones(missing)))
    entries: list[tuple[str, str]] = []
    for word in missing:
        variants = list(voice_data().name_phones.get(word, ())) + [" ".join(guessed[word])]
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

    lines = [normalize_words(s) for s in _sentences(corpus_text) + list(voice_data().question_frames)]
    lines += [normalize_words(t) for t in vocabulary]
    text = "\n".join(line for line in lines if line)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    if cache_dir is None:
        from assistant.config import Settings

        cache_dir = Settings().cache_dir
    folder = Path(cache_dir)
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
