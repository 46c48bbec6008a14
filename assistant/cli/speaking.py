"""Speaking answers from the command line: one line when speech is unavailable, then silence."""

from __future__ import annotations

import sys
from typing import Callable

from assistant.config import Settings


def speaker_for(settings: Settings) -> Callable[[str], None]:
    """A say(text) callable; a missing engine or sound device is one line and then silence."""
    from assistant.errors import DeviceUnavailable
    from assistant.voice.tts import after_playback_failed, checked, make_speaker

    def report(line: str) -> None:
        sys.stderr.write(f"{line}\n")

    try:
        speaker = checked(make_speaker(settings.replace(speak=True)), report)
    except DeviceUnavailable as exc:
        report(str(exc))
        return lambda text: None

    def say(text: str) -> None:
        nonlocal speaker
        try:
            saved = speaker.say(text)
        except DeviceUnavailable as exc:  # --save-audio: saved still, whole, only not played
            speaker = after_playback_failed(speaker, exc, report)
            return
        if saved is not None:
            report(f"(saved {saved})")

    return say
