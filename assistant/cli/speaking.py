"""Speaking answers from the command line: one line when speech is unavailable, then silence."""

from __future__ import annotations

import sys
from typing import Callable

from assistant.config import Settings


def speaker_for(settings: Settings) -> Callable[[str], None]:
    """A say(text) callable; a missing engine or sound device is one line and then silence."""
    from assistant.errors import DeviceUnavailable
    from assistant.voice.tts import checked, keep_saving, make_speaker, still_saving

    try:
        speaker = checked(make_speaker(settings.replace(speak=True)), lambda line: sys.stderr.write(f"{line}\n"))
    except DeviceUnavailable as exc:
        sys.stderr.write(f"{exc}\n")
        return lambda text: None

    def say(text: str) -> None:
        nonlocal speaker
        if speaker is None:
            return
        try:
            saved = speaker.say(text)
        except DeviceUnavailable as exc:
            folder = keep_saving(speaker)  # --save-audio: saved still, whole, only not played
            sys.stderr.write(f"{exc if folder is None else still_saving(exc, folder)}\n")
            if folder is None:
                speaker = None
            return
        if saved is not None:
            sys.stderr.write(f"(saved {saved})\n")

    return say
