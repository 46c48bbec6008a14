"""Voice benchmark: STT speed and word error per engine and biasing step, turn latency, spoken vs typed accuracy."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import jiwer  # noqa: E402
from voice_fixtures import (  # noqa: E402
    QUESTIONS,
    corpus_texts,
    corpus_vocabulary,
    engine_available,
    synthesize,
)

LATENCY_QUESTION = "How many smartphones did Xiaomi sell in 2017?"  # about 3 s as espeak-ng says it


def _configurations(vocabulary, text):
    from assistant.voice.stt.sphinx import SphinxTranscriber
    from assistant.voice.stt.whisper import WhisperTranscriber

    # (label, factory); the first row is the baseline that ratios are measured against.
    return [
        ("faster-whisper greedy, unbiased (baseline)", lambda: WhisperTranscriber(beam_size=1, bias=False)),
        ("faster-whisper beam 5, unbiased", lambda: WhisperTranscriber(bias=False)),
        ("faster-whisper beam 5 + prompt", lambda: WhisperTranscriber(vocabulary, text, repair=False)),
        ("faster-whisper beam 5 + prompt + repair", lambda: WhisperTranscriber(vocabulary, text)),
        ("faster-whisper beam 5 + hotwords + repair", lambda: WhisperTranscriber(vocabulary, text, hotwords=True)),
        ("pocketsphinx default LM", lambda: SphinxTranscriber(bias=False)),
        ("pocketsphinx corpus LM + dict", lambda: SphinxTranscriber(vocabulary, text, repair=False)),
        ("pocketsphinx corpus LM + dict + repair", lambda: SphinxTranscriber(vocabulary, text)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    args = parser.parse_args(argv)

    from assistant.voice.audio import Listener, listen_file
    from assistant.voice.stt import normalize_words

    questions = QUESTIONS[: args.questions]
    texts = corpus_texts()
    text = "\n".join(texts)
    vocabulary = corpus_vocabulary(texts)
    ask = None
    if engine_available():
        from assistant.config import Settings
        from assistant.pipeline import Assistant

        engine = Assistant.load(Settings())
        ask = engine.ask
        vocabulary, text = engine.vocabulary, "\n".join(p.text for p in engine.index.passages)

    with tempfile.TemporaryDirectory() as tmp:
        listener = Listener()
        captured = [listen_file(listener, synthesize(q, Path(tmp) / f"q{i}.wav")) for i, (q, _, _) in enumerate(questions)]
        latency_audio = listen_file(listener, synthesize(LATENCY_QUESTION, Path(tmp) / "latency.wav"))
    refs = [normalize_words(q) for q, _, _ in questions]

    rows = []
    hyps_by_label = {}
    for label, factory in _configurations(vocabulary, text):
        start = time.perf_counter()
        transcriber = factory()
        load = time.perf_counter() - start
        transcriber.transcribe(captured[0])  # warm-up: first call allocates buffers
        transcripts = [transcriber.transcribe(a) for a in captured]
        compute = sum(t.seconds for t in transcripts)
        audio = sum(t.audio_seconds for t in transcripts)
        wer = jiwer.wer(refs, [normalize_words(t.text) or "-" for t in transcripts])
        hyps_by_label[label] = transcripts
        turn = None
        if ask is not None:
            t0 = time.perf_counter()
            ask(transcriber.transcribe(latency_audio).text)
            turn = time.perf_counter() - t0
        rows.append((label, load, compute / audio, wer, turn))

    base_rtf, base_wer = rows[0][2], rows[0][3]
    print(f"{len(questions)} espeak-ng questions, {sum(len(r.split()) for r in refs)} words; "
          f"latency question {latency_audio_seconds(latency_audio):.1f} s of speech; 2 CPU threads")
    print(f"{'configuration':44} {'load s':>7} {'RTF':>6} {'xbase':>6} {'WER':>6} {'xbase':>6} {'turn s':>7}")
    for label, load, rtf, wer, turn in rows:
        turn_text = f"{turn:7.3f}" if turn is not None else "      -"
        print(f"{label:44} {load:7.2f} {rtf:6.3f} {rtf / base_rtf:6.2f} {wer:6.3f} {wer / base_wer:6.2f} {turn_text}")
    print("targets: faster-whisper RTF <= 0.2; voice turn (end of capture -> answer text) <= 0.8 s")

    if ask is None:
        print("answer accuracy: skipped (assistant.engine or its index is not available yet)")
        return 0
    typed = sum(fact.lower() in ask(q).text.lower() for q, _, fact in questions)
    print(f"\nanswer accuracy (expected fact in the answer), {len(questions)} questions:")
    print(f"  typed questions                          {typed / len(questions):6.1%}")
    for label in ("faster-whisper beam 5 + prompt + repair", "faster-whisper greedy, unbiased (baseline)",
                  "pocketsphinx corpus LM + dict + repair"):
        spoken = sum(
            fact.lower() in ask(t.text or "-").text.lower() if t.text else False
            for t, (_, _, fact) in zip(hyps_by_label[label], questions)
        )
        print(f"  spoken, {label:33} {spoken / len(questions):6.1%}  ({(spoken - typed) / len(questions):+.1%} vs typed)")
    print("target: spoken accuracy within 10 points of typed")
    return 0


def latency_audio_seconds(audio) -> float:
    from assistant.voice.audio import audio_seconds

    return audio_seconds(audio)


if __name__ == "__main__":
    raise SystemExit(main())
