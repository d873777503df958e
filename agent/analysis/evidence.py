"""The evidence a report is built from: one profile's papers (optionally one identity's), with
their stored vectors and quarantined text, and the reference corpus of other profiles' papers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrieval.models import Paper, Profile
from retrieval.store import VectorStore

from ..language import quarantine


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
    reference: list[PaperEvidence]  # other profiles' papers in the store
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


def _paper_evidence(
    paper: Paper, profile: Profile, vectors: dict[tuple[str, str], np.ndarray]
) -> PaperEvidence:
    title, q1 = quarantine(paper.title or "")
    abstract, q2 = quarantine(paper.abstract or "", context=paper.title or "")
    return PaperEvidence(
        paper=paper,
        profile_id=profile.id,
        text="\n".join(t for t in (title, abstract) if t),
        vector=vectors.get((profile.id, paper.id)),
        quarantined=q1 + q2,
        profile_name=profile.name,
        abstract=abstract,
    )


def gather_evidence(
    store: VectorStore, profile: Profile, identity_id: str | None = None
) -> Evidence:
    """Load the profile's paper vectors and every other stored profile as the reference corpus."""
    others = [s.id for s in store.list_profiles() if s.id != profile.id]
    vectors = store.paper_vectors([profile.id, *others])
    scope = [p for p in profile.papers if identity_id is None or p.identity_id == identity_id]
    papers = [_paper_evidence(p, profile, vectors) for p in scope]
    own_ids = {p.id for p in profile.papers}
    reference: list[PaperEvidence] = []
    stored = store.get_profiles(others)
    for pid in others:
        other = stored.get(pid)
        if other is None:
            continue
        # The same paper listed on two pages (co-authors) is not "other work".
        reference += [
            _paper_evidence(p, other, vectors) for p in other.papers if p.id not in own_ids
        ]
    return Evidence(profile, papers, reference, identity_id)
