"""Wake phrase: pocketsphinx keyphrase spotting on a live source, until the phrase or a bounded wait."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from assistant.errors import AssistantError, ModelUnavailable
from assistant.voice.audio import SAMPLE_RATE
from assistant.voice.stt.base import normalize_words
from assistant.voice.stt.sphinx import add_pronunciations

_LOGGER = logging.getLogger(__name__)

_SEARCH = "wake"
_MAX_UTTERANCE_SECONDS = 120.0
_CHUNK = 1024  # 64 ms of 16 kHz audio per read


class WakeSpotter:
    """Listens for one phrase (e.g. "hey assistant") with pocketsphinx keyword search."""

    def __init__(self, phrase: str = "hey assistant", threshold: float = 1e-20, phone_loop_penalty: float = 1e-10) -> None:
        # Measured on espeak-ng speech: with the default phone-loop penalty (1e-1) the phrase
        # never fired at any threshold; 1e-10 with 1e-20 fired on every wake file and on none of
        # 18 questions and sentences without it (see tests/test_voice.py).
        words = normalize_words(phrase)
        if not words:
            raise AssistantError(f"Wake phrase {phrase!r} has no words. Set DEAL_ASSISTANT_WAKE_PHRASE.")
        try:
            import pocketsphinx
        except ImportError:
            raise ModelUnavailable("pocketsphinx is not installed: pip install pocketsphinx.") from None
        self.phrase = words
        self.stream_ended = False  # set when a file source runs out, so loops over it can stop
        self._open, self._utt_seconds = False, 0.0
        self._decoder = pocketsphinx.Decoder(kws_threshold=threshold, kws_plp=phone_loop_penalty, loglevel="FATAL")
        add_pronunciations(self._decoder, words.split())
        self._decoder.add_keyphrase(_SEARCH, words)
        self._decoder.activate_search(_SEARCH)

    def wait(
        self,
        source: Any,
        max_seconds: float | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> bool:
        """Read `source` (an AudioSource: microphone or file) until the phrase is heard: True.

        False when `max_seconds` of audio pass, the stream ends, or `should_stop()` says so; the
        caller loops, so a Ctrl-C or a typed command is noticed between windows.
        """
        import numpy as np

        decoder = self._decoder
        heard_seconds = 0.0
        started = time.monotonic()
        # The utterance stays open across windows, so a phrase spoken across a window's edge
        # still fires; it restarts after a detection, at the stream's end, and every few minutes.
        if not self._open or self._utt_seconds > _MAX_UTTERANCE_SECONDS:
            self._restart()
        while max_seconds is None or heard_seconds < max_seconds:
            samples = source.read(_CHUNK)
            if not len(samples):
                self.stream_ended = True
                self._close()
                return False
            seconds = len(samples) / SAMPLE_RATE
            heard_seconds += seconds
            self._utt_seconds += seconds
            decoder.process_raw((np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes(), False, False)
            if decoder.hyp() is not None:
                _LOGGER.info("wake phrase heard after %.1f s", time.monotonic() - started)
                self._close()
                return True
            if should_stop is not None and should_stop():
                return False
        return False

    def _restart(self) -> None:
        self._close()
        self._decoder.start_utt()
        self._open, self._utt_seconds = True, 0.0

    def _close(self) -> None:
        if self._open:
            self._decoder.end_utt()
            self._open = False
