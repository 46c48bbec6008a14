"""The Milvus store on a real embedded milvus-lite: same rankings and answers as FAISS; clear errors."""

from __future__ import annotations

import importlib.util
import io
import sys

import numpy as np
import pytest

from assistant.cli import main
from assistant.config import Settings, milvus_address
from assistant.errors import BadSetting, StoreUnavailable

_MISSING = [name for name in ("pymilvus", "milvus_lite") if importlib.util.find_spec(name) is None]
needs_milvus = pytest.mark.skipif(
    bool(_MISSING), reason=f"{', '.join(_MISSING)} not installed: pip install -e '.[milvus]' -c constraints.txt"
)


def test_store_setting_is_checked():
    assert milvus_address("milvus://localhost:19530") == "http://localhost:19530"
    assert milvus_address("milvus://10.0.0.7:19530/") == "http://10.0.0.7:19530"
    for bad in ("milvus://localhost", "milvus://:19530", "milvus://host:99999", "http://host:19530", "lite"):
        with pytest.raises(BadSetting, match="faiss, milvus-lite or milvus://host:port") as caught:
            Settings(store=bad)
        assert caught.value.exit_code == 2
    assert Settings(store="milvus-lite").store == "milvus-lite"


def test_bad_store_uri_from_the_cli_is_one_line(home, capsys):
    code = main(["--home", str(home.home), "--store", "milvus:/nowhere", "ask", "Who is Wang Xiang?"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--store milvus:/nowhere" in err and "Traceback" not in err


def test_missing_pymilvus_names_the_extra(home, monkeypatch):
    from assistant.index import milvus

    monkeypatch.setitem(sys.modules, "pymilvus", None)  # as if not installed
    with pytest.raises(StoreUnavailable, match=r"pip install -e '\.\[milvus\]'") as caught:
        milvus.connect(home.replace(store="milvus-lite"))
    assert caught.value.exit_code == 2


@needs_milvus
def test_unreachable_milvus_is_one_line_exit_2(home, capsys):
    out = io.StringIO()
    code = main(["--home", str(home.home), "--store", "milvus://127.0.0.1:9", "ask", "Who is Wang Xiang?"], stdout=out)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "http://127.0.0.1:9: cannot reach Milvus" in err
    assert "--store faiss" in err and "Traceback" not in err and out.getvalue() == ""


@pytest.fixture()
def lite(home):
    pytest.importorskip("pymilvus")
    return home.replace(store="milvus-lite")


@needs_milvus
@pytest.mark.engine
def test_milvus_lite_ranks_as_faiss_and_bm25s(lite):
    from assistant.index.milvus import MILVUS_LITE_FILE, attach
    from assistant.index.store import load_index

    local = load_index(lite.index_path)
    remote = load_index(lite.index_path)
    search = attach(remote, lite)
    assert remote.search is search and (lite.index_path / MILVUS_LITE_FILE).exists()
    for query in local.sentence_vectors[::9]:
        ids, scores = local.search.dense(query, 10)
        ids2, scores2 = search.dense(query, 10)
        assert ids.tolist() == ids2.tolist() and np.allclose(scores, scores2, atol=1e-5)
    for terms in (["invok", "cost"], ["wang", "xiang", "role"], ["harmon", "kardon", "speaker", "speaker"], ["zzz"]):
        ids, scores = local.search.lexical(terms, 100)
        ids2, scores2 = search.lexical(terms, 100)
        assert ids.tolist() == ids2.tolist() and np.allclose(scores, scores2, rtol=1e-4)
    assert search.lexical([], 10)[0].size == 0


@needs_milvus
@pytest.mark.engine
def test_assistant_on_milvus_lite_answers_as_on_faiss(lite, assistant):
    from assistant.pipeline import Assistant

    on_milvus = Assistant.load(lite)
    assert on_milvus.index.search.name == "milvus"
    for question in ("How much does the Invoke cost?", "Who is Harry Shum?", "Which rival pushes DuerOS in China?",
                     "What Xiamio products will get Bing?", "What is the capital of France?"):
        a, b = assistant.ask(question), on_milvus.ask(question)
        assert (a.text, a.abstained, [c.passage for c in a.citations]) == (
            b.text, b.abstained, [c.passage for c in b.citations])


@needs_milvus
@pytest.mark.engine
def test_collection_follows_the_index(lite, caplog):
    from assistant.index.milvus import attach, collection_name
    from assistant.index.store import build_index, load_index

    first = load_index(lite.index_path)
    search = attach(first, lite)
    assert "Loading 49 passages into Milvus" in caplog.text
    caplog.clear()
    attach(load_index(lite.index_path), lite)  # already whole: not loaded again
    assert "Loading" not in caplog.text
    article = lite.corpus_path / "microsoft-partners-xiaomi-push-ai.md"
    article.write_text(article.read_text() + "\nThe Invoke has seven microphones.\n")
    manifest = build_index(lite)  # a build with a Milvus store brings the collection up to date
    name = collection_name(manifest, lite)
    assert name != search.collection
    assert search.client.list_collections() == [name]  # the earlier build's collection is dropped
    assert int(search.client.get_collection_stats(name)["row_count"]) == manifest["counts"]["passages"]
