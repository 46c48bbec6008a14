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
    with pytest.raises(BadQuestion, match="ffmpeg -i in.m4a q.wav"):
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


def test_a_directory_is_named_as_one(tmp_path):
    from assistant.errors import BadQuestion
    from assistant.voice.audio import Listener, listen_file

    with pytest.raises(BadQuestion, match="is a directory"):
        listen_file(Listener(), tmp_path)


@pytest.mark.parametrize("width, rate, channels", [(1, 16000, 1), (3, 16000, 1), (4, 44100, 2), (2, 8000, 1)])
def test_other_pcm_widths_rates_and_channels_are_read_whole(tmp_path, width, rate, channels):
    """8-bit unsigned, 24- and 32-bit, stereo and other rates: converted, and every second read."""
    import subprocess

    from assistant.voice.audio import Listener, audio_seconds, listen_file, read_audio

    clean = synthesize("How much does the Invoke cost?", tmp_path / "clean.wav")
    path = tmp_path / f"q{width}.wav"
    encoding = ["-e", "unsigned-integer"] if width == 1 else ["-e", "signed-integer"]
    subprocess.run(["sox", str(clean), "-b", str(8 * width), *encoding, "-r", str(rate), "-c", str(channels), str(path)],
                   check=True, timeout=30)
    whole = read_audio(path)
    assert abs(len(whole) / 16000 - len(read_audio(clean)) / 16000) < 0.05  # nothing lost in conversion
    assert 0.05 < float(abs(whole).max()) <= 1.0
    assert 1.0 < audio_seconds(listen_file(Listener(), path)) < 4.0


def test_the_wave_module_reads_8_bit_without_soundfile(tmp_path, monkeypatch):
    import subprocess

    from assistant.voice.audio import read_audio

    clean = synthesize("How much does the Invoke cost?", tmp_path / "clean.wav")
    path = tmp_path / "u8.wav"
    subprocess.run(["sox", str(clean), "-b", "8", "-e", "unsigned-integer", str(path)], check=True, timeout=30)
    monkeypatch.setitem(sys.modules, "soundfile", None)  # import now raises ImportError
    assert abs(len(read_audio(path)) - len(read_audio(clean))) < 800


def test_endpointing_ends_a_phrase_about_a_third_of_a_second_after_speech(tmp_path):
    """Silero VAD decides the end after `end_silence` of non-speech, not SpeechRecognition's 0.8 s."""
    from assistant.voice.audio import Listener, audio_file

    path = synthesize("How much does the Invoke cost?", tmp_path / "q.wav")
    padded = tmp_path / "padded.wav"
    import subprocess

    subprocess.run(["sox", str(path), str(padded), "pad", "0.5", "3"], check=True, timeout=30)
    listener = Listener(end_silence=0.35)
    with audio_file(padded) as source:
        listener.listen(source)
        endpoint = listener.last_endpoint
        assert endpoint is not None and 0.3 <= endpoint.lag_seconds <= 0.5
        assert source.position < len(source.samples) - 2 * 16000  # it did not read on to the end


class _Counting:
    """A stand-in engine (this tests the listener's timing, not recognition): reports what it was given."""

    name = "counting"

    def __init__(self):
        self.lengths = []

    def transcribe(self, audio):
        from assistant.voice.stt import Transcript

        self.lengths.append(len(audio))
        return Transcript(str(len(audio)), self.name, 0.0, len(audio) / 16000)


def test_transcription_starts_at_the_pause_and_is_reused(tmp_path):
    import subprocess

    from assistant.voice.audio import Listener, audio_file
    from assistant.voice.loop import EarlyTranscriber

    first = synthesize("How much does the Invoke cost?", tmp_path / "a.wav")
    second = synthesize("And the Mi AI speaker?", tmp_path / "b.wav")
    # Back to back, espeak's own lead-out and lead-in make a breath shorter than the 0.35 s end of
    # speech: one question with a pause inside, then silence.
    joined = tmp_path / "joined.wav"
    subprocess.run(["sox", str(first), str(second), str(joined), "pad", "0.3", "2"], check=True, timeout=30)
    engine = _Counting()
    early = EarlyTranscriber(engine, Listener(end_silence=0.35))
    with audio_file(joined) as source:
        audio = early.listen(source)
    transcript = early.transcribe(audio)
    endpoint = early.listener.last_endpoint
    # Any guess made at the breath was dropped; the one made when the question ended was used as is.
    assert int(transcript.text) == endpoint.paused_samples and endpoint.paused_samples < len(audio)
    assert engine.lengths[-1] == endpoint.paused_samples and engine.lengths.count(endpoint.paused_samples) == 1
    assert int(transcript.text) > 16000 * 3, engine.lengths  # both halves of the question
    assert len(engine.lengths) >= 2  # a guess was made at the breath, then dropped


def test_hearing_a_file_transcribes_what_the_early_transcriber_keeps(tmp_path):
    """Evaluation's `hear_file` gives the transcript a live turn would use, in one transcription."""
    import subprocess

    from assistant.voice.audio import Listener, audio_file
    from assistant.voice.loop import EarlyTranscriber, hear_file

    first = synthesize("How much does the Invoke cost?", tmp_path / "a.wav")
    second = synthesize("And the Mi AI speaker?", tmp_path / "b.wav")
    joined = tmp_path / "joined.wav"
    subprocess.run(["sox", str(first), str(second), str(joined), "pad", "0.3", "2"], check=True, timeout=30)
    live = EarlyTranscriber(_Counting(), Listener(end_silence=0.35))
    with audio_file(joined) as source:
        kept = live.transcribe(live.listen(source))
    engine = _Counting()
    settings = type("S", (), {"listen_timeout": 6.0, "phrase_time_limit": 12.0, "end_silence": 0.35})()
    heard = hear_file(engine, settings)(joined)
    assert heard.text == kept.text and engine.lengths == [int(kept.text)]
    assert hear_file(_Counting())(_silence(tmp_path / "quiet.wav", seconds=7.0)).text == ""


def test_an_audio_file_question_is_transcribed_once(tmp_path):
    """`ask --audio-file` makes no guesses at a file's pauses: read faster than it plays, a guess
    saves nothing, and a long recording's guesses kept the engine busy as long again."""
    import subprocess

    from assistant.voice.loop import answer_audio_files

    first = synthesize("How much does the Invoke cost?", tmp_path / "a.wav")
    second = synthesize("And the Mi AI speaker?", tmp_path / "b.wav")
    joined = tmp_path / "joined.wav"
    subprocess.run(["sox", str(first), str(second), str(joined), "pad", "0.3", "2"], check=True, timeout=30)
    engine = _Counting()
    [(transcript, _answer)] = answer_audio_files(lambda text, **_: text, [joined], engine)
    assert len(engine.lengths) == 1 and int(transcript.text) > 16000 * 3  # once, and the whole question
