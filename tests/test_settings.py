"""Settings: defaults, then DEAL_ASSISTANT_* variables, then flags; a bad value is one exit-2 line, early."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from assistant.cli import main
from assistant.config import Settings, load_settings
from assistant.errors import BadSetting


def run(argv, capsys):
    code = main(argv, stdin=io.StringIO(""), stdout=io.StringIO())
    return code, capsys.readouterr().err


def test_defaults_then_environment_then_flags(monkeypatch):
    assert load_settings().retriever == "hybrid"
    monkeypatch.setenv("DEAL_ASSISTANT_RETRIEVER", "bm25")
    monkeypatch.setenv("DEAL_ASSISTANT_TOP_K", "5")
    assert load_settings().retriever == "bm25" and load_settings().top_k == 5
    settings = load_settings(overrides={"retriever": "dense"})
    assert settings.retriever == "dense" and settings.top_k == 5
    assert settings.replace(top_k=3, retriever=None).top_k == 3  # None keeps the value
    assert settings.replace(top_k=3).retriever == "dense"
    with pytest.raises(TypeError, match="unknown setting"):
        load_settings(overrides={"no_such_setting": 1})


def test_a_choice_in_capitals_is_the_choice_and_a_bad_one_is_named_as_set(monkeypatch, capsys):
    monkeypatch.setenv("DEAL_ASSISTANT_RETRIEVER", "BM25")
    assert load_settings().retriever == "bm25"
    monkeypatch.delenv("DEAL_ASSISTANT_RETRIEVER")
    # Names are read in any case; an error names the variable as it was set (a trial's named
    # DEAL_ASSISTANT_RETRIEVER='foo', which the user never set).
    monkeypatch.setenv("DEAL_ASSISTANT_RETRIEVEr", "foo")
    with pytest.raises(BadSetting, match=r"DEAL_ASSISTANT_RETRIEVEr='foo'"):
        load_settings()
    monkeypatch.delenv("DEAL_ASSISTANT_RETRIEVEr")
    code, _ = run(["--retriever", "BM25", "--help"], capsys)
    assert code == 0


def test_settings_are_frozen():
    with pytest.raises(Exception):
        Settings().retriever = "bm25"


@pytest.mark.parametrize(
    ("variable", "value", "fragments"),
    [
        ("DEAL_ASSISTANT_RETRIEVER", "foo", ["DEAL_ASSISTANT_RETRIEVER='foo'", "hybrid, dense, bm25"]),
        ("DEAL_ASSISTANT_QUERY_ENCODER", "tflite", ["DEAL_ASSISTANT_QUERY_ENCODER", "onnx, sentence-transformers"]),
        ("DEAL_ASSISTANT_STT_ENGINE", "kaldi", ["DEAL_ASSISTANT_STT_ENGINE", "faster-whisper, whisper-tiny, whisper-base, pocketsphinx"]),
        ("DEAL_ASSISTANT_TOP_K", "many", ["DEAL_ASSISTANT_TOP_K='many'", "whole number"]),
        ("DEAL_ASSISTANT_MAX_PASSAGE_CHARS", "0", ["DEAL_ASSISTANT_MAX_PASSAGE_CHARS='0'", "at least 50"]),
        ("DEAL_ASSISTANT_STT_BIAS", "maybe", ["DEAL_ASSISTANT_STT_BIAS", "true or false"]),
        ("DEAL_ASSISTANT_HOME", "/nonexistent/deal", ["DEAL_ASSISTANT_HOME", "no such folder"]),
        # A folder may be new, but not a whole tree: a typo must not grow 228 MB somewhere.
        ("DEAL_ASSISTANT_CACHE_DIR", "/nonexistent/cache", ["DEAL_ASSISTANT_CACHE_DIR", "check the spelling"]),
        ("DEAL_ASSISTANT_WHISPER_MODEL", "large-v3", ["DEAL_ASSISTANT_WHISPER_MODEL='large-v3'", "base or tiny.en"]),
        ("DEAL_ASSISTANT_EMBEDDING_MODEL", "nonexistent-model", ["DEAL_ASSISTANT_EMBEDDING_MODEL", "HF_HUB_OFFLINE=0"]),
        # A folder that holds no model is refused before a rebuild starts (a trial's "/tmp").
        ("DEAL_ASSISTANT_EMBEDDING_MODEL", "/proc/self", ["DEAL_ASSISTANT_EMBEDDING_MODEL", "config.json"]),
    ],
)
def test_bad_variable_is_one_clear_line_before_any_work(monkeypatch, capsys, tmp_path, variable, value, fragments):
    (tmp_path / "corpus").mkdir()  # a home with no index: a bad setting must not build one
    monkeypatch.setenv(variable, value)
    code, err = run(["--home", str(tmp_path), "ask", "How much does the Invoke cost?"] if variable != "DEAL_ASSISTANT_HOME"
                    else ["ask", "How much does the Invoke cost?"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: bad setting"), err
    for fragment in fragments:
        assert fragment in err
    assert "internal error" not in err and not (tmp_path / "index").exists()


def test_bad_choice_from_the_library_is_a_bad_setting():
    with pytest.raises(BadSetting, match="faster-whisper, whisper-tiny, whisper-base, pocketsphinx") as caught:
        Settings(stt_engine="kaldi")
    assert caught.value.exit_code == 2


def test_nonexistent_home_creates_nothing(tmp_path, capsys):
    home = tmp_path / "nonexistent"
    for argv in (["ask", "Who is Wang Xiang?"], ["build"], ["chat"], ["import", str(REPO / "README.md")]):
        code, err = run(["--home", str(home), *argv], capsys)
        assert code == 2 and "--home" in err and "no such folder" in err and "internal error" not in err
    assert not home.exists() and list(tmp_path.iterdir()) == []


def test_home_without_a_corpus_creates_nothing(tmp_path, capsys):
    code, err = run(["--home", str(tmp_path), "ask", "Who is Wang Xiang?"], capsys)
    assert code == 2 and "no such folder" in err and "--corpus" in err
    assert "Preparing the fast query encoder" not in err  # said before any model loads (a trial's)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["file", "inside_file"])
def test_index_that_is_a_file_is_a_bad_setting(tmp_path, capsys, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    index = blocker if where == "file" else blocker / "index"
    code, err = run(["--home", str(REPO), "--index", str(index), "ask", "Who is Wang Xiang?"], capsys)
    assert code == 2 and "--index" in err and "internal error" not in err
    assert ("is a file" if where == "file" else "which is a file") in err
    assert blocker.read_text() == "not a folder"


def test_an_index_under_home_that_is_a_file_says_what_to_move(tmp_path, capsys, monkeypatch):
    # The eighth trial's `echo x > index`: the line had blamed DEAL_ASSISTANT_HOME, never set.
    monkeypatch.delenv("DEAL_ASSISTANT_HOME", raising=False)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "index").write_text("x")
    code, err = run(["--home", str(tmp_path), "ask", "Who is Wang Xiang?"], capsys)
    assert code == 2 and err.count("\n") == 1 and "DEAL_ASSISTANT_HOME" not in err
    assert f"the index folder {tmp_path / 'index'} is a file" in err and "move that file away" in err
    assert (tmp_path / "index").read_text() == "x"


def test_unwritable_index_is_a_clear_line(tmp_path, capsys):
    # /proc refuses new folders even to root (chmod cannot make a folder unwritable for root).
    code, err = run(["--home", str(REPO), "--index", "/proc/deal-assistant-test-index", "build"], capsys)
    assert code == 2 and "cannot write the index" in err and "DEAL_ASSISTANT_INDEX_DIR" in err
    assert "internal error" not in err and err.count("\n") == 1


def test_cache_dir_that_is_a_file(tmp_path, capsys, monkeypatch):
    cache = tmp_path / "cache"
    cache.write_text("x")
    monkeypatch.setenv("DEAL_ASSISTANT_CACHE_DIR", str(cache))
    code, err = run(["--home", str(REPO), "ask", "Who is Wang Xiang?"], capsys)
    assert code == 2 and "DEAL_ASSISTANT_CACHE_DIR" in err and "is a file" in err


@pytest.mark.parametrize("value", ["0", "-5", "10", "100000"])
def test_passage_size_out_of_range_is_rejected(tmp_path, capsys, value):
    code, err = run(["--home", str(REPO), "build", "--max-passage-chars", value], capsys)
    assert code == 2 and f"--max-passage-chars {value}" in err and "internal error" not in err


def test_help_does_not_load_settings_machinery():
    code = (
        "import sys, io; from assistant.cli import main; main(['--help'], stdout=io.StringIO()); "
        "print(sorted(m for m in ('pydantic', 'pydantic_settings', 'numpy', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_typed_answer_loads_no_validation_library():
    # pydantic's import and a model's build were 0.12 s of a cold `assistant ask`; the settings
    # and the index manifest are checked without it (suite files, read by `eval`, still use it).
    code = (
        "import sys, io; from assistant.cli import main; out = io.StringIO(); "
        "main(['ask', 'How much does the Invoke cost?'], stdout=out); assert '$150' in out.getvalue(); "
        "print(sorted(m for m in ('pydantic', 'pydantic_core', 'numpy.ma') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_user_settings_never_reach_the_tests():
    import os

    assert not [n for n in os.environ if n.startswith("DEAL_ASSISTANT_") and n != "DEAL_ASSISTANT_CACHE_DIR"]
    assert Path(os.environ["DEAL_ASSISTANT_CACHE_DIR"]).is_relative_to(REPO)
    assert Settings().cache_dir.is_relative_to(REPO)


@pytest.mark.engine
def test_unwritable_cache_is_a_clear_line(capsys, monkeypatch):
    monkeypatch.setenv("DEAL_ASSISTANT_CACHE_DIR", "/proc/deal-assistant-test-cache")
    code, err = run(["--home", str(REPO), "ask", "Who is Wang Xiang?"], capsys)
    assert code == 2 and "cannot write the query encoder" in err and "DEAL_ASSISTANT_CACHE_DIR" in err
    assert "internal error" not in err


@pytest.mark.parametrize(
    ("flag", "where"), [("--json-out", "inside_file"), ("--report", "folder"), ("--report", "new_tree"), ("--json-out", "new_tree")]
)
def test_eval_outputs_that_cannot_be_written_fail_before_the_run(tmp_path, capsys, flag, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    target = {"inside_file": blocker / "out.json", "folder": tmp_path, "new_tree": tmp_path / "typo" / "dir" / "r.md"}[where]
    code, err = run(["--home", str(REPO), "eval", "--no-progress", flag, str(target)], capsys)
    assert code == 2 and f"bad setting {flag}" in err and "internal error" not in err
    assert not (tmp_path / "typo").exists()  # no tree of folders made for a typo


def test_eval_output_may_make_one_new_folder(tmp_path, capsys):
    target = tmp_path / "reports" / "out.json"
    code, _ = run(["--home", str(REPO), "eval", "--no-progress", "--suite", str(REPO / "eval/heldout.yaml"),
                   "--totals-only", "--json-out", str(target)], capsys)
    assert code == 0 and target.is_file()


def test_tilde_of_an_unknown_user_is_a_bad_setting(monkeypatch):
    # Found by test_fuzz: Path("~nobody-here").expanduser() raises RuntimeError.
    monkeypatch.setenv("DEAL_ASSISTANT_INDEX_DIR", "~no-such-user-here/index")
    with pytest.raises(BadSetting, match="DEAL_ASSISTANT_INDEX_DIR.*no known user"):
        load_settings()


def test_the_default_cache_lives_in_the_project(tmp_path, monkeypatch):
    monkeypatch.delenv("DEAL_ASSISTANT_CACHE_DIR")
    assert Settings(home=tmp_path).cache_dir == tmp_path / ".cache"
    assert Settings(home=tmp_path, cache_dir=tmp_path / "elsewhere").cache_dir == tmp_path / "elsewhere"


@pytest.mark.engine
def test_a_command_writes_nothing_in_the_users_home(tmp_path):
    # onnxruntime writes a device id under $XDG_CACHE_HOME (~/.cache) when it opens a model: a
    # command points that, like the assistant's own cache, into the project.
    home = tmp_path / "user-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "MPLCONFIGDIR")}
    env["HOME"] = str(home)
    code = (
        "import os, glob, faster_whisper, onnxruntime\n"
        "from assistant.cli import main\n"
        "assert main(['ask', 'How much does the Invoke cost?']) == 0\n"
        "assets = os.path.join(os.path.dirname(faster_whisper.__file__), 'assets', '*.onnx')\n"
        "onnxruntime.InferenceSession(glob.glob(assets)[0], providers=['CPUExecutionProvider'])\n"
        "print(os.environ['XDG_CACHE_HOME'])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=True)
    assert Path(result.stdout.strip().splitlines()[-1]).is_relative_to(REPO)
    assert not list(home.rglob("*"))


@pytest.mark.voice
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_hearing_a_recording_writes_nothing_in_the_users_home(tmp_path):
    # Transcript repair reads names' phonemes with espeak-ng, whose sound library makes
    # ~/.config/pulse (and a /tmp/pulse-* folder) on a headless machine unless told otherwise.
    home = tmp_path / "user-home"
    home.mkdir()
    wav = tmp_path / "question.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "How much does the Invoke cost?"], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR")}
    env["HOME"] = str(home)
    code = f"from assistant.cli import main\nassert main(['ask', '--audio-file', {str(wav)!r}]) == 0\n"
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=True)
    assert not list(home.rglob("*"))


def test_a_mistyped_variable_is_named_with_the_setting_it_may_mean(monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setenv("DEAL_ASSISTANT_TOPK", "3")
    monkeypatch.setenv("DEAL_ASSISTANT_VENV", ".venv")  # setup.sh's own, not a setting
    out = io.StringIO()
    assert main(["--home", str(REPO), "ask", "How much does the Invoke cost?"], stdout=out) == 0
    err = capsys.readouterr().err
    assert "DEAL_ASSISTANT_TOPK is no setting and is ignored; did you mean DEAL_ASSISTANT_TOP_K?" in err
    assert "DEAL_ASSISTANT_VENV" not in err and "$150" in out.getvalue()
