"""The scripted question suite: YAML items validated on load, with file:line errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import SuiteError

_LOGGER = logging.getLogger(__name__)

SUITE_VERSION = 1
DEFAULT_SUITE = Path("eval") / "suite.yaml"  # relative to Settings.home

_TOP_FIELDS = ("version", "name", "items")
_ITEM_FIELDS = ("id", "question", "category", "expect", "expect_all", "articles", "abstain", "follows", "note")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CATEGORY = re.compile(r"^[\w-]+$")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def straighten(text: str) -> str:
    """Curly quotes and apostrophes made straight, as suite patterns are written."""
    return text.translate(_APOSTROPHES)


# --------------------------------------------------------------------------------------------
# The suite


@dataclass(frozen=True)
class SuiteItem:
    """One scripted question and what counts as a right answer to it."""

    id: str
    question: str
    categories: tuple[str, ...]
    expect: tuple[re.Pattern[str], ...] = ()
    expect_all: tuple[re.Pattern[str], ...] = ()
    articles: tuple[str, ...] = ()
    abstain: bool = False
    follows: str | None = None
    note: str | None = None
    line: int = 0  # 1-based line of the item in its file

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the JSON report."""
        return {
            "id": self.id,
            "question": self.question,
            "categories": list(self.categories),
            "expect": [p.pattern for p in self.expect],
            "expect_all": [p.pattern for p in self.expect_all],
            "articles": list(self.articles),
            "abstain": self.abstain,
            "follows": self.follows,
            "note": self.note,
            "line": self.line,
        }


@dataclass(frozen=True)
class Suite:
    """A validated suite file."""

    path: Path
    name: str
    items: tuple[SuiteItem, ...]

    def item(self, item_id: str) -> SuiteItem:
        """The item called `item_id` (KeyError if there is none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def chain(self, item: SuiteItem) -> tuple[SuiteItem, ...]:
        """The items a follow-up builds on, oldest first (empty for a stand-alone question)."""
        chain: list[SuiteItem] = []
        current = item
        while current.follows is not None:
            current = self.item(current.follows)
            chain.append(current)
        return tuple(reversed(chain))


def load_suite(path: str | Path, *, known_articles: Iterable[str] | None = None) -> Suite:
    """Read and validate a suite file; `known_articles` (ids) also checks each `articles` entry.

    Suite format (YAML; eval/suite.yaml is the shipped example and repeats this in its header)::

        version: 1                      # required; the only format version
        name: TEXT                      # optional; shown in reports
        items:                          # required; non-empty list, asked in order
          - id: TEXT                    # required, unique: letters, digits, '-', '_', '.'
            question: TEXT              # required; asked exactly as written
            category: NAME | [NAME...]  # required; tags for per-category accuracy
            expect: [REGEX, ...]        # right if ANY matches the answer (case-insensitive)
            expect_all: [REGEX, ...]    # ... and ALL of these match; answerable items need one of the two
            articles: [ARTICLE_ID, ...] # answerable items: the article(s) holding the fact
            abstain: true               # unanswerable: right only if the assistant abstains
            follows: ID                 # follow-up: asked in one conversation after item ID (earlier)
            note: TEXT                  # optional, for humans

    Unknown fields, duplicate ids or keys, wrong types, invalid regexes and follow-ups of unknown or
    later items raise `SuiteError` naming the file, the line, the item and the field.

    Scoring: patterns are matched with `re.search(pattern, text, re.IGNORECASE)` against the answer
    without its [n] marks, curly apostrophes straightened. An answerable item is *right* when the
    assistant answered and the patterns match; an `abstain` item when it abstained. An answer is
    *supported* when an expected pattern also occurs in a cited passage. The *source rank* is the
    position (1-based, citation order) of the first citation from one of the item's articles.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError(f"{path}: no such suite file. Pass an existing file with --suite.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read the suite file ({exc}).") from None
    return parse_suite(text, source=str(path), known_articles=known_articles)


def parse_suite(text: str, *, source: str = "<suite>", known_articles: Iterable[str] | None = None) -> Suite:
    """Validate suite YAML `text`; errors name `source` and the line at fault."""
    import yaml

    known = frozenset(known_articles) if known_articles is not None else None
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        reader = _NodeReader(loader, source)
        return reader.suite(root, known)
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed quote), the more
        # useful line; the problem mark is where the parser gave up.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if exc.context_mark is not None and exc.problem_mark is not None:
            problem += f" (line {exc.problem_mark.line + 1})"
        raise SuiteError(f"{source}:{line}: not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SuiteError(f"{source}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()


class _NodeReader:
    """Walks composed YAML nodes so that every error can name its line."""

    def __init__(self, loader: Any, source: str) -> None:
        self._loader = loader
        self._source = source

    def _error(self, node: Any, message: str, item: str | None = None) -> SuiteError:
        line = node.start_mark.line + 1 if node is not None else 1
        where = f"item '{item}': " if item else ""
        return SuiteError(f"{self._source}:{line}: {where}{message}")

    def _mapping(self, node: Any, allowed: Sequence[str], what: str, item: str | None = None) -> dict[str, Any]:
        import yaml

        if not isinstance(node, yaml.MappingNode):
            raise self._error(node, f"{what} must be a mapping of fields", item)
        fields: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                hint = f"; allowed: {', '.join(allowed)}"
                raise self._error(key_node, f"unknown field {key!r}{hint}", item)
            if key in fields:
                raise self._error(key_node, f"field '{key}' is given twice", item)
            fields[key] = (key_node, value_node)
        return fields

    def _value(self, node: Any) -> Any:
        return self._loader.construct_object(node, deep=True)

    def suite(self, root: Any, known: frozenset[str] | None) -> Suite:
        import yaml

        if root is None:
            raise SuiteError(f"{self._source}:1: the suite is empty; it needs 'version: 1' and 'items'")
        top = self._mapping(root, _TOP_FIELDS, "the suite")
        for name in ("version", "items"):
            if name not in top:
                raise self._error(root, f"missing field '{name}'")
        version_node = top["version"][1]
        if self._value(version_node) != SUITE_VERSION:
            raise self._error(version_node, f"field 'version' must be {SUITE_VERSION}")
        name = Path(self._source).stem
        if "name" in top:
            name = self._text(top["name"][1], "name", None)
        items_node = top["items"][1]
        if not isinstance(items_node, yaml.SequenceNode) or not items_node.value:
            raise self._error(items_node, "field 'items' must be a non-empty list of questions")
        items: list[SuiteItem] = []
        lines: dict[str, int] = {}
        all_ids = {self._peek_id(n) for n in items_node.value} - {None}
        for index, node in enumerate(items_node.value, start=1):
            item = self._item(node, index, known)
            if item.id in lines:
                raise self._error(node, f"duplicate id '{item.id}' (first at line {lines[item.id]})", item.id)
            if item.follows is not None and item.follows not in lines:
                follows_node = self._mapping(node, _ITEM_FIELDS, "an item")["follows"][1]
                if item.follows == item.id:
                    problem = "an item cannot follow itself"
                elif item.follows in all_ids:
                    problem = f"item '{item.follows}' comes later; a follow-up must come after it"
                else:
                    problem = f"no item '{item.follows}' in this suite"
                raise self._error(follows_node, f"field 'follows': {problem}", item.id)
            lines[item.id] = item.line
            items.append(item)
        return Suite(path=Path(self._source), name=name, items=tuple(items))

    @staticmethod
    def _peek_id(node: Any) -> str | None:
        import yaml

        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == "id" and isinstance(value_node, yaml.ScalarNode):
                    return str(value_node.value)
        return None

    def _item(self, node: Any, index: int, known: frozenset[str] | None) -> SuiteItem:
        label = self._peek_id(node) or f"#{index}"
        fields = self._mapping(node, _ITEM_FIELDS, f"item {index}", label)
        for name in ("id", "question", "category"):
            if name not in fields:
                raise self._error(node, f"missing field '{name}'", label)
        item_id = self._text(fields["id"][1], "id", label)
        if not _ID.match(item_id):
            raise self._error(fields["id"][1], "field 'id' must use only letters, digits, '-', '_' and '.'", label)
        question = self._text(fields["question"][1], "question", item_id)
        categories = self._categories(fields["category"][1], item_id)
        abstain = False
        if "abstain" in fields:
            abstain = self._value(fields["abstain"][1])
            if not isinstance(abstain, bool):
                raise self._error(fields["abstain"][1], "field 'abstain' must be true or false", item_id)
        expect = self._patterns(fields, "expect", item_id)
        expect_all = self._patterns(fields, "expect_all", item_id)
        articles = self._articles(fields, item_id, known)
        if abstain:
            for name in ("expect", "expect_all", "articles"):
                if name in fields:
                    raise self._error(
                        fields[name][0], f"field '{name}' is not allowed with 'abstain: true'", item_id
                    )
        else:
            if not expect and not expect_all:
                raise self._error(
                    node, "missing field 'expect' (or 'expect_all'; or 'abstain: true' if unanswerable)", item_id
                )
            if not articles:
                raise self._error(node, "missing field 'articles' (the article ids that hold the fact)", item_id)
        follows = self._text(fields["follows"][1], "follows", item_id) if "follows" in fields else None
        note = self._text(fields["note"][1], "note", item_id) if "note" in fields else None
        return SuiteItem(
            id=item_id,
            question=question,
            categories=categories,
            expect=expect,
            expect_all=expect_all,
            articles=articles,
            abstain=abstain,
            follows=follows,
            note=note,
            line=node.start_mark.line + 1,
        )

    def _text(self, node: Any, name: str, item: str | None) -> str:
        value = self._value(node)
        if not isinstance(value, str) or not value.strip():
            raise self._error(node, f"field '{name}' must be non-empty text", item)
        return value.strip()

    def _string_list(self, node: Any, name: str, item: str, what: str) -> list[tuple[Any, str]]:
        import yaml

        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self._error(node, f"field '{name}' must be a list of {what}", item)
        out = []
        for element in node.value:
            value = self._value(element)
            if not isinstance(value, str) or not value.strip():
                raise self._error(element, f"field '{name}' must be a list of {what}", item)
            out.append((element, value))
        return out

    def _categories(self, node: Any, item: str) -> tuple[str, ...]:
        import yaml

        elements = [(node, self._value(node))] if isinstance(node, yaml.ScalarNode) else None
        if elements is None:
            elements = self._string_list(node, "category", item, "category names")
        names = []
        for element, value in elements:
            if not isinstance(value, str) or not _CATEGORY.match(value.strip()):
                raise self._error(element, "field 'category' must be a name or a list of names", item)
            names.append(value.strip().lower())
        return tuple(dict.fromkeys(names))

    def _patterns(self, fields: Mapping[str, Any], name: str, item: str) -> tuple[re.Pattern[str], ...]:
        if name not in fields:
            return ()
        patterns = []
        for position, (element, value) in enumerate(
            self._string_list(fields[name][1], name, item, "regex strings"), start=1
        ):
            try:
                patterns.append(re.compile(value, re.IGNORECASE))
            except re.error as exc:
                raise self._error(
                    element, f"field '{name}': pattern {position} {value!r} is not a valid regex ({exc})", item
                ) from None
        return tuple(patterns)

    def _articles(self, fields: Mapping[str, Any], item: str, known: frozenset[str] | None) -> tuple[str, ...]:
        if "articles" not in fields:
            return ()
        ids = []
        for element, value in self._string_list(fields["articles"][1], "articles", item, "article ids"):
            if known is not None and value not in known:
                raise self._error(
                    element,
                    f"field 'articles': unknown article '{value}' (the corpus has: {', '.join(sorted(known))})",
                    item,
                )
            ids.append(value.strip())
        return tuple(dict.fromkeys(ids))
