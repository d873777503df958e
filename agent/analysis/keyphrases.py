"""Fine-grained topics: keyphrases stated by the papers themselves.

Candidates are runs of content words between stopwords and punctuation (as in RAKE), and
their 1-4 word sub-phrases. A phrase scores by how many papers in scope state it, how rare it
is in the reference corpus of other researchers' papers (so "deep learning" ranks below
"approximate product property"), and its length. Every phrase is a literal span of the papers
it lists, so it can be cited and checked.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from retrieval.similarity import stable

from ..language import FILLER, STOPWORDS, split_sentences, stem

_SPLIT = re.compile(r"[.,;:!?()\[\]{}\"“”/]|\s-\s|\$[^$]*\$")
_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9\-']*$")
# Words that may sit inside a phrase but never start or end one ("of" in "theory of games").
_INNER = frozenset({"of", "for", "in", "on", "with"})
# Word endings that rarely close a noun phrase: adverbs, past participles, adjectives.
_BAD_END = ("ly", "ed", "al", "ic", "ive", "ous", "ful", "ary", "able")
_NOUNS_ANYWAY = frozenset(
    [
        "signal",
        "interval",
        "material",
        "potential",
        "trial",
        "tutorial",
        "critic",
        "logic",
        "topic",
        "music",
        "graphic",
        "seed",
        "speed",
        "need",
        "embed",
        "bed",
        "red",
        "feed",
        "bleed",
    ]
)
# Hyphenated modifiers that end adjective phrases ("low-rank", "large-scale").
_MODIFIER_TAILS = frozenset(
    [
        "rank",
        "scale",
        "grained",
        "time",
        "level",
        "based",
        "aware",
        "free",
        "specific",
        "efficient",
        "precision",
        "order",
        "wise",
        "like",
        "driven",
        "oriented",
        "dependent",
        "invariant",
        "agnostic",
        "resolution",
        "dimensional",
    ]
)
_BAD_ANY = frozenset({"state-of-the-art", "so-called", "well-known", "real-world", "end-to-end"})
_MAX_LEN = 4


@dataclass
class Phrase:
    key: tuple[str, ...]  # stemmed words
    surface: Counter[str] = field(default_factory=Counter)
    papers: set[str] = field(default_factory=set)
    in_title: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return self.surface.most_common(1)[0][0]


def _runs(text: str) -> list[list[str]]:
    runs: list[list[str]] = []
    for piece in _SPLIT.split(text):
        run: list[str] = []
        for tok in piece.split():
            tok = tok.strip("'")
            low = tok.lower()
            if not _TOKEN.match(tok) or low in FILLER or (low in STOPWORDS and low not in _INNER):
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(tok)
        if run:
            runs.append(run)
    return runs


@lru_cache(maxsize=65536)
def _candidates(text: str) -> frozenset[tuple[tuple[str, ...], str]]:
    """(stemmed key, surface) of every candidate phrase; cached, since the reference corpus
    is the same for every profile in a store."""
    out: set[tuple[tuple[str, ...], str]] = set()
    for run in _runs(text):
        for n in range(1, _MAX_LEN + 1):
            for i in range(len(run) - n + 1):
                words = run[i : i + n]
                first, last = words[0].lower(), words[-1].lower()
                if first in _INNER or last in _INNER or first.endswith("ly"):
                    continue
                if last.endswith(_BAD_END) and last not in _NOUNS_ANYWAY and not _named(words[-1]):
                    continue
                if any(w.lower() in _BAD_ANY or w.lower().endswith("ly") for w in words):
                    continue
                if "-" in last and last.rsplit("-", 1)[1] in _MODIFIER_TAILS:
                    continue
                if n == 1 and not _single_ok(words[0]):
                    continue
                key = tuple(stem(w) for w in words)
                out.add((key, " ".join(words)))
    return frozenset(out)


def _named(word: str) -> bool:
    # A name or acronym: "StarCraft", "QCD", "LLMs", "BoRP".
    return bool(re.search(r"[A-Z].*[A-Z]|[a-z][A-Z]", word))


def _single_ok(word: str) -> bool:
    # One word is a topic only when it names something; "exploration" or "efficiency" is not.
    return (_named(word) and not word.isupper()) or (word.isupper() and len(word) >= 3)


def _title_case_off(word: str) -> str:
    # "Low-Power" -> "low-power"; acronyms and CamelCase names keep their case.
    return "-".join(
        p.lower() if p[:1].isupper() and p[1:].islower() else p for p in word.split("-")
    )


def _sentence_case_off(sentence: str) -> str:
    # Lowercase a sentence's first word when it is a plain capitalised word.
    first, _, rest = sentence.partition(" ")
    return f"{_title_case_off(first)} {rest}" if rest else _title_case_off(first)


class PhraseIndex:
    """Phrases of a set of papers, and their document frequency in a reference corpus."""

    def __init__(self, texts: dict[str, tuple[str, str]], reference: list[str]) -> None:
        """``texts``: label -> (title, abstract); ``reference``: other researchers' texts."""
        self.labels = list(texts)
        self.phrases: dict[tuple[str, ...], Phrase] = {}
        for label, (title, abstract) in texts.items():
            # Titles are in Title Case; abstracts show how a phrase is really written.
            title_text = " ".join(_title_case_off(w) for w in title.split())
            body = " ".join(_sentence_case_off(s) for s in split_sentences(abstract))
            title_keys = set()
            for key, surface in _candidates(title_text):
                title_keys.add(key)
                self._add(key, surface, label, 1)
            for key, surface in _candidates(body):
                self._add(key, surface, label, 3)
            for key in title_keys:
                self.phrases[key].in_title.add(label)
        ref_df: Counter[tuple[str, ...]] = Counter()
        for text in reference:
            ref_df.update({k for k, _ in _candidates(text)} & self.phrases.keys())
        self.ref_df = ref_df
        self.ref_n = len(reference)

    def _add(self, key: tuple[str, ...], surface: str, label: str, weight: int) -> None:
        ph = self.phrases.setdefault(key, Phrase(key))
        ph.surface[surface] += weight
        ph.papers.add(label)

    def idf(self, key: tuple[str, ...]) -> float:
        return math.log((self.ref_n + 1) / (self.ref_df[key] + 1)) + 1.0

    def score(self, ph: Phrase, within: set[str] | None = None) -> float:
        papers = ph.papers if within is None else ph.papers & within
        if not papers:
            return 0.0
        titles = len(ph.in_title & papers)
        length = 1.0 + 0.35 * (min(len(ph.key), 3) - 1)
        if set(ph.key) & _INNER:
            length *= 0.7  # "algorithm for sparse ..." is often a cut-off phrase
        # Within a theme, prefer phrases that belong to it rather than to the whole page.
        focus = len(papers) / len(ph.papers)
        return (len(papers) + 0.5 * titles) * self.idf(ph.key) * length * focus

    def top(
        self, k: int, within: set[str] | None = None, min_papers: int = 1
    ) -> list[tuple[Phrase, float]]:
        """The ``k`` best phrases, skipping ones that repeat a chosen phrase's words."""
        ranked = sorted(
            (
                (ph, self.score(ph, within))
                for ph in self.phrases.values()
                if len(ph.papers if within is None else ph.papers & within) >= min_papers
            ),
            key=lambda x: (-stable(x[1]), x[0].text),
        )
        chosen: list[tuple[Phrase, float]] = []
        for ph, s in ranked:
            if s <= 0:
                break
            if any(_overlaps(ph, c) for c, _ in chosen):
                continue
            chosen.append((ph, s))
            if len(chosen) == k:
                break
        return chosen


def _overlaps(a: Phrase, b: Phrase) -> bool:
    # "product property" under "approximate product property" with the same papers is noise.
    sa, sb = set(a.key), set(b.key)
    return bool(sa & sb) and (sa <= sb or sb <= sa or len(sa & sb) >= 2)
