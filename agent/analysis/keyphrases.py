"""Fine-grained topics: keyphrases stated by the papers themselves.

Candidates are noun phrases: 1-4 word spans between stopwords and punctuation whose words
can be modifiers (adjectives, nouns, participles) and whose last word can head a noun phrase,
by the part-of-speech lexicon of LemmInflect (an English lexicon shipped in the package; a
word it does not know is jargon or a name, a noun). So "A/B testing lacks" or "LLMs learn"
(a verb closes them) and "carries full topological pressure" (a verb opens it) are not
topics. A phrase scores by how many papers in scope state it, how rare it
is in the reference corpus of other researchers' papers (so "deep learning" ranks below
"approximate product property"), and its length. Every phrase is a literal span of the papers
it lists, so it can be cited and checked.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np
from lemminflect import getAllLemmas

from retrieval.similarity import stable

from ..language import FILLER, STOPWORDS, split_sentences, stem

_SPLIT = re.compile(r"[.,;:!?()\[\]{}\"“”]|(?<![A-Za-z])/|/(?![A-Za-z])|\s-\s|\$[^$]*\$")
_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9\-'/]*$")
# Words that may sit inside a phrase but never start or end one ("of" in "theory of games").
_INNER = frozenset({"of", "for", "in", "on", "with"})
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
KEYBERT_FLOOR = 0.2  # a phrase unrelated to its papers keeps this much of its score


@dataclass
class Phrase:
    key: tuple[str, ...]  # stemmed words
    surface: Counter[str] = field(default_factory=Counter)
    papers: set[str] = field(default_factory=set)
    in_title: set[str] = field(default_factory=set)

    _text: str | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The most used surface form (kept once the index is built: it is read often)."""
        if self._text is not None:
            return self._text
        return self.surface.most_common(1)[0][0]

    def freeze(self) -> None:
        self._text = self.surface.most_common(1)[0][0]


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
                if not _noun_phrase(words):
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


def candidates_of(texts: list[str]) -> list[frozenset[tuple[tuple[str, ...], str]]]:
    """``_candidates`` of each text, stored ones from the analysis memo (see ``memo``)."""
    from .memo import memo

    return memo().many("candidates", texts, _candidates)


@lru_cache(maxsize=65536)
def _tags(word: str) -> frozenset[str]:
    """Parts of speech a word can have; names, acronyms and unknown words are nouns."""
    if _named(word) or word.isupper():
        return frozenset({"PROPN"})
    tags = frozenset(getAllLemmas(word.lower()))
    return tags or frozenset({"NOUN"})


def _modifier(word: str) -> bool:
    # "federated learning", "approximate product property", "deep joint rain removal".
    # A verb-only "-ing" word is a verb ("studying X", "using Y"), not a modifier.
    return bool(_tags(word) & {"NOUN", "PROPN", "ADJ"}) or word.lower().endswith(("ed", "-based"))


def _head(word: str) -> bool:
    # A gerund heads a topic too: "channel pruning", "federated learning".
    return bool(_tags(word) & {"NOUN", "PROPN"}) or word.lower().endswith("ing")


def _noun_phrase(words: list[str]) -> bool:
    """(modifier)* head, optionally joined by a preposition to another such phrase
    ("theory of games")."""
    parts: list[list[str]] = [[]]
    for w in words:
        if w.lower() in _INNER:
            parts.append([])
        else:
            parts[-1].append(w)
    return all(part and _head(part[-1]) and all(_modifier(w) for w in part[:-1]) for part in parts)


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


def _phrase_texts(texts: dict[str, tuple[str, str]]) -> list[str]:
    """Every title, then every abstract, as phrases are read from them: titles are in Title
    Case; abstracts show how a phrase is really written."""
    titles = [" ".join(_title_case_off(w) for w in t.split()) for t, _ in texts.values()]
    bodies = [
        " ".join(_sentence_case_off(s) for s in split_sentences(a)) for _, a in texts.values()
    ]
    return [*titles, *bodies]


def phrase_keys(texts: dict[str, tuple[str, str]]) -> set[tuple[str, ...]]:
    """The keys of every phrase a ``PhraseIndex`` of ``texts`` (or of some of them) can hold."""
    return {k for cands in candidates_of(_phrase_texts(texts)) for k, _ in cands}


class DocumentFrequencies(Protocol):
    """Other researchers' papers, as keyphrase rarity reads them (``ReferenceSet``)."""

    def __len__(self) -> int: ...

    def doc_freq(self, keys: Iterable[tuple[str, ...]]) -> Counter[tuple[str, ...]]:
        """How many of the papers' texts have each of ``keys`` among their candidates."""
        ...


class PhraseIndex:
    """Phrases of a set of papers, and their document frequency in a reference corpus."""

    def __init__(
        self,
        texts: dict[str, tuple[str, str]],
        reference: DocumentFrequencies,
        vectors: dict[str, np.ndarray] | None = None,
        embed: Callable[[list[str]], np.ndarray] | None = None,
    ) -> None:
        """``texts``: label -> (title, abstract); ``reference``: other researchers' texts;
        ``vectors`` (label -> paper vector) and ``embed`` (texts -> unit vectors) turn on the
        KeyBERT-style rerank: a phrase counts by how close it is to the papers it names."""
        self.labels = list(texts)
        self.vectors = vectors or {}
        self.embed = embed
        self._phrase_vectors: dict[str, np.ndarray] = {}
        self.phrases: dict[tuple[str, ...], Phrase] = {}
        # Titles are in Title Case; abstracts show how a phrase is really written.
        own = candidates_of(_phrase_texts(texts))
        n = len(texts)
        for i, label in enumerate(texts):
            title_keys = set()
            for key, surface in own[i]:
                title_keys.add(key)
                self._add(key, surface, label, 1)
            for key, surface in own[n + i]:
                self._add(key, surface, label, 3)
            for key in title_keys:
                self.phrases[key].in_title.add(label)
        self.ref_df = reference.doc_freq(self.phrases.keys())
        self.ref_n = len(reference)
        # Built: surfaces no longer change, so each phrase's text is fixed, and phrases are
        # found by text (the first one of a text, as a scan in insertion order would).
        self.by_text: dict[str, Phrase] = {}
        for ph in self.phrases.values():
            ph.freeze()
            self.by_text.setdefault(ph.text, ph)

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
        ranked = self._rerank([(ph, sc) for ph, sc in ranked if sc > 0][: 4 * k], within)
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

    def _rerank(
        self, ranked: list[tuple[Phrase, float]], within: set[str] | None
    ) -> list[tuple[Phrase, float]]:
        """KeyBERT (Grootendorst, 2020) on the MiniLM vectors we have: each candidate's score
        is weighted by the cosine between the phrase and the centre of the papers in scope,
        so generic phrases ("broad class") sink below the topic's own words."""
        labels = [x for x in (self.labels if within is None else within) if x in self.vectors]
        if self.embed is None or not labels or not ranked:
            return ranked
        centre = np.mean([self.vectors[x] for x in sorted(labels)], axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        todo = [ph.text for ph, _ in ranked if ph.text not in self._phrase_vectors]
        if todo:
            self._phrase_vectors.update(zip(todo, self.embed(todo), strict=True))
        rescored = [
            (
                ph,
                stable(
                    sc * (KEYBERT_FLOOR + max(stable(self._phrase_vectors[ph.text] @ centre), 0.0))
                ),
            )
            for ph, sc in ranked
        ]
        return sorted(rescored, key=lambda x: (-x[1], x[0].text))


def _overlaps(a: Phrase, b: Phrase) -> bool:
    # "product property" under "approximate product property" with the same papers is noise.
    sa, sb = set(a.key), set(b.key)
    return bool(sa & sb) and (sa <= sb or sb <= sa or len(sa & sb) >= 2)
