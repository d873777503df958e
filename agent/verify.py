"""The verifier: every draft sentence, whoever wrote it, is checked against the papers it cites.

For each sentence:

1. Citations must name papers in scope (this profile, or this identity); others are removed.
2. Every number and named thing (method, dataset, system, person) it states must appear in the
   text of a cited paper. If another in-scope paper states it, that paper is cited instead of
   dropping the sentence (a repair); otherwise the sentence is dropped.
3. Support = 0.7 x lexical + 0.3 x semantic, where lexical is the share of the sentence's
   content words (stemmed, stopwords removed) found in the cited papers, and semantic is the
   cosine similarity of the sentence to the closest cited paper (all-MiniLM-L6-v2). A sentence
   below the threshold is dropped. Citation precision, as in ALCE, per citation marker: a
   citation is removed when its paper does not support the text its marker closes and the
   other papers support that text as well without it.
4. A sentence with no valid citation is given the in-scope paper that supports it best when that
   paper alone passes the threshold; otherwise it is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from retrieval.embeddings import Embedder
from retrieval.similarity import cosines, stable

from .analysis.evidence import Evidence
from .drafting.base import DraftSentence, page_order
from .language import appears_in, content_terms, salient_facts, stem
from .models import CheckedSentence, SentenceStatus, Verification

THRESHOLD = 0.5
LEXICAL_WEIGHT = 0.7
# Words our own templates use to join facts; they need no evidence.
TEMPLATE_TERMS = frozenset(
    stem(w)
    for w in [
        "listed",
        "page",
        "owner",
        "names",
        "span",
        "main",
        "lines",
        "line",
        "work",
        "works",
        "centre",
        "center",
        "earliest",
        "recent",
        "most",
        "dated",
        "stays",
        "threads",
        "thread",
        "smaller",
        "include",
        "includes",
        "co-authors",
        "authors",
        "author",
        "researcher",
        "researchers",
        "topic",
        "topics",
        "theme",
        "themes",
        "range",
        "ranges",
        "spanning",
        "focus",
        "focuses",
        "turn",
        "turns",
        "later",
        "earlier",
        "contribution",
        "contributions",
        "research",
        "area",
        "areas",
        "field",
        "fields",
        "one",
        "two",
        "three",
        "four",
        "paper",
    ]
)

METHOD = (
    "Each sentence: cited ids must be in scope; every number and named method/dataset must "
    "appear in a cited paper; support = 0.7 x share of content words found in the cited papers "
    "+ 0.3 x cosine similarity to the closest cited paper (all-MiniLM-L6-v2); sentences below "
    f"{THRESHOLD} are dropped; a citation whose paper does not support the text its marker "
    "closes, and which the other cited papers make unnecessary, is removed."
)


@dataclass
class _Score:
    lexical: float
    semantic: float

    @property
    def support(self) -> float:
        return stable(
            LEXICAL_WEIGHT * self.lexical + (1 - LEXICAL_WEIGHT) * max(self.semantic, 0.0)
        )


class Verifier:
    def __init__(self, evidence: Evidence, embedder: Embedder, threshold: float = THRESHOLD):
        self.evidence = evidence
        self.embedder = embedder
        self.threshold = threshold
        self.scope = evidence.by_label
        self._terms = {
            label: set(content_terms(pe.evidence_text())) for label, pe in self.scope.items()
        }
        name = evidence.profile.name
        self.allowed_terms = TEMPLATE_TERMS | (set(content_terms(name)) if name else set())
        # The owner's name needs no evidence, nor do capitalised template words that can follow
        # a comma ("..., the most recent").
        self.allowed_names = frozenset(
            part.lower() for part in ([name, *name.split()] if name else [])
        ) | {"the", "one", "on", "from", "smaller", "their", "they", "this", "these"}

    def verify(self, sentences: Iterable[DraftSentence]) -> Verification:
        drafts = list(sentences)
        vectors = self.embedder.embed([s.plain() for s in drafts]) if drafts else np.zeros((0, 1))
        checked = [self._check(s, v) for s, v in zip(drafts, vectors, strict=True)]
        kept = [c for c in checked if c.status != SentenceStatus.dropped]
        return Verification(
            method=METHOD,
            threshold=self.threshold,
            support_score=round(float(np.mean([c.support for c in kept])), 3) if kept else None,
            sentences=checked,
            kept=sum(c.status == SentenceStatus.kept for c in checked),
            repaired=sum(c.status == SentenceStatus.repaired for c in checked),
            dropped=sum(c.status == SentenceStatus.dropped for c in checked),
        )

    # -- one sentence ---------------------------------------------------------------------------

    def _score(self, terms: set[str], vector: np.ndarray, labels: list[str]) -> _Score:
        if not labels:
            return _Score(0.0, 0.0)
        evidence_terms = set().union(*(self._terms[label] for label in labels))
        lexical = stable(len(terms & evidence_terms) / len(terms)) if terms else 1.0
        vecs = [self.scope[label].vector for label in labels]
        sims = [float(cosines(v[None, :], vector)[0]) for v in vecs if v is not None]
        return _Score(lexical, max(sims) if sims else 0.0)

    def _missing_facts(self, sentence: DraftSentence, labels: list[str]) -> list[str]:
        return self._missing_in(sentence.plain(), labels)

    def _missing_in(self, text: str, labels: list[str]) -> list[str]:
        evidence = "\n".join(self.scope[label].evidence_text() for label in labels)
        return [
            f.text
            for f in salient_facts(text, self.allowed_names)
            if not appears_in(f.text, evidence)
        ]

    def _check(self, sentence: DraftSentence, vector: np.ndarray) -> CheckedSentence:
        reasons: list[str] = []
        cited = sentence.all_citations()
        labels = [c for c in cited if c in self.scope]
        for bad in (c for c in cited if c not in self.scope):
            reasons.append(f"removed citation {bad}: not a paper in scope of this profile")
        terms = {t for t in content_terms(sentence.plain()) if t not in self.allowed_terms}

        # Facts: each must be stated by a cited paper; cite another in-scope paper that states it.
        missing = self._missing_facts(sentence, labels) if labels else []
        for fact in missing:
            source = next(
                (lb for lb, pe in self.scope.items() if appears_in(fact, pe.evidence_text())), None
            )
            if source is None:
                return self._drop(
                    sentence, cited, f"states {fact!r}, which no paper in scope states", reasons
                )
            if source not in labels:
                labels.append(source)
                reasons.append(f"added citation {source}: it states {fact!r}")

        if not labels:
            best = max(
                self.scope,
                key=lambda lb: self._score(terms, vector, [lb]).support,
                default=None,
            )
            if best is None or self._score(terms, vector, [best]).support < self.threshold:
                return self._drop(
                    sentence, cited, "cites no paper in scope that supports it", reasons
                )
            if self._missing_facts(sentence, [best]):
                return self._drop(
                    sentence, cited, "cites no paper in scope that states its facts", reasons
                )
            labels = [best]
            reasons.append(f"cited {best}, the paper in scope that supports it best")

        score = self._score(terms, vector, labels)
        # Citation precision (ALCE), per citation marker: a citation goes when its paper does
        # not support the text its marker closes and the other papers support it as well
        # without it.
        for seg_text, seg_labels in _segments(sentence, labels):
            seg_terms = {t for t in content_terms(seg_text) if t not in self.allowed_terms}
            current = [lb for lb in seg_labels if lb in labels]
            for label in list(current):
                rest = [lb for lb in current if lb != label]
                if not rest:
                    break
                joint = self._score(seg_terms, vector, current)
                alone = self._score(seg_terms, vector, [label])
                without = self._score(seg_terms, vector, rest)
                if (
                    alone.support < self.threshold
                    and without.lexical >= joint.lexical
                    and not self._missing_in(seg_text, rest)
                ):
                    current = rest
                    labels = [lb for lb in labels if lb != label]
                    reasons.append(f"removed citation {label}: it adds no support")
        score = self._score(terms, vector, labels)
        if score.support < self.threshold:
            return self._drop(
                sentence,
                cited,
                f"support {score.support:.2f} < {self.threshold} (lexical {score.lexical:.2f}, "
                f"semantic {score.semantic:.2f})",
                reasons,
            )
        per_citation = {lb: round(self._score(terms, vector, [lb]).support, 3) for lb in labels}
        labels = page_order(labels)
        text = sentence.rendered(labels)
        repaired = bool(reasons)
        return CheckedSentence(
            text=text,
            citations=labels,
            status=SentenceStatus.repaired if repaired else SentenceStatus.kept,
            support=round(min(score.support, 1.0), 3),
            lexical=round(score.lexical, 3),
            semantic=round(score.semantic, 3),
            citation_support=per_citation,
            reasons=reasons,
            original=sentence.rendered() if repaired else None,
        )

    def _drop(
        self, sentence: DraftSentence, cited: list[str], why: str, reasons: list[str]
    ) -> CheckedSentence:
        return CheckedSentence(
            text=sentence.rendered(),
            citations=cited,
            status=SentenceStatus.dropped,
            support=0.0,
            lexical=0.0,
            semantic=0.0,
            reasons=[*reasons, why],
        )


def _segments(sentence: DraftSentence, labels: list[str]) -> list[tuple[str, list[str]]]:
    """The parts of a sentence its citation markers close, with their labels; a sentence
    with at most one marker is one part citing all of ``labels``."""
    parts = sentence.segments()
    if len(parts) <= 1:
        return [(sentence.plain(), list(labels))]
    return parts
