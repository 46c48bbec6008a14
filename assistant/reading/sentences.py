"""What each sentence of the corpus says, worked out once: stems, names, values, speakers."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from assistant.reading.query import story_stems
from assistant.reading.quotes import attribute
from assistant.reading.thesaurus import TITLE_WORDS, equivalents
from assistant.reading.values import PLACE_WORDS, VALUE_PATTERNS, YEAR, typed_values
from assistant.retrieval.lookups import SentenceLookup
from assistant.text import Lexicon, raw_tokens, stem
from assistant.words import words

# "Chinese" speaks of China and "China" of what is Chinese: each stem brings its partner's.
DEMONYMS = {
    **{stem(place): stem(adjective) for place, adjective in words().demonyms},
    **{stem(adjective): stem(place) for place, adjective in words().demonyms},
}


class SentenceTable:
    """Per sentence row: canonical stems and names, typed values, who said it, and stem incidence
    of the sentence with the one before it (`local_matrix`) and of its whole passage."""

    def __init__(self, lookup: SentenceLookup, lexicon: Lexicon) -> None:
        self.lookup = lookup
        self.stems: list[set[str]] = []
        self.names: list[set[str]] = []
        # An acronym english.yaml already pairs with its words ("AI", "artificial") is left to
        # the question's side, where the pair is read: counted on both sides, it moved answers.
        acronyms = {stem(a) for a in lexicon.acronyms if len(equivalents(stem(a))) == 1}
        for passage in lookup.passages:
            for sentence in passage.sentences:
                tokens = raw_tokens(sentence.text)
                stems = {stem(lexicon.canonical(t)) for t in tokens}
                stems |= {DEMONYMS[t] for t in stems if t in DEMONYMS}
                # "…go with a Memorandum of Understanding…" answers "Is the MoU binding?".
                self.stems.append(stems | (lexicon.acronyms_spelt_out(sentence.text) & acronyms))
                self.names.append(
                    {lexicon.canonical(t) for t in tokens if lexicon.canonical(t) in lexicon.proper_nouns}
                )
        self.attribution = attribute(lookup.passages, lookup.rows, lexicon)  # who said quoted sentences
        texts = [s.text for p in lookup.passages for s in p.sentences]
        self.word_counts = [len(t.split()) for t in texts]
        vocabulary = sorted(set().union(*self.stems))
        self.stem_ids = {t: i for i, t in enumerate(vocabulary)}
        self.local_matrix = np.zeros((len(texts), len(vocabulary)), dtype=bool)
        for row in range(len(texts)):
            for t in self.local_stems(row):
                self.local_matrix[row, self.stem_ids[t]] = True
        self.passage_matrix = np.zeros_like(self.local_matrix)
        for passage in lookup.passages:
            members = lookup.owner == passage.id
            self.passage_matrix[members] = self.local_matrix[members].any(axis=0)
        self.values = {kind: [typed_values(t, kind) for t in texts] for kind in VALUE_PATTERNS}
        # A sentence about other parties ("Yesterday, Tencent and Samsung announced…"): it, with
        # the one before it, names someone but none of the story's own partners.
        self.aside = np.zeros(len(texts), dtype=bool)
        for row in range(len(texts)):
            named = self._with_previous(self.names, row)
            parties = {  # names of someone: not a title, a place or an acronym like AI or CES
                n for n in named
                if n not in TITLE_WORDS and n not in PLACE_WORDS and not lexicon.proper_nouns[n].isupper()
            }
            self.aside[row] = bool(parties) and not any(lexicon.is_background(stem(n)) for n in parties)
        # A sentence about an earlier year than the story's own (the latest its datelines give):
        # "This partnership builds on a 2016 deal…" tells the story's past, not the story.
        story_year = max((int(y) for p in lookup.datelines.values() for y in YEAR.findall(p.text)), default=None)
        latest = [max(map(int, YEAR.findall(t)), default=None) for t in texts]
        self.past = np.array([None not in (y, story_year) and y < story_year for y in latest], dtype=bool)
        self.passage_stems = {
            p.id: set().union(*(self.local_stems(lookup.rows[(p.id, i)]) for i in range(len(p.sentences))))
            for p in lookup.passages
        }
        # Articles that tell the story: a passage names it ("the deal", "the partnership").
        self.story_articles = {p.article_id for p in lookup.passages if self.passage_stems[p.id] & story_stems()}

    @cached_property
    def rows_naming(self) -> dict[str, list[int]]:
        """The rows naming each name (canonical, lower-case), made once when first asked for."""
        rows: dict[str, list[int]] = {}
        for row, names in enumerate(self.names):
            for name in names:
                rows.setdefault(name, []).append(row)
        return rows

    def local_stems(self, row: int) -> set[str]:
        """Stems of a sentence with the one before it, and its speaker's name.

        A fact often spans a sentence and the one before it ("...worked together. In 2015,
        they..."); a quoted sentence names its speaker, if only through the attribution.
        """
        return self._near(self.stems, row)

    def local_names(self, row: int) -> set[str]:
        """Names of a sentence with the one before it, and its speaker's (as `local_stems`)."""
        return self._near(self.names, row)

    def _near(self, per_row: list[set[str]], row: int) -> set[str]:
        local = self._with_previous(per_row, row)
        said = self.attribution.get(row)
        return local | set(said.speaker) if said else local

    def _with_previous(self, per_row: list[set[str]], row: int) -> set[str]:
        return per_row[row] | (per_row[row - 1] if self.lookup.position[row] else set())
