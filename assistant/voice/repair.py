"""Transcript repair: map misheard spans back to corpus names by how they sound."""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from assistant.errors import DeviceUnavailable
from assistant.voice.data import voice_data

_LOGGER = logging.getLogger(__name__)

# Longest symbols first so "aI@" is read before "aI" and "a".
_ESPEAK_TO_CMU: dict[str, str] = {
    "aI@": "AY ER", "aI3": "AY ER", "aU@": "AW ER", "i@3": "IY ER",
    "A@": "AA R", "O@": "AO R", "o@": "AO R", "e@": "EH R", "i@": "IY R", "U@": "UH R",
    "aI": "AY", "aU": "AW", "eI": "EY", "oU": "OW", "OI": "OY", "A:": "AA", "O:": "AO",
    "i:": "IY", "u:": "UW", "3:": "ER", "@L": "AH L", "@2": "AH", "@5": "AH", "a#": "AH",
    "I2": "IH", "I#": "IH", "aa": "AE", "tS": "CH", "dZ": "JH", "r-": "R", "t#": "T",
    "l/": "L", "n-": "N", "m-": "M", "@": "AH", "3": "ER", "a": "AE", "A": "AA", "e": "EH",
    "E": "EH", "i": "IY", "I": "IH", "0": "AA", "O": "AO", "o": "OW", "u": "UW", "U": "UH",
    "V": "AH", "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V",
    "T": "TH", "D": "DH", "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "h": "HH", "m": "M",
    "n": "N", "N": "NG", "l": "L", "r": "R", "w": "W", "j": "Y", "x": "K", "*": "T",
}
_ESPEAK_SYMBOL = re.compile("|".join(re.escape(s) for s in sorted(_ESPEAK_TO_CMU, key=len, reverse=True)))
_VOWELS = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())

# How rare a word must be in general English (wordfreq's Zipf scale: 3 is once per million
# words) before repair may treat it as a misheard name on its own. Whisper's mishearings of names
# are mostly real words ("Nairobi", "my room", "people"), and those are left alone unless the
# transcript is plainly about the corpus and the sound is a near match (_IN_CONTEXT_SCORE).
_FOREIGN_ZIPF = 2.0
_IN_CONTEXT_SCORE = 0.8
_EVERYDAY_ZIPF = 4.4
# Substituting within a group (voicing pairs, nasals, sibilants, lips) costs half: these are the
# confusions a recogniser makes on an unfamiliar name.
_NEAR_GROUPS = (
    _VOWELS,
    frozenset("P B M"), frozenset("T D"), frozenset("K G"), frozenset("F V"), frozenset("TH DH"),
    frozenset("S Z SH ZH CH JH"), frozenset("M N NG"), frozenset("L R ER"), frozenset("W UW"),
    frozenset("Y IY"),
)
_NEAR = frozenset((a, b) for group in _NEAR_GROUPS for a in group for b in group if a != b)
_PRIOR_WEIGHT = 0.06
# How alike a span must sound to a distinctive name to be proposed as that name for whisper to
# score (`sound_alikes`). Measured on the spoken dev questions: espeak's "Xiaomi" heard as "Naomi"
# sounds 0.65 like it, "my homey" 0.67, its "Baidu" heard as "baby" 0.62.
SOUND_ALIKE = 0.6
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


@functools.lru_cache(maxsize=1)
def _espeak_binary() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise DeviceUnavailable(
            "espeak-ng is not installed, so unusual names cannot be pronounced. "
            "Install it with `sudo apt-get install espeak-ng`."
        )
    return path


def _quiet_environment() -> dict[str, str] | None:
    """espeak-ng's environment for reading phonemes, which plays nothing: its sound library
    (libpulse) would still make ~/.config/pulse and a /tmp/pulse-* folder on a headless machine,
    so under a command (which points XDG_CACHE_HOME into the project) they go there instead."""
    cache = os.environ.get("XDG_CACHE_HOME")
    if not cache:
        return None  # a library caller's own environment
    config, runtime = Path(cache) / "espeak" / "config", Path(cache) / "espeak" / "runtime"
    try:
        config.mkdir(parents=True, exist_ok=True)
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return {**os.environ, "XDG_CONFIG_HOME": str(config), "XDG_RUNTIME_DIR": str(runtime)}


def espeak_phones(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """CMU phones for each text, from espeak-ng's letter-to-sound rules (one process for all)."""
    if not texts:
        return []
    clean = [re.sub(r"[^A-Za-z' ]+", " ", t).strip() or "a" for t in texts]
    result = subprocess.run(
        [_espeak_binary(), "-q", "-x", "-v", "en-us", "--stdin"],
        env=_quiet_environment(),
        # A blank line between texts: espeak reads lines without punctuation as one clause and
        # would answer all of them on one line, sending this to one process per text (~80 a
        # question, 0.8 s).
        input="\n\n".join(clean) + "\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if len(lines) != len(clean):
        # espeak split or merged a clause; fall back to one call each so indices stay aligned.
        return [espeak_phones([t])[0] if len(clean) > 1 else _parse_espeak(" ".join(lines)) for t in clean]
    return [_parse_espeak(line) for line in lines]


def _parse_espeak(line: str) -> tuple[str, ...]:
    phones: list[str] = []
    for symbol in _ESPEAK_SYMBOL.findall(line.replace("'", "").replace(",", "")):
        phones.extend(_ESPEAK_TO_CMU[symbol].split())
    return tuple(phones)


def _english_frequency() -> Callable[[str], float]:
    """wordfreq's Zipf frequency of an English word; without wordfreq every word counts as ordinary."""
    frequency = _english_frequency_quiet()
    if frequency is None:
        _LOGGER.warning("wordfreq is not installed, so transcript repair is off: pip install wordfreq")
        return lambda word: 99.0
    return frequency


def everyday_word(word: str) -> bool:
    """A word common in everyday English ("Office", "Group"): not a name worth biasing towards.

    Without wordfreq no word counts as everyday.
    """
    frequency = _english_frequency_quiet()
    return frequency is not None and frequency(word.lower()) >= _EVERYDAY_ZIPF


def english_zipf(word: str) -> float | None:
    """wordfreq's Zipf frequency of a lower-case English word (0 when unknown); None without wordfreq."""
    frequency = _english_frequency_quiet()
    return None if frequency is None else frequency(word)


@functools.lru_cache(maxsize=1)
def _english_frequency_quiet() -> Callable[[str], float] | None:
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        return None
    return functools.lru_cache(maxsize=4096)(lambda word: zipf_frequency(word, "en"))


@dataclass(frozen=True)
class Repair:
    """One replacement: what was heard, what it became, and how alike they sound (0-1)."""

    heard: str
    term: str
    score: float


def _indel(phone: str) -> float:
    # Recognisers drop and add unstressed vowels far more often than consonants.
    return 0.6 if phone in _VOWELS else 1.0


def phone_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """1 - weighted edit distance / longer length; near phones (see _NEAR_GROUPS) cost half."""
    if not a or not b:
        return 0.0
    prev = [0.0]
    for pb in b:
        prev.append(prev[-1] + _indel(pb))
    for pa in a:
        cur = [prev[0] + _indel(pa)]
        for j, pb in enumerate(b, 1):
            sub = 0.0 if pa == pb else 0.5 if (pa, pb) in _NEAR else 1.0
            cur.append(min(prev[j] + _indel(pa), cur[j - 1] + _indel(pb), prev[j - 1] + sub))
        prev = cur
    return max(0.0, 1.0 - prev[-1] / max(len(a), len(b)))


class TranscriptRepairer:
    """Replace spans that are not corpus words with the corpus name they sound most like."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        known_words: Iterable[str] = (),
        threshold: float = 0.65,
        max_span: int = 3,
    ) -> None:
        self.threshold = threshold
        self.max_span = max_span
        # Vocabulary comes most frequent first; that order is a prior, as in any recogniser.
        terms = list(dict.fromkeys(t.strip() for t in vocabulary if t and t.strip()))
        self._prior = {t: 1.0 - rank / max(1, len(terms)) for rank, t in enumerate(terms)}
        # Known: the corpus's words, its names, and the names the data file says how to pronounce
        # (the articles write "Harry Shun"; people say "Shum").
        self._known = {w.lower() for w in known_words} | {w.lower() for t in terms for w in t.split()}
        self._known |= set(voice_data().name_phones)
        self._names = {t.lower() for t in terms}
        self._english = _english_frequency()
        # Words of corpus names that mark a transcript as being about the corpus ("Cortana",
        # "Wang"), leaving out everyday words that names also use ("Apple", "Office").
        self._context_words = {w for t in terms for w in t.lower().split() if self._english(w) < _EVERYDAY_ZIPF}
        self._distinctive = {
            t for t in terms if len(t) > 3 and not t.isupper() and all(w in self._context_words for w in t.lower().split())
        }
        # A repair restores a name whisper could not spell. Everyday words it spells anyway, so no
        # span becomes one: a trial's "my homie's cheap smart speaker" had become "my Chinese…".
        terms = [t for t in terms if any(w in self._context_words for w in t.lower().split())]
        readings = espeak_phones(terms)
        # espeak's reading of a name is kept (synthesised test speech uses it), and the usual
        # human pronunciations from the data file are added beside it.
        name_phones = voice_data().name_phones
        self._terms: list[tuple[str, tuple[str, ...]]] = []
        for term, reading in zip(terms, readings):
            variants = {reading}
            words = term.lower().split()
            if all(w in name_phones for w in words):
                for combo in _combinations([name_phones[w] for w in words]):
                    variants.add(tuple(combo.split()))
            for variant in variants:
                if len(variant) >= 3:
                    self._terms.append((term, variant))

    def _in_corpus(self, word: str) -> bool:
        w = word.lower().replace("’", "'")
        stems = {w, w.removesuffix("'s"), w.removesuffix("s"), w.removesuffix("es"), w.removesuffix("ed"),
                 w.removesuffix("ing"), w + "s", w + "es", w + "ed"}
        return any(s in self._known for s in stems)

    def _kinds(self, words: list[str]) -> list[str]:
        """Each word: "corpus" (the articles use it), "english" (ordinary English) or "foreign" (neither)."""
        kinds = []
        for word in words:
            if self._in_corpus(word):
                kinds.append("corpus")
            elif self._english(word.lower().replace("’", "'")) >= _FOREIGN_ZIPF:
                kinds.append("english")
            else:
                kinds.append("foreign")
        return kinds

    def _spans(self, words: list[re.Match[str]], suspect: list[bool]) -> list[tuple[int, int]]:
        """Word spans (i, j) of up to `max_span` words that may be a misheard name.

        A span must hold a suspect word, must not already hold a name, and may only reach past
        suspects into short function words: "will my robot" must not become "Microsoft".
        """
        named = [m.group().lower() in self._names for m in words]
        edge_ok = [u or len(m.group()) <= 3 for u, m in zip(suspect, words)]
        return [
            (i, j)
            for i in range(len(words))
            for j in range(i + 1, min(len(words), i + self.max_span) + 1)
            if any(suspect[i:j]) and edge_ok[i] and edge_ok[j - 1] and not any(named[i:j])
        ]

    def _sounds(self, heard: tuple[str, ...], distinctive_only: bool) -> Iterator[tuple[str, float]]:
        """(term, how alike it sounds to `heard`) for every reading of every term worth comparing."""
        for term, variant in self._terms:
            if distinctive_only and term not in self._distinctive:
                continue
            if abs(len(variant) - len(heard)) > max(2, len(variant) // 2):
                continue
            score = phone_similarity(heard, variant)
            # Short sounds ("put", "Shun") match too much by chance: ask for near identity.
            if min(len(heard), len(variant)) <= 3 and score < 0.8:
                continue
            yield term, score

    def find(self, text: str) -> list[tuple[int, int, Repair]]:
        """Non-overlapping (start, end, Repair) character spans worth replacing, left to right."""
        words = list(_WORD.finditer(text))
        kinds = self._kinds([m.group() for m in words])
        # Ordinary English words the corpus never uses are suspects only in a transcript that
        # names a corpus term: "Will my room put Cortana..." but never "Play music in my room".
        in_context = any(m.group().lower() in self._context_words for m in words)
        spans = self._spans(words, [k == "foreign" or (k == "english" and in_context) for k in kinds])
        if not spans or not self._terms:
            return []
        phones = espeak_phones([" ".join(m.group() for m in words[i:j]) for i, j in spans])
        scored: list[tuple[float, int, int, str]] = []
        for (i, j), heard in zip(spans, phones):
            # Without a foreign word the span is ordinary English: it may only become a
            # distinctive name ("my room" -> Xiaomi), never an everyday word or an acronym
            # ("take" is not "Tech", "CEO say" is not "CES"), and only on a near-identical sound.
            ordinary = "foreign" not in kinds[i:j]
            best_term, best = "", 0.0
            for term, score in self._sounds(heard, distinctive_only=ordinary):
                score += _PRIOR_WEIGHT * self._prior[term]
                if score > best:
                    best_term, best = term, score
            _LOGGER.debug("span %r best %r %.2f", " ".join(m.group() for m in words[i:j]), best_term, best)
            needed = max(self.threshold, _IN_CONTEXT_SCORE) if ordinary else self.threshold
            if best >= needed:
                scored.append((best, i, j, best_term))
        chosen: list[tuple[int, int, Repair]] = []
        taken: set[int] = set()
        for score, i, j, term in sorted(scored, key=lambda s: (-s[0], -(s[2] - s[1]))):
            if taken.intersection(range(i, j)):
                continue
            taken.update(range(i, j))
            heard = text[words[i].start() : words[j - 1].end()]
            chosen.append((words[i].start(), words[j - 1].end(), Repair(heard, term, round(score, 3))))
        return sorted(chosen, key=lambda c: c[0])

    def sound_alikes(self, text: str, threshold: float = SOUND_ALIKE, limit: int = 2) -> list[tuple[str, Repair]]:
        """Up to `limit` readings of `text`, each with one span put as a distinctive name it sounds like.

        Proposals, not repairs: any words the articles never use may be a misheard name here
        ("Tell me about the Naomi smart speaker", "what is baby pushing in China"), with no
        corpus name beside them and a looser sound than `find` asks for. Only whisper, scoring
        each against the audio, may keep one (WhisperTranscriber); most sound nothing like it.
        """
        words = list(_WORD.finditer(text))
        spans = self._spans(words, [k != "corpus" for k in self._kinds([m.group() for m in words])])
        if not spans or not self._terms:
            return []
        phones = espeak_phones([" ".join(m.group() for m in words[i:j]) for i, j in spans])
        proposals = sorted(
            ((score, j - i, i, j, term) for (i, j), heard in zip(spans, phones)
             for term, score in self._sounds(heard, distinctive_only=True) if score >= threshold),
            reverse=True,
        )
        readings: dict[str, Repair] = {}
        for score, _length, i, j, term in proposals:
            start, end = words[i].start(), words[j - 1].end()
            reading = text[:start] + term + text[end:]
            readings.setdefault(reading, Repair(text[start:end], term, round(score, 3)))
            if len(readings) == limit:
                break
        return list(readings.items())

    def apply(self, text: str) -> tuple[str, list[Repair]]:
        """The text with each chosen span replaced by its corpus term, and the repairs made (one espeak call)."""
        out, last, fixes = [], 0, []
        for start, end, fix in self.find(text):
            _LOGGER.debug("repair %r -> %r (%.2f)", fix.heard, fix.term, fix.score)
            out.append(text[last:start])
            out.append(fix.term)
            last = end
            fixes.append(fix)
        out.append(text[last:])
        return "".join(out), fixes

    def repair(self, text: str) -> str:
        """The text with each chosen span replaced by its corpus term."""
        return self.apply(text)[0]


def _combinations(options: list[tuple[str, ...]]) -> list[str]:
    combos = [""]
    for choices in options:
        combos = [f"{c} {p}".strip() for c in combos for p in choices]
    return combos
