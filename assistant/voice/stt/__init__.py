"""Speech to text: engines behind one Transcriber protocol, chosen by name from settings."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from assistant.errors import AssistantError
from assistant.voice import STT_ENGINES
from assistant.voice.stt.base import (
    Transcriber,
    Transcript,
    corpus_words,
    normalize_words,
    rank_vocabulary,
)

__all__ = [
    "ENGINES", "Transcriber", "Transcript", "corpus_words", "make_transcriber", "normalize_words", "rank_vocabulary",
]


def _whisper(model: str | None) -> Callable[..., Transcriber]:
    def make(settings: Any, vocabulary: Sequence[str], corpus_text: str) -> Transcriber:
        from assistant.voice.stt.whisper import WhisperTranscriber

        return WhisperTranscriber(vocabulary, corpus_text, bias=settings.stt_bias,
                                  model=model or settings.whisper_model, cache_dir=settings.cache_dir,
                                  near_tie=settings.stt_near_tie, name_check=settings.stt_name_check)

    return make


def _sphinx(settings: Any, vocabulary: Sequence[str], corpus_text: str) -> Transcriber:
    from assistant.voice.stt.sphinx import SphinxTranscriber

    return SphinxTranscriber(vocabulary, corpus_text, bias=settings.stt_bias, cache_dir=settings.cache_dir)


# Engine name -> factory(settings, vocabulary, corpus_text). "faster-whisper" uses the
# configured whisper model (DEAL_ASSISTANT_WHISPER_MODEL); the other two name a bundled one.
ENGINES: dict[str, Callable[[Any, Sequence[str], str], Transcriber]] = {
    "faster-whisper": _whisper(None),
    "whisper-tiny": _whisper("tiny.en"),
    "whisper-base": _whisper("base"),
    "pocketsphinx": _sphinx,
}
if tuple(ENGINES) != STT_ENGINES:  # the CLI's choices are listed without importing this module
    raise ImportError("assistant.voice.STT_ENGINES is out of step with assistant.voice.stt.ENGINES")


def make_transcriber(settings: Any, vocabulary: Sequence[str] = (), corpus_text: str = "") -> Transcriber:
    """The engine named by `settings.stt_engine`, biased to the corpus unless `settings.stt_bias` is off."""
    engine = settings.stt_engine
    if engine not in ENGINES:
        raise AssistantError(f"Unknown speech engine {engine!r}. Choose one of: {', '.join(ENGINES)}.")
    return ENGINES[engine](settings, list(vocabulary), corpus_text)
