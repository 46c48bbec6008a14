"""Word lists as data: `assistant/data/english.yaml`, loaded once and checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.errors import AssistantError

DATA_FILE = Path(__file__).resolve().parent / "data" / "english.yaml"


@dataclass(frozen=True)
class Words:
    """The lists of `english.yaml`, each as the reader uses it."""

    stopwords: frozenset[str]
    question_framing: frozenset[str]
    kept_function_words: frozenset[str]
    equivalents: tuple[tuple[str, ...], ...]
    demonyms: tuple[tuple[str, str], ...]
    title_words: frozenset[str]
    idioms: tuple[tuple[re.Pattern[str], str], ...]
    wrappers: tuple[re.Pattern[str], ...]
    broad_questions: tuple[re.Pattern[str], ...]
    reason_cues: re.Pattern[str]
    story_words: frozenset[str]
    place_words: frozenset[str]
    languages: frozenset[str]
    value_stems: frozenset[str]
    as_of_stems: frozenset[str]
    irregular_plurals: frozenset[str]
    kind_nouns: frozenset[str]
    company_nouns: frozenset[str]
    speech_verbs: frozenset[str]
    currencies: tuple[tuple[str, ...], ...]


def _words(value: object, name: str) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    raise AssistantError(f"{DATA_FILE}: '{name}' must be a list of words; fix the file or restore it from git.")


@lru_cache(maxsize=1)
def words() -> Words:
    """The word lists, parsed on first use."""
    import yaml

    try:
        data = yaml.load(DATA_FILE.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        groups = tuple(tuple(str(w).lower() for w in group) for group in data["equivalents"])
        demonyms = tuple((str(place).lower(), str(adjective).lower()) for place, adjective in data["demonyms"])
        idioms = tuple((re.compile(i["pattern"], re.I), i["plainly"]) for i in data["idioms"])
        wrappers = tuple(re.compile(w, re.I) for w in data["wrappers"])
        broad = tuple(re.compile(w, re.I) for w in data["broad_questions"])
        currencies = tuple(tuple(str(w).lower() for w in group) for group in data["currencies"])
        reasons = re.compile(r"\b(?:" + "|".join(str(c) for c in data["reason_cues"]) + r")\b", re.I)
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, re.error) as exc:
        raise AssistantError(f"{DATA_FILE}: cannot read the word lists ({exc}); restore it from git.") from None
    return Words(
        stopwords=_words(data.get("stopwords"), "stopwords"),
        question_framing=_words(data.get("question_framing"), "question_framing"),
        kept_function_words=_words(data.get("kept_function_words"), "kept_function_words"),
        equivalents=groups,
        demonyms=demonyms,
        title_words=_words(data.get("title_words"), "title_words"),
        idioms=idioms,
        wrappers=wrappers,
        broad_questions=broad,
        reason_cues=reasons,
        story_words=_words(data.get("story_words"), "story_words"),
        place_words=_words(data.get("place_words"), "place_words"),
        languages=_words(data.get("languages"), "languages"),
        value_stems=_words(data.get("value_stems"), "value_stems"),
        as_of_stems=_words(data.get("as_of_stems"), "as_of_stems"),
        irregular_plurals=_words(data.get("irregular_plurals"), "irregular_plurals"),
        kind_nouns=_words(data.get("kind_nouns"), "kind_nouns"),
        company_nouns=_words(data.get("company_nouns"), "company_nouns"),
        speech_verbs=_words(data.get("speech_verbs"), "speech_verbs"),
        currencies=currencies,
    )
