"""Corpus: clean raw web articles and read the corpus folder into `Article` records."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from pathlib import Path

from assistant.errors import ArticleError, CorpusEmpty
from assistant.types import Article

_LOGGER = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md")

# Lines that are page furniture wherever they stand.
_FURNITURE = re.compile(
    r"^(skip to (main )?content|no comments:?|share (this|on)\b.*|advertisement|"
    r"(this (web)?site|we) uses? cookies.*|accept (all )?cookies.*|cookie (policy|settings).*|"
    r"[^\w]*)$",
    re.IGNORECASE,
)
# Lines that open the page's tail (comments, author bios, related links): drop them and all after.
_TAIL = re.compile(
    r"^(leave a reply|post a comment|editors['’] recommendations|post author:.*|about the author|"
    r"related (posts|articles|stories)|you may also like|\d* ?comments?:?|"
    r"your email address will not be published.*)$",
    re.IGNORECASE,
)
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE_FORMATS = ("%A %d %B %Y", "%d %B %Y", "%B %d, %Y", "%A, %B %d, %Y", "%Y-%m-%d", "%b %d, %Y")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_SLUG_STOPWORDS = {"a", "an", "and", "the", "to", "with", "in", "on", "up", "of", "for", "more", "their"}


def parse_date(line: str) -> str | None:
    """ISO date of a line that is only a date ("Monday 26 February 2018"), else None."""
    candidate = re.sub(r"\s+", " ", line.strip().rstrip("."))
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(candidate, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _is_headline(line: str) -> bool:
    # Headlines are short and do not end like a sentence.
    return 0 < len(line.split()) <= 20 and not line.rstrip().endswith((".", "!", "?", ":", '"', "”"))


def slugify(title: str, max_words: int = 5) -> str:
    """A stable, readable id from a title: lower-case content words joined by hyphens."""
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in _SLUG_STOPWORDS]
    return "-".join(words[:max_words]) or "article"


def clean_article(raw: str, *, source: str | None = None) -> Article:
    """Strip web boilerplate from raw article text and derive its title and date."""
    lines = [line.strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if _TAIL.match(line):
            break
        if _FURNITURE.match(line) and line:
            continue
        kept.append(line)

    date = None
    dateline = ""
    title = None
    body_start = 0
    for i, line in enumerate(kept):
        if not line:
            continue
        if date is None and (parsed := parse_date(line)):
            date, dateline = parsed, line
            continue
        if _is_headline(line):
            title, body_start = line, i + 1
            break
        if i > 8:  # no headline near the top: the first line stands as the title
            break
    if title is None:
        first = next((line for line in kept if line and not parse_date(line)), "")
        title, body_start = first[:120], 0
    # Lines above the headline (a teaser the body repeats) are not content. The dateline is
    # kept as the body's first line: "When was it reported?" is answered, and cited, from it.
    body = "\n".join(kept[body_start:])
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    body = re.sub(r"[^\S\n]+", " ", body)  # tabs, doubled and no-break spaces become one space
    if not body:
        raise ArticleError(f"{source or 'article'}: no article text left after removing web boilerplate")
    if dateline:
        body = f"{' '.join(dateline.split())}\n\n{body}"
    return Article(id=slugify(title), title=title, text=body + "\n", date=date, source=source)


def to_markdown(article: Article) -> str:
    """The corpus file form: a small front matter, then the cleaned text."""
    meta = [f"id: {article.id}", f"title: {_quote(article.title)}"]
    if article.date:
        meta.append(f"date: {article.date}")
    if article.source:
        meta.append(f"source: {_quote(article.source)}")
    return "---\n" + "\n".join(meta) + "\n---\n" + article.text


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse_front_matter(block: str, path: Path) -> dict[str, str]:
    meta: dict[str, str] = {}
    for number, line in enumerate(block.split("\n"), start=2):
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise ArticleError(f"{path}:{number}: front matter line must be 'key: value'")
        value = value.strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        meta[key.strip()] = value
    return meta


def read_article(path: Path) -> Article:
    """One corpus file: cleaned front-matter Markdown as written by `import`, or raw text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    if b"\x00" in data:
        raise ArticleError(f"{path}: binary file, not an article; remove it from the corpus folder")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"{path}: not valid UTF-8 (byte {exc.start}); re-save it as UTF-8, e.g. "
            f"`iconv -f latin1 -t utf-8 {path.name}`"
        ) from None
    raw = raw.replace("\r\n", "\n")
    match = _FRONT_MATTER.match(raw)
    if not match:
        try:
            return clean_article(raw, source=path.name)
        except ArticleError:
            raise ArticleError(f"{path}: no article text left after removing web boilerplate") from None
    meta = _parse_front_matter(match.group(1), path)
    text = raw[match.end():]
    if not text.strip():
        raise ArticleError(f"{path}: has front matter but no article text")
    return Article(
        id=meta.get("id") or path.stem,
        title=meta.get("title") or path.stem,
        text=text,
        date=meta.get("date") or None,
        source=meta.get("source") or path.name,
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The article files of a corpus folder, in a stable order."""
    if not corpus_dir.is_dir():
        raise CorpusEmpty(f"{corpus_dir}: no such folder; point DEAL_ASSISTANT_CORPUS_DIR at your articles")
    return sorted(p for p in corpus_dir.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES and p.is_file())


def corpus_fingerprint(corpus_dir: Path) -> str:
    """A hash of every article file's name and bytes: the index is stale when it changes."""
    digest = hashlib.sha256()
    for path in corpus_files(corpus_dir):
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


def load_corpus(corpus_dir: Path) -> tuple[list[Article], list[str]]:
    """Read every article; a bad file is reported and skipped so the others still index."""
    articles: list[Article] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in corpus_files(corpus_dir):
        try:
            article = read_article(path)
        except ArticleError as exc:
            _LOGGER.warning("%s", exc)
            problems.append(str(exc))
            continue
        if article.id in seen:
            message = f"{path}: article id {article.id!r} is already used by {seen[article.id].name}; skipped"
            _LOGGER.warning("%s", message)
            problems.append(message)
            continue
        seen[article.id] = path
        articles.append(article)
    if not articles:
        raise CorpusEmpty(f"{corpus_dir}: no readable .txt or .md article; add articles or fix: {problems}")
    return articles, problems


def import_articles(paths: list[Path], corpus_dir: Path) -> list[Path]:
    """Clean raw articles and write them into the corpus folder as `<id>.md`."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        article = read_article(path)
        target = corpus_dir / f"{article.id}.md"
        tmp = target.with_suffix(".md.tmp")
        tmp.write_text(to_markdown(article), encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written
