"""The index under attack and under load: checked manifests, one rebuild for many processes, big articles."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO

from assistant.corpus import chunk
from assistant.errors import CorpusEmpty, IndexCorrupt
from assistant.index import store
from assistant.index.store import (
    build_index,
    ensure_index,
    load_index,
    read_manifest,
    staleness,
)

pytestmark = pytest.mark.engine


def _edit_manifest(home, change):
    path = home.index_path / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m["files"].__setitem__("passages", 5),
        lambda m: m["files"]["passages"].__setitem__("name", "/etc/passwd"),
        lambda m: m["files"]["passages"].__setitem__("name", "../corpus/microsoft-partners-xiaomi-push-ai.md"),
        lambda m: m["files"]["bm25"].__setitem__("sha256", 12),
        lambda m: m.__setitem__("dimension", "384"),
        lambda m: m.__setitem__("counts", [1, 2]),
        lambda m: m.__setitem__("chunking", "pysbd"),
        lambda m: m["files"].pop("sentence_vectors"),
    ],
    ids=["file-entry-int", "absolute-name", "climbing-name", "checksum-int", "dimension-str", "counts-list",
         "chunking-str", "missing-entry"],
)
def test_manifest_with_wrong_types_or_paths_is_damaged_and_rebuilt(home, caplog, change, monkeypatch):
    _edit_manifest(home, change)
    read = []
    real_sha = store._sha256
    monkeypatch.setattr(store, "_sha256", lambda path: read.append(path) or real_sha(path))
    with pytest.raises(IndexCorrupt, match="assistant build"):
        load_index(home.index_path)
    assert all(path.parent == home.index_path for path in read)  # nothing outside index/ was opened
    loaded = ensure_index(home)
    assert len([m for m in caplog.messages if "damaged" in m]) == 1
    assert loaded.passage_index.ntotal == len(loaded.passages) > 40
    assert staleness(read_manifest(home.index_path), home) is None


def test_manifest_with_wrong_types_through_the_cli(home, capsys):
    import io

    from assistant.cli import main

    _edit_manifest(home, lambda m: m["files"].__setitem__("passages", 5))
    out = io.StringIO()
    code = main(["--home", str(home.home), "ask", "--json", "How much does the Invoke cost?"], stdout=out)
    err = capsys.readouterr().err
    assert code == 0 and "$150" in json.loads(out.getvalue())["answer"]
    assert "rebuilding" in err and "internal error" not in err


def test_many_processes_rebuild_once(home):
    article = home.corpus_path / "microsoft-partners-xiaomi-push-ai.md"
    article.write_text(article.read_text() + "\nThe Invoke has seven microphones.\n")
    script = (
        "import sys; from pathlib import Path; from assistant.config import Settings; "
        "from assistant.index.store import ensure_index; "
        "index = ensure_index(Settings(home=Path(sys.argv[1]), cache_dir=Path(sys.argv[2]))); "
        "print(sum('seven microphones' in p.text for p in index.passages))"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(home.home), str(home.cache_dir)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = [p.communicate(timeout=600) for p in processes]
    assert all(p.returncode == 0 for p in processes), results
    assert [out.strip() for out, _ in results] == ["1", "1", "1"]  # all see the new text
    rebuilds = sum(err.count("Rebuilding the index") for _, err in results)
    assert rebuilds == 1, [err for _, err in results]


def test_lock_holder_rebuild_is_seen_by_waiters(home, monkeypatch):
    # The same re-check without processes: a build that lands while we wait is not repeated.
    article = home.corpus_path / "xiaomi-microsoft-team-ai-cloud.md"
    article.write_text(article.read_text() + "\nAnother sentence.\n")
    build_index(home)  # as if another process finished while this one waited for the lock
    calls = []
    real_usable = store._usable
    # The first look (before the lock) still sees the old state; the one after it sees the new.
    answers = iter([(None, "Rebuilding the index: stale."), None])

    def usable(settings):
        answer = next(answers, None)
        calls.append(answer)
        return answer if answer is not None else real_usable(settings)

    monkeypatch.setattr(store, "_usable", usable)
    monkeypatch.setattr(store, "_build_locked", lambda *a: pytest.fail("rebuilt after the lock"))
    assert any("Another sentence" in p.text for p in ensure_index(home).passages)
    assert len(calls) == 2


def test_passage_size_sticks_until_changed(home):
    build_index(home.replace(max_passage_chars=300))
    manifest = read_manifest(home.index_path)
    assert manifest["chunking"]["max_passage_chars"] == 300
    assert staleness(manifest, home) is None  # an `ask` afterwards keeps the index
    assert staleness(manifest, home.replace(max_passage_chars=480)) == "the chunking parameters changed"
    article = home.corpus_path / "microsoft-partners-xiaomi-push-ai.md"
    article.write_text(article.read_text() + "\nThe Invoke has seven microphones.\n")
    ensure_index(home)  # a corpus change rebuilds with the recorded size, not the default
    assert read_manifest(home.index_path)["chunking"]["max_passage_chars"] == 300
    assert max(len(p.text) for p in load_index(home.index_path).passages if len(p.sentences) > 1) <= 300


def test_missing_corpus_builds_nothing(tmp_path, repo_settings):
    from assistant.config import Settings

    settings = Settings(home=tmp_path, cache_dir=repo_settings.cache_dir)
    with pytest.raises(CorpusEmpty, match="no such folder") as caught:
        ensure_index(settings)
    assert caught.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_a_command_in_a_home_without_a_corpus_creates_nothing(tmp_path, monkeypatch):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "XDG_CACHE_HOME", "MPLCONFIGDIR")}
    result = subprocess.run([sys.executable, "-m", "assistant", "--home", str(tmp_path), "ask", "Who is Harry Shum?"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "no such folder" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_empty_corpus_message_has_no_empty_list(tmp_path):
    from assistant.corpus.clean import load_corpus

    with pytest.raises(CorpusEmpty) as caught:
        load_corpus(tmp_path)
    assert "[]" not in str(caught.value) and "fix:" not in str(caught.value)


class _FakeEmbedder:
    """Deterministic unit vectors from text hashes: builds in milliseconds."""

    dimension = 8

    def __init__(self):
        self.calls = []

    def encode(self, texts):
        self.calls.append(len(texts))
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=8) for t in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), 8)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode_tokens(self, texts):
        from assistant.index.embed import TokenVectors

        return [TokenVectors(tuple(t.lower().split()), np.eye(len(t.split()), 8, dtype=np.float32)) for t in texts]

    def encode_with_tokens(self, texts):
        return self.encode(texts), self.encode_tokens(texts)


def test_long_builds_report_progress(home, caplog, monkeypatch):
    from assistant.index import build

    monkeypatch.setattr(build, "_LONG_BUILD_ARTICLES", 2)
    monkeypatch.setattr(build, "_EMBED_STEP", 16)
    embedder = _FakeEmbedder()  # another dimension than the index's: nothing is reused
    manifest = build_index(home, embedder)
    progress = [m for m in caplog.messages if m.startswith("Embedded")]
    assert caplog.messages[0].startswith("Indexing 5 articles")
    counts = manifest["counts"]
    assert progress[-1] == f"Embedded 5/5 new articles: {counts['passages']} passages, {counts['sentences']} sentences"
    assert max(embedder.calls) == 16


def test_a_long_paragraph_goes_to_the_splitter_in_blocks(monkeypatch):
    # pysbd's cost grows with the square of its input: it must never see a whole huge paragraph.
    seen = []
    segmenter = chunk._segmenter()

    class Recording:
        def segment(self, text):
            seen.append(len(text))
            return segmenter.segment(text)

    monkeypatch.setattr(chunk, "_segmenter", lambda: Recording())
    sentences = [s.strip() for s in (REPO / "corpus" / "microsoft-xiaomi-extend-partnership.md").read_text().split(". ")]
    paragraph = ". ".join(sentences[i % len(sentences)] for i in range(1200))  # ~100 KB, one paragraph
    pieces = chunk.split_sentences(paragraph, offset=7)
    assert max(seen) <= chunk._BLOCK_CHARS and len(seen) > 20
    assert all(paragraph[s.start - 7 : s.end - 7] == s.text for s in pieces)
    covered = sum(len(s.text) for s in pieces)
    assert covered >= len(paragraph.replace(" ", "")) * 0.99  # nothing dropped at the cuts


def test_build_names_each_skipped_file_once_and_shows_no_progress_bars(home, tmp_path):
    (home.corpus_path / "latin1.txt").write_bytes("Caf\xe9 headline\n\nBody text.".encode("latin-1"))
    outside = tmp_path / "outside.txt"
    outside.write_text("Outside Headline\n\nNot part of the corpus at all.\n")
    (home.corpus_path / "link.txt").symlink_to(outside)
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--home", str(home.home), "build"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "DEAL_ASSISTANT_CACHE_DIR": str(home.cache_dir)},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert sum("latin1.txt" in line for line in lines) == 1 and sum("link.txt" in line for line in lines) == 1
    assert not [line for line in result.stdout.splitlines() if line.startswith("skipped")]
    assert "Loading weights" not in result.stderr and "%|" not in result.stderr
    manifest = read_manifest(home.index_path)
    titles = [a["title"] for a in manifest["articles"]]
    assert "Outside Headline" not in titles and len(titles) == 5
    # The manifest names them from the articles folder: nothing of where the project lives.
    assert sorted(p.split(":")[0] for p in manifest["skipped_articles"]) == ["latin1.txt", "link.txt"]


@pytest.mark.parametrize("damage", ["garbage", "missing"])
def test_a_damaged_bm25_folder_is_replaced_by_the_rebuild(home, capsys, damage):
    # A rebuild of the same corpus gives the BM25 folder the same name: the damaged folder must
    # not be kept for being there already.
    import io

    from assistant.cli import main

    folder = next(home.index_path.glob("bm25-*"))
    part = next(p for p in sorted(folder.iterdir()) if p.suffix == ".npy")
    if damage == "garbage":
        part.write_bytes(b"\x00garbage" * 25)
    else:
        part.unlink()
    for _ in range(2):  # the first ask rebuilds; the second must find a sound index
        out = io.StringIO()
        code = main(["--home", str(home.home), "ask", "--json", "How much does the Invoke cost?"], stdout=out)
        assert code == 0 and "$150" in json.loads(out.getvalue())["answer"]
    assert "rebuilding" in capsys.readouterr().err
    assert load_index(home.index_path).passage_index.ntotal > 40
