"""The voice loop end to end on real synthesised audio: files answered in order, push-to-talk, wake phrase."""

from __future__ import annotations

import contextlib
import threading

import pytest
from voice_fixtures import (
    QUESTIONS,
    SYNTHESIZERS,
    concatenate,
    corpus_texts,
    corpus_vocabulary,
    have_piper,
    have_tools,
    synthesize,
)

pytestmark = pytest.mark.skipif(not have_tools(), reason="needs espeak-ng and sox")


def _answer(question: str, alternatives=()):
    from assistant.types import Answer

    return Answer(question=question, text=f"You asked: {question} [1]", abstained=False)


@pytest.fixture(scope="module")
def whisper():
    """The whisper model the assistant listens with by default (base, in its short window)."""
    from assistant.config import Settings
    from assistant.voice.stt.whisper import WhisperTranscriber

    texts = corpus_texts()
    return WhisperTranscriber(corpus_vocabulary(texts), "\n".join(texts), model=Settings().whisper_model)


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voice")
    wake = synthesize("hey assistant", folder / "wake.wav")
    chatter = synthesize("Good morning, what is the weather like today?", folder / "chatter.wav")
    q0 = synthesize(QUESTIONS[0][0], folder / "q0.wav")
    q1 = synthesize(QUESTIONS[1][0], folder / "q1.wav")
    # Two questions in a natural voice where Piper is installed: espeak's "Cortana" is often
    # heard as "caught on it", ordinary words that repair rightly leaves alone.
    natural = SYNTHESIZERS["piper" if have_piper() else "espeak"]
    p0, p1 = natural(QUESTIONS[0][0], folder / "p0.wav"), natural(QUESTIONS[1][0], folder / "p1.wav")
    return {
        "q0": q0,
        "q1": q1,
        "woken": concatenate([chatter, wake, q0], folder / "woken.wav", silence=0.6),
        "not_woken": concatenate([chatter, q1], folder / "not_woken.wav", silence=0.6),
        "two_questions": concatenate([p0, p1], folder / "two.wav", silence=1.2),
        # A question, then told to say it again, then goodbye: three turns of one recording.
        "told": concatenate(
            [q0, synthesize("Say that again.", folder / "again.wav"), synthesize("Goodbye.", folder / "bye.wav")],
            folder / "told.wav", silence=1.2,
        ),
    }


VOICES = [pytest.param("espeak"), pytest.param("piper", marks=pytest.mark.skipif(not have_piper(), reason="needs piper"))]


@pytest.mark.voice
@pytest.mark.parametrize("voice", VOICES)
def test_audio_files_are_answered_in_order(tmp_path, whisper, voice):
    from assistant.voice.loop import answer_audio_files

    paths = [SYNTHESIZERS[voice](QUESTIONS[i][0], tmp_path / f"q{i}.wav") for i in (0, 1, 4)]
    results = answer_audio_files(_answer, paths, whisper)
    assert [a.question for _, a in results] == [t.text for t, _ in results]
    heard = [t.text.lower() for t, _ in results]
    assert "invoke" in heard[0] and "cloud" in heard[2], heard
    if voice == "piper":  # espeak's "Cortana" is heard as "caught on us": ordinary words, left alone
        assert "cortana" in heard[1], heard
    assert all(t.seconds > 0 and t.audio_seconds > 1 for t, _ in results)


def test_a_silent_file_is_heard_nothing_naming_it(tmp_path, audio):
    import wave

    from assistant.errors import HeardNothing
    from assistant.voice.loop import answer_audio_files

    quiet = tmp_path / "quiet.wav"
    with wave.open(str(quiet), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000), w.writeframes(b"\0\0" * 32000)
    with pytest.raises(HeardNothing, match="quiet.wav"):
        answer_audio_files(_answer, [quiet], transcriber=None)


def _loop(source_path, transcriber, lines, wake=None, speaker=None):
    from assistant.voice.audio import Listener, audio_file
    from assistant.voice.loop import VoiceLoop

    out: list[str] = []
    feed = iter(lines)

    def read_line(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    loop = VoiceLoop(
        _answer, transcriber, Listener(timeout=2.0), speaker=speaker, output=out.append, read_line=read_line,
        source_factory=lambda: audio_file(source_path), wake=wake,
    )
    return loop, loop.run(), out


@pytest.mark.voice
def test_push_to_talk_turns_from_a_file_standing_in_for_the_microphone(audio, whisper):
    from assistant.voice.loop import LoopEnd

    # Enter, Enter, a typed question, Enter (the file is used up: heard nothing), quit.
    loop, end, out = _loop(audio["two_questions"], whisper, ["", "", "Who is Wang Xiang?", "", "quit"])
    assert end is LoopEnd.QUIT
    spoken = [t for t in loop.turns if t.transcript is not None]
    assert "invoke" in spoken[0].transcript.text.lower() and "cortana" in spoken[1].transcript.text.lower()
    assert all(0 < t.latency_seconds < 5 and t.transcript.seconds <= t.latency_seconds for t in spoken)
    assert loop.turns[2].typed == "Who is Wang Xiang?"
    assert loop.turns[3].heard_nothing  # an ordinary turn, not an error
    assert any(line.startswith("You said:") for line in out) and any("heard nothing" in line for line in out)


@pytest.mark.voice
def test_say_that_again_repeats_the_answer_and_goodbye_ends_the_loop(audio, whisper):
    from assistant.voice.loop import LoopEnd

    class Heard:  # what the speaker was given to say, in order
        def __init__(self):
            self.said = []

        def say(self, text):
            self.said.append(text)

    speaker = Heard()
    # Enter three times: the question, "say that again", "goodbye"; the loop ends on the last.
    loop, end, out = _loop(audio["told"], whisper, ["", "", "", "never read"], speaker=speaker)
    assert end is LoopEnd.QUIT
    assert [t.command for t in loop.turns] == [None, "repeat", "quit"]
    assert loop.turns[0].answer is not None and speaker.said[:2] == [loop.turns[0].answer.spoken] * 2
    assert speaker.said[2] == "Bye." and any(line.startswith("(again)") for line in out)


def test_wake_phrase_starts_a_turn_and_chatter_does_not(audio, whisper):
    from assistant.voice.loop import LoopEnd
    from assistant.voice.wake import WakeSpotter

    blocked = threading.Event()  # typed lines come from a thread in wake mode: none until the end
    spotter = WakeSpotter("hey assistant")
    loop, end, out = _loop_wake(audio["woken"], whisper, spotter, blocked)
    assert end is LoopEnd.END_OF_INPUT
    assert any("listening" in line.lower() for line in out)  # the visible cue
    asked = [t for t in loop.turns if t.answer is not None]
    assert len(asked) == 1 and "invoke" in asked[0].transcript.text.lower()

    loop, end, out = _loop_wake(audio["not_woken"], whisper, WakeSpotter("hey assistant"), blocked)
    assert end is LoopEnd.END_OF_INPUT and loop.turns == []
    blocked.set()


def _loop_wake(path, transcriber, spotter, blocked):
    from assistant.voice.audio import Listener, audio_file
    from assistant.voice.loop import VoiceLoop

    out: list[str] = []

    def read_line(prompt: str) -> str:
        blocked.wait(60)
        raise EOFError

    loop = VoiceLoop(
        _answer, transcriber, Listener(timeout=2.0), output=out.append, read_line=read_line,
        source_factory=lambda: audio_file(path), wake=spotter,
    )
    return loop, loop.run(), out


def test_wake_spotter_on_files(audio):
    from assistant.voice.audio import audio_file
    from assistant.voice.wake import WakeSpotter

    spotter = WakeSpotter("hey assistant")
    with audio_file(audio["woken"]) as source:
        assert spotter.wait(source, max_seconds=30)
    for name in ("not_woken", "two_questions"):
        with audio_file(audio[name]) as source:
            assert not spotter.wait(source, max_seconds=30)
            assert spotter.stream_ended


def test_missing_microphone_returns_the_fallback_signal():
    from assistant.errors import DeviceUnavailable
    from assistant.voice.audio import Listener
    from assistant.voice.loop import LoopEnd, VoiceLoop

    @contextlib.contextmanager
    def no_microphone():
        raise DeviceUnavailable("No microphone found (PyAudio could not open an input device); carrying on with typed questions.")
        yield

    out: list[str] = []
    loop = VoiceLoop(_answer, None, Listener(), output=out.append, read_line=lambda p: "", source_factory=no_microphone)
    assert loop.run() is LoopEnd.NO_MICROPHONE
    assert out == ["No microphone found (PyAudio could not open an input device); carrying on with typed questions."]


def test_ctrl_c_ends_cleanly(audio):
    from assistant.voice.audio import Listener, audio_file
    from assistant.voice.loop import LoopEnd, VoiceLoop

    def interrupt(prompt):
        raise KeyboardInterrupt

    out: list[str] = []
    loop = VoiceLoop(_answer, None, Listener(), output=out.append, read_line=interrupt,
                     source_factory=lambda: audio_file(audio["q0"]))
    assert loop.run() is LoopEnd.INTERRUPTED and out == ["Stopped."]


def test_a_failing_speaker_is_reported_once_then_silenced(audio):
    from assistant.errors import DeviceUnavailable
    from assistant.voice.tts import SilentSpeaker

    class NoSoundCard:
        calls = 0

        def say(self, text):
            NoSoundCard.calls += 1
            raise DeviceUnavailable("No sound device (aplay: audio open error); carrying on without speech.")

    loop, end, out = _loop(audio["q0"], None, ["Who is Wang Xiang?", "What is Azure?", "quit"], speaker=NoSoundCard())
    assert NoSoundCard.calls == 1 and isinstance(loop.speaker, SilentSpeaker)
    assert sum("No sound device" in line for line in out) == 1
    assert len([t for t in loop.turns if t.answer]) == 2


@pytest.mark.voice
@pytest.mark.engine
def test_spoken_questions_get_the_right_facts_from_the_engine(tmp_path, whisper):
    from assistant.config import Settings
    from assistant.pipeline import Assistant
    from assistant.voice.loop import answer_audio_files

    assistant = Assistant.load(Settings())
    cases = [QUESTIONS[0], QUESTIONS[3], QUESTIONS[4], QUESTIONS[6]]
    paths = [synthesize(q, tmp_path / f"e{i}.wav") for i, (q, _, _) in enumerate(cases)]
    results = answer_audio_files(assistant.ask, paths, whisper)
    for (question, _, fact), (transcript, answer) in zip(cases, results):
        assert fact.lower() in answer.text.lower(), (question, transcript.text, answer.text)
        assert "[" not in answer.spoken


@pytest.mark.parametrize("heard, told", [
    ("Goodbye.", "quit"), ("Hey assistant, stop.", "quit"), ("Okay, thanks, bye.", "quit"), ("That's all.", "quit"),
    ("Say that again?", "repeat"), ("What did you say?", "repeat"), ("Sorry?", "repeat"),
    ("Stop the Invoke?", None), ("Who said that?", None), ("How much does the Invoke cost?", None),
])
def test_what_is_told_is_told_apart_from_what_is_asked(heard, told):
    from assistant.voice.loop import spoken_command

    assert spoken_command(heard) == told


def test_a_voice_turn_answers_and_shows_the_reading_the_articles_answer(assistant):
    """whisper's near-tied reading is answered when its best is refused, and "You said" shows it."""
    from assistant.voice.loop import answer_transcript, show_turn
    from assistant.voice.stt import Transcript

    class Heard:  # what whisper base made of espeak-us saying "how is this deal different…"
        name = "whisper"

        def transcribe(self, audio):
            return Transcript("How is the steel different from earlier partnership?", "whisper", 0.1, 3.0,
                              alternatives=("How is this deal different from earlier partnership?",))

    turn = answer_transcript(assistant.ask, Heard(), audio=None)
    assert not turn.answer.abstained
    lines: list[str] = []
    show_turn(lines.append, turn)
    assert lines[0] == "You said: How is this deal different from earlier partnership?"
    chat = assistant.conversation()
    assert not answer_transcript(chat.ask, Heard(), audio=None).answer.abstained
    assert chat.previous == "How is this deal different from earlier partnership?"
