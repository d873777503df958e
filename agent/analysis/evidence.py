"""The evidence a report is built from: one profile's papers (optionally one identity's), with
their stored vectors and quarantined text, and the reference corpus of other profiles' papers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrieval.embeddings import Embedder
from retrieval.models import Paper, Profile
from retrieval.store import VectorStore

from ..language import quarantine, readable
from .keyphrases import phrase_keys
from .memo import memo
from .reference import ReferenceSet, reference_set


@dataclass
class PaperEvidence:
    """A paper as drafters and the verifier see it: text with instructions removed."""

    paper: Paper
    profile_id: str
    text: str  # title + abstract, quarantined
    vector: np.ndarray | None
    quarantined: list[str] = field(default_factory=list)
    profile_name: str | None = None
    abstract: str = ""  # quarantined

    @property
    def label(self) -> str:
        return self.paper.label

    def evidence_text(self) -> str:
        """Everything a sentence citing this paper may state: its text and its listing data."""
        p = self.paper
        parts = [self.text]
        if p.year:
            parts.append(f"Published {p.year}.")
        if p.date_text:
            parts.append(p.date_text)
        if p.venue:
            parts.append(p.venue)
        if p.authors:
            parts.append("Authors: " + ", ".join(p.authors))
        if p.categories:
            parts.append("Categories: " + ", ".join(p.categories))
        return "\n".join(parts)

    def short(self, n: int = 120) -> str:
        """The title, or the start of the abstract for pages that give no titles."""
        text = self.paper.title or self.abstract or ""
        text = " ".join(text.split())
        return text if len(text) <= n else text[: n - 3].rsplit(" ", 1)[0].rstrip(".,;:") + "..."


@dataclass
class Evidence:
    profile: Profile
    papers: list[PaperEvidence]  # in scope (the whole page, or one identity)
    reference: ReferenceSet = field(default_factory=ReferenceSet.empty)  # other profiles' papers
    identity_id: str | None = None

    @property
    def by_label(self) -> dict[str, PaperEvidence]:
        return {pe.label: pe for pe in self.papers}

    def matrix(self) -> tuple[list[PaperEvidence], np.ndarray]:
        """In-scope papers that have vectors, and their vectors as rows."""
        rows = [pe for pe in self.papers if pe.vector is not None]
        if not rows:
            return [], np.zeros((0, 1), dtype=np.float32)
        return rows, np.stack([pe.vector for pe in rows])  # type: ignore[misc]  # filtered above


def _quarantined_title(title: str) -> tuple[str, list[str]]:
    return quarantine(readable(title))


def _quarantined_abstract(title_and_abstract: str) -> tuple[str, list[str]]:
    title, _, abstract = title_and_abstract.partition("\0")
    return quarantine(readable(abstract), context=title)


def evidence_of(
    items: list[tuple[Paper, Profile]], vectors: dict[tuple[str, str], np.ndarray]
) -> list[PaperEvidence]:
    """Evidence of many papers at once: their quarantined texts come from the analysis memo
    (worked out once per text, at ingest for every stored paper)."""
    # LaTeX is rendered once here, so drafters quote and the verifier checks the same text.
    store = memo()
    titles = store.many(
        "evidence-title", [paper.title or "" for paper, _ in items], _quarantined_title
    )
    abstracts = store.many(
        "evidence-abstract",
        [f"{paper.title or ''}\0{paper.abstract or ''}" for paper, _ in items],
        _quarantined_abstract,
    )
    out = []
    for (paper, profile), (title, q1), (abstract, q2) in zip(items, titles, abstracts, strict=True):
        out.append(
            PaperEvidence(
                paper=paper,
                profile_id=profile.id,
                text="\n".join(t for t in (title, abstract) if t),
                vector=vectors.get((profile.id, paper.id)),
                quarantined=list(q1) + list(q2),
                profile_name=profile.name,
                abstract=abstract,
            )
        )
    return out


def gather_evidence(
    store: VectorStore, embedder: Embedder, profile: Profile, identity_id: str | None = None
) -> Evidence:
    """The profile's papers (``identity_id``'s only, when given) with their stored vectors,
    and every other stored profile's papers as the reference set (``agent.analysis.reference``)."""
    vectors = store.paper_vectors([profile.id])
    scope = [p for p in profile.papers if identity_id is None or p.identity_id == identity_id]
    papers = evidence_of([(p, profile) for p in scope], vectors)
    # Phrase counts are read for every phrase the page's papers can name (any subset of them
    # is analysed with the same reference set: an identity, a chat scope).
    page = evidence_of([(p, profile) for p in profile.papers], vectors) if identity_id else papers
    keys = phrase_keys(phrase_sources(page))
    return Evidence(profile, papers, reference_set(store, embedder, profile, keys), identity_id)


def phrase_sources(pes: list[PaperEvidence]) -> dict[str, tuple[str, str]]:
    """Label -> (title, abstract): the texts keyphrases are read from."""
    return {pe.label: (pe.paper.title or "", pe.abstract) for pe in pes}
