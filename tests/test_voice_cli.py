"""The voice paths of the command line, on real synthesised audio and this device-less machine."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from conftest import REPO
from voice_fixtures import concatenate, have_tools, synthesize

from assistant.cli import main

pytestmark = [pytest.mark.voice, pytest.mark.skipif(not have_tools(), reason="needs espeak-ng and sox")]


def run(argv, stdin=""):
    out = io.StringIO()
    code = main(["--home", str(REPO), *argv], stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def test_audio_files_are_answered_in_order_with_transcripts(tmp_path):
    first = synthesize("How much does the Invoke cost?", tmp_path / "q1.wav")
    second = synthesize("Is the memorandum of understanding legally binding?", tmp_path / "q2.wav")
    code, out = run(["ask", "--json", "--audio-file", str(first), "--audio-file", str(second)])
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 2
    assert "invoke" in records[0]["transcript"]["text"].lower() and "$150" in records[0]["answer"]
    assert "legally binding" in records[1]["answer"]
    assert records[0]["transcript"]["stt_seconds"] > 0 and records[0]["transcript"]["engine"] == "faster-whisper"


def test_a_recording_that_goes_on_after_its_question_says_so(tmp_path, capsys):
    # The eighth trial's 26 s recording of several sentences: the first alone was answered, and
    # nothing said the rest was not heard.
    first = synthesize("How much does the Invoke cost?", tmp_path / "q1.wav")
    second = synthesize("Who is Wang Xiang?", tmp_path / "q2.wav")
    both = concatenate([first, second], tmp_path / "both.wav", silence=1.2)
    code, out = run(["ask", "--audio-file", str(both)])
    err = capsys.readouterr().err
    assert code == 0 and "$150" in out
    assert "goes on after its first question" in err and "one question in each recording" in err
    code, out = run(["ask", "--audio-file", str(first)])
    assert code == 0 and "goes on" not in capsys.readouterr().err


def test_a_recording_cut_at_the_limit_says_so_once(tmp_path, caplog):
    # The ninth trial's 169 s recording was said both to go on after its question (as if a pause
    # had ended it) and to have been cut at 28 s. With no pause, only the cut is said.
    from assistant.voice.audio import Listener
    from assistant.voice.loop import _phrase

    clause = "Microsoft and Xiaomi work together on cloud computing and smart speakers and laptops and phones"
    long = synthesize(" and ".join([clause] * 8), tmp_path / "long.wav")
    with caplog.at_level("WARNING"):
        audio = _phrase(Listener().for_recordings(), long)
    said = caplog.text
    assert "only the first 28 s of speech were heard" in said and "more followed" in said
    assert "goes on after its first question" not in said and len(audio) > 0


def test_missing_audio_file_is_named_and_the_others_still_answered(tmp_path, capsys):
    good = synthesize("How much does the Invoke cost?", tmp_path / "good.wav")
    code, out = run(["ask", "--audio-file", str(tmp_path / "missing.wav"), "--audio-file", str(good)])
    err = capsys.readouterr().err
    assert code == 2 and "missing.wav" in err and "Traceback" not in err
    assert "$150" in out


def test_json_records_come_in_the_files_order_even_for_an_unreadable_one(tmp_path, capsys):
    # The unreadable file is named at once, before the models load, but its record keeps its place.
    good = synthesize("How much does the Invoke cost?", tmp_path / "good.wav")
    junk = tmp_path / "junk.wav"
    junk.write_text("not audio at all")
    code, out = run(["ask", "--json", "--audio-file", str(good), "--audio-file", str(junk), "--audio-file", str(good)])
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and [r["audio_file"] for r in records] == [str(good), str(junk), str(good)]
    assert "error" in records[1] and "$150" in records[0]["answer"] and "$150" in records[2]["answer"]
    assert capsys.readouterr().err.count("error:") == 1  # said once, on stderr


def test_an_empty_or_undecodable_file_is_one_plain_line(tmp_path, capfd):
    # capfd, not capsys: mpg123 writes its "Note: Illegal Audio-MPEG-Header" straight to fd 2.
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(bytes(range(256)) * 80)
    code, out = run(["ask", "--audio-file", str(empty), "--audio-file", str(junk)])
    err = capfd.readouterr().err
    assert code == 2 and err.count("\n") == 2 and "Note:" not in err, err
    assert "is empty (0 bytes)" in err and "not audio that can be decoded" in err
    assert "does not exist" not in err  # libsndfile's words for a file that does exist


def test_a_header_without_samples_or_a_cut_wav_is_named_as_such(tmp_path, capfd):
    # A fourth new-user trial's were both "Heard no speech (only silence or noise)".
    whole = synthesize("How much does the Invoke cost?", tmp_path / "whole.wav").read_bytes()
    header = tmp_path / "header.wav"
    header.write_bytes(whole[:44])
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) * 3 // 4])
    code, out = run(["ask", "--audio-file", str(header), "--audio-file", str(cut)])
    err = capfd.readouterr().err
    assert code == 2 and "header.wav holds no audio" in err and "Heard no speech" not in err
    assert "cut.wav is cut short" in err and "reading what is there" in err
    assert "You said:" in out  # what there is of it is still heard


def test_voice_chat_without_microphone_falls_back_to_typed(capsys):
    code = main(["--home", str(REPO), "chat", "--voice", "--no-speak"],
                stdin=io.StringIO("How much does the Invoke cost?\n/quit\n"))
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("No microphone found") == 1 and "carrying on with typed questions." in out
    assert "No microphone found" in next(line for line in out.splitlines() if "carrying on" in line)  # one line
    assert "$150" in out and "Traceback" not in out


def test_speak_without_sound_device_is_one_line(capsys, tmp_path):
    code, out = run(["ask", "--speak", "--save-audio", str(tmp_path), "Who is Wang Xiang?"])
    err = capsys.readouterr().err
    assert code == 0 and "Wang Xiang" in out
    # One line for the missing device, said before the answer, and one naming the saved file.
    lines = err.splitlines()
    assert len(lines) == 2 and "Traceback" not in err
    assert "still saving answers to" in lines[0] and lines[1].startswith("(saved ")
    assert "--save-audio" not in lines[0]  # it is given already (the ninth trial's)
    saved = list(tmp_path.glob("*.wav"))
    assert len(saved) == 1 and saved[0].stat().st_size > 10_000  # the spoken answer was still written


def test_bad_audio_input_exits_2_naming_the_problem(tmp_path, capsys):
    folder = tmp_path / "recordings"
    folder.mkdir()
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF not really audio")
    code, out = run(["ask", "--audio-file", str(folder), "--audio-file", str(junk)])
    err = capsys.readouterr().err
    assert code == 2 and "is a directory" in err and "junk.wav" in err and "Traceback" not in err


def test_a_typed_question_beside_audio_files_is_refused_not_dropped(tmp_path, capsys):
    # A trial's: the typed question was silently ignored and the run exited 0.
    code, _ = run(["ask", "--audio-file", str(tmp_path / "q.wav"), "Who is Wang Xiang?"])
    err = capsys.readouterr().err
    assert code == 2 and "not both" in err and "Who is Wang Xiang?" in err and "Traceback" not in err


def test_bad_audio_files_are_named_before_any_model_loads(tmp_path, capsys, monkeypatch):
    from assistant import pipeline

    def no_models(*args, **kwargs):
        raise AssertionError("the models were loaded for files that could not be read")

    monkeypatch.setattr(pipeline.Assistant, "load", no_models)
    junk = tmp_path / "notes.wav"
    junk.write_text("not audio at all")
    code, out = run(["ask", "--json", "--audio-file", str(tmp_path / "missing.wav"), "--audio-file", str(junk)])
    err = capsys.readouterr().err
    assert code == 2 and "missing.wav" in err and "notes.wav" in err and "Traceback" not in err
    assert [json.loads(line)["audio_file"] for line in out.splitlines()] == [str(tmp_path / "missing.wav"), str(junk)]


@pytest.mark.skipif(shutil.which("sox") is None, reason="needs sox")
def test_a_recording_is_heard_past_a_long_silence(tmp_path):
    # The microphone's 6 s wait for speech is not a recording's: its leading silence is part of it.
    question = synthesize("Is the memorandum of understanding legally binding?", tmp_path / "question.wav")
    silence = tmp_path / "silence.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(silence), "trim", "0", "10"], check=True)
    late = tmp_path / "late.wav"
    subprocess.run(["sox", str(silence), str(question), str(late)], check=True)
    code, out = run(["ask", "--audio-file", str(late)])
    assert code == 0 and "legally binding" in out


def test_the_typed_fallback_still_speaks_its_answers(capsys, tmp_path):
    # No microphone is no reason to stop speaking: the answers are still said (here, saved).
    code = main(["--home", str(REPO), "chat", "--voice", "--save-audio", str(tmp_path)],
                stdin=io.StringIO("How much does the Invoke cost?\n/quit\n"))
    out = capsys.readouterr().out
    assert code == 0 and "carrying on with typed questions." in out and "$150" in out
    assert len(list(tmp_path.glob("answer-*.wav"))) == 1


def test_voice_chat_from_recordings_follows_up_and_is_told_to_stop(tmp_path, capsys):
    # No microphone here, as for many who try it: each recording is one spoken turn of the same
    # voice chat, heard through the same listener, so follow-ups and spoken commands work.
    from voice_fixtures import SYNTHESIZERS, have_piper

    natural = SYNTHESIZERS["piper" if have_piper() else "espeak"]
    turns = [
        synthesize("How much does the Invoke cost?", tmp_path / "q1.wav"),
        synthesize("And the Mi AI speaker?", tmp_path / "q2.wav"),
        natural("Say that again.", tmp_path / "q3.wav"),  # espeak's alone is heard "Say that I'm young."
        synthesize("Goodbye.", tmp_path / "q4.wav"),
        synthesize("Who is Wang Xiang?", tmp_path / "q5.wav"),  # never heard: the chat has ended
    ]
    saved = tmp_path / "answers"
    code, _ = run(["chat", "--save-audio", str(saved), *(a for path in turns for a in ("--audio-file", str(path)))])
    out = capsys.readouterr().out
    assert code == 0
    # No sound card here: playing fails once, and every answer is still saved, not only the first.
    assert len(list(saved.glob("answer-*.wav"))) >= 3
    assert "$150" in out and "understood as: How much does the Mi AI speaker cost?" in out
    if have_piper():
        assert "(again) At the moment" in out
    # The recording after the goodbye is not heard, and the chat says so (a trial's were dropped unsaid).
    assert "\nBye." in out and "(q5.wav)" not in out.replace(str(tmp_path) + "/", "")
    assert "1 recording after the goodbye not played" in out and "q5.wav" in out


def test_voice_chat_recordings_are_checked_before_anything_loads(tmp_path, capsys):
    code, _ = run(["chat", "--audio-file", str(tmp_path / "missing.wav")])
    err = capsys.readouterr().err
    assert code == 2 and "missing.wav" in err and "Traceback" not in err
    good = synthesize("How much does the Invoke cost?", tmp_path / "q.wav")
    # A bad one among good ones is named and skipped, as `ask` does; the exit code says so.
    code, _ = run(["chat", "--audio-file", str(good), "--audio-file", str(tmp_path / "missing.wav")])
    captured = capsys.readouterr()
    assert code == 2 and "missing.wav" in captured.err and "$150" in captured.out
    code, _ = run(["chat", "--wake", "--audio-file", str(good)])
    assert code == 2 and "--wake" in capsys.readouterr().err


def test_ctrl_c_in_a_voice_chat_from_recordings_says_where_it_stopped(tmp_path, capsys, monkeypatch):
    # A trial's Ctrl-C in the first turn had printed "recordings after the goodbye not played",
    # though no goodbye was said, and left out the recording it was in.
    from assistant.pipeline import Conversation

    def interrupted(self, question, **_):
        raise KeyboardInterrupt

    monkeypatch.setattr(Conversation, "ask", interrupted)
    first = synthesize("How much does the Invoke cost?", tmp_path / "q1.wav")
    second = synthesize("Who is Wang Xiang?", tmp_path / "q2.wav")
    code, _ = run(["chat", "--no-speak", "--audio-file", str(first), "--audio-file", str(second)])
    out = capsys.readouterr().out
    assert "after the goodbye" not in out
    assert f"(interrupted at {first}; not played: {second})" in out
