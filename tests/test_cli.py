"""The command line through main(argv): output, JSON, batch mode, exit codes, chat."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from conftest import REPO

from assistant.cli import main

pytestmark = pytest.mark.engine


def run(argv, stdin=""):
    out = io.StringIO()
    code = main(["--home", str(REPO), *argv], stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def test_ask_prints_answer_and_sources():
    code, out = run(["ask", "How much does the Invoke cost?"])
    assert code == 0
    assert "$150" in out and "[1]" in out and "Sources:" in out and "characters" in out


def test_a_question_typed_without_quotes_is_one_question():
    # A trial typed `assistant ask How much does the Invoke cost` and got "unrecognized arguments".
    code, out = run(["ask", "How", "much", "does", "the", "Invoke", "cost"])
    assert code == 0 and "$150" in out


def test_ask_json_schema():
    code, out = run(["ask", "--json", "Who is Wang Xiang?"])
    record = json.loads(out)
    assert code == 0 and record["abstained"] is False
    assert {"question", "answer", "abstained", "citations", "timings_ms"} <= set(record)
    assert {"n", "article_id", "title", "passage", "start", "end", "score", "evidence"} == set(record["citations"][0])
    assert all(e in c["passage"] for c in record["citations"] for e in c["evidence"])


def test_abstention_in_json():
    code, out = run(["ask", "--json", "Who founded Xiaomi?"])
    assert code == 0 and json.loads(out)["abstained"] is True


def test_batch_mode_answers_in_order_and_flags_bad_lines():
    questions = "How much does the Invoke cost?\n\nWho founded Xiaomi?\n\x01\x02junk\nWho is Harry Shum?\n"
    code, out = run(["ask", "--json", "-"], stdin=questions)
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 4  # the blank line 2 is skipped; every other line gets one object
    assert [r["question"] for r in records] == [
        "How much does the Invoke cost?", "Who founded Xiaomi?", "\x01\x02junk", "Who is Harry Shum?"
    ]
    assert records[1]["abstained"] is True
    assert "error" in records[2] and records[2]["line"] == 4
    assert "Shun" in records[3]["answer"]
    assert code == 2  # a bad line is reported, and the rest still answered


def test_batch_mode_all_good_exits_zero():
    code, out = run(["ask", "--json", "-"], stdin="How much does the Invoke cost?\nWho is Wang Xiang?\n")
    assert code == 0 and len(out.splitlines()) == 2


@pytest.mark.parametrize(
    "question, message", [("", "empty"), ("   ", "empty"), ("x" * 100_000, "100,000"), ("a\x00b", "control")]
)
def test_bad_questions_exit_2_with_one_line(capsys, question, message):
    code, out = run(["ask", question])
    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_ask_without_question_is_a_usage_error(capsys):
    assert run(["ask"])[0] == 2


@pytest.mark.parametrize("argv", [["--retriever", "nope", "ask", "x"], ["eval", "--fail-under", "foo=1"], ["nope"]])
def test_a_bad_flag_is_one_line_naming_it_not_the_usage_block(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "usage:" not in err and "--help" in err


def test_an_unknown_flag_after_a_command_points_at_that_commands_help(capsys):
    # A trial's `ask --jsn` was sent to `assistant --help`, which does not list ask's flags.
    assert main(["ask", "--jsn", "x"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --jsn" in err and "see 'assistant ask --help'" in err and err.count("\n") == 1


def test_build_and_import_into_a_fresh_home(tmp_path):
    from conftest import SEEDS

    out = io.StringIO()
    assert main(["--home", str(tmp_path), "import", *map(str, sorted(SEEDS.glob("*.txt")))], stdout=out) == 0
    assert len(list((tmp_path / "corpus").glob("*.md"))) == 5
    assert main(["--home", str(tmp_path), "build"], stdout=out) == 0
    assert "5 articles" in out.getvalue()
    answer = io.StringIO()
    assert main(["--home", str(tmp_path), "ask", "--json", "How much does the Invoke cost?"], stdout=answer) == 0
    assert "$150" in json.loads(answer.getvalue())["answer"]


def test_an_empty_articles_folder_is_said_before_the_encoder_loads(tmp_path, capsys):
    # The ninth trial's --home with an empty corpus/ spent 10 s preparing the encoder first.
    (tmp_path / "corpus").mkdir()
    assert main(["--home", str(tmp_path), "ask", "hi there"]) == 1
    assert "no .txt or .md article; add articles" in capsys.readouterr().err
    assert not (tmp_path / "index").exists() and not (tmp_path / ".cache").exists()


def test_a_file_too_short_to_be_an_article_is_imported_with_a_warning(tmp_path, capsys):
    # The ninth trial's one-word file became corpus/hello.md without a word said.
    short = tmp_path / "short.txt"
    short.write_text("hello\n")
    assert main(["--home", str(tmp_path), "import", str(short)]) == 0
    err = capsys.readouterr().err
    assert "hello.md holds only 1 word of text" in err and "delete the file" in err


def test_chat_reads_lines_runs_commands_and_quits(capsys):
    script = "How much does the Invoke cost?\nAnd the Mi AI speaker?\n/sources\n/help\n/nonsense\n\n/quit\n"
    code = main(["--home", str(REPO), "chat"], stdin=io.StringIO(script))
    out = capsys.readouterr().out
    assert code == 0
    assert "$150" in out and "a third" in out
    assert "understood as: How much does the Mi AI speaker cost?" in out
    assert "Commands:" in out and "Unknown command" in out and "Bye." in out
    # /sources shows the sources in full, not the answer again (a trial's complaint): the answer
    # sentence is in the answer, its source's preview and the full passage, no more.
    flat = " ".join(out.split())
    assert flat.count("At the moment, the Invoke is being sold for $150") == 3
    assert "Speaker is only available in China" in flat  # the passage in full


def test_sources_after_a_refusal_or_a_question_back_say_which(capsys):
    # The ninth trial's /sources after "which one?" said the articles did not hold the answer.
    script = "who makes it?\n/sources\nWhat is Xiaomi's stock price?\n/sources\n"
    assert main(["--home", str(REPO), "chat"], stdin=io.StringIO(script)) == 0
    out = capsys.readouterr().out
    assert "no sources: it asked which thing you meant" in out
    assert "no sources: the articles did not hold it" in out


def test_chat_ends_cleanly_on_end_of_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Who is Harry Shum?\n"))
    assert main(["--home", str(REPO), "chat"]) == 0
    assert "Bye." in capsys.readouterr().out


def test_help_is_instant_no_heavy_imports():
    code = (
        "import sys, io; from assistant.cli import main; main(['--help'], stdout=io.StringIO()); "
        "print(sorted(m for m in ('torch', 'onnxruntime', 'faiss', 'sentence_transformers', 'numpy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def _interrupted(argv, after, stdin=subprocess.DEVNULL, wait_for_line=False, close_stdin=False):
    """Run the real `assistant` process and press Ctrl-C (SIGINT) `after` seconds in (or once
    it has printed its first line)."""
    import signal
    import time

    process = subprocess.Popen([sys.executable, "-m", "assistant", "--home", str(REPO), *argv], cwd=REPO,
                               stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline() if wait_for_line else ""
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    if close_stdin:  # as when Ctrl-C also ends the command piping into it: the end of input at once
        process.stdin.close()
    try:
        process.wait(timeout=20)  # before reading, which would close stdin: an end of input
        out, err = process.stdout.read(), process.stderr.read()
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"Ctrl-C {after} s into {argv} left the process hanging")
    return process.returncode, first + out, err


@pytest.mark.parametrize("after", [0.15, 0.25, 0.35, 0.45])
def test_ctrl_c_while_loading_ends_at_once_without_a_traceback(after):
    # A trial's Ctrl-C landed inside an import while the encoder loaded on its thread, and the
    # process hung for good. Whenever it lands, the command ends: answered, or interrupted.
    code, out, err = _interrupted(["ask", "How much does the Invoke cost?"], after)
    assert "Traceback" not in err
    assert (code == 0 and "$150" in out) or (code == 130 and "Interrupted." in err)


@pytest.mark.parametrize("close_stdin", [False, True])
def test_ctrl_c_in_the_chat_still_says_bye(close_stdin):
    # A trial's Ctrl-C came with the end of the chat's piped input (as `cat q.txt | assistant
    # chat` gets both): the read ended, and Python raised the Ctrl-C at the "Bye." print, which
    # then said "Interrupted." with 130.
    code, out, err = _interrupted(["chat"], 0.3, stdin=subprocess.PIPE, wait_for_line=True, close_stdin=close_stdin)
    assert code == 0 and "Bye." in out and "Traceback" not in err, (code, out, err)


def test_chat_after_a_refusal_and_told_things_typed(capsys, monkeypatch):
    # A trial: "tell me more" after a refusal was refused again for its own words, /sources said
    # "ask a question first", and typed "say that again" and "goodbye" were asked as questions.
    lines = "Who founded Xiaomi?\ntell me more\n/sources\nHow much does the Invoke cost?\nsay that again\ngoodbye\nWho is Wang Xiang?\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    assert main(["--home", str(REPO), "chat"]) == 0
    out = capsys.readouterr().out
    assert "There is nothing to go on from" in out and "The last answer has no sources" in out
    assert "(again) The Invoke currently costs around $150" in out
    assert out.rstrip().endswith("Bye.") and "Senior Vice President" not in out  # the chat ended at "goodbye"
