"""The verifier on small hand-made cases with known right answers."""

from __future__ import annotations

import numpy as np
import pytest

from agent.analysis.evidence import Evidence, PaperEvidence
from agent.drafting import DraftSentence
from agent.models import SentenceStatus
from agent.verify import Verifier
from retrieval.config import EmbeddingConfig
from retrieval.embeddings import build_embedder
from retrieval.models import Paper, Profile

ABSTRACTS = {
    1: "We prove that zero topological entropy is equivalent to unique ergodicity for systems "
    "with the approximate product property.",
    2: "We propose GradientFlow, a communication backend for distributed DNN training on 512 "
    "GPUs, which reduces communication time by 35% on ImageNet.",
    3: "We study soft gluon resummation in dijet azimuthal correlations at the LHC.",
}


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    embedder = build_embedder(EmbeddingConfig())
    papers = [
        Paper(id=f"p{i}", position=i, abstract=text, authors=["Ada Lovelace"], source_line=i)
        for i, text in ABSTRACTS.items()
    ]
    profile = Profile(id="t", name="Ada Lovelace", source_format="json", papers=papers)
    vectors = embedder.embed([p.abstract or "" for p in papers])
    evidence = Evidence(
        profile,
        [
            PaperEvidence(
                p,
                "t",
                p.abstract or "",
                np.asarray(v),
                profile_name=profile.name,
                abstract=p.abstract or "",
            )
            for p, v in zip(papers, vectors, strict=True)
        ],
    )
    return Verifier(evidence, embedder)


def check(verifier: Verifier, text: str, *cites: str):
    return verifier.verify([DraftSentence(text=text, citations=list(cites))]).sentences[0]


def test_supported_sentence_is_kept(verifier: Verifier):
    s = check(verifier, "Zero topological entropy is equivalent to unique ergodicity.", "P1")
    assert s.status == SentenceStatus.kept
    assert s.support >= 0.8 and s.lexical == 1.0
    assert s.text == "Zero topological entropy is equivalent to unique ergodicity [P1]."


def test_unsupported_sentence_is_dropped(verifier: Verifier):
    s = check(verifier, "The researcher designs quantum error-correcting codes for qubits.", "P1")
    assert s.status == SentenceStatus.dropped
    assert "support" in s.reasons[-1]


def test_sentence_citing_the_wrong_paper_is_dropped(verifier: Verifier):
    # Supported by P1, but cites P3: the support is measured against what it cites.
    s = check(verifier, "Zero topological entropy is equivalent to unique ergodicity.", "P3")
    assert s.status == SentenceStatus.dropped


def test_invented_citation_is_removed(verifier: Verifier):
    s = check(verifier, "GradientFlow is a communication backend for DNN training.", "P2", "P9")
    assert s.status == SentenceStatus.repaired
    assert s.citations == ["P2"]
    assert s.text.endswith("[P2].")
    assert any("removed citation P9" in r for r in s.reasons)


def test_only_invented_citations_get_the_supporting_paper(verifier: Verifier):
    s = check(
        verifier, "GradientFlow is a communication backend for distributed DNN training.", "P7"
    )
    assert s.status == SentenceStatus.repaired and s.citations == ["P2"]


def test_numbers_must_be_in_the_cited_evidence(verifier: Verifier):
    ok = check(verifier, "GradientFlow reduces communication time by 35% on 512 GPUs.", "P2")
    assert ok.status == SentenceStatus.kept
    bad = check(verifier, "GradientFlow reduces communication time by 80% on 512 GPUs.", "P2")
    assert bad.status == SentenceStatus.dropped
    assert "'80%'" in bad.reasons[-1]


def test_named_things_must_be_in_the_evidence(verifier: Verifier):
    bad = check(verifier, "GradientFlow reduces communication time on CIFAR-10.", "P2")
    assert bad.status == SentenceStatus.dropped and "CIFAR-10" in bad.reasons[-1]
    # A name stated by another paper in scope: cite that paper instead of dropping.
    fixed = check(
        verifier, "Soft gluon resummation is studied at the LHC and with GradientFlow.", "P3"
    )
    assert fixed.status == SentenceStatus.repaired
    # The added citation joins the drafted one; citations are shown in page order.
    assert fixed.citations == ["P2", "P3"]


def test_irrelevant_citation_is_removed_but_partial_support_stays(verifier: Verifier):
    s = check(
        verifier,
        "Soft gluon resummation in dijet azimuthal correlations is studied.",
        "P3",
        "P1",
    )
    assert s.citations == ["P3"] and any("P1: it adds no support" in r for r in s.reasons)
    both = check(
        verifier,
        "The work spans unique ergodicity [P1] and soft gluon resummation [P3].",
    )
    assert both.status == SentenceStatus.kept and both.citations == ["P1", "P3"]
    assert set(both.citation_support) == {"P1", "P3"}


def test_uncited_unsupported_sentence_is_dropped(verifier: Verifier):
    s = check(verifier, "Ada Lovelace is the most influential scientist of her generation.")
    assert s.status == SentenceStatus.dropped
    assert "cites no paper" in s.reasons[-1]


def test_support_score_is_the_mean_of_kept_sentences(verifier: Verifier):
    v = verifier.verify(
        [
            DraftSentence(text="Zero topological entropy is equivalent to unique ergodicity [P1]."),
            DraftSentence(text="The researcher designs quantum codes for qubits [P1]."),
        ]
    )
    assert (v.kept, v.dropped) == (1, 1)
    assert v.support_score == v.sentences[0].support
