"""deal-assistant: answers questions about the 2018 Microsoft–Xiaomi AI partnership, with sources."""

from __future__ import annotations

import os

# No network at run time. onnxruntime's native library (the query encoder, and faster-whisper's
# helpers) otherwise resolves a telemetry host from a background thread once inference runs;
# only this variable, read when the library loads, stops it (disable_telemetry_events() does not).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

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
