"""`assistant eval`: its flags, and the one call that runs the suite, prints the table and writes reports."""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.evaluation import DEFAULT_SUITE, HIGHER_IS_BETTER, LOWER_IS_BETTER
from assistant.voice import ALL_TEST_VOICES, PIPER_LENGTH_SCALES, STT_ENGINES, TEST_VOICES

# Every command builds this parser: the suite, run and metrics modules (and the settings, which
# load pydantic) are imported when `assistant eval` runs, not for `assistant ask` or `--help`.
if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.evaluation.metrics import Evaluation, Metrics, Threshold
    from assistant.evaluation.run import AssistantLike, ItemResult, RunResult
    from assistant.evaluation.suite import Suite

_LOGGER = logging.getLogger(__name__)

RETRIEVERS = ("bm25", "dense", "hybrid")  # "all" runs them in this order: the baselines first
_CORPUS_SUFFIXES = (".md", ".txt")
_TEST_VOICE_RATE = 200  # words a minute: pyttsx3's espeak default, pinned (see _test_speaker)

# argparse dest -> run_eval keyword. Dests carry an eval_ prefix so that a global flag of the same
# name on the main parser (--retriever) is never overwritten by this subcommand's default.
_OPTIONS = {
    "eval_suite": "suite",
    "eval_retriever": "retriever",
    "eval_reader": "reader",
    "eval_voice": "voice",
    "eval_stt_engine": "stt_engine",
    "eval_test_voice": "test_voices",
    "eval_syntheses": "syntheses",
    "eval_json_out": "json_out",
    "eval_report": "report",
    "eval_fail_under": "fail_under",
    "eval_fail_over": "fail_over",
    "eval_max_false_abstentions": "max_false_abstentions",
    "eval_progress": "progress",
    "eval_items": "items",
}


def _threshold_type(upper: bool) -> Callable[[str], Threshold]:
    def parse(spec: str) -> Threshold:
        from assistant.evaluation.metrics import parse_threshold

        try:
            return parse_threshold(spec, upper=upper)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _whole(low: int, high: int | None, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high` (or more, without one)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return parse


_positive = _whole(1, 20, "a number of syntheses from 1 to 20")
_count = _whole(0, None, "a number of questions (0 or more)")


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `assistant eval` flags to `parser` (the subcommand's parser)."""
    parser.add_argument(
        "--suite", dest="eval_suite", type=Path, metavar="PATH",
        help=f"question suite YAML (default: {DEFAULT_SUITE} in the project home)",
    )
    parser.add_argument(
        "--retriever", dest="eval_retriever", type=str.lower, choices=(*RETRIEVERS, "all"),
        help="retrieval mode to evaluate; 'all' runs bm25, dense and hybrid side by side "
        "(default: the configured retriever)",
    )
    from assistant.reading import READERS

    parser.add_argument(
        "--reader", dest="eval_reader", type=str.lower, choices=(*READERS, "all"),
        help="reader to evaluate; 'all' runs every reader side by side (default: the configured reader)",
    )
    parser.add_argument(
        "--voice", dest="eval_voice", action="store_true",
        help="also ask every question by voice: synthesise it (TTS), transcribe it (STT), answer the "
        "transcript; adds word error rate and voice accuracy",
    )
    parser.add_argument(
        "--stt", dest="eval_stt_engine", type=str.lower, choices=STT_ENGINES,
        help="speech-to-text engine for --voice (default: the configured one)",
    )
    parser.add_argument(
        "--test-voice", dest="eval_test_voice", action="append", type=str.lower, choices=(*TEST_VOICES, "all"),
        help="with --voice: the synthetic speaker of the questions: espeak (espeak-ng's default voice), espeak-us "
        "(its American English; best alone), piper (natural), piper-slow / piper-fast (the same at 1.2 / 0.85 times "
        "its phoneme length) (repeatable; 'all' for espeak and piper; default espeak)",
    )
    parser.add_argument(
        "--syntheses", dest="eval_syntheses", type=_positive, default=1, metavar="N",
        help="with --voice: each test voice speaks the suite N times (Piper's voice differs each time); "
        "adds a line with each synthesis's spoken accuracy and their mean (default 1)",
    )
    parser.add_argument("--json-out", dest="eval_json_out", type=Path, metavar="PATH",
                        help="write every answer and metric as JSON")
    parser.add_argument("--report", dest="eval_report", type=Path, metavar="PATH",
                        help="write a Markdown report, with PNG charts beside it")
    parser.add_argument(
        "--fail-under", dest="eval_fail_under", action="extend", nargs="+", default=[], metavar="METRIC=VALUE",
        type=_threshold_type(upper=False),
        help=f"exit 1 if METRIC is below VALUE (one or more, repeatable); METRIC: {', '.join(HIGHER_IS_BETTER)}",
    )
    parser.add_argument(
        "--fail-over", dest="eval_fail_over", action="extend", nargs="+", default=[], metavar="METRIC=VALUE",
        type=_threshold_type(upper=True),
        help=f"exit 1 if METRIC is above VALUE (one or more, repeatable); METRIC: {', '.join(LOWER_IS_BETTER)}",
    )
    parser.add_argument(
        "--max-false-abstentions", dest="eval_max_false_abstentions", type=_count, metavar="N",
        help="exit 1 if the assistant abstains on more than N answerable questions",
    )
    parser.add_argument("--no-progress", dest="eval_progress", action="store_false",
                        help="no progress bar on stderr")
    parser.add_argument("--totals-only", dest="eval_items", action="store_false",
                        help="print totals and breakdowns only, no question or answer (for a blind test set)")


def eval_options(args: argparse.Namespace) -> dict[str, Any]:
    """The `run_eval` keywords from parsed arguments (plain values only)."""
    values = vars(args)
    return {keyword: values[dest] for dest, keyword in _OPTIONS.items() if dest in values}


def _known_articles(settings: Settings) -> list[str] | None:
    folder = settings.corpus_path
    if not folder.is_dir():
        return None
    ids = [p.stem for p in folder.iterdir() if p.suffix in _CORPUS_SUFFIXES]
    return ids or None


def _load_assistant(settings: Settings) -> AssistantLike:
    from assistant.pipeline import Assistant

    return Assistant.load(settings)


def _settings_summary(settings: Settings, voice: bool) -> dict[str, Any]:
    from assistant import __version__

    summary: dict[str, Any] = {
        "version": __version__,
        "embedding_model": settings.embedding_model,
        "query_encoder": settings.query_encoder,
        "top_k": settings.top_k,
        "reader": settings.reader,
        "max_answer_words": settings.max_answer_words,
    }
    if voice:
        summary.update(stt_engine=settings.stt_engine, whisper_model=settings.whisper_model, stt_bias=settings.stt_bias)
    return summary


def run_eval(
    settings: Settings,
    *,
    suite: str | Path | None = None,
    retriever: str | None = None,
    reader: str | None = None,
    voice: bool = False,
    stt_engine: str | None = None,
    test_voices: Sequence[str] | None = None,
    syntheses: int = 1,
    json_out: str | Path | None = None,
    report: str | Path | None = None,
    fail_under: Iterable[Threshold | str] = (),
    fail_over: Iterable[Threshold | str] = (),
    max_false_abstentions: int | None = None,
    progress: bool = True,
    items: bool = True,
    console: Any = None,
    load_assistant: Callable[[Settings], AssistantLike] = _load_assistant,
) -> int:
    """Run `assistant eval`; returns the exit code: 0, or 1 when a threshold fails.

    Raises `SuiteError` (exit 2) for a malformed suite and other `AssistantError`s as they come.
    """
    from rich.console import Console

    from assistant.evaluation.metrics import Threshold, parse_threshold
    from assistant.evaluation.suite import load_suite

    console = console or Console()
    settings = settings.replace(stt_engine=stt_engine)
    thresholds = [t if isinstance(t, Threshold) else parse_threshold(t) for t in fail_under]
    thresholds += [t if isinstance(t, Threshold) else parse_threshold(t, upper=True) for t in fail_over]
    if max_false_abstentions is not None:
        thresholds.append(Threshold("false_abstentions", float(max_false_abstentions), upper=True))

    if not voice:
        spoken_only = [flag for flag, given in (("--stt", stt_engine), ("--test-voice", test_voices),
                                                ("--syntheses", syntheses != 1)) if given]
        if spoken_only:
            _LOGGER.warning("%s appl%s to eval --voice; without it every question is typed.",
                            " and ".join(spoken_only), "ies" if len(spoken_only) == 1 else "y")
    outputs = {"--json-out": json_out, "--report": report}
    for flag, target in outputs.items():  # before a run of minutes, not after it
        _check_output(flag, target)
    suite_path = Path(suite) if suite is not None else settings.home / DEFAULT_SUITE
    loaded = load_suite(suite_path, known_articles=_known_articles(settings))
    retrievers = list(RETRIEVERS) if retriever == "all" else [retriever or settings.retriever]
    from assistant.reading import READERS

    readers = list(READERS) if reader == "all" else [reader or settings.reader]

    voices = list(ALL_TEST_VOICES) if "all" in (test_voices or ()) else list(dict.fromkeys(test_voices or ("espeak",)))
    evaluation = evaluate(
        loaded, settings, retrievers=retrievers, readers=readers, voice=voice, thresholds=thresholds,
        load_assistant=load_assistant, show_progress=progress, test_voices=voices, syntheses=syntheses,
    )
    console.print(render(evaluation, items=items))
    for name, stats in evaluation.settings.get("test_voices", {}).items():
        console.print(f"{name} voice: WER {stats['wer_before_repair']} before repair; {stats['repairs']} repairs "
                      f"helped {stats['helped']}, hurt {stats['hurt']}, changed nothing {stats['neutral']}",
                      markup=False, soft_wrap=True)  # one line each, for grep and for the eye
        for example in stats["hurt_examples"] if items else ():
            console.print(f"  hurt: {example}", markup=False)
    for name, spread in evaluation.settings.get("syntheses", {}).items():
        console.print(f"{name} voice, {len(spread['accuracy'])} syntheses: spoken accuracy "
                      f"{' '.join(f'{a:.3f}' for a in spread['accuracy'])}, mean {spread['mean_accuracy']:.3f} "
                      f"(typed {spread['typed']:.3f}, gap {spread['mean_gap']:+.3f}); WER mean {spread['mean_wer']:.3f}",
                      markup=False, soft_wrap=True)
    if json_out is not None:
        from assistant.evaluation.report import write_json

        with _writing("--json-out", json_out):
            console.print(f"Wrote {write_json(evaluation, json_out, items=items)}")
    if report is not None:
        from assistant.evaluation.report import write_markdown_report

        with _writing("--report", report):
            files = write_markdown_report(evaluation, report, items=items)
        console.print(f"Wrote {files[0]} (charts: {', '.join(p.name for p in files[1:])})")
    return 1 if evaluation.failures else 0


def _check_output(flag: str, target: str | Path | None) -> None:
    """A report path that can never be written (a folder, or inside a file), or that would need a
    new tree of folders (a typo: "/nonexistent/dir/r.md"), is bad input: exit 2."""
    from assistant.config import folder_problem, new_tree_problem
    from assistant.errors import BadSetting

    if target is None:
        return
    path = Path(target)
    if path.is_dir():
        raise BadSetting(f"bad setting {flag} {path}: is a folder; give a file name")
    problem = folder_problem(path.parent)
    if problem:
        raise BadSetting(f"bad setting {flag} {path}: its folder {path.parent} {problem}")
    problem = new_tree_problem(path.parent)
    if problem:
        raise BadSetting(f"bad setting {flag} {path}: its folder {path.parent}: {problem}")


@contextlib.contextmanager
def _writing(flag: str, target: str | Path) -> Iterator[None]:
    from assistant.errors import BadSetting

    try:
        yield
    except OSError as exc:
        raise BadSetting(f"bad setting {flag} {target}: cannot write it ({exc.strerror or exc})") from None


def render(evaluation: Evaluation, *, items: bool = True) -> Any:
    """The terminal table (a rich renderable)."""
    from assistant.evaluation.report import render_table

    return render_table(evaluation, items=items)


def evaluate(
    suite: Suite,
    settings: Settings,
    *,
    retrievers: Sequence[str],
    readers: Sequence[str] = (),
    voice: bool = False,
    thresholds: Sequence[Threshold] = (),
    load_assistant: Callable[[Settings], AssistantLike] = _load_assistant,
    show_progress: bool = True,
    test_voices: Sequence[str] = ("espeak",),
    syntheses: int = 1,
) -> Evaluation:
    """Run `suite` with each reader and retriever (typed, and by each test voice if asked), summarise,
    check the gates.

    With `syntheses` > 1 each test voice speaks the suite that many times; the runs are
    `voice-piper`, `voice-piper#2`, ... and the gates read the first.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from assistant.evaluation.metrics import Evaluation, check_thresholds, summarise
    from assistant.evaluation.run import run_suite

    runs: list[RunResult] = []
    n = len(suite.items)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), disable=not show_progress, transient=False) as bar:
        heard: dict[str, dict[str, Any]] = {}  # test voice -> item id -> Transcript
        readers = list(readers) or [settings.reader]
        for reader, name in [(reader, name) for reader in readers for name in retrievers]:
            shown_reader = reader if len(readers) > 1 else None
            assistant = load_assistant(settings.replace(retriever=name, reader=reader))
            for test_voice in test_voices if voice else ():
                for take in range(1, syntheses + 1):
                    key = test_voice if take == 1 else f"{test_voice}#{take}"
                    if key in heard:
                        continue
                    task = bar.add_task(f"{key}: speaking + transcribing", total=n)
                    heard[key] = transcribe_suite(
                        suite, settings, assistant, lambda _id, task=task: bar.advance(task), test_voice=test_voice,
                        take=take,
                    )
            modes = ["typed"] + [f"voice-{v}" for v in heard]
            for mode in modes:
                task = bar.add_task("/".join(p for p in (shown_reader, name, mode) if p), total=n)

                def advance(_result: ItemResult, task: Any = task) -> None:
                    bar.advance(task)

                spoken = heard[mode[6:]] if mode != "typed" else {}
                runs.append(run_suite(
                    suite, assistant, retriever=name, mode=mode, reader=shown_reader, progress=advance,
                    asked={i: t.text for i, t in spoken.items()} if spoken else None,
                    alternatives={i: t.alternatives for i, t in spoken.items()},
                ))
    metrics = [summarise(run) for run in runs]
    primary_retriever = settings.retriever if settings.retriever in retrievers else retrievers[-1]
    primary_reader = settings.reader if settings.reader in readers and len(readers) > 1 else None
    primary = next(
        i for i, r in enumerate(runs)
        if r.retriever == primary_retriever and r.mode == "typed" and r.reader == primary_reader
    )
    voice_metrics: Metrics | None = next(
        (m for r, m in zip(runs, metrics)
         if r.retriever == primary_retriever and r.mode.startswith("voice") and r.reader == primary_reader), None
    )
    failures = check_thresholds(metrics[primary], thresholds, voice=voice_metrics)
    return Evaluation(
        suite=suite,
        runs=tuple(runs),
        metrics=tuple(metrics),
        primary=primary,
        thresholds=tuple(thresholds),
        failures=tuple(failures),
        settings={**_settings_summary(settings, voice), **_repair_summary(suite, heard),
                  **_synthesis_summary(runs, metrics, primary)},
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def transcribe_suite(
    suite: Suite,
    settings: Settings,
    assistant: AssistantLike,
    advance: Callable[[str], None] | None = None,
    test_voice: str = "espeak",
    take: int = 1,
) -> dict[str, Any]:
    """Speak every question to a WAV with a test voice and hear it as `ask --audio-file` does: {item id: Transcript}.

    Each WAV goes through the microphone's path: Silero VAD endpointing with early transcription,
    then the STT engine and repair. The only place evaluation touches the voice layer, so typed
    runs never import it. WAVs go to `<save_audio_dir>/eval/<voice>[-<take>]/` when
    `settings.save_audio_dir` is set, else to a temporary folder.
    """
    import tempfile

    from assistant.voice.loop import hear_file
    from assistant.voice.stt import make_transcriber

    speaker = _test_speaker(settings, test_voice, seed=take)
    transcriber = make_transcriber(settings, list(getattr(assistant, "vocabulary", [])), getattr(assistant, "corpus_text", ""))
    heard: dict[str, Any] = {}
    settings.cache_dir.mkdir(parents=True, exist_ok=True)  # scratch WAVs stay inside the project
    with tempfile.TemporaryDirectory(prefix="eval-speech-", dir=settings.cache_dir) as scratch:
        name = test_voice if take == 1 else f"{test_voice}-{take}"
        folder = settings.save_audio_dir / "eval" / name if settings.save_audio_dir else Path(scratch)
        hear = hear_file(transcriber, settings)
        for item in suite.items:
            wav = _synthesize(speaker, item.question, folder / f"{item.id}.wav")
            transcript = hear(wav)
            heard[item.id] = transcript
            _LOGGER.info("%s: said %r, heard %r", item.id, item.question, transcript.text)
            if advance is not None:
                advance(item.id)
    return heard


def _test_speaker(settings: Settings, test_voice: str, seed: int = 1) -> Any:
    """The synthetic speaker of the questions: espeak-ng (through pyttsx3; its default voice, or American English) or Piper's natural voice.

    Piper's voice is sampled with `seed`, so a run can be made again and `--syntheses` takes
    (seeds 1, 2, 3…) differ; espeak's is the same every time.
    """
    from assistant.voice.tts import PiperSpeaker, Pyttsx3Speaker

    if test_voice in PIPER_LENGTH_SCALES:
        return PiperSpeaker(play=False, length_scale=PIPER_LENGTH_SCALES[test_voice], seed=seed)
    voice = "gmw/en-US" if test_voice == "espeak-us" else settings.tts_voice
    # pyttsx3 sets 200 words a minute at start-up, but espeak sometimes reports its voice's own 175
    # back, and the speaker takes what is reported: the test voice must not change speed between runs.
    rate = settings.tts_rate or _TEST_VOICE_RATE
    return Pyttsx3Speaker(voice=voice, rate=rate, volume=settings.tts_volume, play=False)


def _synthesis_summary(runs: Sequence[RunResult], metrics: Sequence[Metrics], primary: int) -> dict[str, Any]:
    """Per test voice spoken more than once: each synthesis's spoken accuracy and WER, and their means.

    Piper's voice differs from one synthesis to the next, so one run's gap to typed is a sample;
    the mean over syntheses is the number to hold against a bar.
    """
    typed = metrics[primary].accuracy or 0.0
    takes: dict[str, list[Metrics]] = {}
    for run, m in zip(runs, metrics):
        if run.mode.startswith("voice-") and run.retriever == runs[primary].retriever and run.reader == runs[primary].reader:
            takes.setdefault(run.mode[len("voice-"):].split("#")[0], []).append(m)
    summary: dict[str, Any] = {}
    for name, ms in takes.items():
        if len(ms) < 2:
            continue
        accuracy = [m.accuracy or 0.0 for m in ms]
        wer = [m.wer or 0.0 for m in ms]
        mean = sum(accuracy) / len(accuracy)
        summary[name] = {"accuracy": [round(a, 4) for a in accuracy], "wer": [round(w, 4) for w in wer],
                         "mean_accuracy": round(mean, 4), "mean_wer": round(sum(wer) / len(wer), 4),
                         "typed": round(typed, 4), "mean_gap": round(mean - typed, 4)}
    return {"syntheses": summary} if summary else {}


def _repair_summary(suite: Suite, heard: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per test voice: WER before repair, and how many repaired transcripts got closer to the question or further."""
    from assistant.evaluation.metrics import word_error_rate

    if not heard:
        return {}
    questions = {item.id: item.question for item in suite.items}
    summary: dict[str, Any] = {}
    for test_voice, transcripts in heard.items():
        helped = hurt = neutral = repairs = 0
        hurt_examples: list[str] = []
        for item_id, t in transcripts.items():
            if not t.repairs:
                continue
            repairs += len(t.repairs)
            before = word_error_rate([questions[item_id]], [t.raw_text]) or 0.0
            after = word_error_rate([questions[item_id]], [t.text]) or 0.0
            helped, hurt, neutral = helped + (after < before), hurt + (after > before), neutral + (after == before)
            if after > before:
                hurt_examples.append(f"{t.raw_text!r} -> {t.text!r}")
        ids = list(transcripts)
        wer = word_error_rate([questions[i] for i in ids], [transcripts[i].raw_text for i in ids])
        summary[test_voice] = {"wer_before_repair": round(wer or 0.0, 3), "repairs": repairs,
                               "helped": helped, "hurt": hurt, "neutral": neutral, "hurt_examples": hurt_examples}
    return {"test_voices": summary}


def _synthesize(speaker: Any, text: str, path: Path, attempts: int = 2) -> Path:
    from assistant.errors import DeviceUnavailable

    for _ in range(attempts - 1):
        try:
            return speaker.synthesize(text, path)
        except DeviceUnavailable as exc:
            # espeak under load now and then writes nothing: retry before giving up on the run.
            _LOGGER.warning("speech synthesis of %s failed (%s); trying again", path.name, exc)
    return speaker.synthesize(text, path)
