"""Voice: listening, speech to text, transcript repair, speaking, the wake phrase and the voice loop."""

# The names the CLI offers; kept here (no imports) so `assistant --help` stays instant.
STT_ENGINES = ("faster-whisper", "whisper-tiny", "whisper-base", "pocketsphinx")
TTS_ENGINES = ("pyttsx3", "piper")
# espeak: pyttsx3's default espeak-ng voice (British English); espeak-us: espeak-ng's American
# English, which reads "Xiaomi" without the British r ("zai-oh-mee", not "zai-a-roh-mee").
# piper-slow and piper-fast: the same natural voice at 1.2 and 0.85 times its phoneme length, the
# spread of ordinary speaking rates. Piper samples its voice afresh each time (noise_scale 0.667),
# so `--syntheses N` hears each of these N times over.
TEST_VOICES = ("espeak", "espeak-us", "piper", "piper-slow", "piper-fast")
PIPER_LENGTH_SCALES = {"piper": 1.0, "piper-slow": 1.2, "piper-fast": 0.85}
# What `--test-voice all` runs: one pyttsx3 voice per process. Run after espeak, espeak-us was
# transcribed differently in 20 of the suite's 73 questions than in a process of its own (spoken
# accuracy 0.795 against 0.849; pyttsx3 seems to apply a change of voice late), so it runs alone.
ALL_TEST_VOICES = ("espeak", "piper")
