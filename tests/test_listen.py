"""Listening: the microphone code path on a file source, bounded waits, and a missing device."""

from __future__ import annotations

import sys
import types
import wave

import pytest
from voice_fixtures import have_tools, synthesize

pytestmark = pytest.mark.skipif(not have_tools(), reason="needs espeak-ng and sox")


def _silence(path, seconds=2.0, rate=16000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return path


def test_listen_captures_one_phrase_from_a_file(tmp_path):
    from assistant.voice.audio import Listener, audio_seconds, listen_file, to_samples

    path = synthesize("How much does the Invoke cost?", tmp_path / "q.wav", rate=22050)
    audio = listen_file(Listener(), path)
    assert 1.0 < audio_seconds(audio) < 4.0
    samples = to_samples(audio)
    assert samples.dtype.name == "float32" and abs(len(samples) / 16000 - audio_seconds(audio)) < 0.05
    assert 0.05 < float(abs(samples).max()) <= 1.0


def test_silence_is_heard_nothing_not_a_hang(tmp_path):
    from assistant.errors import HeardNothing
    from assistant.voice.audio import Listener, listen_file

    with pytest.raises(HeardNothing):
        listen_file(Listener(timeout=1.0), _silence(tmp_path / "quiet.wav", seconds=3.0))


def test_unreadable_file_names_the_fix(tmp_path):
    from assistant.errors import BadQuestion
    from assistant.voice.audio import Listener, listen_file

    bad = tmp_path / "q.wav"
    bad.write_text("not audio")
    with pytest.raises(BadQuestion, match="sox"):
        listen_file(Listener(), bad)
    with pytest.raises(BadQuestion, match="not found"):
        listen_file(Listener(), tmp_path / "missing.wav")


def test_no_input_device_is_one_clear_line(monkeypatch):
    from assistant.errors import DeviceUnavailable
    from assistant.voice import audio as listen

    class NoDevices:
        def get_default_input_device_info(self):
            raise OSError("No Default Input Device Available")

        def terminate(self):
            pass

    monkeypatch.setitem(sys.modules, "pyaudio", types.SimpleNamespace(PyAudio=NoDevices))
    with pytest.raises(DeviceUnavailable) as caught:
        with listen.microphone():
            pass
    message = str(caught.value)
    assert message.startswith("No microphone found") and "typed questions" in message and "\n" not in message


def test_missing_pyaudio_says_how_to_install(monkeypatch):
    from assistant.errors import DeviceUnavailable
    from assistant.voice.audio import check_microphone

    monkeypatch.setitem(sys.modules, "pyaudio", None)  # import now raises ImportError
    with pytest.raises(DeviceUnavailable, match="pip install PyAudio"):
        check_microphone()


def test_microphone_that_fails_to_open_is_reported(monkeypatch):
    """sr.Microphone swallows PortAudio's error and leaves `stream` None; we must notice."""
    import speech_recognition as sr

    from assistant.errors import DeviceUnavailable
    from assistant.voice import audio as listen

    class Broken(sr.AudioSource):
        def __init__(self, **kwargs):
            self.stream = None

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    monkeypatch.setattr(listen, "check_microphone", lambda device_index=None: None)
    monkeypatch.setattr(sr, "Microphone", Broken)
    with pytest.raises(DeviceUnavailable, match="No microphone found"):
        with listen.microphone():
            pass
