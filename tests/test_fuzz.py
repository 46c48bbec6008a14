"""Property tests: whatever arrives (questions, batch lines, suite files, front matter, settings),
the answer is an answer or a named error: never a traceback, never "internal error"."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path
from unittest import mock

import pytest
import yaml
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import ArticleError, BadQuestion, BadSetting, SuiteError
from assistant.types import Answer

# Derandomized: the same examples on every run, so CI cannot fail on a new draw; raise
# HYPOTHESIS_EXAMPLES (and unset derandomize) to explore further by hand.
FUZZ = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "60")), deadline=None,
                derandomize=os.environ.get("HYPOTHESIS_EXPLORE") is None,
                suppress_health_check=[HealthCheck.too_slow])
CORPUS_WORDS = re.findall(r"[A-Za-z$0-9.’']+", (REPO / "corpus" / "microsoft-partners-xiaomi-push-ai.md").read_text())
# Any character at all, and now and then a byte that was not UTF-8 (as Python hands those over).
ANY_CHAR = st.one_of(st.characters(), st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF))
QUESTIONS = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=ANY_CHAR, max_size=60),
    st.lists(st.sampled_from(CORPUS_WORDS + ["?", "and", "what", "how much", "\t", "“", "\x00"]), max_size=25).map(" ".join),
)


def _as_bytes(text: str) -> bytes:
    """What a pipe would carry: undecodable bytes back as bytes, other lone surrogates as invalid UTF-8."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


@contextlib.contextmanager
def _loaded(assistant):
    # The CLI loads the assistant once per call; the tests lend it the session's one to stay fast.
    with mock.patch("assistant.pipeline.Assistant.load", lambda settings=None: assistant):
        yield


def _main(argv, stdin=None):
    from assistant.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["--home", str(REPO), *argv], stdin=stdin or io.StringIO(), stdout=out)
    return code, out.getvalue(), err.getvalue()


def _no_crash(err: str) -> None:
    assert "internal error" not in err and "Traceback" not in err, err


@pytest.mark.engine
@FUZZ
@given(question=QUESTIONS.filter(lambda q: not re.search("[\ud800-\udfff]", q)))
def test_any_question_gets_an_answer_or_a_named_error(assistant, question):
    answer = _answer_or_named_error(assistant.ask, question)
    for citation in answer.citations if answer else ():
        assert citation.passage in {p.text for p in assistant.index.passages}


def _answer_or_named_error(ask, question: str) -> Answer | None:
    """The answer, or None for a BadQuestion of one line; anything else fails the test."""
    try:
        answer = ask(question)
    except BadQuestion as exc:
        assert str(exc) and "\n" not in str(exc)
        return None
    assert isinstance(answer, Answer) and answer.text.strip()
    return answer


FOLLOW_UPS = st.one_of(
    QUESTIONS,
    st.lists(st.sampled_from(["and", "what about", "why", "when", "who said that", "it", "he", "its", "in", "on which",
                              "2016", "China", "the", "?"] + CORPUS_WORDS[:80]), max_size=6).map(" ".join),
)


@pytest.mark.engine
@FUZZ
@given(first=QUESTIONS, second=FOLLOW_UPS)
def test_any_follow_up_is_an_answer_or_a_named_error(assistant, first, second):
    # Whatever the rewrite makes of a follow-up (and of the answer it may point into), the
    # conversation goes on: an answer, or BadQuestion for the turn that was bad.
    chat = assistant.conversation()
    for question in (first, second):
        _answer_or_named_error(chat.ask, question.encode("utf-8", "replace").decode("utf-8"))


@pytest.mark.engine
@FUZZ
@given(question=QUESTIONS.filter(lambda q: q != "-"))  # "-" is batch mode, tested below
def test_any_argv_question_exits_0_or_2_with_one_line(assistant, question):
    with _loaded(assistant):
        code, out, err = _main(["ask", "--json", "--", question])
    _no_crash(err)
    assert code in (0, 2), (code, err)
    if code == 0:
        assert "answer" in json.loads(out)
    else:  # one JSON record saying why, and the same one line on stderr
        assert "error" in json.loads(out) and err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.engine
@FUZZ
@given(lines=st.lists(st.one_of(st.binary(max_size=40), QUESTIONS.map(_as_bytes)), max_size=6))
def test_any_batch_gets_one_numbered_object_per_line(assistant, lines):
    data = b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n"
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict")
    with _loaded(assistant):
        code, out, err = _main(["ask", "--json", "-"], stdin)
    _no_crash(err)
    records = [json.loads(line) for line in out.splitlines()]
    expected = [n for n, raw in enumerate(data.split(b"\n")[:-1], start=1)
                if raw.decode("utf-8", "surrogateescape").strip()]
    assert [r["line"] for r in records] == expected
    assert all(("answer" in r) != ("error" in r) for r in records)
    assert code == (2 if any("error" in r for r in records) else 0)


_FIELD = st.sampled_from(["id", "question", "category", "expect", "expect_all", "articles", "abstain", "follows",
                          "note", "bogus"])
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12),
                    st.sampled_from(["(", "\\$150", "a", "x-1", "microsoft-partners-xiaomi-push-ai"]))
_VALUE = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                            max_size=3), max_leaves=6)
_ITEM = st.dictionaries(_FIELD, _VALUE, max_size=7)
_SUITE_DATA = st.fixed_dictionaries(
    {"version": st.one_of(st.just(1), _SCALAR), "items": st.one_of(st.lists(_ITEM, max_size=4), _VALUE)},
    optional={"name": _SCALAR, "extra": _SCALAR},
)


@FUZZ
@given(text=st.one_of(st.text(max_size=300), _SUITE_DATA.map(lambda d: yaml.safe_dump(d, allow_unicode=True))))
def test_any_suite_file_loads_or_names_file_and_line(text):
    from assistant.evaluation.suite import parse_suite

    try:
        suite = parse_suite(text, source="fuzz.yaml", known_articles=["microsoft-partners-xiaomi-push-ai"])
    except SuiteError as exc:
        assert re.match(r"fuzz\.yaml(:\d+)?: ", str(exc)), str(exc)
        assert exc.exit_code == 2
        return
    assert suite.items and all(item.id and item.question for item in suite.items)


@FUZZ
@given(front=st.one_of(st.text(max_size=200), st.dictionaries(st.sampled_from(["id", "title", "date", "source", "x"]),
                                                               _VALUE, max_size=5).map(yaml.safe_dump)))
def test_any_front_matter_reads_or_names_the_file(front, tmp_path_factory):
    from assistant.corpus.clean import read_article

    path = tmp_path_factory.mktemp("fm") / "article.md"
    path.write_text(f"---\n{front}\n---\nThe body of the article.\n", encoding="utf-8", errors="surrogatepass")
    try:
        article = read_article(path)
    except ArticleError as exc:
        assert str(exc).startswith(str(path))
        return
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", article.id) and article.title


_TITLE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60).filter(
    lambda t: t.strip() == t and t.strip()
)


@FUZZ
@given(title=_TITLE, source=_TITLE, ident=st.text(max_size=30))
def test_written_articles_read_back_unchanged(title, source, ident, tmp_path_factory):
    from assistant.corpus.clean import read_article, safe_id, to_markdown
    from assistant.types import Article

    article = Article(id=safe_id(ident), title=title, text="Body.\n", date="2018-02-26", source=source)
    path = tmp_path_factory.mktemp("rt") / "a.md"
    path.write_text(to_markdown(article), encoding="utf-8")
    back = read_article(path)
    assert (back.id, back.title, back.source, back.date) == (article.id, title, source, "2018-02-26")


@FUZZ
@given(values=st.dictionaries(
    st.sampled_from(["RETRIEVER", "TOP_K", "MAX_PASSAGE_CHARS", "STT_BIAS", "HOME", "INDEX_DIR", "TTS_VOLUME",
                     "QUERY_ENCODER", "LISTEN_TIMEOUT"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20),
    max_size=4,
))
def test_any_environment_gives_settings_or_one_bad_setting_line(values):
    from assistant.config import load_settings

    env = {f"DEAL_ASSISTANT_{k}": v for k, v in values.items()}
    with mock.patch.dict(os.environ, env):
        try:
            loaded = load_settings()
        except BadSetting as exc:
            assert str(exc).startswith("bad setting DEAL_ASSISTANT_") and "\n" not in str(exc)
            return
    assert loaded.home.is_dir() and loaded.retriever in ("hybrid", "dense", "bm25")
    assert Path(loaded.index_path)  # a usable path object
