"""The command line with hostile input: bytes that are not UTF-8, closed pipes, and what batch output says."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from conftest import REPO

from assistant.cli import main

pytestmark = pytest.mark.engine

BAD_BATCH = b"Who is Wang Xiang?\n\xff\xfe x\nWho is Harry Shum?\n"


def _bytes_stdin(data: bytes) -> io.TextIOWrapper:
    """A stdin like the real one: text over bytes, strict UTF-8."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict")


def run(argv, stdin):
    out = io.StringIO()
    code = main(["--home", str(REPO), *argv], stdin=stdin, stdout=out)
    return code, out.getvalue()


def test_batch_names_the_undecodable_line_and_answers_the_rest(capsys):
    code, out = run(["ask", "--json", "-"], _bytes_stdin(BAD_BATCH))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and [r["line"] for r in records] == [1, 2, 3]
    assert "Vice President" in records[0]["answer"] and "Shun" in records[2]["answer"]
    assert "not valid UTF-8" in records[1]["error"] and "0xff" in records[1]["error"]
    assert "internal error" not in capsys.readouterr().err


def test_batch_from_a_real_pipe():
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--home", str(REPO), "ask", "--json", "-"],
        input=BAD_BATCH, capture_output=True, timeout=300,
    )
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 2 and [r["line"] for r in records] == [1, 2, 3]
    assert "error" in records[1] and "answer" in records[2]
    assert b"internal error" not in result.stderr and b"Traceback" not in result.stderr


def test_every_batch_object_carries_its_line():
    stdin = io.StringIO("How much does the Invoke cost?\n\n   \nWho founded Xiaomi?\n\x01junk\n")
    code, out = run(["ask", "--json", "-"], stdin)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and [r["line"] for r in records] == [1, 4, 5]
    assert "answer" in records[0] and records[1]["abstained"] is True and "error" in records[2]


def test_text_batch_puts_errors_on_stderr(capsys):
    code, out = run(["ask", "-"], io.StringIO("How much does the Invoke cost?\n\x01junk\n"))
    err = capsys.readouterr().err
    assert code == 2 and "$150" in out and out.startswith("Q1: How much does the Invoke cost?\n")
    assert "{" not in out and "junk" not in out and "control characters" not in out
    assert err.startswith("line 2: error:") and err.count("\n") == 1


@pytest.mark.parametrize("question, says", [("", "empty"), ("   ", "empty"), ("\x01junk", "control characters")])
def test_a_bad_json_question_is_a_json_record_too(capsys, question, says):
    code, out = run(["ask", "--json", question], io.StringIO())
    [record] = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and says in record["error"] and "answer" not in record
    assert capsys.readouterr().err.startswith("error:")  # and still one line on stderr


def test_undecodable_argv_is_bad_input(capsys):
    # What Python makes of `assistant ask $'Who is \xff Wang?'` (surrogateescape).
    code, out = run(["ask", "Who is \udcff Wang?"], io.StringIO())
    err = capsys.readouterr().err
    assert code == 2 and out == "" and "not valid UTF-8" in err and "0xff" in err and err.count("\n") == 1


def test_chat_names_the_undecodable_line_and_goes_on(capsys):
    code = main(["--home", str(REPO), "chat"], stdin=_bytes_stdin(BAD_BATCH))
    out = capsys.readouterr().out
    assert code == 2
    assert "Vice President" in out and "Shun" in out and "error: line 2:" in out and "Bye." in out


def test_chat_into_a_closed_pipe_exits_quietly():
    chat = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--home", str(REPO), "chat"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    chat.stdin.write(b"Who is Wang Xiang?\n" * 20)
    chat.stdin.close()
    chat.stdout.readline()  # like `| head -1`
    chat.stdout.close()
    assert chat.wait(timeout=300) == 0
    assert chat.stderr.read() == b""


def test_save_audio_without_speak_speaks_and_says_so(monkeypatch, tmp_path, capsys):
    from assistant.cli import ask

    spoken = []
    monkeypatch.setattr(ask, "speaker_for", lambda settings: spoken.append(settings.save_audio_dir) or (lambda text: None))
    code, _ = run(["ask", "--save-audio", str(tmp_path), "How much does the Invoke cost?"], io.StringIO())
    assert code == 0 and spoken == [tmp_path]
    assert "--save-audio" in capsys.readouterr().err


def test_chat_save_audio_without_voice_says_it_does_nothing(capsys, tmp_path):
    code = main(["--home", str(REPO), "chat", "--save-audio", str(tmp_path)], stdin=io.StringIO("/quit\n"))
    assert code == 0 and "--save-audio applies to chat --voice" in capsys.readouterr().err


def test_spoken_only_flags_without_voice_say_they_do_nothing(capsys):
    # A fourth new-user trial's "chat --wake" and "eval --syntheses 3" said nothing of being ignored.
    code = main(["--home", str(REPO), "chat", "--wake"], stdin=io.StringIO("/quit\n"))
    assert code == 0 and "--wake applies to chat --voice" in capsys.readouterr().err
    code = main(["--home", str(REPO), "eval", "--no-progress", "--totals-only", "--suite", str(REPO / "eval/heldout.yaml"),
                 "--syntheses", "3", "--test-voice", "piper"])
    assert code == 0 and "--test-voice and --syntheses apply to eval --voice" in capsys.readouterr().err


def test_settings_flags_go_before_or_after_the_command(monkeypatch):
    from assistant.cli import _parser

    after = _parser().parse_args(["ask", "--retriever", "BM25", "--home", "x", "q"])
    before = _parser().parse_args(["--retriever", "dense", "ask", "q"])
    assert (after.retriever, str(after.home), after.question) == ("bm25", "x", "q")
    assert before.retriever == "dense"  # not reset by the command's own (absent) flag
    assert _parser().parse_args(["eval", "--retriever", "all"]).eval_retriever == "all"


def test_a_negative_false_abstention_limit_is_refused(capsys):
    code = main(["--home", str(REPO), "eval", "--max-false-abstentions", "-1"])
    assert code == 2 and "0 or more" in capsys.readouterr().err


def test_preview_never_doubles_an_opening_quote(assistant):
    from assistant.cli.render import answer_text

    answer = assistant.ask("Is Microsoft a great partner?")
    opened = [c for c in answer.citations if c.passage.startswith("“")]
    text = answer_text(answer)
    assert opened, "this question cites a passage that opens with a quotation mark"
    assert "““" not in text and "””" not in text
    assert "““" not in answer_text(answer, full_passages=True)


def test_onnxruntime_telemetry_is_off_in_every_process():
    code = "import os, assistant; import onnxruntime; print(os.environ.get('ORT_DISABLE_TELEMETRY'))"
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "1"


def test_batch_output_stays_one_object_per_line_whatever_the_line_breaks():
    # U+0085 and U+2028 break lines for str.splitlines() and many JSON-lines readers.
    code, out = run(["ask", "--json", "-"], io.StringIO("Who is\u2028Wang Xiang?\nWhat\x85is Azure?\n"))
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 2]


@pytest.mark.parametrize(("name", "says"), [("questions.txt", "assistant ask - < "), ("question.wav", "--audio-file ")])
def test_a_file_given_as_the_question_is_named_with_the_fix(capsys, tmp_path, name, says):
    # A trial's `assistant ask questions.txt` was asked as a question and refused.
    path = tmp_path / name
    path.write_bytes(b"how much is the invoke\n")
    code, out = run(["ask", str(path)], io.StringIO())
    err = capsys.readouterr().err
    assert code == 2 and out == "" and "is a file, not a question" in err and says + str(path) in err
