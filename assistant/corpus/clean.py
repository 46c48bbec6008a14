"""Corpus: clean raw web articles and read the corpus folder into `Article` records."""

from __future__ import annotations

import datetime as _dt
import dataclasses
import glob
import hashlib
import json
import logging
import os
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator, Sequence

from assistant.errors import ArticleError, BadImport, CorpusEmpty, CorpusMissing, ImportConflict
from assistant.types import Article

_LOGGER = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md")

# Lines that are page furniture wherever they stand.
_FURNITURE = re.compile(
    r"^(skip to (main )?(content|navigation|footer)|no comments:?|share (this|on)\b.*|advertisement|"
    r"(this (web)?site|we) uses? cookies.*|accept (all )?cookies.*|cookie (policy|settings).*|"
    # a site's menu and share buttons, each on a line of its own
    r"(main )?menu|toggle (navigation|menu)|navigation|search|home|close|subscribe|sign (in|up)|log ?in|"
    r"facebook|twitter|x|linkedin|pinterest|reddit|whatsapp|email|print|tweet|share|"
    # share buttons on one line ("Facebook Twitter LinkedIn"), a reading time ("5 min read")
    r"(?:(?:facebook|twitter|linkedin|pinterest|reddit|whatsapp|email|print|tweet|share|pin|x)\b[\s,]*){2,}|"
    r"\d+ ?min(?:ute)?s? read|"
    # a breadcrumb: "News > Smart Home", "Home › Tech › Phones"
    r"[^>›»]{1,30}(?:\s[>›»]\s[^>›»]{1,30})+|"
    # a byline: "By Jane Doe", "Posted by Jane Doe | 3 min read"; capitalised names, and not a
    # sentence ("By contrast, Xiaomi sold…" is one)
    r"(?!.*[.!?]$)(posted |written )?by (?-i:[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})( ?[|,·•-].*)?|"
    # a menu bar: three or more short items between bars or dots ("Home | News | Tech | Contact")
    r"(?!.*[.!?]$)[^|·•/]{1,30}(?:[|·•/][^|·•/]{1,30}){2,}|"
    r"[^\w]*)$",
    re.IGNORECASE,
)
# The author's note that closes a page: "Jane Doe is a tech reporter who loves gadgets."
_AUTHOR_NOTE = re.compile(
    r"^(?-i:[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}) (?:is|was) an? (?:[\w-]+ ){0,4}?"
    r"(?:reporter|writer|journalist|editor|correspondent|contributor|columnist|blogger)\b.*$",
    re.IGNORECASE,
)
# Lines that open the page's tail (comments, author bios, related links): drop them and all after.
_TAIL = re.compile(
    r"^(leave a (reply|comment)|post a comment|editors['’] recommendations|post author:.*|about the author\b.*|"
    r"related (posts|articles|stories)|(you|we think you) (may|might) (also )?like:?|more (from|on) .{1,40}:?|"
    r"read (more|next):?|join the (discussion|conversation)|\d* ?comments?:?|comments? \(\d+\):?|"
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
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Characters PyYAML will not read raw inside a double-quoted scalar (or reads as line breaks).
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_FRONT_MATTER_FIELDS = ("id", "title", "date", "source")
_SLUG_STOPWORDS = {"a", "an", "and", "the", "to", "with", "in", "on", "up", "of", "for", "more", "their"}


# What a page puts around a dateline: "Published 19 September 2018, 10:42 BST", "Updated: …".
_DATE_LEAD = re.compile(r"^(?:(?:first )?published|updated|last updated|posted|posted on|date)\s*:?\s+", re.I)
_DATE_TIME = re.compile(r"(?:,|\s+at)?\s+\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?$", re.I)


def parse_date(line: str) -> str | None:
    """ISO date of a line that is only a date ("Monday 26 February 2018", "Published 19 September
    2018, 10:42 BST"), else None."""
    candidate = re.sub(r"\s+", " ", line.strip().rstrip("."))
    candidate = _DATE_TIME.sub("", _DATE_LEAD.sub("", candidate)).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(candidate, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _is_headline(line: str) -> bool:
    # Headlines are short and do not end like a sentence, but say something: a line of one to
    # three words above one is a site's name ("TechBeat") or a section ("Smart Home").
    return 4 <= len(line.split()) <= 20 and not line.rstrip().endswith((".", "!", "?", ":", '"', "”"))


def slugify(title: str, max_words: int = 5) -> str:
    """A stable, readable id from a title: lower-case content words joined by hyphens."""
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in _SLUG_STOPWORDS]
    return "-".join(words[:max_words]) or "article"


def safe_id(raw: str, max_chars: int = 80) -> str:
    """An article id that is also a safe file name: lower-case letters, digits and hyphens.

    "../../tmp/pwned" becomes "tmp-pwned": an id never climbs out of the corpus folder.
    """
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_chars].strip("-") or "article"


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
    while kept and (not kept[-1] or _AUTHOR_NOTE.match(kept[-1])):  # only where the page ends
        kept.pop()

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
    elif date is None:  # a date just under the headline ("By Jane Doe", then "March 3, 2018")
        for i in range(body_start, min(body_start + 3, len(kept))):
            if parsed := parse_date(kept[i]):
                date, dateline = parsed, kept.pop(i)
                break
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
    """The corpus file form: a small YAML front matter, then the cleaned text."""
    meta = [f"id: {_scalar(article.id)}", f"title: {_quote(article.title)}"]
    if article.date:
        meta.append(f"date: {_scalar(article.date)}")
    if article.source:
        meta.append(f"source: {_quote(article.source)}")
    return "---\n" + "\n".join(meta) + "\n---\n" + article.text


def _quote(value: str) -> str:
    # JSON strings are YAML double-quoted scalars; escape what PyYAML would not take raw.
    text = json.dumps(value, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _scalar(value: str) -> str:
    """`value` bare when YAML reads it back as the same text (slugs, ISO dates), else quoted."""
    import yaml

    if _SAFE_ID.match(value) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            if _meta_text(yaml.safe_load(value)) == value:
                return value
        except (yaml.YAMLError, ValueError):
            pass
    return _quote(value)


def _meta_text(value: object) -> str:
    """A front-matter value as text; ValueError for lists, mappings and booleans."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(type(value).__name__)
    return str(value).strip()


def _parse_front_matter(block: str, path: Path) -> dict[str, str]:
    import yaml

    try:
        meta = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 2}" if mark is not None else ""  # the block starts on line 2
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ArticleError(f"{path}{line}: front matter is not valid YAML ({problem}); write 'key: value' lines") from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise ArticleError(f"{path}: front matter must be 'key: value' lines")
    fields: dict[str, str] = {}
    for key in _FRONT_MATTER_FIELDS:
        if meta.get(key) is None:
            continue
        try:
            fields[key] = _meta_text(meta[key])
        except ValueError:
            raise ArticleError(f"{path}: front matter field '{key}' must be text (put it in quotes)") from None
    return fields


def read_article(path: Path) -> Article:
    """One corpus file: cleaned front-matter Markdown as written by `import`, or raw text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    if b"\x00" in data:
        raise ArticleError(f"{path}: binary file, not an article (articles are UTF-8 .txt or .md text)")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"{path}: not valid UTF-8 (byte {exc.start}); re-save it as UTF-8, e.g. "
            f"`iconv -f latin1 -t utf-8 {path} > {path.stem}.utf8 && mv {path.stem}.utf8 {path}`"
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
        id=safe_id(meta.get("id") or path.stem),
        title=meta.get("title") or path.stem,
        text=text,
        date=meta.get("date") or None,
        source=meta.get("source") or path.name,
    )


def require_corpus(corpus_dir: Path) -> None:
    """Raise CorpusMissing, naming the folder and the fix, unless the articles folder exists."""
    if not corpus_dir.is_dir():
        raise CorpusMissing(
            f"{corpus_dir}: no such folder; point --corpus or DEAL_ASSISTANT_CORPUS_DIR at your articles"
        )


def require_articles(corpus_dir: Path) -> None:
    """`require_corpus`, and CorpusEmpty unless the folder holds a file an article may be in: what
    answering needs, said before the encoder starts loading (an empty folder had taken 10 s)."""
    require_corpus(corpus_dir)
    if not any(p.suffix.lower() in ARTICLE_SUFFIXES for p in corpus_dir.iterdir()):
        raise CorpusEmpty(f"{corpus_dir}: no .txt or .md article; add articles (assistant import FILE...)")


def _scan(corpus_dir: Path) -> tuple[list[Path], list[str]]:
    """Article files in a stable order, and why any candidate was passed over."""
    require_corpus(corpus_dir)
    root = corpus_dir.resolve()
    files, problems = [], []
    for path in sorted(corpus_dir.iterdir()):
        if path.suffix.lower() not in ARTICLE_SUFFIXES:
            continue
        if path.is_symlink():
            # A link may point anywhere (/etc/passwd); only links that stay inside are articles.
            target = Path(os.path.realpath(path))
            if not target.is_relative_to(root):
                problems.append(f"{path}: a link to {target}, outside the corpus folder")
                continue
            if not target.is_file():  # a broken link, or one that leads back to itself
                problems.append(f"{path}: a link to {target}, which is not a file; remove or fix the link")
                continue
        if path.is_file():
            files.append(path)
    return files, problems


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The article files of a corpus folder, in a stable order (links leaving it are left out)."""
    return _scan(corpus_dir)[0]


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
    """Read every article; a bad file is named in `problems` and skipped so the others still index."""
    problems: list[str] = []
    return list(iter_corpus(corpus_dir, problems)), problems


def iter_corpus(corpus_dir: Path, problems: list[str]) -> Iterator[Article]:
    """The articles one at a time, in corpus order (a build holds one, not the corpus); each file
    that cannot be one is appended to `problems`. CorpusEmpty at the end if none could be read."""
    paths, scan_problems = _scan(corpus_dir)
    problems.extend(scan_problems)
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            article = read_article(path)
        except ArticleError as exc:
            problems.append(str(exc))
            continue
        if article.id in seen:
            problems.append(
                f"{path}: article id {article.id!r} is already used by {seen[article.id].name}, which is kept "
                f"(files are read in name order); give this one another `id:` in its front matter, or remove it"
            )
            continue
        seen[article.id] = path
        yield article
    if not seen:
        fix = f" or fix: {'; '.join(problems)}" if problems else ""
        raise CorpusEmpty(f"{corpus_dir}: no readable .txt or .md article; add articles{fix}")


def _own_id(article: Article, existing: dict[str, Path], planned: dict[str, Path]) -> Article:
    """The article with an id of its own when another article (another title) already has the
    id its headline makes: two headlines that start alike ("Microsoft and Xiaomi team up…") are
    two articles, so the second becomes "<id>-2" instead of a conflict. An id the file states
    (front matter) is kept as given."""
    if article.id != slugify(article.title):
        return article
    title = _title_key(article.title)
    if title in existing:  # the same article again, under the id it was given then
        given = existing[title].stem
        return dataclasses.replace(article, id=given) if re.fullmatch(rf"{re.escape(article.id)}-\d+", given) else article
    if title in planned:
        return article  # twice in one import: a conflict to report
    def taken(ident: str) -> bool:
        return ident in existing or ident in planned

    if not taken(article.id):
        return article
    n = 2
    while taken(f"{article.id}-{n}"):
        n += 1
    return dataclasses.replace(article, id=f"{article.id}-{n}")


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


_GLOB_MAGIC = re.compile(r"[*?[]")


def import_sources(patterns: Sequence[str | Path]) -> list[Path]:
    """The files named by paths, folders (their .txt/.md files, recursively) and glob patterns.

    In the order given, each file once. A pattern that matches nothing, a missing path or a
    folder without articles raises BadImport naming it (exit code 2): nothing is imported.
    """
    found: dict[Path, None] = {}
    for pattern in patterns:
        path = Path(pattern).expanduser()
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in ARTICLE_SUFFIXES and p.is_file())
            if not files:
                raise BadImport(f"{path}: no .txt or .md file in this folder; give a folder that holds articles")
        elif path.is_file():
            files = [path]
        elif _GLOB_MAGIC.search(str(pattern)):
            files = sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
            if not files:
                raise BadImport(f"{pattern}: no file matches this pattern; check it (and quote it, so the shell "
                                "passes it on unexpanded)")
        else:
            raise BadImport(f"{path}: no such file or folder; check the path")
        for file in files:
            found.setdefault(file, None)
    return list(found)


def import_articles(paths: list[Path], corpus_dir: Path, *, replace: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Clean raw articles and write them into the corpus folder as `<id>.md`; the files written.

    Nothing is written unless every file can be: an article whose id or title is already in the
    corpus raises ImportConflict naming both files (unless `replace`), and so do two files of one
    import that would become the same article; an unreadable file raises BadImport naming it.
    Re-importing an unchanged article is a no-op. `progress(done, total)` follows the files read.
    """
    articles = []
    for done, path in enumerate(paths, 1):
        try:
            articles.append((path, read_article(path)))
        except ArticleError as exc:  # a bad file stops the import here, before anything is written
            raise BadImport(f"{exc}. Nothing was written.") from None
        if progress is not None:
            progress(done, len(paths))
    existing: dict[str, Path] = {}  # id and title key -> corpus file
    if corpus_dir.is_dir():
        for path in corpus_files(corpus_dir):
            try:
                old = read_article(path)
            except ArticleError:
                continue
            existing.setdefault(old.id, path)
            existing.setdefault(_title_key(old.title), path)
    root = corpus_dir.resolve()
    planned: dict[str, Path] = {}
    plan: list[tuple[Article, Path, set[Path]]] = []
    for path, article in articles:
        article = _own_id(article, existing, planned)
        target = corpus_dir / f"{article.id}.md"
        if target.resolve().parent != root:  # belt and braces: ids are already safe slugs
            raise ImportConflict(f"{path}: id {article.id!r} would write outside {corpus_dir}")
        for key in (article.id, _title_key(article.title)):
            if key in planned:
                raise ImportConflict(
                    f"{planned[key]} and {path} are the same article ({'id' if key == article.id else 'title'} "
                    f"{article.id if key == article.id else article.title!r}); import only one of them. Nothing was written."
                )
        planned[article.id] = planned[_title_key(article.title)] = path
        clashes = {p for p in (existing.get(article.id), existing.get(_title_key(article.title))) if p}
        if target.exists():
            clashes.add(target)
        if clashes and not replace:
            if clashes == {target} and target.read_text("utf-8", errors="replace") == to_markdown(article):
                _LOGGER.info("%s is already in the corpus, unchanged", target)
                continue
            names = ", ".join(str(p) for p in sorted(clashes))
            raise ImportConflict(
                f"{path}: {names} already holds an article with this id or title ({article.title!r}); "
                "pass --replace to replace it. Nothing was written."
            )
        plan.append((article, target, clashes - {target}))
    if not plan:
        return []
    corpus_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for article, target, superseded in plan:
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(to_markdown(article), encoding="utf-8")
        tmp.replace(target)
        for old in superseded:  # --replace: the same article under its old file name goes
            old.unlink(missing_ok=True)
        written.append(target)
    return written
