"""Speaking: real pyttsx3 WAVs of plausible length, citation marks stripped, and failures that stay quiet."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

SENTENCE = (
    "The Harman Kardon Invoke costs around one hundred and fifty dollars, about three times "
    "the price of the Mi AI speaker [1][2]."
)


def test_saved_answer_is_a_plausible_wav(tmp_path, capsys):
    from assistant.voice.tts import Pyttsx3Speaker, wav_seconds

    speaker = Pyttsx3Speaker(save_dir=tmp_path, play=False)
    path = speaker.say(SENTENCE)
    assert path is not None and path.parent == tmp_path
    assert 0.5 < wav_seconds(path) < 15.0  # about 20 words
    assert capsys.readouterr().out == ""  # pyttsx3's own "Audio saved to" print is kept off stdout


def test_citation_marks_are_not_spoken(tmp_path):
    from assistant.voice.tts import Pyttsx3Speaker, wav_seconds

    speaker = Pyttsx3Speaker(save_dir=tmp_path, play=False)
    with_marks = wav_seconds(speaker.say("Xiaomi sold 92.4 million phones [1] [2] [3]."))
    without = wav_seconds(speaker.say("Xiaomi sold 92.4 million phones."))
    assert abs(with_marks - without) < 0.1


def test_empty_text_is_skipped_without_hanging(tmp_path):
    from assistant.voice.tts import Pyttsx3Speaker

    speaker = Pyttsx3Speaker(save_dir=tmp_path, play=False)
    assert speaker.say("") is None and speaker.say("  [1] ") is None
    assert list(tmp_path.iterdir()) == []


def _seconds_at_rate(rate: int, folder) -> float:
    """One speaker per process, as the CLI runs: espeak applies a rate changed mid-process unreliably."""
    import subprocess
    import sys

    code = (
        "import sys; from assistant.voice.tts import Pyttsx3Speaker, wav_seconds; "
        f"print(wav_seconds(Pyttsx3Speaker(rate={rate}, save_dir=sys.argv[1], play=False).say(sys.argv[2])))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(folder), SENTENCE], capture_output=True, text=True,
                          timeout=60, check=True, cwd=str(__import__("pathlib").Path(__file__).parent.parent))
    return float(done.stdout.strip().splitlines()[-1])


def test_rate_and_voice_options_change_the_audio(tmp_path):
    from assistant.errors import DeviceUnavailable
    from assistant.voice.tts import Pyttsx3Speaker

    slow, fast = _seconds_at_rate(120, tmp_path / "slow"), _seconds_at_rate(260, tmp_path / "fast")
    assert slow > fast * 1.4
    with pytest.raises(DeviceUnavailable, match="No voice matches"):
        Pyttsx3Speaker(voice="no-such-voice", play=False)


def test_no_sound_device_is_one_line(tmp_path, monkeypatch):
    """This machine has no sound card: aplay fails and say() reports it in one line."""
    import subprocess

    from assistant.errors import DeviceUnavailable
    from assistant.voice.tts import Pyttsx3Speaker

    def no_card(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, "", "aplay: main:831: audio open error: No such file or directory")

    monkeypatch.setattr(subprocess, "run", no_card)
    speaker = Pyttsx3Speaker(play=True)
    with pytest.raises(DeviceUnavailable, match="No sound device") as caught:
        speaker.say("Hello.")
    assert "\n" not in str(caught.value)


def test_missing_aplay_names_alsa_utils(monkeypatch):
    from assistant.errors import DeviceUnavailable
    from assistant.voice import tts as speak

    monkeypatch.setattr(speak.shutil, "which", lambda name: None)
    with pytest.raises(DeviceUnavailable, match="alsa-utils"):
        speak.Pyttsx3Speaker(play=True)


def test_speaking_off_makes_a_silent_speaker():
    from assistant.config import Settings
    from assistant.voice.tts import SilentSpeaker, make_speaker

    assert isinstance(make_speaker(Settings(speak=False)), SilentSpeaker)
