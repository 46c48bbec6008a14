"""`assistant import` with folders and glob patterns of many files; bad input is one line, exit code 2."""

from __future__ import annotations

import io
import shutil

import pytest
from conftest import SEEDS

from assistant.cli import main
from assistant.corpus.clean import import_articles, import_sources
from assistant.errors import BadImport


def _seeds(folder):
    (folder / "a" / "b").mkdir(parents=True)
    seeds = sorted(SEEDS.glob("*.txt"))
    for i, seed in enumerate(seeds):
        shutil.copy(seed, folder / ("a" if i % 2 else "a/b") / seed.name)
    (folder / "a" / "notes.json").write_text("{}")  # not an article: passed over in folders
    return seeds


def _import(home, *args):
    out = io.StringIO()
    return main(["--home", str(home), "import", *map(str, args)], stdout=out), out.getvalue()


def test_a_folder_is_imported_recursively(tmp_path):
    _seeds(tmp_path / "raw")
    (tmp_path / "home" / "corpus").mkdir(parents=True)
    code, out = _import(tmp_path / "home", tmp_path / "raw")
    assert code == 0 and "Imported 5 of 5 files" in out
    assert len(list((tmp_path / "home" / "corpus").glob("*.md"))) == 5


def test_glob_patterns_and_files_are_each_read_once(tmp_path):
    _seeds(tmp_path / "raw")
    sources = import_sources([f"{tmp_path}/raw/**/*.txt", tmp_path / "raw" / "a", f"{tmp_path}/raw/a/*.txt"])
    assert len(sources) == 5 and len(set(sources)) == 5


def test_progress_follows_the_files(tmp_path):
    seeds = _seeds(tmp_path / "raw")
    seen = []
    import_articles(import_sources([tmp_path / "raw"]), tmp_path / "corpus", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, len(seeds)) for i in range(1, len(seeds) + 1)]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("{tmp}/raw/*.html", "no file matches this pattern"),
        ("{tmp}/missing.txt", "no such file or folder"),
        ("{tmp}/empty", "no .txt or .md file in this folder"),
        ("{tmp}/raw/latin1.txt", "not valid UTF-8"),
    ],
    ids=["glob-matches-nothing", "missing-path", "empty-folder", "unreadable-file"],
)
def test_bad_sources_are_one_line_and_write_nothing(tmp_path, capsys, given, message):
    _seeds(tmp_path / "raw")
    (tmp_path / "empty").mkdir()
    (tmp_path / "raw" / "latin1.txt").write_bytes("Caf\xe9 Headline\n\nBody text.".encode("latin-1"))
    (tmp_path / "home" / "corpus").mkdir(parents=True)
    code, _ = _import(tmp_path / "home", tmp_path / "raw" / "a", given.format(tmp=tmp_path))
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err
    assert list((tmp_path / "home" / "corpus").iterdir()) == []


def test_bad_import_is_bad_input():
    assert BadImport("x").exit_code == 2


PAGE = """Skip to main content
Menu
Search
{headline}
By Jane Doe | 3 min read
Facebook
Twitter
{body}
About the author: Jane writes about phones.
Leave a comment
Nice article!
"""


def test_a_web_page_s_menu_byline_and_share_buttons_are_not_the_article(tmp_path):
    # A trial's page became corpus/menu.md, titled "Menu", with its byline and share lines kept.
    page = tmp_path / "page.txt"
    page.write_text(PAGE.format(headline="Xiaomi ships Cortana on its speakers",
                                body="Xiaomi said on Monday that it will ship Cortana. By contrast, rivals wait."))
    [written] = import_articles([page], tmp_path / "corpus")
    text = written.read_text()
    assert written.name == "xiaomi-ships-cortana-its-speakers.md" and 'title: "Xiaomi ships Cortana on its speakers"' in text
    for furniture in ("Menu", "Jane Doe", "Facebook", "Twitter", "About the author", "Nice article"):
        assert furniture not in text
    assert "By contrast, rivals wait." in text  # a sentence that opens with "By" is content


def test_a_menu_bar_an_author_s_note_and_a_date_under_the_headline(tmp_path):
    # A second trial's page: its menu bar became the title, its author's note stayed, its date was lost.
    page = tmp_path / "page.txt"
    page.write_text(
        "Skip to main content\nHome | News | Tech | Contact\n"
        "Xiaomi Mi AI speaker gets Cortana beta in test markets\nBy Jane Doe\nMarch 3, 2018\n"
        "Xiaomi has begun testing a Cortana beta on its Mi AI speaker, a spokesperson said.\n"
        "The test covers about 5,000 units. Jane Doe is a fan, the firm said.\n"
        "Share on Facebook\nJane Doe is a tech reporter who loves gadgets.\nWe use cookies to improve your experience.\n"
    )
    [written] = import_articles([page], tmp_path / "corpus")
    text = written.read_text()
    assert 'title: "Xiaomi Mi AI speaker gets Cortana beta in test markets"' in text and "date: 2018-03-03" in text
    assert "Home | News" not in text and "tech reporter" not in text
    assert "The test covers about 5,000 units. Jane Doe is a fan, the firm said." in text  # content, kept


def test_two_articles_whose_headlines_start_alike_each_get_a_file(tmp_path):
    # Their ids (the headline's first content words) are the same; their titles are not.
    first, second = tmp_path / "one.txt", tmp_path / "two.txt"
    first.write_text(PAGE.format(headline="Microsoft and Xiaomi team up on AI speakers today", body="One. Two."))
    second.write_text(PAGE.format(headline="Microsoft and Xiaomi team up on AI speakers again", body="Three."))
    written = import_articles([first, second], tmp_path / "corpus")
    assert [p.name for p in written] == ["microsoft-xiaomi-team-ai-speakers.md", "microsoft-xiaomi-team-ai-speakers-2.md"]
    assert import_articles([first, second], tmp_path / "corpus") == []  # importing both again changes nothing


@pytest.mark.parametrize(
    "page, title, date",
    [
        # A trial's pages: the masthead ("TechBeat", "GadgetWire") and the breadcrumb ("News >
        # Smart Home") had been taken for the headline, and "Published …, 10:42 BST" for no date.
        ("techbeat-mi-speaker-india.txt", "Xiaomi launches Cortana-powered Mi AI Speaker Global in India and Europe",
         "2018-09-18"),
        ("gadgetwire-cortana-speaker.txt", "Mi AI Speaker Global hands-on: Cortana's cheapest home yet", "2018-09-19"),
    ],
)
def test_a_news_page_s_headline_date_and_furniture(tmp_path, page, title, date):
    from conftest import REPO

    [written] = import_articles([REPO / "tests" / "fixtures" / "web" / page], tmp_path / "corpus")
    text = written.read_text()
    assert f'title: "{title}"' in text and f"date: {date}" in text
    for furniture in ("Smart Home\n", "News >", "min read", "You might also like", "Facebook Twitter",
                      "Comments (4)", "Join the discussion", "says:", "Newsletter", "Related stories", "©"):
        assert furniture not in text, furniture
    assert "Analysts at Canalys" in text or "one million units" in text  # the story's last paragraph stays
