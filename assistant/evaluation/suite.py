"""The scripted question suite: YAML items validated on load (pydantic, in suite_schema), with file:line errors."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import SuiteError

if TYPE_CHECKING:
    import regex

_LOGGER = logging.getLogger(__name__)

SUITE_VERSION = 1

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
    expect: tuple[regex.Pattern[str], ...] = ()
    expect_all: tuple[regex.Pattern[str], ...] = ()
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
            expect: REGEX | [REGEX, ...]  # right if ANY matches the answer (case-insensitive)
            expect_all: [REGEX, ...]    # ... and ALL of these match; answerable items need one of the two
            articles: [ARTICLE_ID, ...] # answerable items: the article(s) holding the fact
            abstain: true               # unanswerable: right only if the assistant abstains
            follows: ID                 # follow-up: asked in one conversation after item ID (earlier)
            note: TEXT                  # optional, for humans

    Unknown fields, duplicate ids or keys, wrong types, invalid regexes and follow-ups of unknown or
    later items raise `SuiteError` naming the file, the line, the item and the field.

    Scoring: patterns are `re` syntax, matched case-insensitively (by the `regex` module, so that a
    pattern taking over 2 s on one text stops with `SuiteError` instead of hanging) against the answer
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
    except UnicodeDecodeError as exc:
        data = path.read_bytes()
        line = data.count(b"\n", 0, exc.start) + 1
        raise SuiteError(
            f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the suite as UTF-8, e.g. "
            f"`iconv -f latin1 -t utf-8 {path} > suite.utf8 && mv suite.utf8 {path}`"
        ) from None
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read the suite file ({exc.strerror or exc}).") from None
    return parse_suite(text, source=str(path), known_articles=known_articles)


def parse_suite(text: str, *, source: str = "<suite>", known_articles: Iterable[str] | None = None) -> Suite:
    """Validate suite YAML `text`; errors name `source` and the line at fault."""
    import yaml

    known = frozenset(known_articles) if known_articles is not None else None
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # its reader already rejects control characters
        root = loader.get_single_node()
        reader = _NodeReader(loader, source)
        return reader.suite(root, known)
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed quote), the more
        # useful line; the problem mark is where the parser gave up. For a block whose indentation
        # goes wrong, the block's start is far above the mistake: the problem's line is the one.
        structural = str(exc.context or "").startswith("while parsing a block")
        mark = (exc.problem_mark or exc.context_mark) if structural else (exc.context_mark or exc.problem_mark)
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        other = exc.context_mark if structural else exc.problem_mark
        if mark is not None and other is not None and other.line != mark.line:
            problem += (f" (in the block that starts on line {other.line + 1})" if structural
                        else f" (it starts on line {line}; the parser gave up on line {other.line + 1})")
        raise SuiteError(f"{source}:{line}: not valid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise SuiteError(f"{source}:{line}: not valid YAML: character #x{exc.character:04x} is not allowed") from None
    except yaml.YAMLError as exc:
        raise SuiteError(f"{source}: not valid YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()


_MAX_ERRORS = 20  # a suite's mistakes named in one run, at most


class _NodeReader:
    """Walks the composed YAML nodes for lines and doubled keys; pydantic models check the values.

    Every error, from either, names the file, the line of the node at fault, the item and the field.
    """

    def __init__(self, loader: Any, source: str) -> None:
        self._loader = loader
        self._source = source

    def _error(self, node: Any, message: str, item: str | None = None) -> SuiteError:
        line = node.start_mark.line + 1 if node is not None else 1
        where = f"item '{item}': " if item else ""
        return SuiteError(f"{self._source}:{line}: {where}{message}")

    def _fields(self, node: Any, what: str, allowed: Sequence[str], item: str | None = None) -> dict[str, tuple[Any, Any]]:
        """{key: (key node, value node)} of a mapping node; a doubled or non-text key is an error."""
        import yaml

        if not isinstance(node, yaml.MappingNode):
            raise self._error(node, f"{what} must be a mapping of fields", item)
        fields: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise self._error(key_node, f"unknown field {key!r}; allowed: {', '.join(allowed)}", item)
            if key in fields:
                raise self._error(key_node, f"field '{key}' is given twice", item)
            fields[key] = (key_node, value_node)
        return fields

    def _validate(self, model: Any, node: Any, fields: Mapping[str, tuple[Any, Any]], allowed: Sequence[str],
                  item: str | None = None, context: Mapping[str, Any] | None = None) -> Any:
        from pydantic import ValidationError

        values = {key: self._loader.construct_object(value, deep=True) for key, (_, value) in fields.items()}
        try:
            return model.model_validate(values, context=context)
        except ValidationError as exc:
            raise self._explain(exc, node, fields, allowed, item) from None

    def _explain(self, exc: Any, node: Any, fields: Mapping[str, tuple[Any, Any]], allowed: Sequence[str],
                 item: str | None) -> SuiteError:
        """The first error as a file:line message: unknown fields first, then missing ones, then by field."""
        import yaml

        written = list(fields)
        order = list(allowed)

        def rank(error: Mapping[str, Any]) -> tuple[int, int]:
            name = str(error["loc"][0]) if error["loc"] else ""
            if error["type"] == "extra_forbidden":
                return 0, written.index(name) if name in written else 0
            position = order.index(name) if name in order else len(order)
            return (1 if error["type"] == "missing" else 2), position

        error = min(exc.errors(include_url=False), key=rank)
        name = str(error["loc"][0]) if error["loc"] else None
        if error["type"] == "extra_forbidden":
            target = fields[name][0] if name in fields else node
            return self._error(target, f"unknown field {name!r}; allowed: {', '.join(allowed)}", item)
        if error["type"] == "missing":
            return self._error(node, f"missing field '{name}'", item)
        context = error.get("ctx") or {}
        if error["type"] != "suite":  # not raised by the schema's own checks: say what pydantic says
            return self._error(fields[name][1] if name in fields else node, f"field '{name}': {error['msg']}", item)
        field = context.get("field") or name
        if context.get("at") == "item" or field not in fields:
            target = node
        elif context.get("at") == "key":
            target = fields[field][0]
        else:
            target = fields[field][1]
            index = context.get("index")
            if index is not None and isinstance(target, yaml.SequenceNode) and index < len(target.value):
                target = target.value[index]
        return self._error(target, context["message"], item)

    def suite(self, root: Any, known: frozenset[str] | None) -> Suite:
        from assistant.evaluation.suite_schema import (
            ITEM_FIELDS,
            TOP_FIELDS,
            SuiteModel,
        )

        if root is None:
            raise SuiteError(f"{self._source}:1: the suite is empty; it needs 'version: 1' and 'items'")
        top_fields = self._fields(root, "the suite", TOP_FIELDS)
        top = self._validate(SuiteModel, root, top_fields, TOP_FIELDS)
        items_node = top_fields["items"][1]
        items: list[SuiteItem] = []
        lines: dict[str, int] = {}
        all_ids = {self._peek_id(n) for n in items_node.value} - {None}
        # Every item is checked, so one run names every mistake, not one a run.
        errors: list[str] = []
        invalid: set[str | None] = set()
        for index, node in enumerate(items_node.value, start=1):
            try:
                item = self._item(node, index, known)
                if item.id in lines:
                    raise self._error(node, f"duplicate id '{item.id}' (first at line {lines[item.id]})", item.id)
                if item.follows is not None and item.follows not in lines and item.follows not in invalid:
                    follows_node = self._fields(node, "an item", ITEM_FIELDS)["follows"][1]
                    if item.follows == item.id:
                        problem = "an item cannot follow itself"
                    elif item.follows in all_ids:
                        problem = f"item '{item.follows}' comes later; a follow-up must come after it"
                    else:
                        problem = f"no item '{item.follows}' in this suite"
                    raise self._error(follows_node, f"field 'follows': {problem}", item.id)
            except SuiteError as exc:
                errors.append(str(exc))
                invalid.add(self._peek_id(node))
                continue
            lines[item.id] = item.line
            items.append(item)
        if errors:
            shown = errors[:_MAX_ERRORS] + ([f"(and {len(errors) - _MAX_ERRORS} more)"] if len(errors) > _MAX_ERRORS else [])
            raise SuiteError("\nerror: ".join(shown))
        return Suite(path=Path(self._source), name=top.name or Path(self._source).stem, items=tuple(items))

    @staticmethod
    def _peek_id(node: Any) -> str | None:
        import yaml

        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == "id" and isinstance(value_node, yaml.ScalarNode):
                    return str(value_node.value)
        return None

    def _item(self, node: Any, index: int, known: frozenset[str] | None) -> SuiteItem:
        from assistant.evaluation.suite_schema import ITEM_FIELDS, ItemModel

        label = self._peek_id(node) or f"#{index}"
        fields = self._fields(node, f"item {index}", ITEM_FIELDS, label)
        model = self._validate(ItemModel, node, fields, ITEM_FIELDS, label, {"known_articles": known})
        return SuiteItem(
            id=model.id,
            question=model.question,
            categories=model.category,
            expect=model.expect,
            expect_all=model.expect_all,
            articles=model.articles,
            abstain=model.abstain,
            follows=model.follows,
            note=model.note,
            line=node.start_mark.line + 1,
        )
