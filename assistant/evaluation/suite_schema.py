"""The suite file's schema as pydantic models; errors carry the field, the element and where to point.

Kept apart from `suite.py` so that building the `assistant eval` parser (and `assistant --help`)
never imports pydantic.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

import regex
from pydantic import (
    BaseModel,
    ConfigDict,
    PlainValidator,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from assistant.evaluation.suite import SUITE_VERSION

ITEM_FIELDS = ("id", "question", "category", "abstain", "expect", "expect_all", "articles", "follows", "note")
TOP_FIELDS = ("version", "name", "items")

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CATEGORY = re.compile(r"^[\w-]+$")


def problem(message: str, *, index: int | None = None, at: Literal["value", "key", "item"] = "value",
            field: str | None = None) -> PydanticCustomError:
    """A validation error whose message is final; `index` is the list element at fault, `at` what to point at."""
    return PydanticCustomError("suite", "{message}", {"message": message, "index": index, "at": at, "field": field})


def _text(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not value.strip():
        raise problem(f"field '{info.field_name}' must be non-empty text")
    # YAML's escapes ("\a", "\x07") let in what its reader refuses raw: a question never holds one.
    control = next((c for c in value if unicodedata.category(c) == "Cc" and c not in "\t\n"), None)
    if control is not None:
        raise problem(f"field '{info.field_name}' holds a control character (U+{ord(control):04X}); remove it")
    return value.strip()


def _item_id(value: Any, info: ValidationInfo) -> str:
    text = _text(value, info)
    if not _ID.match(text):
        raise problem("field 'id' must use only letters, digits, '-', '_' and '.'")
    return text


def _string_list(value: Any, name: str, what: str) -> list[tuple[int, str]]:
    if value == []:
        raise problem(f"field '{name}' is an empty list; it needs at least one entry ({what})")
    if not isinstance(value, list):
        raise problem(f"field '{name}' must be a list of {what}")
    for index, element in enumerate(value):
        if not isinstance(element, str) or not element.strip():
            raise problem(f"field '{name}' must be a list of {what}", index=index)
    return list(enumerate(value))


def _categories(value: Any, info: ValidationInfo) -> tuple[str, ...]:
    elements = [(None, value)] if not isinstance(value, list) else _string_list(value, "category", "category names")
    names = []
    for index, element in elements:
        if not isinstance(element, str) or not _CATEGORY.match(element.strip()):
            raise problem("field 'category' must be a name or a list of names", index=index)
        names.append(element.strip().lower())
    return tuple(dict.fromkeys(names))


def _flag(value: Any, info: ValidationInfo) -> bool:
    if not isinstance(value, bool):
        raise problem(f"field '{info.field_name}' must be true or false")
    return value


def _patterns(value: Any, info: ValidationInfo) -> tuple[regex.Pattern[str], ...]:
    # The `regex` module, not `re`: it is `re`'s syntax (VERSION0) and its searches take a
    # timeout, so a pattern that backtracks without end ("(\w+\s?)+!") is named, not a hang.
    name = info.field_name
    patterns = []
    if isinstance(value, str):  # one pattern written alone, as 'category' may be one name
        value = [value]
    for index, text in _string_list(value, name, "regex strings (or one regex string)"):
        try:
            patterns.append(regex.compile(text, regex.IGNORECASE | regex.VERSION0))
        except regex.error as exc:
            raise problem(
                f"field '{name}': pattern {index + 1} {text!r} is not a valid regex ({exc})", index=index
            ) from None
    return tuple(patterns)


def _articles(value: Any, info: ValidationInfo) -> tuple[str, ...]:
    known = (info.context or {}).get("known_articles")
    ids = []
    for index, text in _string_list(value, "articles", "article ids"):
        if known is not None and text not in known:
            raise problem(
                f"field 'articles': unknown article '{text}' (the corpus has: {', '.join(sorted(known))})", index=index
            )
        ids.append(text.strip())
    return tuple(dict.fromkeys(ids))


def _version(value: Any, info: ValidationInfo) -> int:
    if isinstance(value, bool) or value != SUITE_VERSION:
        raise problem(f"field 'version' must be {SUITE_VERSION}")
    return SUITE_VERSION


def _items(value: Any, info: ValidationInfo) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise problem("field 'items' must be a non-empty list of questions")
    return value


Text = Annotated[str, PlainValidator(_text)]
Patterns = Annotated[tuple[regex.Pattern[str], ...], PlainValidator(_patterns)]


class ItemModel(BaseModel):
    """One scripted question as written in the file (validated, stripped)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: Annotated[str, PlainValidator(_item_id)]
    question: Text
    category: Annotated[tuple[str, ...], PlainValidator(_categories)]
    abstain: Annotated[bool, PlainValidator(_flag)] = False
    expect: Patterns = ()
    expect_all: Patterns = ()
    articles: Annotated[tuple[str, ...], PlainValidator(_articles)] = ()
    follows: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _answerable_or_abstaining(self) -> "ItemModel":
        if self.abstain:
            for name in ("expect", "expect_all", "articles"):
                if name in self.model_fields_set:
                    raise problem(f"field '{name}' is not allowed with 'abstain: true'", at="key", field=name)
        elif not self.expect and not self.expect_all:
            raise problem("missing field 'expect' (or 'expect_all'; or 'abstain: true' if unanswerable)", at="item")
        elif not self.articles:
            raise problem("missing field 'articles' (the article ids that hold the fact)", at="item")
        return self


class SuiteModel(BaseModel):
    """The top of a suite file; items are checked one by one with `ItemModel`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Annotated[int, PlainValidator(_version)]
    name: Text | None = None
    items: Annotated[list[Any], PlainValidator(_items)]
