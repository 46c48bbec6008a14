"""Voice: listen, transcribe, repair names, speak, wake word, and the spoken loop."""
