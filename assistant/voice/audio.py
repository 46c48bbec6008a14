"""Listening: audio sources (microphone or file) and one bounded `listen()` whose end of speech Silero VAD decides."""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterator, Protocol

from assistant.errors import (
    BadQuestion,
    DeviceUnavailable,
    HeardNothing,
    ModelUnavailable,
)
from assistant.voice.vad import FRAME

if TYPE_CHECKING:  # numpy and the audio libraries are imported lazily so `assistant --help` stays instant
    import numpy as np

    from assistant.voice.vad import SileroVAD

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # what the recognisers and the VAD want; asking the device for it avoids resampling
NO_MICROPHONE = (
    "No microphone found ({why}); carrying on with typed questions. Plug one in (`arecord -l` lists "
    "them), or answer a recording with --audio-file FILE."
)
_MIN_SPEECH_SECONDS = 0.25  # shorter than any word: a click or a cough
_PRE_ROLL_SECONDS = 0.3  # audio kept from before the VAD fired, so the first consonant is not cut
_PAUSE_SECONDS = 0.06  # non-speech after which transcription may start early (see Listener.listen)
_READABLE = "Pass a WAV, FLAC, OGG, MP3 or AIFF file"

AudioInput = Any  # float32 16 kHz samples, a path to an audio file, or sr.AudioData


# -- sources --------------------------------------------------------------------------------


class AudioSource(Protocol):
    """Mono float32 samples at 16 kHz, read in order; an empty read means the stream ended."""

    def read(self, count: int) -> "np.ndarray": ...


class FileSource:
    """A decoded audio file standing in for the microphone; `realtime` paces reads like a live device."""

    def __init__(self, samples: "np.ndarray", name: str = "audio", realtime: bool = False) -> None:
        self.samples, self.name, self.realtime = samples, name, realtime
        self.position = 0
        self._started: float | None = None

    def read(self, count: int) -> "np.ndarray":
        chunk = self.samples[self.position : self.position + count]
        self.position += len(chunk)
        if self.realtime and len(chunk):
            if self._started is None:
                self._started = time.perf_counter() - (self.position - len(chunk)) / SAMPLE_RATE
            wait = self._started + self.position / SAMPLE_RATE - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        return chunk

    def wall_time(self, sample: int) -> float:
        """perf_counter time at which sample `sample` was (or will be) delivered; realtime sources only."""
        if self._started is None:
            raise ValueError("the source has not started")
        return self._started + sample / SAMPLE_RATE


class RecordedTurns:
    """Recordings standing in for the microphone in voice chat, one push-to-talk turn each:
    `next_turn()` moves to the next file (False when none is left), and `read` hears only it."""

    def __init__(self, paths: "list[Path]") -> None:
        self.paths = list(paths)
        self.current: FileSource | None = None

    def next_turn(self) -> bool:
        if not self.paths:
            return False
        path = self.paths.pop(0)
        self.current = FileSource(read_audio(path), name=str(path))
        return True

    def read(self, count: int) -> "np.ndarray":
        import numpy as np

        return self.current.read(count) if self.current is not None else np.zeros(0, dtype=np.float32)


class MicrophoneSource:
    """PyAudio's 16 kHz 16-bit input stream (opened through SpeechRecognition) as float32 samples."""

    def __init__(self, microphone: Any) -> None:
        self._microphone = microphone

    def read(self, count: int) -> "np.ndarray":
        import numpy as np

        raw = self._microphone.stream.read(count)
        return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


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
    """Silence what C libraries print straight to fd 2: ALSA/JACK chatter while PortAudio probes
    devices, mpg123's "Note: Illegal Audio-MPEG-Header" while libsndfile reads a damaged MP3."""
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
def microphone(device_index: int | None = None) -> Iterator[MicrophoneSource]:
    """An open 16 kHz microphone source; DeviceUnavailable when there is none."""
    sr = _speech_recognition()
    check_microphone(device_index)
    try:
        source = sr.Microphone(device_index=device_index, sample_rate=SAMPLE_RATE)
    except (AttributeError, OSError) as exc:  # AttributeError: SpeechRecognition's "Could not find PyAudio"
        raise DeviceUnavailable(NO_MICROPHONE.format(why=str(exc))) from None
    with _quiet_native_stderr():
        source.__enter__()
    # sr.Microphone swallows the PortAudio error and leaves stream None; reading would then fail.
    if source.stream is None:
        raise DeviceUnavailable(NO_MICROPHONE.format(why="PyAudio could not open an input device"))
    try:
        yield MicrophoneSource(source)
    finally:
        source.__exit__(None, None, None)


# -- files ----------------------------------------------------------------------------------


def _existing_file(path: str | Path) -> Path:
    path = Path(path)
    if path.is_dir():
        raise BadQuestion(f"{path} is a directory, not an audio file. {_READABLE}.")
    if not path.is_file():
        raise BadQuestion(f"Audio file not found: {path}. {_READABLE}.")
    if path.stat().st_size == 0:
        raise BadQuestion(f"{path} is empty (0 bytes): record the question again.")
    return path


def check_audio_file(path: str | Path) -> None:
    """Raise BadQuestion, as `read_audio` would, if the file is missing or not readable audio,
    reading only its header: a bad path is named before any model loads."""
    path = _existing_file(path)
    try:
        import soundfile
    except ImportError:
        return  # the wave module finds out when the file is read
    try:
        with _quiet_native_stderr():
            info = soundfile.info(str(path))
    except (RuntimeError, ValueError, TypeError) as exc:
        raise _cannot_read(path, exc) from None
    if info.frames == 0:  # a header with nothing after it: not "silence", a damaged file
        raise BadQuestion(f"{path} holds no audio: it has a header but no samples. Record or convert it again.")
    promised = _promised_frames(path) if info.format == "WAV" else None
    if promised is not None and promised > info.frames:
        _LOGGER.warning("%s is cut short: its header promises %.1f s of audio, the file holds %.1f s; "
                        "reading what is there.", path, promised / info.samplerate, info.duration)


def _promised_frames(path: Path) -> int | None:
    """The frames a WAV's header says it holds, or None when it does not say (a streamed WAV's
    placeholder size, as `espeak-ng --stdout` writes) or the `wave` module cannot read it."""
    import wave

    try:
        with wave.open(str(path), "rb") as reader:
            frames, width = reader.getnframes(), reader.getsampwidth() * reader.getnchannels()
    except (wave.Error, EOFError, OSError):
        return None
    return frames if frames * width < 0x7F000000 else None


def read_audio(path: str | Path) -> "np.ndarray":
    """A whole audio file as mono float32 at 16 kHz: any PCM width, float, rate or channel count.

    soundfile (libsndfile) reads WAV, FLAC, OGG, MP3 and AIFF; without it the `wave` module reads
    WAV. Unreadable input raises BadQuestion (exit 2) naming the path and the fix.
    """
    path = _existing_file(path)
    try:
        samples, rate = _read_soundfile(path)
    except ImportError:
        samples, rate = _read_wave(path)
    return _resample(samples, rate)


def _cannot_read(path: Path, exc: object) -> BadQuestion:
    why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "does not exist or is not a regular file" in why:  # libsndfile's words for an undecodable MP3
        why = "not audio that can be decoded"
    return BadQuestion(f"Cannot read {path} ({why}). {_READABLE}, or convert it to WAV: `ffmpeg -i in.m4a q.wav` (ffmpeg: `apt-get install ffmpeg`).")


def _read_soundfile(path: Path) -> tuple["np.ndarray", int]:
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, ValueError, TypeError) as exc:  # LibsndfileError is a RuntimeError
        raise _cannot_read(path, exc) from None
    return data.mean(axis=1), int(rate)


def _read_wave(path: Path) -> tuple["np.ndarray", int]:
    import wave

    import numpy as np

    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise _cannot_read(path, exc) from None
    if width == 1:  # 8-bit WAV is unsigned
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 3:  # 24-bit: widen each sample to 32 bits
        padded = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        as32 = np.zeros((len(padded), 4), dtype=np.uint8)
        as32[:, 1:] = padded
        data = as32.view("<i4").ravel().astype(np.float32) / 2**31
    elif width in (2, 4):
        data = np.frombuffer(raw, dtype=f"<i{width}").astype(np.float32) / float(2 ** (8 * width - 1))
    else:
        raise _cannot_read(path, f"{8 * width}-bit samples")
    return data.reshape(-1, channels).mean(axis=1), rate


def _resample(samples: "np.ndarray", rate: int) -> "np.ndarray":
    import numpy as np

    samples = np.asarray(samples, dtype=np.float32)
    if rate == SAMPLE_RATE or not len(samples):
        return samples
    try:
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(SAMPLE_RATE, rate)
        return resample_poly(samples, SAMPLE_RATE // g, rate // g).astype(np.float32)
    except ImportError:  # linear interpolation: coarser, but speech survives it
        n = int(round(len(samples) * SAMPLE_RATE / rate))
        return np.interp(np.arange(n) * rate / SAMPLE_RATE, np.arange(len(samples)), samples).astype(np.float32)


@contextlib.contextmanager
def audio_file(path: str | Path, realtime: bool = False) -> Iterator[FileSource]:
    """An audio file (WAV, FLAC, OGG, MP3, AIFF) as a source that stands in for the microphone."""
    yield FileSource(read_audio(path), name=str(path), realtime=realtime)


SourceFactory = Callable[[], ContextManager[AudioSource]]


# -- end of speech --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where the last phrase sat in its stream and when listening decided it had ended."""

    speech_seconds: float  # from the first to the last speech frame
    end_sample: int  # stream position just after the last speech frame
    decided_at: float  # perf_counter when the end of speech was decided
    lag_seconds: float  # audio read after the last speech frame before deciding: the endpointing delay
    paused_samples: int = 0  # phrase length when its final pause began (what `on_pause` last got); 0 if none
    cut: bool = False  # the phrase reached `phrase_time_limit` and was cut there

    @property
    def end_of_speech(self) -> float:
        """perf_counter estimate of when the speaker stopped (exact for a live or paced source)."""
        return self.decided_at - self.lag_seconds


RECORDING_PHRASE_SECONDS = 28.0  # whisper hears 30 s at a time


class Listener:
    """Captures one phrase per call: starts when Silero VAD hears speech, ends after a short pause.

    Every wait is bounded: `timeout` seconds for speech to start, `phrase_time_limit` per phrase.
    A file and the microphone go through this same code.
    """

    def __init__(
        self,
        timeout: float = 6.0,
        phrase_time_limit: float = 12.0,
        end_silence: float = 0.4,
        threshold: float = 0.5,
        vad: "SileroVAD | None" = None,
    ) -> None:
        if not 0.1 <= end_silence <= 2.0:
            raise BadQuestion(f"End-of-speech pause {end_silence} s is out of range: use 0.1 to 2.0 seconds.")
        self.timeout = timeout
        self.phrase_time_limit = phrase_time_limit
        self.end_silence = end_silence
        self.threshold = threshold
        self._vad = vad
        self.last_endpoint: Endpoint | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> "Listener":
        return cls(
            timeout=settings.listen_timeout,
            phrase_time_limit=settings.phrase_time_limit,
            end_silence=getattr(settings, "end_silence", 0.4),
        )

    def for_recordings(self) -> "Listener":
        """This listener as a recorded file needs it: no wait for speech to start (a recording's
        leading silence is part of it) and up to whisper's 30 s window for the phrase, where a
        live microphone stops at its limits."""
        return Listener(
            timeout=float("inf"),
            phrase_time_limit=max(self.phrase_time_limit, RECORDING_PHRASE_SECONDS),
            end_silence=self.end_silence,
            threshold=self.threshold,
            vad=self._vad,
        )

    @property
    def vad(self) -> "SileroVAD":
        if self._vad is None:
            from assistant.voice.vad import SileroVAD

            try:
                self._vad = SileroVAD()
            except ImportError:
                raise ModelUnavailable("onnxruntime is needed for voice activity detection: pip install onnxruntime.") from None
        return self._vad

    def listen(self, source: AudioSource, on_pause: Callable[["np.ndarray"], None] | None = None) -> "np.ndarray":
        """One phrase from `source` as float32 16 kHz samples; HeardNothing on silence, timeout or end of stream.

        `on_pause(phrase_so_far)` is called when a pause begins (_PAUSE_SECONDS of non-speech), so
        a caller can start transcribing while the listener waits to be sure the speaker stopped.
        """
        import numpy as np

        vad = self.vad
        vad.reset()
        neg_threshold = max(0.05, self.threshold - 0.15)  # hysteresis, as Silero's own segmenter uses
        pre_roll: collections.deque[np.ndarray] = collections.deque(maxlen=max(1, int(_PRE_ROLL_SECONDS * SAMPLE_RATE / FRAME)))
        frames: list[np.ndarray] = []
        waited = speech = silence_run = 0.0
        read = 0  # samples read from the source during this call
        last_speech_end = 0
        frame_seconds = FRAME / SAMPLE_RATE
        start_position = getattr(source, "position", 0)
        paused_samples = 0
        cut = False
        while True:
            frame = source.read(FRAME)
            if not len(frame):
                break
            read += len(frame)
            probability = vad(frame)
            if not frames:
                if probability >= self.threshold:
                    frames.extend(pre_roll)
                    frames.append(frame)
                    speech, silence_run, last_speech_end = frame_seconds, 0.0, read
                    continue
                pre_roll.append(frame)
                waited += frame_seconds
                if waited >= self.timeout:
                    raise HeardNothing(f"Heard no speech for {self.timeout:g} s.")
                continue
            frames.append(frame)
            if probability >= neg_threshold:
                speech += frame_seconds + silence_run
                silence_run, last_speech_end, paused_samples = 0.0, read, 0
            else:
                silence_run += frame_seconds
                if on_pause is not None and silence_run - frame_seconds < _PAUSE_SECONDS <= silence_run:
                    phrase = np.concatenate(frames)
                    paused_samples = len(phrase)
                    on_pause(phrase)
                if silence_run >= self.end_silence:
                    if speech < _MIN_SPEECH_SECONDS:  # a click or a cough: keep waiting for speech
                        waited += speech + silence_run
                        frames, speech, silence_run, paused_samples = [], 0.0, 0.0, 0
                        continue
                    break
            if speech + silence_run >= self.phrase_time_limit:
                _LOGGER.info("phrase cut at the %.0f s limit", self.phrase_time_limit)
                cut = True
                break
        decided = time.perf_counter()
        if not frames or speech < _MIN_SPEECH_SECONDS:
            raise HeardNothing("Heard no speech (only silence or noise).")
        self.last_endpoint = Endpoint(
            speech_seconds=speech,
            end_sample=start_position + last_speech_end,
            decided_at=decided,
            lag_seconds=(read - last_speech_end) / SAMPLE_RATE,
            paused_samples=paused_samples if silence_run >= self.end_silence else 0,
            cut=cut,
        )
        return np.concatenate(frames)


def listen_file(listener: Listener, path: str | Path) -> "np.ndarray":
    """The first phrase of an audio file, through the same `Listener.listen` a microphone uses."""
    with audio_file(path) as source:
        return listener.listen(source)


def audio_seconds(audio: Any) -> float:
    """Duration of captured audio (samples at 16 kHz, or sr.AudioData)."""
    if hasattr(audio, "frame_data"):
        return len(audio.frame_data) / float(audio.sample_rate * audio.sample_width)
    return len(audio) / float(SAMPLE_RATE)


def to_samples(audio: AudioInput) -> "np.ndarray":
    """Mono float32 samples at 16 kHz in [-1, 1], as the recognisers expect."""
    import numpy as np

    if isinstance(audio, np.ndarray):
        return audio.astype(np.float32, copy=False)
    if isinstance(audio, (str, Path)):
        return read_audio(audio)
    raw = audio.get_raw_data(convert_rate=SAMPLE_RATE, convert_width=2)  # sr.AudioData
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0


def to_pcm16(audio: AudioInput) -> bytes:
    """16 kHz 16-bit mono little-endian PCM (what pocketsphinx decodes)."""
    import numpy as np

    samples = to_samples(audio)
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
