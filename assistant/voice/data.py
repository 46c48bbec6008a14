"""Corpus-specific speech data (name pronunciations, question openings), read once from assistant/data/voice.yaml."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

VOICE_DATA = Path(__file__).resolve().parent.parent / "data" / "voice.yaml"


@dataclass(frozen=True)
class VoiceData:
    """Names' usual pronunciations in CMU phones, question openings for sphinx's language model,
    and the respellings the assistant's own voice says names with."""

    name_phones: dict[str, tuple[str, ...]]
    question_frames: tuple[str, ...]
    spoken_as: dict[str, str]


@functools.cache
def voice_data(path: Path = VOICE_DATA) -> VoiceData:
    """The data file, parsed and checked once per process."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AssistantError(f"Cannot read the speech data file {path} ({exc}). Reinstall deal-assistant.") from None
    phones = raw.get("name_phones") or {}
    frames = raw.get("question_frames") or []
    spoken = raw.get("spoken_as") or {}
    if not isinstance(phones, dict) or not all(isinstance(v, list) for v in phones.values()) \
            or not isinstance(frames, list):
        raise AssistantError(f"{path}: name_phones must map words to lists of phone strings, question_frames be a list.")
    if not isinstance(spoken, dict) or not all(isinstance(v, str) and v.strip() for v in spoken.values()):
        raise AssistantError(f"{path}: spoken_as must map words to the respelling to say them with.")
    return VoiceData(
        name_phones={str(k).lower(): tuple(str(p) for p in v) for k, v in phones.items()},
        question_frames=tuple(str(f) for f in frames),
        spoken_as={str(k): v.strip() for k, v in spoken.items()},
    )
