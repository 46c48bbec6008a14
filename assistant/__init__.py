"""deal-assistant: answers questions about the 2018 Microsoft–Xiaomi AI partnership, with sources."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Assistant", "Answer", "Citation", "Settings", "__version__"]


def __getattr__(name: str):
    # Lazy, so `import assistant` (and `assistant --help`) stays instant.
    if name == "Assistant":
        from assistant.pipeline import Assistant

        return Assistant
    if name in ("Answer", "Citation"):
        from assistant import types as answer

        return getattr(answer, name)
    if name == "Settings":
        from assistant.config import Settings

        return Settings
    raise AttributeError(name)
