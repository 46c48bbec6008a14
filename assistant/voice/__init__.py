"""Voice: listening, speech to text, transcript repair, speaking, the wake phrase and the voice loop."""

# The names the CLI offers; kept here (no imports) so `assistant --help` stays instant.
STT_ENGINES = ("faster-whisper", "whisper-tiny", "whisper-base", "pocketsphinx")
TTS_ENGINES = ("pyttsx3", "piper")
# espeak: pyttsx3's default espeak-ng voice (British English); espeak-us: espeak-ng's American
# English, which reads "Xiaomi" without the British r ("zai-oh-mee", not "zai-a-roh-mee").
TEST_VOICES = ("espeak", "espeak-us", "piper")
