"""What answering needs about one profile, built once and reused while the page is unchanged:
the page's evidence, its identities, a keyword index, and one scope per identity."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from retrieval.embeddings import Embedder
from retrieval.models import Profile
from retrieval.store import VectorStore

from ..analysis.evidence import Evidence, PaperEvidence
from ..analysis.topics import Analysis
from ..identities.assignment import identities_of
from ..language import content_terms
from ..models import Identity, IdentityResult
from ..verify import Verifier


@dataclass
class Scope:
    """The papers one answer may use: one identity's, or the whole page's."""

    evidence: Evidence
    identity: Identity | None
    _verifier: Verifier | None = None
    _analysis: Analysis | None = None

    @property
    def labels(self) -> set[str]:
        return {pe.label for pe in self.evidence.papers}

    def verifier(self, embedder: Embedder) -> Verifier:
        if self._verifier is None:
            self._verifier = Verifier(self.evidence, embedder)
        return self._verifier

    def analysis(self, embedder: Embedder) -> Analysis:
        from ..analysis.topics import analyse

        if self._analysis is None:
            self._analysis = analyse(self.evidence, embedder)
        return self._analysis


@dataclass
class ChatContext:
    profile: Profile
    page: Evidence
    identities: IdentityResult | None  # None: one person on the page
    scopes: dict[str | None, Scope]  # identity id (None: the whole page) -> scope
    terms: dict[str, Counter[str]]  # paper label -> stemmed content terms of its evidence
    idf: dict[str, float]
    identity_of: dict[str, str] = field(default_factory=dict)  # paper label -> identity id

    @property
    def mixed(self) -> bool:
        return self.identities is not None and self.identities.mixed

    @property
    def primary(self) -> str | None:
        return self.identities.primary if self.mixed and self.identities else None

    def scope(self, identity_id: str | None) -> Scope:
        return self.scopes[identity_id if self.mixed else None]

    def states(self, label: str, term: str) -> bool:
        """Whether a paper states ``term`` (a plural the light stemmer kept counts: 'gpus')."""
        have = self.terms[label]
        return bool(have[term] or (term.endswith("s") and have[term[:-1]]))

    def weight(self, term: str) -> float:
        """IDF of a term over the page; a term no paper states weighs most."""
        if term not in self.idf and term.endswith("s") and term[:-1] in self.idf:
            term = term[:-1]
        return self.idf.get(term, math.log(1 + 2 * max(len(self.page.papers), 1)))


def build_context(store: VectorStore, embedder: Embedder, profile: Profile) -> ChatContext:
    from ..analysis.evidence import gather_evidence
    from ..analysis.topics import analyse

    page = gather_evidence(store, embedder, profile)
    page_analysis = analyse(page, embedder)
    result = identities_of(store, page, page_analysis)
    whole = Scope(page, None, _analysis=page_analysis)
    scopes: dict[str | None, Scope] = {None: whole}
    identity_of: dict[str, str] = {}
    if result.mixed:
        assignment = result.assignment()
        for ident in result.identities:
            papers = [pe for pe in page.papers if assignment.get(pe.paper.id) == ident.id]
            scopes[ident.id] = Scope(Evidence(profile, papers, page.reference, ident.id), ident)
            identity_of.update({pe.label: ident.id for pe in papers})
    terms = {pe.label: Counter(content_terms(_indexed_text(pe))) for pe in page.papers}
    df: Counter[str] = Counter(t for c in terms.values() for t in c)
    n = max(len(page.papers), 1)
    idf = {t: math.log(1 + n / d) for t, d in df.items()}
    return ChatContext(
        profile, page, result if result.mixed else None, scopes, terms, idf, identity_of
    )


def _indexed_text(pe: PaperEvidence) -> str:
    """Title, abstract, venue and categories; hyphenated words also as their parts
    ('quantization-friendly' states 'quantization')."""
    p = pe.paper
    text = "\n".join([pe.text, p.venue or "", " ".join(p.categories)])
    return text + "\n" + " ".join(w for w in text.split() if "-" in w).replace("-", " ")
