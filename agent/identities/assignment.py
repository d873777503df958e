"""Identity workflow over the store: compute a profile's identities (with the user's stored
corrections), persist the identity ids on its papers and chunks, read correction files."""

from __future__ import annotations

from pathlib import Path

from retrieval.embeddings import Embedder
from retrieval.models import Profile
from retrieval.store import VectorStore
from retrieval.yaml_input import read_yaml_model

from ..analysis.evidence import Evidence, gather_evidence
from ..analysis.topics import PaperTopics, classify, paper_topics
from ..models import Corrections, IdentityResult
from .clustering import apply_identities, assign_identities


def read_corrections(path: Path) -> Corrections:
    """A corrections file: ``together: [[P1, P2]]`` and ``apart: [[P3, P5]]`` (YAML or JSON)."""
    return read_yaml_model(
        path, Corrections, "expected 'together: [[P1, P2]]' and/or 'apart: [[P3, P5]]'"
    )


def stored_corrections(store: VectorStore, profile_id: str) -> Corrections | None:
    text = store.get_corrections(profile_id)
    return Corrections.model_validate_json(text) if text else None


def identify(
    store: VectorStore,
    embedder: Embedder,
    profile: Profile,
    corrections: Corrections | None = None,
    *,
    named: bool = True,
) -> IdentityResult:
    """The identities of a stored profile; ``corrections`` default to the stored ones.
    ``named=False`` leaves out each identity's keyphrases (its ``top_terms``, which cost phrase
    embeddings, and the label made from them): the grouping is the same, and it is all that
    ingest stores."""
    evidence = gather_evidence(store, embedder, profile)
    if not named:
        if corrections is None:
            corrections = stored_corrections(store, profile.id)
        return assign_identities(evidence, classify(evidence, embedder), corrections)
    return identities_of(store, evidence, paper_topics(evidence, embedder), corrections)


def identities_of(
    store: VectorStore,
    page: Evidence,
    analysis: PaperTopics,
    corrections: Corrections | None = None,
) -> IdentityResult:
    """Identities from a page's evidence and analysis already at hand."""
    if corrections is None:
        corrections = stored_corrections(store, page.profile.id)
    return assign_identities(page, analysis.per_paper, corrections, analysis.topics_of)


def persist_identities(store: VectorStore, profile: Profile, result: IdentityResult) -> Profile:
    """Write the identity ids into the chunks' metadata and the profile record."""
    return persist_all(store, [(profile, result)])[0]


def persist_all(store: VectorStore, results: list[tuple[Profile, IdentityResult]]) -> list[Profile]:
    """``persist_identities`` for several profiles: one write of chunk metadata, one of
    profile records."""
    labelled = [apply_identities(profile, result) for profile, result in results]
    store.set_identities_of({profile.id: result.assignment() for profile, result in results})
    metas = store.profile_metas([p.id for p in labelled])
    counts = [int(metas.get(p.id, {}).get("chunks", 0)) for p in labelled]
    store.put_profiles(list(zip(labelled, counts, strict=True)))
    return labelled
