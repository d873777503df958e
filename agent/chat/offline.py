"""The offline answerer: the sentences of the papers that answer the question, rewritten for
the reader and cited; no model at all.

Retrieval is hybrid over the papers in scope: keyword coverage (IDF-weighted share of the
question's words a paper states) and the cosine of the question to the paper's stored vector.
The answer is the best-covering abstract sentences of the best papers. Below the support bar
(``MIN_SUPPORT``) it abstains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis.evidence import PaperEvidence
from ..drafting.base import DraftSentence
from ..drafting.offline import CUE, reader_sentence
from ..language import content_terms, split_sentences
from .context import ChatContext, Scope
from .routing import Route

KEYWORD_WEIGHT = 0.7  # paper relevance = 0.7 x keyword coverage + 0.3 x cosine
# Calibrated on the chat suite (evals/chat): the support below which the papers "don't say".
MIN_SUPPORT = 0.5
MIN_COVERAGE = 0.5  # share (IDF-weighted) of the question's words one paper must state
TOP_PAPERS = 4
MAX_SENTENCES = 3
FOLLOW_UP_BONUS = 0.1


@dataclass
class Candidate:
    pe: PaperEvidence
    coverage: float  # keyword coverage of the question by the paper
    semantic: float
    support: float  # the combined relevance
    states_head: bool = True  # states what the question asks for ("which *journal*")


def rank_papers(
    ctx: ChatContext,
    pes: list[PaperEvidence],
    route: Route,
    qvec: np.ndarray | None,
) -> list[Candidate]:
    """Papers by relevance to the question, best first (ties by position)."""
    weights = {t: ctx.weight(t) for t in route.terms}
    total = sum(weights.values())
    out = []
    for pe in pes:
        coverage = (
            sum(w for t, w in weights.items() if ctx.states(pe.label, t)) / total if total else 0.0
        )
        semantic = float(pe.vector @ qvec) if qvec is not None and pe.vector is not None else 0.0
        support = KEYWORD_WEIGHT * coverage + (1 - KEYWORD_WEIGHT) * max(semantic, 0.0)
        if pe.label in route.prefer:
            support += FOLLOW_UP_BONUS
        head = route.head is None or ctx.states(pe.label, route.head)
        out.append(
            Candidate(pe, round(coverage, 6), round(semantic, 6), round(min(support, 1.0), 6), head)
        )
    out.sort(key=lambda c: (-c.support, c.pe.paper.position))
    return out


def passes(c: Candidate) -> bool:
    """Whether a paper can answer: it states enough of the question's key words and what the
    question asks for (a paper on GradientFlow that names no journal cannot say which one)."""
    return c.states_head and c.coverage >= MIN_COVERAGE and c.support >= MIN_SUPPORT


def draft_from_papers(
    ctx: ChatContext, scope: Scope, route: Route, ranked: list[Candidate]
) -> list[DraftSentence]:
    """The best sentences of the best papers, each citing its paper."""
    good = [c for c in ranked[:TOP_PAPERS] if passes(c)]
    if not good:
        return []
    best = good[0].support
    good = [c for c in good if c.support >= 0.8 * best]
    # The words the question itself adds weigh double those carried over from a follow-up.
    weights = {t: ctx.weight(t) * (2.0 if t in route.asked else 1.0) for t in route.terms}
    picked: list[tuple[float, int, int, str, PaperEvidence]] = []
    for rank, c in enumerate(good):
        sentences = split_sentences(c.pe.abstract) or []
        scored = []
        for i, s in enumerate(sentences):
            terms = set(content_terms(s))
            cov = sum(w for t, w in weights.items() if t in terms or t[:-1] in terms) / (
                sum(weights.values()) or 1
            )
            words = len(s.split())
            penalty = 0.15 if words > 60 or words < 6 else 0.0
            if route.head and (route.head in terms or route.head[:-1] in terms):
                penalty -= 0.2  # states what the question asks for
            if CUE.search(s):
                penalty -= 0.15  # states what the paper does, not background
            elif i == 0:
                penalty += 0.05  # first sentences are usually background
            if s.lower().startswith(("these ", "this ", "it ", "they ", "such ", "those ")):
                penalty += 0.3  # points back at a sentence we do not quote
            scored.append((round(cov - penalty, 6), i, s))
        scored.sort(key=lambda x: (-x[0], x[1]))
        if scored and scored[0][0] > 0:
            keep = scored[:2] if rank == 0 and len(good) == 1 else scored[:1]
            for cov, i, s in keep:
                if cov > 0:
                    picked.append((cov, rank, i, s, c.pe))
        elif c.pe.paper.title:
            picked.append((0.0, rank, -1, f'One listed paper is "{c.pe.paper.title}"', c.pe))
    picked.sort(key=lambda x: (x[1], x[2]))
    out = []
    for _, _, _, s, pe in picked[:MAX_SENTENCES]:
        text = reader_sentence(s, pe, scope.evidence)
        if text:
            out.append(DraftSentence(text=f"{text} [{pe.label}].", citations=[pe.label]))
    return out
