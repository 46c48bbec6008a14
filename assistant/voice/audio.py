"""Listening: one bounded `listen()` over a microphone or an audio file, giving SpeechRecognition audio."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterator

from assistant.errors import BadQuestion, DeviceUnavailable, HeardNothing

if TYPE_CHECKING:  # speech_recognition is imported lazily so `assistant --help` stays instant
    import numpy as np
    import speech_recognition as sr

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # what both recognisers want; asking the device for it avoids resampling
NO_MICROPHONE = "No microphone found ({why}). Connect one or use typed questions."
_MIN_SPEECH_SECONDS = 0.25  # shorter than any word: a click or the tail of a file
_SILENCE_RMS = 60.0  # 16-bit RMS of a quiet room; speech is in the thousands
_FILE_ENERGY_THRESHOLD = 300.0  # SpeechRecognition's default, fixed for files (see listen_file)

AudioInput = Any  # sr.AudioData, a path to a WAV/FLAC/AIFF file, or float32 16 kHz samples


def _speech_recognition() -> Any:
    try:
        import speech_recognition as sr
    except ImportError:
        raise DeviceUnavailable(
            "SpeechRecognition is not installed. Install the voice extras: pip install 'deal-assistant[voice]'."
        ) from None
    return sr


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence ALSA/JACK chatter that PortAudio prints straight to fd 2 while probing devices."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def check_microphone(device_index: int | None = None) -> None:
    """Raise DeviceUnavailable, in one line naming the fix, unless an input device can be opened."""
    try:
        import pyaudio
    except ImportError:
        raise DeviceUnavailable(
            NO_MICROPHONE.format(why="PyAudio is not installed: sudo apt-get install portaudio19-dev "
                                 "&& pip install PyAudio")
        ) from None
    with _quiet_native_stderr():
        audio = pyaudio.PyAudio()
        try:
            if device_index is None:
                audio.get_default_input_device_info()
            else:
                info = audio.get_device_info_by_index(device_index)
                if int(info.get("maxInputChannels", 0)) < 1:
                    raise OSError(f"device {device_index} has no input channels")
        except (OSError, ValueError) as exc:
            raise DeviceUnavailable(NO_MICROPHONE.format(why=f"PyAudio could not open an input device: {exc}")) from None
        finally:
            audio.terminate()


@contextlib.contextmanager
def microphone(device_index: int | None = None) -> Iterator["sr.AudioSource"]:
    """An open 16 kHz microphone source; DeviceUnavailable when there is none."""
    sr = _speech_recognition()
    check_microphone(device_index)
    try:
        source = sr.Microphone(device_index=device_index, sample_rate=SAMPLE_RATE)
    except (AttributeError, OSError) as exc:  # AttributeError: SpeechRecognition's "Could not find PyAudio"
        raise DeviceUnavailable(NO_MICROPHONE.format(why=str(exc))) from None
    with _quiet_native_stderr():
        source.__enter__()
    # sr.Microphone swallows the PortAudio error and leaves stream None; listen() would then assert.
    if source.stream is None:
        raise DeviceUnavailable(NO_MICROPHONE.format(why="PyAudio could not open an input device"))
    try:
        yield source
    finally:
        source.__exit__(None, None, None)


@contextlib.contextmanager
def audio_file(path: str | Path) -> Iterator["sr.AudioSource"]:
    """An open WAV/FLAC/AIFF source that stands in for the microphone."""
    sr = _speech_recognition()
    path = Path(path)
    if not path.is_file():
        raise BadQuestion(f"Audio file not found: {path}. Pass a WAV, FLAC or AIFF file.")
    source = sr.AudioFile(str(path))
    try:
        source.__enter__()
    except (ValueError, EOFError) as exc:  # sr's error for formats it cannot read
        raise BadQuestion(f"Cannot read {path} ({exc}). Convert it to 16-bit WAV, e.g. `sox in.mp3 -r 16000 q.wav`.") from None
    try:
        yield source
    finally:
        source.__exit__(None, None, None)


SourceFactory = Callable[[], ContextManager["sr.AudioSource"]]


class Listener:
    """Captures one phrase per call from a source, with every wait bounded."""

    def __init__(
        self,
        timeout: float = 6.0,
        phrase_time_limit: float = 12.0,
        calibrate_seconds: float = 0.5,
        pause_threshold: float = 0.8,
    ) -> None:
        sr = _speech_recognition()
        self.timeout = timeout
        self.phrase_time_limit = phrase_time_limit
        self.calibrate_seconds = calibrate_seconds
        self.recognizer = sr.Recognizer()
        self.recognizer.pause_threshold = pause_threshold
        self._calibrated: set[int] = set()

    @classmethod
    def from_settings(cls, settings: Any) -> "Listener":
        return cls(timeout=settings.listen_timeout, phrase_time_limit=settings.phrase_time_limit)

    def calibrate(self, source: "sr.AudioSource") -> None:
        """Set the speech/silence threshold from the room's noise, once per open source."""
        if self.calibrate_seconds > 0 and id(source) not in self._calibrated:
            self.recognizer.adjust_for_ambient_noise(source, duration=self.calibrate_seconds)
            self._calibrated.add(id(source))
            _LOGGER.debug("energy threshold %.0f", self.recognizer.energy_threshold)

    def listen(self, source: "sr.AudioSource", calibrate: bool = True) -> "sr.AudioData":
        """One phrase from `source`; HeardNothing on silence, timeout, or the end of a file."""
        sr = _speech_recognition()
        recognizer = self.recognizer
        saved = recognizer.energy_threshold, recognizer.dynamic_energy_threshold
        if isinstance(source, sr.AudioFile):
            # Calibrating would consume the start of the question, and a threshold that keeps
            # adapting climbs during loud clean speech until it cuts the phrase short.
            recognizer.energy_threshold, recognizer.dynamic_energy_threshold = _FILE_ENERGY_THRESHOLD, False
        elif calibrate:
            self.calibrate(source)
        try:
            audio = recognizer.listen(source, timeout=self.timeout, phrase_time_limit=self.phrase_time_limit)
        except sr.WaitTimeoutError:
            raise HeardNothing(f"Heard nothing for {self.timeout:g} s.") from None
        finally:
            if isinstance(source, sr.AudioFile):
                recognizer.energy_threshold, recognizer.dynamic_energy_threshold = saved
        if audio_seconds(audio) < _MIN_SPEECH_SECONDS or _rms(audio) < _SILENCE_RMS:
            raise HeardNothing("Heard nothing but silence.")
        return audio


def listen_file(listener: Listener, path: str | Path) -> "sr.AudioData":
    """The first phrase of an audio file, through the same `Listener.listen` a microphone uses."""
    with audio_file(path) as source:
        return listener.listen(source)


def _rms(audio: "sr.AudioData") -> float:
    import numpy as np

    samples = np.frombuffer(audio.get_raw_data(convert_width=2), dtype=np.int16).astype(np.float32)
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


def audio_seconds(audio: "sr.AudioData") -> float:
    """Duration of captured audio."""
    return len(audio.frame_data) / float(audio.sample_rate * audio.sample_width)


def to_samples(audio: AudioInput) -> "np.ndarray":
    """Mono float32 samples at 16 kHz in [-1, 1], as both recognisers expect."""
    import numpy as np

    if isinstance(audio, np.ndarray):
        return audio.astype(np.float32, copy=False)
    if isinstance(audio, (str, Path)):
        with audio_file(audio) as source:
            audio = _speech_recognition().Recognizer().record(source)
    raw = audio.get_raw_data(convert_rate=SAMPLE_RATE, convert_width=2)
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0


def to_pcm16(audio: AudioInput) -> bytes:
    """16 kHz 16-bit mono little-endian PCM (what pocketsphinx decodes)."""
    import numpy as np

    samples = to_samples(audio)
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
