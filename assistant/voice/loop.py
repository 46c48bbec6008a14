"""Voice turns: audio files answered in order, and the smart-speaker loop (listen, transcribe, answer, speak)."""

from __future__ import annotations

import contextlib
import enum
import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable, Protocol, Sequence

from assistant.errors import AssistantError, DeviceUnavailable, HeardNothing
from assistant.reading.follow_up import told
from assistant.types import Answer
from assistant.voice.audio import Listener, audio_file, audio_seconds, microphone
from assistant.voice.stt import Transcriber, Transcript
from assistant.voice.tts import SilentSpeaker, Speaker, after_playback_failed, checked

_LOGGER = logging.getLogger(__name__)


class Ask(Protocol):
    """Answers a question (`Assistant.ask`, `Conversation.ask`); `alternatives` are other readings
    of a spoken one, answered in its place when the articles don't answer it."""

    def __call__(self, question: str, *, alternatives: Sequence[str] = ...) -> Answer: ...


def ask_heard(ask: Ask, transcript: Transcript) -> Answer:
    """Answer what was heard: the transcript, or the first of its near-tied readings the articles answer."""
    if transcript.alternatives:
        return ask(transcript.text, alternatives=transcript.alternatives)
    return ask(transcript.text)


def heard_as(transcript: Transcript, answer: Answer | None) -> str:
    """The reading of `transcript` that `answer` answers, for "You said: …"."""
    if answer is not None and answer.question in transcript.alternatives:
        return answer.question
    return transcript.text


QUIT_WORDS = frozenset({"quit", "exit", "bye", "goodbye", ":q"})


# "quit" or "repeat" for a transcript that tells the speaker something ("Goodbye.", "Say that
# again?"), None for a question: the typed chat's own `reading.follow_up.told`.
spoken_command = told


@dataclass(frozen=True)
class VoiceTurn:
    """One spoken (or typed) turn and what it cost; `answer` is None when nothing was heard."""

    transcript: Transcript | None
    answer: Answer | None
    heard_nothing: str | None = None  # why, for the screen; never searched or spoken
    latency_seconds: float = 0.0  # end of speech to answer text: endpointing + STT + ask (typed: ask)
    typed: str | None = None
    command: str | None = None  # "quit" or "repeat": told, not asked (`spoken_command`)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = self.answer.to_dict() if self.answer else {"answer": None}
        out["transcript"] = self.transcript.to_dict() if self.transcript else None
        out["heard_nothing"] = self.heard_nothing
        out["voice_latency_seconds"] = round(self.latency_seconds, 3)
        return out


def answer_transcript(
    ask: Ask, transcriber: Transcriber, audio: Any, since: float | None = None,
    command: Callable[[str], str | None] = lambda text: None,
) -> VoiceTurn:
    """Transcribe captured audio and answer it; an empty transcript is an ordinary 'heard nothing',
    and one that `command` recognises ("goodbye") is that command, not a question.

    Latency counts from `since` (the end of speech, when the listener knows it), else from now.
    """
    start = time.perf_counter() if since is None else since
    transcript = transcriber.transcribe(audio)
    if not transcript.text.strip():
        return VoiceTurn(transcript, None, "Heard no words.", time.perf_counter() - start)
    if told := command(transcript.text):
        return VoiceTurn(transcript, None, None, time.perf_counter() - start, command=told)
    answer = ask_heard(ask, transcript)
    return VoiceTurn(transcript, answer, None, time.perf_counter() - start)


class EarlyTranscriber:
    """Starts transcribing when a pause begins, on a worker thread, while the listener makes sure the
    speaker has stopped; the phrase reuses that transcript if no speech followed the pause.

    Endpointing waits `end_silence` (0.4 s) of non-speech; transcription takes about as long, so
    the two overlap instead of adding up.
    """

    name = "early"

    def __init__(self, transcriber: Transcriber, listener: Listener) -> None:
        self.transcriber, self.listener = transcriber, listener
        self._pool: Any = None
        self._pending: tuple[int, Any] | None = None

    def on_pause(self, samples: Any) -> None:
        from concurrent.futures import ThreadPoolExecutor

        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="early-stt")
        if self._pending is not None:
            self._pending[1].cancel()  # speech went on: that guess is stale (if it has not started)
        self._pending = (len(samples), self._pool.submit(self.transcriber.transcribe, samples))

    def transcribe(self, audio: Any) -> Transcript:
        pending, self._pending = self._pending, None
        endpoint = self.listener.last_endpoint
        if pending is not None and endpoint is not None and endpoint.paused_samples == pending[0]:
            return pending[1].result()
        if self._pool is not None:  # behind any stale guess still running: engines are not thread-safe
            return self._pool.submit(self.transcriber.transcribe, audio).result()
        return self.transcriber.transcribe(audio)

    def listen(self, source: Any) -> Any:
        """One phrase from `source`, transcription already under way when it returns."""
        self._pending = None
        return self.listener.listen(source, on_pause=self.on_pause)


def hear_file(transcriber: Transcriber, settings: Any = None) -> Callable[[str | Path], Transcript]:
    """A function that hears one audio file as a microphone question: Listener endpointing, then the
    transcript. A file with no speech gives an empty transcript.

    It transcribes what `EarlyTranscriber` would have kept: the phrase as it stood when its final
    pause began (that transcription is reused once the pause proves to be the end), without the
    guesses at earlier pauses that a live turn throws away. Evaluation hears its synthesised
    questions through it, so endpointing is measured with the rest.
    """
    listener = Listener.from_settings(settings) if settings is not None else Listener()

    def hear(path: str | Path) -> Transcript:
        try:
            audio = _phrase(listener, path)
        except HeardNothing:
            _LOGGER.info("%s: heard nothing", path)
            return Transcript("", getattr(transcriber, "name", "stt"), 0.0, 0.0)
        return transcriber.transcribe(audio)

    return hear


def _phrase(listener: Listener, path: str | Path) -> Any:
    """The phrase a file holds, as the listener ends it, up to where its final pause began.

    A file is read far faster than it plays, so nothing is transcribed at its pauses: a guess
    there saves no time, and a long recording's guesses had the engine busy for as long again
    before the phrase itself (a 70 s recording took 44 s instead of 22).
    """
    with audio_file(path) as source:
        audio = listener.listen(source, on_pause=lambda _phrase: None)  # marks where each pause began
        endpoint = listener.last_endpoint
        try:  # speech after the question's pause: a second question, or a sentence more
            # (only whether there is any: the next phrase says nothing of how much follows it,
            # and a trial's 9-minute recording had been said to have "2 s more speech")
            more = audio_seconds(listener.listen(source)) > 0
        except HeardNothing:
            more = False
        listener.last_endpoint = endpoint
    if endpoint is not None and endpoint.cut:  # no pause ended it: the limit did, mid-speech
        _LOGGER.warning("%s: only the first %.0f s of speech were heard%s; ask one short question per recording.",
                        path, listener.phrase_time_limit, " (more followed)" if more else "")
    elif more:
        _LOGGER.warning("%s: the recording goes on after its first question, which alone was answered; put one "
                        "question in each recording.", path)
    if endpoint is not None and endpoint.paused_samples:
        audio = audio[: endpoint.paused_samples]
    return audio


def answer_audio_files(
    ask: Ask,
    paths: Sequence[str | Path],
    transcriber: Transcriber,
    listener: Listener | None = None,
) -> list[tuple[Transcript, Answer]]:
    """`assistant ask --audio-file F ...`: one (transcript, answer) per file, in order.

    Each file goes through the same `Listener.listen` a microphone feeds (see `_phrase`). A file with no speech
    raises HeardNothing naming it, so the CLI exits non-zero rather than answering nothing.
    """
    listener = (listener or Listener()).for_recordings()
    results: list[tuple[Transcript, Answer]] = []
    for path in paths:
        try:
            audio = _phrase(listener, path)
        except HeardNothing as exc:
            raise HeardNothing(f"{path}: {exc} Record the question again, closer to the microphone.") from None
        endpoint = listener.last_endpoint
        turn = answer_transcript(ask, transcriber, audio, since=endpoint.decided_at if endpoint else None)
        if turn.answer is None or turn.transcript is None:
            raise HeardNothing(f"{path}: no words recognised. Record the question again, more clearly.")
        results.append((turn.transcript, turn.answer))
    return results


class LoopEnd(enum.Enum):
    """Why the voice loop returned: the CLI falls back to typed chat on NO_MICROPHONE."""

    QUIT = "quit"
    END_OF_INPUT = "end of input"
    INTERRUPTED = "interrupted"
    NO_MICROPHONE = "no microphone"


def show_turn(
    output: Callable[[str], None],
    turn: VoiceTurn,
    render: Callable[[Answer], str] = lambda answer: f"Assistant: {answer.text}",
) -> None:
    """A turn as text: what was heard, then the answer as `render` draws it (the CLI adds sources)."""
    if turn.heard_nothing:
        output(f"(heard nothing: {turn.heard_nothing})")
        return
    if turn.transcript is not None:
        output(f"You said: {heard_as(turn.transcript, turn.answer)}")
    if turn.answer is not None:
        output(render(turn.answer))


class VoiceLoop:
    """The smart-speaker loop: push-to-talk (Enter) by default, or a wake phrase; typed lines work too."""

    def __init__(
        self,
        ask: Ask,
        transcriber: Transcriber,
        listener: Listener,
        speaker: Speaker | None = None,
        output: Callable[[str], None] = lambda line: None,
        read_line: Callable[[str], str] = input,
        source_factory: Callable[[], ContextManager[Any]] = microphone,
        wake: Any = None,  # a WakeSpotter, or None for push-to-talk
        show: Callable[[Callable[[str], None], VoiceTurn], None] = show_turn,
        wake_window_seconds: float = 2.0,
        command: Callable[[str], Any] | None = None,
    ) -> None:
        self.ask = ask
        self.command = command  # typed "/sources", "/help", "/quit": the chat's own commands
        self.transcriber = transcriber
        self.listener = listener
        self.speaker: Speaker = speaker or SilentSpeaker()
        self.output = output
        self.read_line = read_line
        self.source_factory = source_factory
        self.wake = wake
        self.show = show
        self.wake_window_seconds = wake_window_seconds
        self.turns: list[VoiceTurn] = []
        self._early = EarlyTranscriber(transcriber, listener)

    def run(self) -> LoopEnd:
        """Run until quit, end of input or Ctrl-C; NO_MICROPHONE (after one line) if there is no device."""
        try:
            with contextlib.ExitStack() as stack:
                try:
                    source = stack.enter_context(self.source_factory())
                except DeviceUnavailable as exc:
                    self.output(str(exc))
                    return LoopEnd.NO_MICROPHONE
                if self.wake is None:
                    return self._push_to_talk(source)
                return self._wake_loop(source)
        except KeyboardInterrupt:
            self.output("Stopped.")
            return LoopEnd.INTERRUPTED

    # -- the two ways to start a turn ---------------------------------------------------------

    def _push_to_talk(self, source: Any) -> LoopEnd:
        prompt = "Press Enter and speak, or type a question ('quit' ends): "
        while True:
            try:
                line = self.read_line(prompt)
            except EOFError:
                return LoopEnd.END_OF_INPUT
            if line.strip().lower() in QUIT_WORDS:
                return LoopEnd.QUIT
            if line.strip():
                if self._typed_line(line.strip()) is LoopEnd.QUIT:
                    return LoopEnd.QUIT
                continue
            self.output("Listening...")
            if self._spoken_turn(source).command == "quit":
                return LoopEnd.QUIT

    def _wake_loop(self, source: Any) -> LoopEnd:
        typed: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_lines, args=(typed,), name="typed-input", daemon=True).start()
        self.output(f"Say \"{self.wake.phrase}\" then your question, or type one ('quit' ends).")
        while True:
            while not typed.empty():
                line = typed.get()
                if line is None:
                    return LoopEnd.END_OF_INPUT
                if line.strip().lower() in QUIT_WORDS:
                    return LoopEnd.QUIT
                if line.strip() and self._typed_line(line.strip()) is LoopEnd.QUIT:
                    return LoopEnd.QUIT
            # Bounded windows, so typed lines and the end of input are noticed within seconds.
            fired = self.wake.wait(source, max_seconds=self.wake_window_seconds, should_stop=lambda: not typed.empty())
            if fired:
                self.output("Yes? (listening)\a")  # visible cue, and the terminal bell as an audible one
                if self._spoken_turn(source).command == "quit":
                    return LoopEnd.QUIT
            elif getattr(self.wake, "stream_ended", False):
                return LoopEnd.END_OF_INPUT

    def _read_lines(self, typed: "queue.Queue[str | None]") -> None:
        while True:
            try:
                typed.put(self.read_line(""))
            except (EOFError, OSError, ValueError):
                typed.put(None)
                return

    # -- one turn -----------------------------------------------------------------------------

    def _spoken_turn(self, source: Any) -> VoiceTurn:
        try:
            audio = self._early.listen(source)
        except HeardNothing as exc:
            turn = VoiceTurn(None, None, str(exc))
        else:
            endpoint = self.listener.last_endpoint
            since = endpoint.end_of_speech if endpoint is not None else None
            turn = answer_transcript(self.ask, self._early, audio, since=since, command=spoken_command)
        return self._finish(turn)

    def _typed_line(self, line: str) -> LoopEnd | None:
        if line.startswith("/") and self.command is not None:
            return LoopEnd.QUIT if self.command(line) is False else None
        self._typed_turn(line)
        return None

    def _typed_turn(self, question: str) -> VoiceTurn:
        start = time.perf_counter()
        try:
            answer = self.ask(question)
        except AssistantError as exc:  # e.g. BadQuestion: one line, then the next turn
            self.output(str(exc))
            return VoiceTurn(None, None, None, typed=question)
        return self._finish(VoiceTurn(None, answer, None, time.perf_counter() - start, typed=question))

    def _finish(self, turn: VoiceTurn) -> VoiceTurn:
        self.turns.append(turn)
        self.show(self.output, turn)
        if turn.answer is not None:
            self._speak(turn.answer.spoken)
        elif turn.command == "quit":
            self.output("Bye.")
            self._speak("Bye.")
        elif turn.command == "repeat":
            last = next((t.answer for t in reversed(self.turns) if t.answer is not None), None)
            if last is None:
                self.output("Nothing to repeat yet: ask a question.")
                self._speak("Nothing to repeat yet.")
            else:
                self.output(f"(again) {last.text}")
                self._speak(last.spoken)
        return turn

    def _speak(self, text: str) -> None:
        try:
            saved = self.speaker.say(text)
        except DeviceUnavailable as exc:
            # One line, then the loop carries on in silence rather than failing every turn; an
            # answer being saved (--save-audio) is still saved (this one too, whole), only not played.
            self.speaker = after_playback_failed(self.speaker, exc, self.output)
            return
        if saved is not None:
            self.output(f"(saved {saved})")


def run_voice_chat(
    ask: Ask,
    settings: Any,
    vocabulary: Iterable[str] = (),
    corpus_text: str = "",
    wake: bool = False,
    output: Callable[[str], None] = lambda line: None,
    read_line: Callable[[str], str] = input,
    show: Callable[[Callable[[str], None], VoiceTurn], None] = show_turn,
    command: Callable[[str], Any] | None = None,
    recordings: Sequence[Path] = (),
) -> LoopEnd:
    """`assistant chat --voice [--wake]`: build the parts from `settings` and run the loop.

    With `recordings` (`chat --voice --audio-file …`), each file is one spoken turn in place of
    the microphone, heard through the same listener and conversation, and the chat ends after the
    last: follow-ups and spoken commands can be tried without a microphone."""
    from assistant.voice.stt import make_transcriber
    from assistant.voice.tts import make_speaker
    from assistant.voice.wake import WakeSpotter

    source_factory: Callable[[], ContextManager[Any]] = microphone
    if recordings:
        from assistant.voice.audio import RecordedTurns

        turns = RecordedTurns(list(recordings))
        source_factory = lambda: contextlib.nullcontext(turns)  # noqa: E731

        def read_line(prompt: str) -> str:  # "Enter" for each recording, then the end of input
            if not turns.next_turn():
                raise EOFError
            output(f"({turns.current.name})")
            return ""
    else:
        try:
            # Check the device before loading models, so a missing microphone costs no time.
            from assistant.voice.audio import check_microphone

            check_microphone()
        except DeviceUnavailable as exc:
            output(str(exc))
            return LoopEnd.NO_MICROPHONE
    try:
        speaker = checked(make_speaker(settings), output)  # no sound device: said now, not after the first answer
    except DeviceUnavailable as exc:
        output(str(exc))
        speaker = SilentSpeaker()
    loop = VoiceLoop(
        ask,
        make_transcriber(settings, list(vocabulary), corpus_text),
        Listener.from_settings(settings),
        speaker=speaker,
        output=output,
        read_line=read_line,
        source_factory=source_factory,
        wake=WakeSpotter(settings.wake_phrase) if wake else None,
        show=show,
        command=command,
    )
    ended = loop.run()
    unplayed = ", ".join(map(str, turns.paths)) if recordings else ""
    if recordings and ended is LoopEnd.INTERRUPTED and turns.current is not None:  # Ctrl-C
        output(f"(interrupted at {turns.current.name}" + (f"; not played: {unplayed})" if unplayed else ")"))
    elif recordings and unplayed:  # said goodbye with recordings still to come
        left = len(turns.paths)
        output(f"({left} recording{'s' if left > 1 else ''} after the goodbye not played: {unplayed})")
    return ended
