"""Voice: listening, speech to text, transcript repair, speaking, the wake phrase and the voice loop."""

# The names the CLI offers; kept here (no imports) so `assistant --help` stays instant.
STT_ENGINES = ("faster-whisper", "whisper-tiny", "whisper-base", "pocketsphinx")
TTS_ENGINES = ("pyttsx3", "piper")
TEST_VOICES = ("espeak", "piper")
