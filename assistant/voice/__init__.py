"""Voice: listening, speech to text, transcript repair, speaking, the wake phrase and the voice loop."""

# The names the CLI offers; kept here (no imports) so `assistant --help` stays instant.
STT_ENGINES = ("faster-whisper", "whisper-tiny", "whisper-base", "pocketsphinx")
TTS_ENGINES = ("pyttsx3", "piper")
# espeak: pyttsx3's default espeak-ng voice (British English); espeak-us: espeak-ng's American
# English, which reads "Xiaomi" without the British r ("zai-oh-mee", not "zai-a-roh-mee").
TEST_VOICES = ("espeak", "espeak-us", "piper")
# What `--test-voice all` runs: one pyttsx3 voice per process. Run after espeak, espeak-us was
# transcribed differently in 20 of the suite's 73 questions than in a process of its own (spoken
# accuracy 0.795 against 0.849; pyttsx3 seems to apply a change of voice late), so it runs alone.
ALL_TEST_VOICES = ("espeak", "piper")
