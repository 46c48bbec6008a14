"""Import and the corpus folder: nothing written outside it, nothing replaced silently, no links followed out."""

from __future__ import annotations

import io
import os

import pytest
from conftest import SEEDS

from assistant.cli import main
from assistant.corpus.clean import (
    import_articles,
    load_corpus,
    read_article,
    safe_id,
    to_markdown,
)
from assistant.errors import ArticleError, ImportConflict
from assistant.types import Article


def _article_file(path, ident, title="E", body="The E costs $1.\n"):
    path.write_text(f'---\nid: {ident}\ntitle: "{title}"\n---\n{body}', encoding="utf-8")
    return path


def _import(home, *paths, replace=False):
    out = io.StringIO()
    argv = ["--home", str(home), "import", *map(str, paths)] + (["--replace"] if replace else [])
    return main(argv, stdout=out), out.getvalue()


@pytest.mark.parametrize("ident", ["../../../outside/pwned", "../README", "/tmp/pwned-by-import", "..", "./../x y"])
def test_import_ids_cannot_leave_the_corpus(tmp_path, capsys, ident):
    home = tmp_path / "home"
    (home / "corpus").mkdir(parents=True)
    (home / "README").write_text("keep me")
    source = _article_file(tmp_path / "t.md", ident)
    before = set(tmp_path.rglob("*"))
    code, _ = _import(home, source)
    assert code == 0
    written = set(tmp_path.rglob("*")) - before
    assert len(written) == 1 and written.pop().parent == home / "corpus"
    assert (home / "README").read_text() == "keep me"
    assert not os.path.exists("/tmp/pwned-by-import.md")


def test_safe_ids():
    assert safe_id("../../../tmp/pwned") == "tmp-pwned"
    assert safe_id("/etc/passwd") == "etc-passwd"
    assert safe_id("..") == "article"
    assert safe_id("Café Crème") == "cafe-creme"
    assert safe_id("microsoft-xiaomi-extend-partnership") == "microsoft-xiaomi-extend-partnership"


def test_import_refuses_to_replace_an_article_with_the_same_title(tmp_path, capsys):
    home = tmp_path
    (home / "corpus").mkdir()
    old = _article_file(home / "corpus" / "old-name.md", "old-name", title="The Deal", body="Old text.\n")
    new = _article_file(tmp_path / "new.md", "new-name", title="The Deal", body="New text.\n")
    code, out = _import(home, new)
    err = capsys.readouterr().err
    assert code == 2 and str(old) in err and "--replace" in err and "Nothing was written" in err
    assert old.read_text().endswith("Old text.\n") and not (home / "corpus" / "new-name.md").exists()
    code, out = _import(home, new, replace=True)
    assert code == 0 and "new-name.md" in out
    assert not old.exists()  # the same article under its old name is gone, not kept twice
    assert read_article(home / "corpus" / "new-name.md").text == "New text.\n"


def test_import_refuses_to_replace_an_article_with_the_same_id(tmp_path, capsys):
    (tmp_path / "corpus").mkdir()
    existing = _article_file(tmp_path / "corpus" / "deal.md", "deal", title="One", body="First.\n")
    code, _ = _import(tmp_path, _article_file(tmp_path / "x.md", "deal", title="Two", body="Second.\n"))
    assert code == 2 and "deal.md" in capsys.readouterr().err
    assert existing.read_text().endswith("First.\n")


def test_two_files_with_one_title_in_one_import_write_nothing(tmp_path, capsys):
    (tmp_path / "corpus").mkdir()
    a = _article_file(tmp_path / "a.md", "a", title="Same Title", body="A.\n")
    b = _article_file(tmp_path / "b.md", "b", title="same  title", body="B.\n")
    for replace in (False, True):
        code, _ = _import(tmp_path, a, b, replace=replace)
        err = capsys.readouterr().err
        assert code == 2 and str(a) in err and str(b) in err
        assert list((tmp_path / "corpus").iterdir()) == []


def test_reimporting_the_same_article_is_a_no_op(tmp_path):
    first = import_articles(sorted(SEEDS.glob("*.txt")), tmp_path)
    assert len(first) == 5
    assert import_articles(sorted(SEEDS.glob("*.txt")), tmp_path) == []


def test_links_leaving_the_corpus_are_skipped_with_one_line(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret Headline From Outside\n\nThe password is swordfish.\n")
    (corpus / "secret.txt").symlink_to(outside)
    (corpus / "passwd.md").symlink_to("/etc/passwd")
    real = corpus / "real.txt"
    real.write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    (corpus / "alias.md").symlink_to(real)  # a link that stays inside is an ordinary file
    articles, problems = load_corpus(corpus)
    assert [a.source for a in articles if "swordfish" in a.text or "root:" in a.text] == []
    assert len([p for p in problems if "outside the corpus folder" in p]) == 2
    assert sum("secret.txt" in p for p in problems) == 1 and sum("passwd.md" in p for p in problems) == 1


def test_front_matter_is_yaml(tmp_path):
    path = tmp_path / "a.md"
    path.write_text('---\nid: a-b\ntitle: "Colon: inside"\ndate: 2018-02-26\nsource: plain text\n---\nBody.\n')
    article = read_article(path)
    assert (article.id, article.title, article.date, article.source) == ("a-b", "Colon: inside", "2018-02-26", "plain text")


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ('id: a\ntitle: "unclosed\n', "front matter is not valid YAML"),
        ("- a list\n- not a mapping\n", "'key: value' lines"),
        ("id: a\ntitle: [1, 2]\n", "field 'title' must be text"),
        ("id: a\ntitle: yes\n", "field 'title' must be text"),
    ],
)
def test_bad_front_matter_names_the_file(tmp_path, front, message):
    path = tmp_path / "bad.md"
    path.write_text(f"---\n{front}---\nBody.\n")
    with pytest.raises(ArticleError, match=message) as caught:
        read_article(path)
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize("ident", ["yes", "null", "2018", "0123", "1e3", "true"])
def test_written_front_matter_reads_back_the_same(tmp_path, ident):
    article = Article(id=ident, title='He said "no": \\ yes\ttab \x85\u2028 end', text="Body.\n", date="2018-02-26",
                      source="x.txt")
    path = tmp_path / "a.md"
    path.write_text(to_markdown(article), encoding="utf-8")
    back = read_article(path)
    assert (back.id, back.title, back.date, back.source, back.text) == (ident, article.title, "2018-02-26", "x.txt",
                                                                      "Body.\n")


def test_import_conflict_is_bad_input():
    assert ImportConflict("x").exit_code == 2


def test_a_broken_link_is_named_as_broken_not_as_outside(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "real.txt").write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    (corpus / "gone.md").symlink_to(corpus / "missing.md")
    (corpus / "loop.md").symlink_to(corpus / "loop.md")
    articles, problems = load_corpus(corpus)
    assert len(articles) == 1
    assert len([p for p in problems if "not a file; remove or fix the link" in p]) == 2
    assert not [p for p in problems if "outside the corpus folder" in p]
